"""The directory's daily jobs as periodic tasks (config.settings: CELERY_BEAT_SCHEDULE); each may run twice."""

import logging
from io import StringIO

from celery import shared_task
from django.core.management import call_command

from .models import EXPIRING_SOON_DAYS
from .selectors import certifications_expiring
from .services.certifications import notify_expiring

logger = logging.getLogger(__name__)


@shared_task
def refresh_scores() -> None:
    """Rescore every therapist (the `refresh_scores` command): a second run finds nothing to change."""
    out = StringIO()
    call_command("refresh_scores", stdout=out)
    logger.info("refresh_scores: %s", out.getvalue().strip())


@shared_task
def remind_expiring_certifications(days: int = EXPIRING_SOON_DAYS) -> int:
    """Email owners whose verified certifications expire within `days`; an owner already reminded of a date is not
    emailed again (services.certifications.notify_expiring records it). Returns the emails queued."""
    certifications = list(certifications_expiring(within_days=days))
    emailed = notify_expiring(certifications=certifications)
    logger.info("remind_expiring_certifications: %s expiring, %s owners emailed", len(certifications), emailed)
    return emailed
