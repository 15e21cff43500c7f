"""`make run` tells the app the address it serves, so links in emails point at the served port (issue 12, point 13)."""

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

MAKE = shutil.which("make")
pytestmark = pytest.mark.skipif(MAKE is None, reason="make is not installed")


def _dry_run(*args: str, env: dict | None = None) -> list[str]:
    """The commands `make run` would run (nothing is run: -n), environment without SITE_URL unless given."""
    environ = {"PATH": "/usr/bin:/bin", **(env or {})}
    out = subprocess.run(
        [MAKE, "-n", "run", *args], cwd=ROOT, env=environ, check=True, capture_output=True, text=True
    ).stdout
    return out.splitlines()


def _serve_line(lines: list[str]) -> str:
    return next(line for line in lines if "manage.py runserver" in line)


def test_make_run_passes_site_url_built_from_host_and_port():
    lines = _dry_run("PORT=8123")
    assert "SITE_URL=http://127.0.0.1:8123 " in _serve_line(lines)
    assert _serve_line(lines).endswith("runserver 127.0.0.1:8123")
    # Every step that may send mail (seed_demo, migrate) knows the address too.
    assert all("SITE_URL=http://127.0.0.1:8123 " in line for line in lines if "manage.py" in line)


def test_make_run_builds_site_url_from_host_as_well():
    assert "SITE_URL=http://0.0.0.0:9000 " in _serve_line(_dry_run("HOST=0.0.0.0", "PORT=9000"))


def test_make_run_keeps_a_site_url_given_in_the_environment():
    line = _serve_line(_dry_run("PORT=8123", env={"SITE_URL": "https://directory.example"}))
    assert "SITE_URL=https://directory.example " in line
    assert "runserver 127.0.0.1:8123" in line
