"""Email that leaves only once the write that caused it has committed: by the worker when there is a broker."""

import logging
import uuid

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from kombu.exceptions import OperationalError

from common.tasks import deliver_email, hidden_arguments, send_email_task

logger = logging.getLogger(__name__)


def send_email(*, to: str, template: str, context: dict, key: str = "") -> None:
    """Render emails/<template>_subject.txt and emails/<template>.txt and send once the transaction commits.

    `key` names the email for good (ids only, never personal data), e.g. "12:2027-01-31": an email of the same
    template and key is not sent twice within EMAIL_SENT_MEMORY_SECONDS. Without one, every call is an email of
    its own (still sent once when the broker delivers its task twice).
    """
    if not to:
        return
    context = {**context, "site_url": settings.SITE_URL.rstrip("/")}
    subject = " ".join(render_to_string(f"emails/{template}_subject.txt", context).split())
    body = render_to_string(f"emails/{template}.txt", context)
    email = {"key": f"{template}:{key or uuid.uuid4().hex}", "template": template, "to": to}
    email.update(subject=subject, body=body)
    # Robust: a mail server or a broker that is down is logged, and never turns a saved decision into an error page.
    transaction.on_commit(lambda: _dispatch(email), robust=True)


def _dispatch(email: dict) -> None:
    if send_email_task.app.conf.task_always_eager:
        # No broker (`make run`, the tests): sent here, once, without the worker's retries.
        deliver_email(**email)
        return
    try:
        send_email_task.apply_async(kwargs=email, kwargsrepr=hidden_arguments(email))
    except OperationalError as error:
        logger.error("Broker unavailable (%s): email %s sent by the web process", type(error).__name__, email["key"])
        deliver_email(**email)
