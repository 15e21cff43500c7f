"""The Celery application: the worker and the scheduler (`make worker`) run every app's tasks.py."""

import os

from celery import Celery
from celery.signals import beat_init, worker_init

# As config.wsgi: the worker is a deployment process (`make worker` names the development settings).
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")

NO_BROKER = (
    "No broker: set CELERY_BROKER_URL (e.g. redis://127.0.0.1:6379/2) for the worker, the scheduler and the web "
    "processes. Without one nothing is queued: emails leave from the web process and the daily jobs run as commands."
)

app = Celery("config")
# Every CELERY_* setting of config/settings/base.py, read when the app is first used.
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_init.connect
@beat_init.connect
def refuse_without_broker(**kwargs) -> None:
    """A worker or scheduler without CELERY_BROKER_URL would wait on an in-process queue nobody else can reach."""
    if app.conf.broker_url == "memory://":
        raise SystemExit(NO_BROKER)
