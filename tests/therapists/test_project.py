"""The project as a whole: checks, migrations, seeded vocabularies, settings from the environment."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command

from therapists.models import FocusArea, Specialty

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db


def test_manage_check_passes():
    call_command("check", fail_level="WARNING")


def test_every_model_change_has_a_migration():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def test_data_migration_seeds_the_article_specialties_and_focus_areas():
    assert list(Specialty.objects.values_list("slug", flat=True)) == [
        "swedish",
        "deep-tissue",
        "hot-stone",
        "thai",
        "sports",
        "prenatal",
    ]
    assert set(FocusArea.objects.values_list("slug", flat=True)) == {
        "upper-back-tension",
        "lower-back-pain",
        "sciatica",
        "shoulder-neck-tightness",
        "posture-correction",
    }
    assert all(Specialty.objects.values_list("description", flat=True))


def test_verifiers_group_holds_the_verify_permission():
    codenames = set(Group.objects.get(name="Verifiers").permissions.values_list("codename", flat=True))
    assert "verify_certification" in codenames


def _settings_probe(env: dict, expression: str, module: str = "config.settings.local"):
    clean = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG", "DATABASE_URL"}}
    clean.update(env, DJANGO_SETTINGS_MODULE=module)
    return subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); from django.conf import settings; print({expression})"],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_missing_secret_key_outside_debug_is_a_clear_startup_error():
    result = _settings_probe({}, "settings.DEBUG")
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_debug_is_off_unless_asked_for():
    assert _settings_probe({"SECRET_KEY": "x" * 50}, "settings.DEBUG").stdout.strip() == "False"
    assert _settings_probe({"DEBUG": "true"}, "settings.DEBUG").stdout.strip() == "True"


def test_database_url_switches_to_postgresql():
    result = _settings_probe(
        {"DEBUG": "true", "DATABASE_URL": "postgres://u:p@db.example:5432/dir"},
        "settings.DATABASES['default']['ENGINE'], settings.DATABASES['default']['HOST']",
    )
    assert "postgresql" in result.stdout and "db.example" in result.stdout
    default = _settings_probe({"DEBUG": "true"}, "settings.DATABASES['default']['ENGINE']")
    assert "sqlite3" in default.stdout


def test_production_settings_pass_check_deploy():
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "DATABASE_URL"}}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        SECRET_KEY="a-long-random-production-secret-" + "k" * 40,
        ALLOWED_HOSTS="directory.example.com",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_refuses_to_start_without_allowed_hosts():
    result = _settings_probe({"SECRET_KEY": "y" * 50}, "settings.ALLOWED_HOSTS", module="config.settings.production")
    assert result.returncode != 0
    assert "ALLOWED_HOSTS" in result.stderr
