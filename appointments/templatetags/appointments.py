"""Template helpers for the request hooks on shared pages (navigation, profile, dashboard, account) and for times.

The hooks read only cached figures (appointments.selectors), so the pages that include them run no more
queries than before once the cache is warm.
"""

import datetime

from django import template
from django.utils import dateformat

from appointments import permissions, selectors

register = template.Library()


@register.simple_tag(takes_context=True)
def has_appointment_requests(context) -> bool:
    """`{% has_appointment_requests as any %}`: the signed-in user ever sent a request."""
    user = context.get("user")
    return user is not None and selectors.has_requests(user)


@register.simple_tag
def unanswered_requests(therapist) -> int:
    return selectors.unanswered_count(therapist)


@register.simple_tag
def reply_time(therapist):
    """`{% reply_time therapist as figure %}`: selectors.ReplyTime (`figure.words`), or None before 3 answers."""
    return selectors.reply_time(therapist)


@register.simple_tag(takes_context=True)
def request_refusal(context, therapist):
    """Why the viewer may not request an appointment here (code, messages), or None. Reads no table."""
    user = context.get("user")
    return None if user is None else permissions.request_refusal(user, therapist)


@register.filter
def practice_time(moment: datetime.datetime | None, therapist) -> str:
    """A moment as the practice's clock reads it, with its zone: "Wednesday 1 July 2026, 14:30 MDT"."""
    if moment is None:
        return ""
    local = moment.astimezone(selectors.practice_zone(therapist))
    return f"{dateformat.format(local, 'l j F Y, H:i')} {local.tzname()}"
