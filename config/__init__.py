"""The project's configuration; the Celery app is loaded with it so that every app's @shared_task binds to it."""

from .celery import app as celery_app

__all__ = ("celery_app",)
