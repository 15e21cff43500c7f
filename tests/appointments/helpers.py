"""Helpers of the request tests: accounts that may request, a request in any state, a valid form post."""

import datetime

from django.utils import timezone

from appointments.models import AppointmentRequest
from appointments.selectors import practice_zone

from ..factories import UserFactory

Status = AppointmentRequest.Status
IN_A_WEEK = datetime.timedelta(days=7)


def confirmed_account(**fields):
    """A client whose email is confirmed, as the request rule wants (like the review rule)."""
    return UserFactory(**{"email_confirmed_at": timezone.now(), **fields})


def request_in(status: str, *, client, therapist, **fields) -> AppointmentRequest:
    """A request stored directly in `status`, with what the database constraints ask of that state."""
    now = timezone.now()
    values = {"client": client, "therapist": therapist, "status": status, "preferred_days": ["mon"], **fields}
    if status in (Status.ACCEPTED, Status.HELD, Status.NO_SHOW):
        values.setdefault("agreed_at", now + IN_A_WEEK)
    if status == Status.SUGGESTED:
        values.setdefault("proposed_at", now + IN_A_WEEK)
    if status == Status.DECLINED:
        values.setdefault("decline_reason", AppointmentRequest.DeclineReason.FULLY_BOOKED)
    if status not in (Status.PENDING, Status.CANCELLED):
        values.setdefault("answered_at", now)
    return AppointmentRequest.objects.create(**values)


def request_form_data(**overrides) -> dict:
    """A valid POST for the request form; give a field as None to leave it out."""
    data = {
        "specialty": "swedish",
        "preferred_days": ["mon", "wed"],
        "preferred_times": ["evening"],
        "preferred_note": "After work",
        "message": "My lower back is tight after long days at a desk.",
        "precautions": "",
        "website": "",
        **overrides,
    }
    return {key: value for key, value in data.items() if value is not None}


def local_input(moment: datetime.datetime, therapist) -> str:
    """A moment as the therapist types it in a datetime-local input, on the practice's clock."""
    return moment.astimezone(practice_zone(therapist)).strftime("%Y-%m-%dT%H:%M")
