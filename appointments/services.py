"""Writes on appointment requests: the client's request, the therapist's answers, cancellation and the outcome.

Every write runs in one transaction. A new request locks the therapist's row first, so two requests from one
client to one therapist queue and the second sees the first (the partial unique constraint stays as the last
guard); an answer or a cancellation locks the request's row and checks the transition on what it reads under
the lock, so a client cancelling while the therapist accepts ends in one state, never a mix. Emails leave after
commit (common.email.send_email); the cached figures of the shared pages follow after commit too.
"""

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from common.email import send_email
from common.forms import dataclass_from_form
from common.throttles import Throttle
from therapists.models import Specialty, Therapist

from . import permissions
from .models import AppointmentRequest
from .selectors import remember_figures

Status = AppointmentRequest.Status

# New requests per client in a window, counted in the shared cache so every app server sees the same number.
REQUEST_LIMIT = getattr(settings, "APPOINTMENT_REQUEST_LIMIT", 5)
REQUEST_WINDOW_SECONDS = getattr(settings, "APPOINTMENT_REQUEST_WINDOW_SECONDS", 60 * 60)
RATE_LIMIT_MESSAGE = (
    "You have sent %(limit)s requests in the last hour, the most we accept. "
    "Your request is kept below: please send it again later."
)
OPEN_REQUEST_MESSAGE = (
    "You already have an open request with this therapist. Wait for their answer, or cancel it from your "
    "requests before you send another."
)
PAST_TIME_MESSAGE = "Choose a date and time in the future."
NO_TIMES_MESSAGE = "Tell the therapist when suits you: choose days and times, or write it in your own words."

# Who may move a request from which states to which: (allowed from, to, actor). The one table of the workflow.
TRANSITIONS = {
    "accept": ((Status.PENDING,), Status.ACCEPTED, "therapist"),
    "suggest": ((Status.PENDING,), Status.SUGGESTED, "therapist"),
    "decline": ((Status.PENDING,), Status.DECLINED, "therapist"),
    "take_suggestion": ((Status.SUGGESTED,), Status.ACCEPTED, "client"),
    "cancel": ((Status.PENDING, Status.SUGGESTED, Status.ACCEPTED), Status.CANCELLED, "client"),
    "held": ((Status.ACCEPTED,), Status.HELD, "therapist"),
    "no_show": ((Status.ACCEPTED,), Status.NO_SHOW, "therapist"),
}
REFUSED_TRANSITION = {
    Status.PENDING: "This request is still waiting for the therapist's answer.",
    Status.ACCEPTED: "This request has already been accepted.",
    Status.SUGGESTED: "Another time has been suggested; the client decides now.",
    Status.DECLINED: "This request has been declined.",
    Status.CANCELLED: "The client has cancelled this request.",
    Status.HELD: "This visit has been marked as held.",
    Status.NO_SHOW: "This visit has been marked as missed.",
}


@dataclass(frozen=True, kw_only=True)
class RequestDetails:
    """What the client writes in a request."""

    specialty: Specialty | None = None
    preferred_days: list[str] = field(default_factory=list)
    preferred_times: list[str] = field(default_factory=list)
    preferred_note: str = ""
    message: str = ""
    precautions: str = ""

    @classmethod
    def from_form(cls, cleaned_data: dict) -> "RequestDetails":
        return dataclass_from_form(cls, cleaned_data)


def _field_error(field_name: str, message: str, code: str) -> ValidationError:
    """An error on one field of the form, keeping its code (a dict of plain strings would lose it)."""
    return ValidationError({field_name: ValidationError(message, code=code)})


def request_throttle() -> Throttle:
    return Throttle(scope="appointment-request", limit=REQUEST_LIMIT, window=REQUEST_WINDOW_SECONDS)


def _follow_figures(appointment: AppointmentRequest) -> None:
    """The shared pages' figures follow the change once it is committed (selectors.remember_figures)."""
    client_id, therapist_id = appointment.client_id, appointment.therapist_id
    transaction.on_commit(lambda: remember_figures(client_id=client_id, therapist_id=therapist_id), robust=True)


