"""Who may request an appointment, and who may see and answer a request; read by services, views and templates.

Where a service needs to say why not, the rule returns the refusal (`*_refusal`); `can_*` is its yes or no.
"""

from django.core.exceptions import ValidationError
from django.utils import timezone

from therapists.models import Therapist

from .models import AppointmentRequest

EMAIL_UNCONFIRMED_MESSAGE = (
    "Confirm your email address before you request an appointment: follow the link in the email we sent you. "
    "You can ask for a new link from your account page."
)


def request_refusal(user, therapist: Therapist) -> ValidationError | None:
    """Why this user may not request an appointment with this therapist, or None.

    Anonymous visitors get None: they log in first. The same rule as reviews for the email: a confirmed
    address is where the therapist's answer goes, and costs a bot a working mailbox.
    """
    if user.is_authenticated and therapist.owner_id == user.pk:
        return ValidationError("This is your own profile: clients request appointments here.", code="own_profile")
    if not therapist.is_public:
        return ValidationError("This profile is not open for requests.", code="not_public")
    if therapist.owner_id is None:
        return ValidationError(
            "This therapist has not joined the directory yet, so they cannot receive requests here. "
            "Contact them directly with the details on their profile.",
            code="unowned",
        )
    if not therapist.accepting_new_clients:
        return ValidationError(
            "%(name)s is not accepting new clients at the moment, so they cannot take a request.",
            code="not_accepting",
            params={"name": therapist.name},
        )
    if user.is_authenticated and not user.has_confirmed_email:
        return ValidationError(EMAIL_UNCONFIRMED_MESSAGE, code="email_unconfirmed")
    return None


def can_request(user, therapist: Therapist) -> bool:
    return request_refusal(user, therapist) is None


def is_client(user, appointment: AppointmentRequest) -> bool:
    return user.is_authenticated and appointment.client_id == user.pk


def is_therapist(user, appointment: AppointmentRequest, therapist: Therapist | None = None) -> bool:
    """The owner of the requested profile. Pass the therapist when it is at hand, to spare a query."""
    owner_id = (therapist or appointment.therapist).owner_id
    return user.is_authenticated and owner_id is not None and owner_id == user.pk


def outcome_due(appointment: AppointmentRequest) -> bool:
    """An accepted visit whose agreed time has passed: the therapist says now whether it took place."""
    return appointment.status == AppointmentRequest.Status.ACCEPTED and appointment.agreed_at <= timezone.now()


def may_answer_outcome(user, appointment: AppointmentRequest) -> bool:
    """The client answers whether the visit took place once the site asked them, while the therapist has not."""
    return (
        is_client(user, appointment)
        and appointment.status == AppointmentRequest.Status.ACCEPTED
        and appointment.outcome_asked_at is not None
    )
