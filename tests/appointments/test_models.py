"""The database keeps what is absolute about a request, whatever code writes it."""

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from appointments.models import AppointmentRequest

from .helpers import IN_A_WEEK, Status, request_in

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("status", "fields"),
    [
        (Status.ACCEPTED, {"agreed_at": None, "answered_at": "now"}),
        (Status.HELD, {"agreed_at": None, "answered_at": "now"}),
        (Status.NO_SHOW, {"agreed_at": None, "answered_at": "now"}),
        (Status.SUGGESTED, {"proposed_at": None, "answered_at": "now"}),
        (Status.DECLINED, {"decline_reason": "", "answered_at": "now"}),
        (Status.PENDING, {"decline_reason": "other"}),
        (Status.ACCEPTED, {"agreed_at": "later", "answered_at": None}),
        ("maybe", {}),
    ],
    ids=[
        "accepted-needs-agreed-time",
        "held-needs-agreed-time",
        "no-show-needs-agreed-time",
        "suggested-needs-proposed-time",
        "declined-needs-reason",
        "only-declined-has-reason",
        "answer-needs-answered-at",
        "unknown-status",
    ],
)
def test_check_constraints_refuse_an_impossible_state(client_account, therapist, status, fields):
    now = timezone.now()
    values = {key: {"now": now, "later": now + IN_A_WEEK}.get(value, value) for key, value in fields.items()}
    with pytest.raises(IntegrityError), transaction.atomic():
        AppointmentRequest.objects.create(client=client_account, therapist=therapist, status=status, **values)


def test_the_partial_unique_constraint_leaves_closed_requests_out(client_account, therapist):
    for status in (Status.DECLINED, Status.CANCELLED, Status.HELD, Status.ACCEPTED):
        request_in(status, client=client_account, therapist=therapist)
    request_in(Status.PENDING, client=client_account, therapist=therapist)
    with pytest.raises(IntegrityError), transaction.atomic():
        request_in(Status.SUGGESTED, client=client_account, therapist=therapist)


def test_open_and_unanswered_querysets(client_account, other_client, therapist):
    pending = request_in(Status.PENDING, client=client_account, therapist=therapist)
    suggested = request_in(Status.SUGGESTED, client=other_client, therapist=therapist)
    request_in(Status.DECLINED, client=client_account, therapist=therapist)
    assert set(AppointmentRequest.objects.open()) == {pending, suggested}
    assert list(AppointmentRequest.objects.unanswered()) == [pending]
    assert (pending.is_open, pending.is_unanswered, suggested.is_unanswered) == (True, True, False)


def test_preferences_read_in_words(client_account, therapist):
    appointment = request_in(
        Status.PENDING, client=client_account, therapist=therapist, preferred_days=["sat", "mon"],
        preferred_times=["evening"],
    )  # fmt: skip
    assert appointment.preferred_days_display() == ["Saturday", "Monday"]
    assert appointment.preferred_times_display() == ["Evening (after 5 pm)"]