def _check_details(therapist: Therapist, details: RequestDetails) -> None:
    if not (details.preferred_days or details.preferred_times or details.preferred_note.strip()):
        raise _field_error("preferred_days", NO_TIMES_MESSAGE, "no_times")
    if details.specialty is not None and not therapist.specialties.filter(pk=details.specialty.pk).exists():
        raise _field_error("specialty", "Choose one of the kinds of massage this therapist offers.", "not_offered")


def appointment_request_create(
    *, client: AbstractBaseUser, therapist: Therapist, details: RequestDetails
) -> AppointmentRequest:
    """A signed-in client's request to a published, owned profile that accepts new clients.

    Refused (permissions.request_refusal) for one's own profile, an unconfirmed email, a profile that is not
    public, not owned or not accepting; at most one open request per client and therapist; at most
    REQUEST_LIMIT new requests per client in REQUEST_WINDOW_SECONDS (only stored requests count). The owner
    is emailed once the request is stored.
    """
    throttle, key = request_throttle(), f"user:{client.pk}"
    if not throttle.allow(key):
        throttle.release(key)  # a refused attempt gives its place back, as the review limits do
        raise ValidationError(RATE_LIMIT_MESSAGE, code="throttled", params={"limit": throttle.limit})
    stored = False
    try:
        with transaction.atomic():
            locked = Therapist.objects.lock(therapist.pk)
            refusal = permissions.request_refusal(client, locked)
            if refusal is not None:
                raise refusal
            if AppointmentRequest.objects.open().filter(client=client, therapist=locked).exists():
                raise ValidationError(OPEN_REQUEST_MESSAGE, code="open_request_exists")
            _check_details(locked, details)
            appointment = AppointmentRequest(
                client=client,
                therapist=locked,
                specialty=details.specialty,
                preferred_days=list(details.preferred_days),
                preferred_times=list(details.preferred_times),
                preferred_note=details.preferred_note.strip(),
                message=details.message.strip(),
                precautions=details.precautions.strip(),
            )
            appointment.full_clean()
            appointment.save(force_insert=True)
            _follow_figures(appointment)
            send_email(
                to=locked.owner.email,
                template="appointment_new",
                context={"appointment": appointment, "therapist": locked, "client": client},
            )
        stored = True
    except IntegrityError as error:
        # A last guard: the partial unique constraint, should a second open request ever slip past the check.
        if AppointmentRequest.objects.open().filter(client=client, therapist=therapist).exists():
            raise ValidationError(OPEN_REQUEST_MESSAGE, code="open_request_exists") from error
        raise
    finally:
        if not stored:
            throttle.release(key)
    return appointment


def _check_transition(appointment: AppointmentRequest, action: str, user: AbstractBaseUser) -> Status:
    """Under the request's lock: the user plays the action's part, and the request is in a state it starts from."""
    allowed_from, to, actor = TRANSITIONS[action]
    if actor == "client" and not permissions.is_client(user, appointment):
        raise ValidationError("Only the client who sent this request can do that.", code="not_client")
    if actor == "therapist" and not permissions.is_therapist(user, appointment):
        raise ValidationError("Only the therapist this request was sent to can answer it.", code="not_therapist")
    if appointment.status not in allowed_from:
        raise ValidationError(REFUSED_TRANSITION[appointment.status], code="not_allowed")
    return to


def _check_future(moment: datetime.datetime | None, field_name: str) -> datetime.datetime:
    if moment is None:
        raise _field_error(field_name, "Choose a date and time.", "required")
    if moment <= timezone.now():
        raise _field_error(field_name, PAST_TIME_MESSAGE, "past")
    return moment


def _locked(appointment: AppointmentRequest) -> AppointmentRequest:
    return AppointmentRequest.objects.lock(appointment.pk)


def _save(appointment: AppointmentRequest, fields: list[str]) -> AppointmentRequest:
    appointment.full_clean()
    appointment.save(update_fields=[*fields, "updated_at"])
    _follow_figures(appointment)
    return appointment


