"""Email that leaves only once the write that caused it has committed."""

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string


def send_email(*, to: str, template: str, context: dict) -> None:
    """Render emails/<template>_subject.txt and emails/<template>.txt and send once the transaction commits."""
    if not to:
        return
    context = {**context, "site_url": settings.SITE_URL.rstrip("/")}
    subject = " ".join(render_to_string(f"emails/{template}_subject.txt", context).split())
    body = render_to_string(f"emails/{template}.txt", context)
    # Robust: a mail server that is down is logged, and never turns a saved decision into an error page.
    transaction.on_commit(lambda: send_mail(subject, body, None, [to]), robust=True)
