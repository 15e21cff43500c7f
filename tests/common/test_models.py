"""LockingQuerySet.lock: the row, locked until the transaction ends, so writers on it queue."""

import threading

import pytest
from django.db import OperationalError, connection, connections, transaction
from django.db.transaction import TransactionManagementError
from django.test.utils import CaptureQueriesContext

from therapists.models import Therapist

from ..factories import TherapistFactory

pytestmark = pytest.mark.django_db

POSTGRESQL_ONLY = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite has no row locks: its immediate transactions queue every writer at BEGIN instead",
)


def test_locking_queryset_lock_gives_the_row():
    therapist = TherapistFactory(name="Lena Ortiz")
    with transaction.atomic():
        locked = Therapist.objects.lock(therapist.pk)
    assert (locked.pk, locked.name) == (therapist.pk, "Lena Ortiz")


def test_locking_queryset_lock_of_a_missing_row_is_does_not_exist():
    with pytest.raises(Therapist.DoesNotExist), transaction.atomic():
        Therapist.objects.lock(0)


@POSTGRESQL_ONLY
def test_locking_queryset_lock_selects_for_update():
    therapist = TherapistFactory()
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        Therapist.objects.lock(therapist.pk)
    assert [query["sql"].endswith("FOR UPDATE") for query in queries.captured_queries] == [True]


@POSTGRESQL_ONLY
@pytest.mark.django_db(transaction=True)
def test_locking_queryset_lock_outside_a_transaction_is_refused():
    therapist = TherapistFactory()
    with pytest.raises(TransactionManagementError):
        Therapist.objects.lock(therapist.pk)


@POSTGRESQL_ONLY
@pytest.mark.django_db(transaction=True)
def test_locking_queryset_lock_makes_a_second_writer_wait():
    therapist = TherapistFactory()
    outcome = {}

    def second_writer():
        try:
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL lock_timeout = '200ms'")
                Therapist.objects.lock(therapist.pk)
            outcome["second"] = "locked"
        except OperationalError as error:
            outcome["second"] = "waited" if "lock timeout" in str(error) else str(error)
        finally:
            connections.close_all()

    with transaction.atomic():
        Therapist.objects.lock(therapist.pk)
        thread = threading.Thread(target=second_writer)
        thread.start()
        thread.join(timeout=30)
    assert outcome == {"second": "waited"}