def _answer(
    *, appointment: AppointmentRequest, therapist_user: AbstractBaseUser, action: str, note: str, **values
) -> AppointmentRequest:
    """The therapist's answer: accept, suggest or decline; the client is emailed once it is stored."""
    with transaction.atomic():
        locked = _locked(appointment)
        locked.status = _check_transition(locked, action, therapist_user)
        for name, value in values.items():
            setattr(locked, name, value)
        locked.therapist_note = note.strip()
        locked.answered_at = locked.answered_at or timezone.now()
        _save(locked, ["status", *values, "therapist_note", "answered_at"])
        send_email(
            to=locked.client.email,
            template="appointment_answered",
            context={"appointment": locked, "therapist": locked.therapist},
        )
    return locked


def appointment_accept(
    *, appointment: AppointmentRequest, therapist_user: AbstractBaseUser, agreed_at: datetime.datetime, note: str = ""
) -> AppointmentRequest:
    """Accept a pending request at a date and time in the future: the visit is booked."""
    agreed_at = _check_future(agreed_at, "agreed_at")
    return _answer(
        appointment=appointment, therapist_user=therapist_user, action="accept", note=note, agreed_at=agreed_at
    )


def appointment_suggest(
    *,
    appointment: AppointmentRequest,
    therapist_user: AbstractBaseUser,
    proposed_at: datetime.datetime,
    note: str = "",
) -> AppointmentRequest:
    """Suggest another time for a pending request; the client takes it or cancels."""
    proposed_at = _check_future(proposed_at, "proposed_at")
    return _answer(
        appointment=appointment, therapist_user=therapist_user, action="suggest", note=note, proposed_at=proposed_at
    )


def appointment_decline(
    *, appointment: AppointmentRequest, therapist_user: AbstractBaseUser, reason: str, note: str = ""
) -> AppointmentRequest:
    """Decline a pending request with a reason from the list (and a note)."""
    if reason not in AppointmentRequest.DeclineReason.values:
        raise _field_error("decline_reason", "Choose a reason from the list.", "no_reason")
    if reason == AppointmentRequest.DeclineReason.OTHER and not note.strip():
        raise _field_error("note", "Say in a few words why you decline.", "no_note")
    return _answer(
        appointment=appointment, therapist_user=therapist_user, action="decline", note=note, decline_reason=reason
    )


def appointment_take_suggestion(*, appointment: AppointmentRequest, client: AbstractBaseUser) -> AppointmentRequest:
    """The client takes the time the therapist suggested, if it is still ahead: the visit is booked."""
    with transaction.atomic():
        locked = _locked(appointment)
        locked.status = _check_transition(locked, "take_suggestion", client)
        if locked.proposed_at <= timezone.now():
            raise ValidationError("The suggested time has passed; send a new request instead.", code="past")
        locked.agreed_at = locked.proposed_at
        _save(locked, ["status", "agreed_at"])
        send_email(
            to=locked.therapist.owner.email if locked.therapist.owner else "",
            template="appointment_client_update",
            context={"appointment": locked, "therapist": locked.therapist},
        )
    return locked


def appointment_cancel(*, appointment: AppointmentRequest, client: AbstractBaseUser) -> AppointmentRequest:
    """The client withdraws an open request, or cancels an accepted visit that is still ahead."""
    with transaction.atomic():
        locked = _locked(appointment)
        locked.status = _check_transition(locked, "cancel", client)
        if locked.agreed_at is not None and locked.agreed_at <= timezone.now():
            raise ValidationError("This visit's time has passed; it can no longer be cancelled.", code="past")
        locked.closed_at = timezone.now()
        _save(locked, ["status", "closed_at"])
        send_email(
            to=locked.therapist.owner.email if locked.therapist.owner else "",
            template="appointment_client_update",
            context={"appointment": locked, "therapist": locked.therapist},
        )
    return locked


def appointment_record_outcome(
    *, appointment: AppointmentRequest, therapist_user: AbstractBaseUser, outcome: str
) -> AppointmentRequest:
    """After the agreed time, the therapist records whether the visit was held: the record reviews build on."""
    if outcome not in ("held", "no_show"):
        raise ValidationError("Choose whether the visit was held or missed.", code="invalid")
    with transaction.atomic():
        locked = _locked(appointment)
        locked.status = _check_transition(locked, outcome, therapist_user)
        if locked.agreed_at > timezone.now():
            raise ValidationError("The visit is still ahead; record how it went after it.", code="future")
        locked.closed_at = timezone.now()
        _save(locked, ["status", "closed_at"])
    return locked
