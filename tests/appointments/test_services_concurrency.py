"""Concurrent request writes on a real database (a SQLite file in WAL mode, or PostgreSQL).

These tests commit for real (transaction=True) and write from several threads, each with its own connection,
closed when the thread ends: one open request per pair holds, and a cancellation racing an answer ends in one
of the two states, whole.
"""

import datetime
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.exceptions import ValidationError
from django.db import connections
from django.utils import timezone

from appointments import services
from appointments.models import AppointmentRequest

from .helpers import Status, request_in

# No serialized_rollback, as in the review concurrency tests: the fixtures create what they need.
pytestmark = pytest.mark.django_db(transaction=True)

THREADS = 8


def _run_in_threads(work, items, threads=THREADS):
    def run(item):
        try:
            return work(item)
        except ValidationError as error:
            return error.error_list[0].code if not hasattr(error, "error_dict") else "field"
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=threads) as pool:
        return list(pool.map(run, items))


def test_simultaneous_requests_from_one_client_to_one_therapist_store_one(client_account, therapist):
    def send(_):
        services.appointment_request_create(
            client=client_account, therapist=therapist, details=services.RequestDetails(preferred_days=["mon"])
        )
        return "stored"

    # As many as the hourly limit lets one client send, all at once: attempts in flight count towards it.
    outcomes = _run_in_threads(send, range(services.REQUEST_LIMIT), threads=services.REQUEST_LIMIT)
    assert sorted(set(outcomes)) == ["open_request_exists", "stored"]
    assert outcomes.count("stored") == 1
    assert AppointmentRequest.objects.filter(client=client_account, therapist=therapist).count() == 1


def test_a_cancellation_racing_an_acceptance_ends_in_one_whole_state(client_account, owner, therapist):
    for _ in range(5):
        appointment = request_in(Status.PENDING, client=client_account, therapist=therapist)
        when = timezone.now() + datetime.timedelta(days=3)

        def act(action, appointment=appointment, when=when):
            if action == "cancel":
                services.appointment_cancel(appointment=appointment, client=client_account)
            else:
                services.appointment_accept(appointment=appointment, therapist_user=owner, agreed_at=when)
            return action

        outcomes = _run_in_threads(act, ["cancel", "accept"])
        stored = AppointmentRequest.objects.get(pk=appointment.pk)
        if stored.status == Status.CANCELLED:
            # Cancelled first, or after the acceptance (a visit still ahead may be cancelled): both ran or one did.
            assert "cancel" in outcomes
        else:
            assert (stored.status, outcomes) == (Status.ACCEPTED, ["not_allowed", "accept"])
            assert stored.agreed_at == when
        AppointmentRequest.objects.filter(pk=appointment.pk).delete()
