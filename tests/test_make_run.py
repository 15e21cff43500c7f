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
    line = _serve_line(_dry_run("HOST=192.168.1.5", "PORT=9000"))
    assert "SITE_URL=http://192.168.1.5:9000 " in line
    assert line.endswith("runserver 192.168.1.5:9000")


@pytest.mark.parametrize(
    ("host", "loopback"),
    [("0.0.0.0", "127.0.0.1"), ("[::]", "[::1]"), ("::", "[::1]")],  # noqa: S104 - the wildcards under test
)
def test_make_run_links_to_loopback_when_host_is_a_wildcard(host, loopback):
    """Every interface is where the server listens, not an address an email's link can reach (issue 12, audit 1)."""
    lines = _dry_run(f"HOST={host}", "PORT=8123")
    assert f"SITE_URL=http://{loopback}:8123 " in _serve_line(lines)
    assert _serve_line(lines).endswith(f"runserver {host}:8123")  # still listens on every interface
    assert all(f"SITE_URL=http://{loopback}:8123 " in line for line in lines if "manage.py" in line)
    assert f'echo "Serving at http://{loopback}:8123/ ' in "\n".join(lines)
    assert not any(f"http://{host}" in line for line in lines)


def test_make_run_keeps_a_site_url_given_in_the_environment_with_a_wildcard_host():
    line = _serve_line(_dry_run("HOST=0.0.0.0", "PORT=8123", env={"SITE_URL": "https://directory.example"}))
    assert "SITE_URL=https://directory.example " in line
    assert line.endswith("runserver 0.0.0.0:8123")


def test_make_run_keeps_a_site_url_given_in_the_environment():
    line = _serve_line(_dry_run("PORT=8123", env={"SITE_URL": "https://directory.example"}))
    assert "SITE_URL=https://directory.example " in line
    assert "runserver 127.0.0.1:8123" in line
