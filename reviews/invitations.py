"""Review invitations: every visit that took place invites its client to one verified review, never chosen by anyone.

An invitation is issued in the transaction that records the visit (reviews.receivers, on
appointments.signals.visit_took_place). Its token has 256 random bits (`secrets.token_urlsafe(32)`) and lives only
in the link emailed to the client; the table keeps its SHA-256. The invitation is bound to the client, the
therapist and the visit, works once, and expires INVITATION_DAYS after it was issued. The signed-in client also
finds it under their account, where its own id (`/reviews/invitations/<id>/`) opens it without the token.

Using it writes the review through reviews.services with the visit attached ("Verified client · visited <month>"):
published or held by exactly the same rules as any other review, whatever its rating. A client who already reviewed
that therapist without an invitation (or after an earlier visit) edits that review through the invitation; it then
rests on this visit. The invitation's row is locked and marked used in the same transaction as the review, so any
number of simultaneous uses give one review.
"""

import datetime
import hashlib
import secrets
from dataclasses import dataclass, replace

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import dateformat, timezone

from appointments.models import AppointmentRequest
from appointments.selectors import practice_zone
from common.email import send_email
from therapists.models import Therapist

from . import services
from .models import Review, ReviewInvitation

INVITATION_DAYS = 60
TOKEN_BYTES = 32  # secrets.token_urlsafe(32): 256 random bits, twice the 128 the rule asks for

UNKNOWN_MESSAGE = "This invitation link is not valid. Check that you copied the whole link from the email."
NOT_YOURS_MESSAGE = "This invitation was sent to another account. Log in as the client it was sent to."
USED_MESSAGE = "This invitation has already been used: its review is written. You can edit your review instead."
EXPIRED_MESSAGE = "This invitation expired on %(date)s. Reviews without an invitation are still welcome."


@dataclass(frozen=True)
class IssuedInvitation:
    """A new invitation and its token: the only moment the token is known, to put in the client's email."""

    invitation: ReviewInvitation
    token: str


def token_hash(token: str) -> str:
    """What the table keeps of a token: its SHA-256 in hex (the token has too many random bits to guess)."""
    return hashlib.sha256(token.encode()).hexdigest()


def visit_month(visit: AppointmentRequest, therapist: Therapist | None = None) -> datetime.date:
    """The first day of the month of the visit's agreed time, on the practice's clock. Pass the visit's therapist
    when it is at hand, to spare a query."""
    return visit.agreed_at.astimezone(practice_zone(therapist or visit.therapist)).date().replace(day=1)


def invitation_issue(*, visit: AppointmentRequest) -> IssuedInvitation | None:
    """The client's one invitation to review a visit that took place, emailed to them once this transaction commits.

    None when the visit already has one (each visit invites once) or did not take place.
    """
    if visit.status != AppointmentRequest.Status.HELD:
        return None
    with transaction.atomic():
        if ReviewInvitation.objects.filter(visit=visit).exists():
            return None
        token = secrets.token_urlsafe(TOKEN_BYTES)
        now = timezone.now()
        invitation = ReviewInvitation(
            token_hash=token_hash(token),
            visit=visit,
            client_id=visit.client_id,
            therapist_id=visit.therapist_id,
            created_at=now,
            expires_at=now + datetime.timedelta(days=INVITATION_DAYS),
        )
        invitation.full_clean()
        invitation.save(force_insert=True)
        send_email(
            to=visit.client.email,
            template="review_invitation",
            context={"invitation": invitation, "therapist": visit.therapist, "token": token},
        )
    return IssuedInvitation(invitation=invitation, token=token)


def _refusal(invitation: ReviewInvitation, user: AbstractBaseUser) -> ValidationError | None:
    """Why this user may not use this invitation now, or None. Someone else's says nothing of its state."""
    if not user.is_authenticated or invitation.client_id != user.pk:
        return ValidationError(NOT_YOURS_MESSAGE, code="not_yours")
    if invitation.used_at is not None:
        return ValidationError(USED_MESSAGE, code="used")
    if invitation.expires_at <= timezone.now():
        date = dateformat.format(timezone.localtime(invitation.expires_at), "j F Y")
        return ValidationError(EXPIRED_MESSAGE, code="expired", params={"date": date})
    return None


def _checked(invitation: ReviewInvitation | None, user: AbstractBaseUser) -> ReviewInvitation:
    if invitation is None:
        raise ValidationError(UNKNOWN_MESSAGE, code="unknown")
    refusal = _refusal(invitation, user)
    if refusal is not None:
        raise refusal
    return invitation


def _with_parts():
    return ReviewInvitation.objects.select_related("therapist", "visit")


def invitation_for_token(*, token: str, user: AbstractBaseUser) -> ReviewInvitation:
    """The invitation a link's token opens for this user; else a ValidationError whose code says why: "unknown"
    (no such token, forged), "not_yours" (another account's), "used" or "expired" (it was valid once)."""
    return _checked(_with_parts().filter(token_hash=token_hash(token)).first(), user)


def invitation_for_client(*, client: AbstractBaseUser, pk: int) -> ReviewInvitation:
    """One of the signed-in client's own invitations by its id ("unknown" for anyone else's), usable now."""
    found = _with_parts().filter(client_id=client.pk, pk=pk).first() if client.is_authenticated else None
    return _checked(found, client)


def open_invitations(*, client: AbstractBaseUser):
    """The client's invitations still to use, soonest to expire first, with the therapist (one query)."""
    return (
        ReviewInvitation.objects.filter(client_id=client.pk, used_at__isnull=True, expires_at__gt=timezone.now())
        .select_related("therapist", "visit")
        .order_by("expires_at", "pk")
    )


def review_create_from_invitation(
    *,
    invitation: ReviewInvitation,
    author: AbstractBaseUser,
    content: services.ReviewContent,
    client_address: str | None = None,
    device: str | None = None,
) -> Review:
    """The review the invitation asks for, resting on its visit; the invitation is used in the same transaction.

    The month is the visit's, whatever the form said. A client who already reviewed the therapist edits that review,
    which then rests on this visit. Refused as invitation_for_token refuses (checked again under the invitation's
    lock) and as reviews.services refuses any review; a refusal leaves the invitation unused.
    """
    with transaction.atomic():
        Therapist.objects.lock(invitation.therapist_id)
        locked = _checked(_with_parts().select_for_update(of=("self",)).filter(pk=invitation.pk).first(), author)
        content = replace(content, visit_month=visit_month(locked.visit, locked.therapist))
        existing = Review.objects.filter(therapist_id=locked.therapist_id, author=author).first()
        if existing is None:
            review = services.review_create(
                therapist=locked.therapist,
                author=author,
                content=content,
                client_address=client_address,
                device=device,
                visit=locked.visit,
            )
        else:
            existing.visit = locked.visit
            existing.save(update_fields=["visit", "updated_at"])
            review = services.review_update(review=existing, content=content)
        locked.used_at = timezone.now()
        locked.save(update_fields=["used_at"])
    return review
