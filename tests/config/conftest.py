"""Fixtures of the project-level tests: the real Redis the shared cache runs on, and a subprocess running Django."""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.db import connection

from ..servers import redis_or_skip

ROOT = Path(__file__).resolve().parents[2]
# The Redis that CACHE_URL names in production; a test run writes only under its own key prefix.
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/1")


@pytest.fixture
def shared_redis() -> dict:
    """The real Redis, with a key prefix of this test's own: {"url", "prefix", "caches"} (a CACHES setting).

    Skipped when no Redis answers, except under CI=true, where Redis is part of the build and its absence
    is a failure. Every key the test wrote (in any process) is deleted afterwards; nothing else is touched.
    """
    client = redis_or_skip(REDIS_URL)
    prefix = f"test-{uuid.uuid4().hex}"
    backend = "django.core.cache.backends.redis.RedisCache"
    caches = {"default": {"BACKEND": backend, "LOCATION": REDIS_URL, "KEY_PREFIX": prefix}}
    yield {"url": REDIS_URL, "prefix": prefix, "caches": caches}
    for key in client.scan_iter(match=f"{prefix}:*"):
        client.delete(key)
    client.close()


def database_url() -> str:
    """The test database as a DATABASE_URL, for a subprocess to reach the rows a transactional test committed."""
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings['NAME']}"
    password = f":{settings['PASSWORD']}" if settings["PASSWORD"] else ""
    return f"postgres://{settings['USER']}{password}@{settings['HOST']}:{settings['PORT'] or 5432}/{settings['NAME']}"


@pytest.fixture
def django_process(tmp_path):
    """Run a Python snippet in a fresh process with Django set up (development settings, no DEBUG) and the
    given environment on top; returns the CompletedProcess. Media goes to a throw-away folder."""

    def run(code: str, env: dict, *, input_text: str | None = None, timeout: int = 60):
        clean = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "DATABASE_URL", "CACHE_URL"}}
        clean.update(
            DJANGO_SETTINGS_MODULE="config.settings.local",
            SECRET_KEY="subprocess-test-secret-key-" + "s" * 30,
            MEDIA_ROOT=str(tmp_path / "public"),
            PRIVATE_MEDIA_ROOT=str(tmp_path / "private"),
        )
        clean.update(env)
        return subprocess.run(
            [sys.executable, "-c", "import django; django.setup()\n" + code],
            cwd=ROOT,
            env=clean,
            input=input_text,
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    return run
