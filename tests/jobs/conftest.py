"""Fixtures of the broker tests: the real Redis as Celery's broker, a real worker in a subprocess, and this process
publishing to it as a web process does."""

import os
import subprocess
import sys
import threading
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
from kombu import pools

from config import celery_app

from ..config.conftest import ROOT, database_url
from ..servers import redis_or_skip

# A database of its own: the cache's Redis database (TEST_REDIS_URL) is never touched.
BROKER_URL = os.environ.get("TEST_CELERY_BROKER_URL", "redis://127.0.0.1:6379/2")
READY_SECONDS = 60


@pytest.fixture
def broker() -> dict:
    """The real broker, with a queue of this test's own: {"url", "queue"}.

    Skipped when no Redis answers, except under CI=true, where the broker is part of the build and its absence
    is a failure. The queue (and whatever the test left in it) is deleted afterwards.
    """
    client = redis_or_skip(BROKER_URL)
    queue = f"test-{uuid.uuid4().hex}"
    yield {"url": BROKER_URL, "queue": queue, "client": client}
    client.delete(queue)
    client.close()


class Worker:
    """A `celery -A config worker` subprocess; its log lines are collected as they come."""

    def __init__(self, process: subprocess.Popen):
        self.process = process
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    def wait_for(self, *texts: str, count: int = 1, timeout: float = 60) -> list[str]:
        """The log lines containing every one of `texts`, once there are `count` of them; fails after `timeout`."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [line for line in list(self.lines) if all(text in line for text in texts)]
            if len(found) >= count:
                return found
            if self.process.poll() is not None:
                break
            time.sleep(0.1)
        log = "\n".join(self.lines[-60:])
        pytest.fail(f"the worker did not log {count} × {texts!r} within {timeout}s; its log:\n{log}")

    def finished(self, task: str, *, count: int = 1) -> list[str]:
        """Wait for `count` runs of the task (its dotted name) to have finished, and give their log lines."""
        return self.wait_for(f"Task {task}[", " succeeded in ", count=count)

    def stop(self) -> None:
        self.process.terminate()  # a warm shutdown: the task under way finishes
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._reader.join(timeout=5)


@pytest.fixture
def start_worker(broker, tmp_path):
    """Start a worker on the test database and the test's queue, with emails written to files in a folder:
    `start_worker(**environment)` returns (Worker, the email folder)."""
    workers = []

    def start(**extra) -> tuple[Worker, Path]:
        outbox = tmp_path / f"outbox-{len(workers)}"
        env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "CACHE_URL", "CELERY_BROKER_URL"}}
        env.update(
            DJANGO_SETTINGS_MODULE="config.settings.local",
            SECRET_KEY="worker-test-secret-key-" + "w" * 30,
            DATABASE_URL=database_url(),
            CELERY_BROKER_URL=broker["url"],
            CELERY_QUEUE=broker["queue"],
            EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
            EMAIL_FILE_PATH=str(outbox),
            MEDIA_ROOT=str(tmp_path / "public"),
            PRIVATE_MEDIA_ROOT=str(tmp_path / "private"),
            LOG_LEVEL="INFO",
        )
        env.update(extra)
        command = [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "--concurrency=1"]
        command += ["--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel=INFO"]
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        worker = Worker(process)
        workers.append(worker)
        worker.wait_for("ready.", timeout=READY_SECONDS)
        return worker, outbox

    yield start
    for worker in workers:
        worker.stop()


def sent_emails(outbox: Path) -> list[str]:
    """The messages Django's file backend wrote (one file per connection, one message each here)."""
    return sorted(path.read_text() for path in outbox.glob("*.log")) if outbox.exists() else []


@contextmanager
def publishing_to(broker: dict):
    """This process as a web process with a broker: tasks are published to the test's queue, not run here."""
    conf = celery_app.conf
    saved = {key: conf[key] for key in ("broker_url", "task_always_eager", "task_default_queue")}

    def forget_connections():
        celery_app._pool = None
        pools.reset()  # kombu's pools of connections and producers, per broker URL
        # The routing (queues, default queue) is computed once from the settings: computed again from the new ones.
        celery_app.__dict__.pop("amqp", None)

    forget_connections()
    conf.update(broker_url=broker["url"], task_always_eager=False, task_default_queue=broker["queue"])
    try:
        yield
    finally:
        forget_connections()
        conf.update(saved)
