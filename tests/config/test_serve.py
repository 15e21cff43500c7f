"""`make serve` (issue 16): the production settings under gunicorn on loopback, with hashed static files and headers.

The real target runs, on a free port, over a throw-away SQLite database, static folder and secret file; the test
waits for /healthz, reads pages and a static file, and stops the server's process group.
"""

import json
import os
import re
import runpy
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from ..s3 import free_port
from .conftest import ROOT

MAKE = shutil.which("make")
START_SECONDS = 180
# The site's stylesheet under its hashed name (ManifestStaticFilesStorage: 12 hex digits).
STATIC_CSS = re.compile(r'href="(/static/css/site\.[0-9a-f]{12}\.css)"')
FAR_FUTURE = "max-age=315360000, public, immutable"

pytestmark = pytest.mark.skipif(MAKE is None, reason="make is not installed")


def fetch(url: str, headers: dict | None = None) -> tuple[int, dict, bytes]:
    """GET without following redirects: (status, headers with lower-case names, body)."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    request = urllib.request.Request(url, headers=headers or {})  # noqa: S310 - a loopback http URL of the test's
    try:
        with opener.open(request, timeout=10) as response:
            return response.status, {k.lower(): v for k, v in response.headers.items()}, response.read()
    except urllib.error.HTTPError as error:
        return error.code, {k.lower(): v for k, v in error.headers.items()}, error.read()


def wait_for(url: str, process: subprocess.Popen, log: Path, seconds: int = START_SECONDS) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the server stopped with {process.returncode}:\n{log.read_text()[-4000:]}")
        try:
            if fetch(url)[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.3)
    pytest.fail(f"{url} did not answer within {seconds}s:\n{log.read_text()[-4000:]}")


def stop(process: subprocess.Popen) -> None:
    """Stop the server: its own process group (make, the shell, gunicorn's master and workers)."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def base_environment() -> dict:
    """The environment of a clean shell: none of the developer's or the test run's Django variables."""
    dropped = {"DEBUG", "DATABASE_URL", "CACHE_URL", "WEB_CONCURRENCY", "SECRET_KEY", "DJANGO_SETTINGS_MODULE"}
    return {k: v for k, v in os.environ.items() if k not in dropped and not k.startswith("PYTEST")}


@pytest.fixture
def served(tmp_path):
    """`make serve` on a free port; yields (base URL, log file, secret file)."""
    port = free_port()
    log = tmp_path / "serve.log"
    secret = tmp_path / "serve-secret"
    env = base_environment()
    env.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        STATIC_ROOT=str(tmp_path / "static"),
        MEDIA_ROOT=str(tmp_path / "media"),
        PRIVATE_MEDIA_ROOT=str(tmp_path / "private"),
    )
    # -o: the virtualenv is taken as installed (a test never runs pip).
    command = [MAKE, "-o", ".venv/.installed", "serve", f"PORT={port}", f"SERVE_SECRET={secret}"]
    with log.open("wb") as output:
        process = subprocess.Popen(  # noqa: S603 - our own arguments
            command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(f"{base}/healthz", process, log)
        yield base, log, secret
    finally:
        stop(process)


def test_make_serve_answers_with_the_production_settings_hashed_static_files_and_security_headers(served):
    base, log, secret = served

    status, headers, body = fetch(f"{base}/")
    assert status == 200
    csp = headers["content-security-policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert {name: headers[name] for name in ("x-content-type-options", "referrer-policy", "x-frame-options")} == {
        "x-content-type-options": "nosniff",
        "referrer-policy": "same-origin",
        "x-frame-options": "DENY",
    }
    assert headers["cross-origin-opener-policy"] == "same-origin"
    assert "camera=()" in headers["permissions-policy"]
    # Plain HTTP on loopback: no redirect and no HSTS; behind a TLS proxy (X-Forwarded-Proto) HSTS is sent.
    assert "strict-transport-security" not in headers
    forwarded = fetch(f"{base}/", {"X-Forwarded-Proto": "https"})[1]
    assert forwarded["strict-transport-security"] == "max-age=31536000; includeSubDomains; preload"

    # Whitenoise serves the hashed name, compressed, cached for ever; DEBUG is off, so no unhashed fallback.
    [stylesheet] = set(STATIC_CSS.findall(body.decode()))
    status, headers, _ = fetch(f"{base}{stylesheet}", {"Accept-Encoding": "gzip"})
    assert (status, headers["content-encoding"], headers["cache-control"]) == (200, "gzip", FAR_FUTURE)
    assert fetch(f"{base}/static/css/does-not-exist.css")[0] == 404

    # The generated secret is kept in its file, readable by its owner only.
    assert len(secret.read_text().strip()) >= 50
    assert secret.stat().st_mode & 0o077 == 0

    # One JSON line per request from the app; gunicorn's access log is off.
    lines = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    home = [line for line in lines if line.get("logger") == "access" and line["path"] == "/"]
    assert [(line["method"], line["status"]) for line in home] == [("GET", 200), ("GET", 200)]
    assert all(line["queries"] >= 1 and line["request_id"] for line in home)
    assert '"GET / HTTP/1.1" 200' not in log.read_text()


def test_production_settings_redirect_to_https_except_the_probes(tmp_path):
    # With the redirect on (the default behind a TLS proxy), the load balancer's plain-HTTP probes still answer.
    code = (
        "import django; django.setup()\n"
        "from django.test import Client\n"
        "client = Client()\n"
        "print([client.get(path).status_code for path in ('/', '/healthz', '/readyz')])\n"
    )
    env = base_environment()
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        SECRET_KEY="a-long-random-production-secret-" + "k" * 40,
        ALLOWED_HOSTS="testserver",
        WEB_CONCURRENCY="1",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        MEDIA_ROOT=str(tmp_path / "media"),
        LOG_LEVEL="ERROR",
    )
    result = subprocess.run(  # noqa: S603 - our own arguments
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[301, 200, 200]"


def _dry_run(*args: str, env: dict | None = None) -> str:
    """What `make serve` would run (-n: nothing is run), from a clean environment plus `env`."""
    environ = {"PATH": os.environ["PATH"], **(env or {})}
    return subprocess.run(  # noqa: S603 - our own arguments
        [MAKE, "-n", "-o", ".venv/.installed", "serve", *args],
        cwd=ROOT,
        env=environ,
        check=True,
        capture_output=True,
        text=True,
    ).stdout


@pytest.mark.parametrize(
    ("env", "workers"),
    [
        ({}, "1"),  # the per-process cache: one worker, which production accepts
        ({"CACHE_URL": "redis://127.0.0.1:6379/1"}, "2"),
        ({"CACHE_URL": "redis://127.0.0.1:6379/1", "WEB_CONCURRENCY": "5"}, "5"),
    ],
)
def test_make_serve_runs_one_worker_unless_a_shared_cache_is_given(env, workers):
    commands = _dry_run("PORT=8123", env=env).splitlines()
    serve = next(line for line in commands if "gunicorn" in line)
    assert f"WEB_CONCURRENCY={workers} " in serve
    assert "DJANGO_SETTINGS_MODULE=config.settings.production " in serve
    assert "SECURE_SSL_REDIRECT=false " in serve and "PORT=8123 " in serve
    # Migrations and static files come first, with the same settings.
    steps = [line for line in commands if "manage.py" in line or "gunicorn" in line]
    assert [("migrate" in s, "collectstatic" in s, "gunicorn" in s) for s in steps] == [
        (True, False, False),
        (False, True, False),
        (False, False, True),
    ]
    assert all("DJANGO_SETTINGS_MODULE=config.settings.production " in step for step in steps)


def _gunicorn_settings(monkeypatch, **env) -> dict:
    for name in ("GUNICORN_BIND", "HOST", "PORT", "WEB_CONCURRENCY", "FORWARDED_ALLOW_IPS"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(ROOT / "config" / "gunicorn.py"))


def test_gunicorn_config_defaults_serve_loopback_with_two_workers_and_no_access_log(monkeypatch):
    config = _gunicorn_settings(monkeypatch)
    assert {name: config[name] for name in ("bind", "workers", "accesslog", "errorlog", "forwarded_allow_ips")} == {
        "bind": ["127.0.0.1:8000"],
        "workers": 2,
        "accesslog": None,
        "errorlog": "-",
        "forwarded_allow_ips": "127.0.0.1,::1",
    }
    assert config["max_requests"] > 0 and config["max_requests_jitter"] > 0
    assert config["timeout"] == config["graceful_timeout"] == 30


def test_gunicorn_config_reads_the_environment(monkeypatch):
    config = _gunicorn_settings(
        monkeypatch, HOST="10.0.0.5", PORT="9000", WEB_CONCURRENCY="6", FORWARDED_ALLOW_IPS="10.0.0.2"
    )
    assert (config["bind"], config["workers"], config["forwarded_allow_ips"]) == (["10.0.0.5:9000"], 6, "10.0.0.2")
    # GUNICORN_BIND wins over HOST and PORT.
    assert _gunicorn_settings(monkeypatch, GUNICORN_BIND="unix:/run/app.sock", PORT="9000")["bind"] == [
        "unix:/run/app.sock"
    ]
