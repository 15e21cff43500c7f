"""Template helpers for verified-client reviews: the client's open invitations, the month a visit was in, the counts."""

import datetime

from django import template

from reviews import invitations

register = template.Library()


@register.simple_tag(takes_context=True)
def open_review_invitations(context) -> list:
    """`{% open_review_invitations as found %}`: the signed-in client's invitations still to use (one query)."""
    user = context.get("user")
    if user is None or not user.is_authenticated:
        return []
    return list(invitations.open_invitations(client=user))


@register.filter
def visited_month(visit, therapist) -> datetime.date | None:
    """`{{ review.visit|visited_month:therapist }}`: the month of the visit's agreed time on the practice's clock."""
    return None if visit is None else invitations.visit_month(visit, therapist)


@register.filter
def other_review_count(therapist) -> int:
    """The reviews counted on a profile that were not written through an invitation after a visit booked here."""
    return therapist.review_count - therapist.verified_review_count
