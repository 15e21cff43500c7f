"""The appointments' daily job as a periodic task (config.settings: CELERY_BEAT_SCHEDULE); it may run twice."""

import logging

from celery import shared_task

from .services import ask_clients_about_visits

logger = logging.getLogger(__name__)


@shared_task
def ask_about_visits() -> int:
    """Ask clients whether their unrecorded visits took place (the `ask_about_visits` command); each client is asked
    once, whatever the number of runs (services.ask_clients_about_visits records it). Returns the clients asked."""
    asked = ask_clients_about_visits()
    logger.info("ask_about_visits: %s clients asked", asked)
    return asked
