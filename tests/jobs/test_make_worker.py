"""`make worker` and the Celery commands refuse to start without a broker, with a message saying what to set."""

import os
import shutil
import subprocess
import sys

import pytest

from config.celery import NO_BROKER

from ..config.conftest import ROOT

MAKE = shutil.which("make")


def _environment() -> dict:
    env = {k: v for k, v in os.environ.items() if k != "CELERY_BROKER_URL"}
    env.update(DEBUG="true", DJANGO_SETTINGS_MODULE="config.settings.local")
    return env


@pytest.mark.skipif(MAKE is None, reason="make is not installed")
@pytest.mark.skipif((ROOT / ".env").exists(), reason="a .env file may name a broker")
def test_make_worker_without_a_broker_says_what_to_set():
    done = subprocess.run([MAKE, "worker"], cwd=ROOT, env=_environment(), capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "make worker needs a broker: set CELERY_BROKER_URL, e.g. CELERY_BROKER_URL=redis://" in done.stdout


@pytest.mark.parametrize("command", [["worker", "--pool=solo"], ["beat"]])
def test_celery_without_a_broker_refuses_to_start(command, tmp_path):
    env = {**_environment(), "CELERY_BEAT_SCHEDULE_FILENAME": str(tmp_path / "schedule")}
    done = subprocess.run(
        [sys.executable, "-m", "celery", "-A", "config", *command],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert NO_BROKER in done.stderr
