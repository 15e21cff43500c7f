"""therapists.services.certifications under concurrency: decisions on one therapist's credentials, row-locked."""

import datetime
import threading

import pytest
from django.db import connection

from therapists.models import Therapist
from therapists.services.certifications import certification_decide

from ...factories import CertificationFactory, TherapistFactory, UserFactory

# Real commits from several threads. No serialized_rollback (as in the reviews services concurrency tests): a
# transactional test before may have flushed the data migrations' rows (the Verifiers group), so the
# deciders here are superusers, who need no group.
pytestmark = pytest.mark.django_db(transaction=True)


def test_certification_decide_concurrently_keeps_verified_until_exact(today):
    therapist = TherapistFactory(owner=UserFactory(username="busy"))
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
            certification_decide(certification=certification, decided_by=decider, status="verified")
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
