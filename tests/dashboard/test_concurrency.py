"""Concurrent decisions on one therapist's certifications leave verified_until right (row lock on the therapist)."""

import datetime
import threading

import pytest
from django.db import connection
from django.utils import timezone

from therapists.models import Therapist
from therapists.services import certifications as verification

from ..factories import CertificationFactory, TherapistFactory, UserFactory

# Real commits from several threads. No serialized_rollback (as in tests/reviews/test_concurrency.py): a
# transactional test before may have flushed the data migrations' rows (the Verifiers group), so the
# deciders here are superusers, who need no group.
pytestmark = pytest.mark.django_db(transaction=True)


def test_certification_decide_concurrently_keeps_verified_until_exact():
    therapist = TherapistFactory(owner=UserFactory(username="busy"))
    today = timezone.localdate()
    certifications = [
        CertificationFactory(therapist=therapist, expires_on=today + datetime.timedelta(days=days))
        for days in (100, 200, 300, 400)
    ]
    deciders = [UserFactory(username=f"root{n}", is_staff=True, is_superuser=True) for n in range(4)]
    start = threading.Barrier(len(certifications))
    errors = []

    def decide(certification, decider):
        try:
            start.wait()
            verification.certification_decide(certification=certification, decided_by=decider, status="verified")
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=decide, args=pair) for pair in zip(certifications, deciders, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert Therapist.objects.get(pk=therapist.pk).verified_until == today + datetime.timedelta(days=400)
