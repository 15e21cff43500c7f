"""Writes on appointment requests: the client's request, the therapist's answers, cancellation and the outcome.

Every write runs in one transaction. A new request locks the therapist's row first, so two requests from one
client to one therapist queue and the second sees the first (the partial unique constraint stays as the last
guard); an answer or a cancellation locks the request's row and checks the transition on what it reads under
the lock, so a client cancelling while the therapist accepts ends in one state, never a mix. Emails leave after
commit (common.email.send_email); the cached figures of the shared pages follow after commit too.

After the agreed time, the therapist says whether the visit took place; OUTCOME_QUESTION_DAYS later without their
answer, the site asks the client (ask_clients_about_visits), who may then answer instead. A visit that took place
sends signals.visit_took_place in the transaction that records it: the reviews app issues the client's one
invitation to review there, so the outcome and the invitation are stored together or not at all.
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
from .models import AppointmentRequest, OutcomeSource
from .selectors import remember_figures
from .signals import visit_took_place

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
# Days after the agreed time that the therapist has to say whether a visit took place before the client is asked.
OUTCOME_QUESTION_DAYS = 14

# Who may move a request from which states to which: (allowed from, to, actor). The one table of the workflow.
TRANSITIONS = {
    "accept": ((Status.PENDING,), Status.ACCEPTED, "therapist"),
    "suggest": ((Status.PENDING,), Status.SUGGESTED, "therapist"),
    "decline": ((Status.PENDING,), Status.DECLINED, "therapist"),
    "take_suggestion": ((Status.SUGGESTED,), Status.ACCEPTED, "client"),
    "cancel": ((Status.PENDING, Status.SUGGESTED, Status.ACCEPTED), Status.CANCELLED, "client"),
    "held": ((Status.ACCEPTED,), Status.HELD, "therapist"),
    "no_show": ((Status.ACCEPTED,), Status.NO_SHOW, "therapist"),
    # Only once the site asked the client (outcome_asked_at), and only while the therapist has not answered:
    # either answer moves the request out of ACCEPTED, so the first one recorded is the only one.
    "client_held": ((Status.ACCEPTED,), Status.HELD, "client"),
    "client_no_show": ((Status.ACCEPTED,), Status.NO_SHOW, "client"),
}
# The two answers to "did the visit take place?", as the forms send them.
OUTCOMES = (Status.HELD.value, Status.NO_SHOW.value)
REFUSED_TRANSITION = {
    Status.PENDING: "This request is still waiting for the therapist's answer.",
    Status.ACCEPTED: "This request has already been accepted.",
    Status.SUGGESTED: "Another time has been suggested; the client decides now.",
    Status.DECLINED: "This request has been declined.",
    Status.CANCELLED: "The client has cancelled this request.",
    Status.HELD: "This visit is already recorded as having taken place.",
    Status.NO_SHOW: "This visit is already recorded as not having taken place.",
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


def _record_outcome(
    *, appointment: AppointmentRequest, user: AbstractBaseUser, outcome: str, source: OutcomeSource
) -> AppointmentRequest:
    """Whether the visit took place, said by `source`; a visit that took place tells the reviews app (signal)."""
    if outcome not in OUTCOMES:
        raise ValidationError("Choose whether the visit took place or not.", code="invalid")
    action = outcome if source == OutcomeSource.THERAPIST else f"client_{outcome}"
    with transaction.atomic():
        locked = _locked(appointment)
        locked.status = _check_transition(locked, action, user)
        if source == OutcomeSource.CLIENT and locked.outcome_asked_at is None:
            raise ValidationError(
                "The therapist says whether a visit took place; we ask you only if they have not.", code="not_asked"
            )
        if locked.agreed_at > timezone.now():
            raise ValidationError("The visit is still ahead; say whether it took place after it.", code="future")
        locked.closed_at = timezone.now()
        locked.outcome_recorded_by = source
        _save(locked, ["status", "closed_at", "outcome_recorded_by"])
        if locked.status == Status.HELD:
            visit_took_place.send(sender=AppointmentRequest, visit=locked)
    return locked


def appointment_record_outcome(
    *, appointment: AppointmentRequest, therapist_user: AbstractBaseUser, outcome: str
) -> AppointmentRequest:
    """After the agreed time, the therapist says whether the visit took place ("held") or not ("no_show")."""
    return _record_outcome(
        appointment=appointment, user=therapist_user, outcome=outcome, source=OutcomeSource.THERAPIST
    )


def appointment_client_outcome(
    *, appointment: AppointmentRequest, client: AbstractBaseUser, outcome: str
) -> AppointmentRequest:
    """The client's answer once the site asked them (ask_clients_about_visits), if the therapist has not answered."""
    return _record_outcome(appointment=appointment, user=client, outcome=outcome, source=OutcomeSource.CLIENT)


def _visits_to_ask_about(now: datetime.datetime):
    """Accepted visits whose agreed time passed OUTCOME_QUESTION_DAYS ago, unrecorded, whose client was not asked."""
    return AppointmentRequest.objects.filter(
        status=Status.ACCEPTED,
        agreed_at__lte=now - datetime.timedelta(days=OUTCOME_QUESTION_DAYS),
        outcome_asked_at__isnull=True,
    )


def ask_clients_about_visits(*, now: datetime.datetime | None = None) -> int:
    """Ask the client of each visit the therapist left unrecorded whether it took place: an email, and the question
    under their requests. Idempotent: each visit is asked about once (outcome_asked_at, set under the row's lock,
    so two runs at once cannot both email). Returns how many clients were asked. Run daily."""
    now = now or timezone.now()
    asked = 0
    for pk in list(_visits_to_ask_about(now).order_by("pk").values_list("pk", flat=True)):
        with transaction.atomic():
            # Read again under the row's lock: answered, or asked by a run alongside, since the list was read.
            locked = (
                _visits_to_ask_about(now)
                .select_related("client", "therapist")
                .select_for_update(of=("self",))
                .filter(pk=pk)
                .first()
            )
            if locked is None:
                continue
            locked.outcome_asked_at = now
            locked.save(update_fields=["outcome_asked_at", "updated_at"])
            send_email(
                to=locked.client.email,
                template="visit_outcome_question",
                context={"appointment": locked, "therapist": locked.therapist},
            )
            asked += 1
    return asked
