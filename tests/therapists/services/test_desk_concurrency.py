"""The verification desk under concurrency: two verifiers deciding or taking one item at the same moment."""

import threading

import pytest
from django.db import connection

from therapists.models import Certification, CertificationDecision
from therapists.services.certifications import certification_decide, certification_take

from ...factories import CertificationFactory, TherapistFactory, UserFactory

# Real commits from two threads, each with its own connection (as test_certifications_concurrency); the deciders
# are superusers since a transactional test before may have flushed the Verifiers group. On SQLite the second
# writer waits on the database lock instead of the row lock: the outcome asserted is the same.
pytestmark = pytest.mark.django_db(transaction=True)


def _race(calls) -> tuple[list, list]:
    start = threading.Barrier(len(calls))
    done, refused = [], []

    def run(call):
        try:
            start.wait()
            done.append(call())
        except Exception as error:  # noqa: BLE001 - sorted by the assertions
            refused.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return done, refused


def test_two_verifiers_deciding_one_item_at_once_one_wins_and_the_trail_has_one_entry():
    certification = CertificationFactory(therapist=TherapistFactory(owner=None))
    seen = Certification.objects.get(pk=certification.pk)
    one, two = (UserFactory(username=name, is_staff=True, is_superuser=True) for name in ("ada", "bo"))
    done, refused = _race(
        [
            lambda: certification_decide(
                certification=seen, decided_by=one, status="verified", expected_status=seen.status
            ),
            lambda: certification_decide(
                certification=seen,
                decided_by=two,
                status="rejected",
                note="Blurry.",
                reason="unreadable",
                expected_status=seen.status,
            ),
        ]
    )
    assert len(done) == 1 and len(refused) == 1
    assert "Meanwhile" in " ".join(refused[0].messages)
    entry = CertificationDecision.objects.get()
    assert Certification.objects.get(pk=certification.pk).status == entry.status == done[0].status


def test_two_verifiers_taking_one_item_at_once_one_holds_it_and_the_other_is_told_who():
    certification = CertificationFactory(therapist=TherapistFactory(owner=None))
    one, two = (UserFactory(username=name, is_staff=True, is_superuser=True) for name in ("ada", "bo"))
    done, refused = _race(
        [
            lambda: certification_take(certification=certification, verifier=one),
            lambda: certification_take(certification=certification, verifier=two),
        ]
    )
    assert len(done) == 1 and len(refused) == 1
    holder = Certification.objects.get(pk=certification.pk).claimed_by
    assert holder == done[0].claimed_by
    assert f"Already taken by {holder.username}" in " ".join(refused[0].messages)
