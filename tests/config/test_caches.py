"""The cache shared by processes (findings 4 and 9): Redis through CACHE_URL; throttles and search counts agree."""

import json
import os
import subprocess
import sys

import pytest
from django.http import QueryDict

from therapists.selectors import directory_generation, search

from ..factories import TherapistFactory
from .conftest import ROOT, database_url

WORKERS = 4
ATTEMPTS_PER_WORKER = 15
LIMIT = 10

# One worker of a deployment: counts attempts on one key with the site's throttle, all workers starting
# together when the test says "go", and prints how many were let through.
THROTTLE_WORKER = f"""
import sys
import django
django.setup()
from common.throttles import Throttle
throttle = Throttle(scope="cross-process-test", limit={LIMIT}, window=600)
print("ready", flush=True)
sys.stdin.readline()
print(sum(throttle.allow("one-account") for _ in range({ATTEMPTS_PER_WORKER})), flush=True)
"""


def _start_workers(env: dict) -> list[subprocess.Popen]:
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", THROTTLE_WORKER],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(WORKERS)
    ]
    for worker in workers:
        assert worker.stdout.readline().strip() == "ready", worker.stderr.read()
    return workers


def _allowed_in_total(env: dict) -> int:
    workers = _start_workers(env)
    for worker in workers:
        worker.stdin.write("go\n")
        worker.stdin.flush()
    outputs = [worker.communicate(timeout=60) for worker in workers]
    assert all(worker.returncode == 0 for worker in workers), [err for _, err in outputs]
    return sum(int(out.strip()) for out, _ in outputs)


def _worker_env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "DATABASE_URL", "CACHE_URL"}}
    env.update(DJANGO_SETTINGS_MODULE="config.settings.local", SECRET_KEY="worker-test-secret-key-" + "w" * 30)
    env.update(extra)
    return env


def test_cache_url_redis_makes_a_throttle_hold_across_processes(shared_redis):
    # Four workers at once, 60 attempts on one key: with Redis exactly the limit get through.
    env = _worker_env(CACHE_URL=shared_redis["url"], CACHE_KEY_PREFIX=shared_redis["prefix"])
    assert _allowed_in_total(env) == LIMIT


def test_cache_default_local_memory_counts_each_process_alone():
    # Why production must not run several workers on the default cache: each allows the whole limit.
    assert _allowed_in_total(_worker_env()) == WORKERS * LIMIT


@pytest.mark.django_db(transaction=True)
def test_directory_generation_moves_in_every_process_after_a_deletion_elsewhere(shared_redis, settings, django_process):
    settings.CACHES = shared_redis["caches"]
    newest, older = TherapistFactory(), TherapistFactory()
    # The deleted profile is not the newest: only the generation tells this process that counts changed.
    newest.save()
    assert search(QueryDict("")).paginator.count == 2
    before = directory_generation()

    result = django_process(
        "from therapists.models import Therapist\n"
        "from therapists.services.profiles import therapists_delete\n"
        f"print(therapists_delete(queryset=Therapist.objects.filter(pk={older.pk})))",
        {"DATABASE_URL": database_url(), "CACHE_URL": shared_redis["url"], "CACHE_KEY_PREFIX": shared_redis["prefix"]},
    )

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip()) >= 1
    assert directory_generation() == before + 1
    assert search(QueryDict("")).paginator.count == 1
