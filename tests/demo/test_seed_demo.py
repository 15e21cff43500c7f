"""seed_demo: realistic, deterministic, bulk, with aggregates that match the reviews."""

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.db import connection

from reviews.models import Review
from reviews.selectors import compute_aggregates
from therapists.models import Certification, Therapist

pytestmark = pytest.mark.django_db


def _snapshot():
    return list(
        Therapist.objects.order_by("slug").values_list(
            "name", "slug", "city", "price_60", "years_experience", "review_count", "score"
        )
    )


def test_seed_demo_small_creates_consistent_data(small_gazetteer, today):
    call_command("seed_demo", "--therapists", "40", "--reviews", "300", "--seed", "3", "--photos", "5")
    assert Therapist.objects.count() == 40
    assert Review.objects.count() == 300
    for therapist in Therapist.objects.all():
        fresh = compute_aggregates(therapist.pk)
        # approx(None) equals None only: a therapist without reviews has no averages on either side.
        stored = (therapist.review_count, therapist.rating_avg, therapist.recommend_pct)
        assert stored == (
            fresh["review_count"],
            pytest.approx(fresh["rating_avg"]),
            pytest.approx(fresh["recommend_pct"]),
        )
    assert Therapist.objects.exclude(photo="").count() == 5
    statuses = set(Certification.objects.values_list("status", flat=True))
    assert statuses == {"pending", "verified", "rejected"}
    assert Certification.objects.filter(expires_on__lt=today).exists()
    assert Therapist.objects.filter(score__gt=0).count() == 40


def test_seed_demo_prints_working_demo_logins(small_gazetteer, capsys):
    call_command("seed_demo", "--therapists", "5", "--reviews", "10")
    output = capsys.readouterr().out
    logins = {}
    for line in output.splitlines():
        parts = line.split()
        if parts and parts[0] in {"admin", "verifier", "therapist", "client"}:
            logins[parts[0]] = parts[1]
    assert set(logins) == {"admin", "verifier", "therapist", "client"}
    admin = authenticate(username="admin", password=logins["admin"])
    assert admin is not None and admin.is_superuser
    verifier = authenticate(username="verifier", password=logins["verifier"])
    assert verifier.has_perm("therapists.verify_certification")
    assert Therapist.objects.filter(owner__username="therapist").exists()


def test_seed_demo_is_deterministic_for_a_seed(small_gazetteer, today):
    call_command("seed_demo", "--therapists", "30", "--reviews", "90", "--seed", "11", "--photos", "0", "--no-logins")
    first = _snapshot()
    Therapist.objects.all().delete()
    call_command("seed_demo", "--therapists", "30", "--reviews", "90", "--seed", "11", "--photos", "0", "--no-logins")
    assert _snapshot() == first
    Therapist.objects.all().delete()
    call_command("seed_demo", "--therapists", "30", "--reviews", "90", "--seed", "12", "--photos", "0", "--no-logins")
    assert _snapshot() != first


# 3,000 therapists, 20,000 reviews and ~25,000 link, credential and user rows: one query per row would be
# ~50,000. The count is exact for the arguments below: the seed is fixed, and so is each database's batching
# (SQLite's 999 bound variables per query make many small batches; PostgreSQL takes each bulk insert whole).
# Each column of a credential makes SQLite's credential batches smaller: the issuing state made 809 into 815, the desk's
# four columns (reason, claim by and at, renewal) 851; the therapist's payment and booking columns (0007) 882; the
# demo words composed from each therapist's facts draw differently from the seed (a few more credentials) 885.
# The FTS5 index's triggers (0006) run inside the inserts: no query of their own.
# The demo states' license rosters go through the registry's import, a few queries per state whatever its size
# (the roster row, the state's records read once, the bulk writes, the verified licenses it may withdraw): +230.
BULK_QUERIES = {"sqlite": 1115, "postgresql": 258}


def test_seed_demo_inserts_in_bulk(small_gazetteer, django_assert_num_queries):
    with django_assert_num_queries(BULK_QUERIES[connection.vendor]):
        call_command("seed_demo", "--therapists", "3000", "--reviews", "20000", "--photos", "0", "--no-logins")
    assert Therapist.objects.count() == 3000
    assert Review.objects.count() == 20000


def test_seed_demo_if_empty_adds_nothing_to_a_filled_database(small_gazetteer):
    call_command("seed_demo", "--therapists", "5", "--reviews", "5", "--no-logins")
    call_command("seed_demo", "--if-empty", "--no-logins")
    assert Therapist.objects.count() == 5


def test_seed_demo_needs_the_gazetteer():
    with pytest.raises(CommandError, match="load_places"):
        call_command("seed_demo", "--therapists", "3", "--no-logins")
