"""Sending one email, by the worker after the write that caused it committed: retried while the mail server is
unreachable, and sent once however many times the broker hands the task over."""

import logging
import smtplib

from celery import Task, shared_task
from celery.utils.time import get_exponential_backoff_interval
from django.conf import settings
from django.core.cache import cache
from django.core.mail import send_mail

logger = logging.getLogger(__name__)

SENDING, SENT = "sending", "sent"


def _is_permanent(error: Exception) -> bool:
    """The mail server answered and refused for good (5xx): trying again would be refused again."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return True
    return isinstance(error, smtplib.SMTPResponseException) and error.smtp_code >= 500


def deliver_email(*, key: str, template: str, to: str, subject: str, body: str) -> bool:
    """Send the email unless one with the same key was sent (or is being sent) already; True when sent now.

    The key is taken in the shared cache before sending and kept as "sent" for EMAIL_SENT_MEMORY_SECONDS. When the
    cache does not answer, the email is sent anyway: a rare duplicate is better than a lost decision or reminder.
    """
    memory = f"email:{key}"
    if not cache.add(memory, SENDING, timeout=settings.EMAIL_TIMEOUT * 4) and cache.get(memory) in (SENDING, SENT):
        logger.info("Email %s (%s) was sent already, or is being sent: not sent again", key, template)
        return False
    try:
        send_mail(subject, body, None, [to])
    except BaseException:
        cache.delete(memory)
        raise
    cache.set(memory, SENT, timeout=settings.EMAIL_SENT_MEMORY_SECONDS)
    return True


class EmailTask(Task):
    def on_failure(self, exc, task_id, args, kwargs, einfo):
        # Never the address, the subject or the body: they may hold personal data or a password-reset link.
        logger.error(
            "Email %s (%s) not sent after %s attempts: %s",
            kwargs.get("key"),
            kwargs.get("template"),
            self.request.retries + 1,
            exc.__class__.__name__,
        )


@shared_task(bind=True, base=EmailTask, max_retries=settings.EMAIL_RETRY_LIMIT)
def send_email_task(self, *, key: str, template: str, to: str, subject: str, body: str) -> bool:
    """Send one rendered email (common.email.send_email enqueues it after commit). While the mail server cannot be
    reached (SMTPException is an OSError, as are a refused connection and a timeout), try again later: 1, 2, 4 ...
    times EMAIL_RETRY_BACKOFF_SECONDS, each with full jitter, at most EMAIL_RETRY_MAX_SECONDS."""
    email = {"key": key, "template": template, "to": to, "subject": subject, "body": body}
    try:
        return deliver_email(**email)
    except OSError as error:
        if _is_permanent(error):
            logger.error("Email %s (%s) refused by the mail server for good: %s", key, template, type(error).__name__)
            return False
        countdown = get_exponential_backoff_interval(
            factor=settings.EMAIL_RETRY_BACKOFF_SECONDS,
            retries=self.request.retries,
            maximum=settings.EMAIL_RETRY_MAX_SECONDS,
            full_jitter=True,
        )
        # The retry is a new message: it must hide its arguments from the worker's log too.
        raise self.retry(exc=error, countdown=countdown, kwargsrepr=hidden_arguments(email)) from error


def hidden_arguments(email: dict) -> str:
    """What the worker's log and monitoring show of an email task's arguments: its key and template, nothing else."""
    return repr({"key": email["key"], "template": email["template"]})
