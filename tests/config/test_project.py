"""The project as a whole (config/): checks, migrations, settings from the environment, 404 and healthz."""

import os
import subprocess
import sys
from http import HTTPStatus
from pathlib import Path

import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db


def test_project_manage_check_passes():
    call_command("check", fail_level="WARNING")


def test_project_every_model_change_has_a_migration():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def _settings_probe(env: dict, expression: str, module: str = "config.settings.local"):
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"SECRET_KEY", "DEBUG", "DATABASE_URL", "CACHE_URL", "CACHE_KEY_PREFIX", "WEB_CONCURRENCY"}
    }
    clean.update(env, DJANGO_SETTINGS_MODULE=module)
    return subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); from django.conf import settings; print({expression})"],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_settings_missing_secret_key_outside_debug_is_a_clear_startup_error():
    result = _settings_probe({}, "settings.DEBUG")
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_settings_debug_is_off_unless_asked_for():
    assert _settings_probe({"SECRET_KEY": "x" * 50}, "settings.DEBUG").stdout.strip() == "False"
    assert _settings_probe({"DEBUG": "true"}, "settings.DEBUG").stdout.strip() == "True"


def test_settings_database_url_switches_to_postgresql():
    result = _settings_probe(
        {"DEBUG": "true", "DATABASE_URL": "postgres://u:p@db.example:5432/dir"},
        "settings.DATABASES['default']['ENGINE'], settings.DATABASES['default']['HOST']",
    )
    assert "postgresql" in result.stdout and "db.example" in result.stdout
    default = _settings_probe({"DEBUG": "true"}, "settings.DATABASES['default']['ENGINE']")
    assert "sqlite3" in default.stdout


# The documented production environment (README): secrets, hosts and the shared cache.
PRODUCTION_ENV = {
    "SECRET_KEY": "a-long-random-production-secret-" + "k" * 40,
    "ALLOWED_HOSTS": "directory.example.com",
    "CACHE_URL": "redis://127.0.0.1:6379/1",
    "WEB_CONCURRENCY": "4",
}


def _check_deploy(env: dict):
    clean = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "DATABASE_URL", "CACHE_URL", "WEB_CONCURRENCY"}}
    clean.update(env, DJANGO_SETTINGS_MODULE="config.settings.production")
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_settings_production_pass_check_deploy():
    result = _check_deploy(PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr


def test_settings_production_check_deploy_warns_of_a_per_process_cache():
    env = {**{name: value for name, value in PRODUCTION_ENV.items() if name != "CACHE_URL"}, "WEB_CONCURRENCY": "1"}
    result = _check_deploy(env)
    assert result.returncode != 0
    assert "common.W001" in result.stderr and "CACHE_URL" in result.stderr


def test_settings_production_refuses_several_workers_on_a_per_process_cache():
    env = {name: value for name, value in PRODUCTION_ENV.items() if name != "CACHE_URL"}
    result = _settings_probe(env, "settings.CACHES", module="config.settings.production")
    assert result.returncode != 0
    assert "ImproperlyConfigured: WEB_CONCURRENCY is 4 but the cache is per process" in result.stderr


def test_settings_production_refuses_a_per_process_cache_when_the_workers_are_not_declared():
    # `gunicorn -w 4` says nothing in the environment: without WEB_CONCURRENCY=1 a per-process cache is refused.
    env = {name: value for name, value in PRODUCTION_ENV.items() if name not in {"CACHE_URL", "WEB_CONCURRENCY"}}
    result = _settings_probe(env, "settings.CACHES", module="config.settings.production")
    assert result.returncode != 0
    assert "WEB_CONCURRENCY is not set but the cache is per process" in result.stderr
    assert "CACHE_URL" in result.stderr


def test_settings_production_starts_one_declared_process_on_a_per_process_cache():
    env = {**{name: value for name, value in PRODUCTION_ENV.items() if name != "CACHE_URL"}, "WEB_CONCURRENCY": "1"}
    result = _settings_probe(env, "settings.CACHES['default']['BACKEND']", module="config.settings.production")
    assert result.returncode == 0, result.stderr
    assert "LocMemCache" in result.stdout


def test_settings_production_starts_several_workers_on_redis():
    result = _settings_probe(PRODUCTION_ENV, "settings.CACHES['default']", module="config.settings.production")
    assert result.returncode == 0, result.stderr
    assert "'BACKEND': 'common.cache.OutageTolerantRedisCache'" in result.stdout
    assert "'LOCATION': 'redis://127.0.0.1:6379/1'" in result.stdout


def test_settings_cache_key_prefix_from_the_environment():
    env = {"DEBUG": "true", "CACHE_KEY_PREFIX": "directory"}
    result = _settings_probe(env, "settings.CACHES['default']['KEY_PREFIX']")
    assert result.stdout.strip() == "directory"


def test_settings_sqlite_waits_a_bounded_configured_time_for_a_lock():
    expression = "settings.DATABASES['default']['OPTIONS']['timeout']"
    assert _settings_probe({"DEBUG": "true"}, expression).stdout.strip() == "5.0"
    assert _settings_probe({"DEBUG": "true", "SQLITE_BUSY_TIMEOUT_SECONDS": "2.5"}, expression).stdout.strip() == "2.5"


def test_settings_production_refuses_to_start_without_allowed_hosts():
    result = _settings_probe({"SECRET_KEY": "y" * 50}, "settings.ALLOWED_HOSTS", module="config.settings.production")
    assert result.returncode != 0
    assert "ALLOWED_HOSTS" in result.stderr


def test_healthz_says_ok_when_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == HTTPStatus.OK
    assert response.content == b"ok"


def test_unknown_page_is_a_friendly_404(client):
    response = client.get("/no-such-page/")
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert b"couldn" in response.content
