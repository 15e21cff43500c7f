"""seed_demo: realistic, deterministic, bulk, with aggregates that match the reviews."""

import datetime

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Exists, Min, OuterRef, Subquery

from demo.offerings import Practice
from reviews.models import Review
from reviews.selectors import compute_aggregates
from therapists.hours import WEEKEND, Period
from therapists.models import STANDARD_SESSION_MINUTES, Certification, OpeningPeriod, Service, Therapist
from therapists.services.offerings import check_hours

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


def _practices():
    """Every therapist's menu, week, address and payment facts, by slug: what a seed must give again."""
    menus = sorted(Service.objects.values_list("therapist__slug", "specialty__slug", "minutes", "price"))
    weeks = sorted(OpeningPeriod.objects.values_list("therapist__slug", "weekday", "opens", "closes"))
    facts = list(Therapist.objects.order_by("slug").values_list("slug", "price_60", *Practice.THERAPIST_FIELDS))
    return menus, weeks, facts


def test_seed_demo_is_deterministic_for_a_seed(small_gazetteer, today):
    call_command("seed_demo", "--therapists", "30", "--reviews", "90", "--seed", "11", "--photos", "0", "--no-logins")
    first, first_practices = _snapshot(), _practices()
    Therapist.objects.all().delete()
    call_command("seed_demo", "--therapists", "30", "--reviews", "90", "--seed", "11", "--photos", "0", "--no-logins")
    assert _snapshot() == first
    assert _practices() == first_practices
    Therapist.objects.all().delete()
    call_command("seed_demo", "--therapists", "30", "--reviews", "90", "--seed", "12", "--photos", "0", "--no-logins")
    assert _snapshot() != first
    # Each part differs on its own, not only through the names: menus, weeks and the payment facts.
    for again, before in zip(_practices(), first_practices, strict=True):
        assert [row[1:] for row in again] != [row[1:] for row in before]


# 3,000 therapists, 20,000 reviews and ~25,000 link, credential and user rows: one query per row would be
# ~50,000. The count is exact for the arguments below: the seed is fixed, and so is each database's batching
# (SQLite's 999 bound variables per query make many small batches; PostgreSQL takes each bulk insert whole).
# Each column of a credential makes SQLite's credential batches smaller: the issuing state made 809 into 815, the desk's
# four columns (reason, claim by and at, renewal) 851; the therapist's payment and booking columns (0007) 882; the
# demo words composed from each therapist's facts draw differently from the seed (a few more credentials) 885.
# The FTS5 index's triggers (0006) run inside the inserts: no query of their own.
# The demo states' license rosters go through the registry's import, a few queries per state whatever its size
# (the roster row, the state's records read once, the bulk writes, the verified licenses it may withdraw): +230.
# Each practice's menu and week (issue 13): ~9,900 services and ~15,800 opening periods in narrow bulk inserts,
# SQLite 40 + 64 batches of 249 rows, PostgreSQL 2 + 4 of 5,000; their draws from the seed shift the credentials
# and so the rosters' writes a little (SQLite +15, PostgreSQL +8): 1115 -> 1234 and 258 -> 272.
# Issue 15's review columns (visit, signals, removal reason, publication and edit dates, helpful count) make each
# review row wider: SQLite binds at most 999 values a statement, so 20,000 reviews take ~116 more batches: 1373.
# Therapist.certified_until (and verified_review_count) widen the 3,000 therapist rows too: +15 batches, 1388.
# The links' bits (therapists.term_bits): four more columns widen the therapist rows (SQLite +10 batches), and one
# UPDATE recomputes them from the link rows inserted in bulk (+1): 1399 and 273.
# Issue 12: the therapists who joined get owner accounts (about 1,050, so only their profiles carry replies): one
# bulk insert (SQLite 13 batches, PostgreSQL 1) and one query for their ids, +14 and +2. The cities now come from a
# list of well-known ones, which shifts the draws, so the credentials and the rosters' writes (SQLite -11,
# PostgreSQL -8): 1402 and 267.
BULK_QUERIES = {"sqlite": 1402, "postgresql": 267}


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


SEVEN_PM = datetime.time(19, 0)  # an ordinary day closes by then; an evening runs past it


@pytest.fixture
def seeded(small_gazetteer, today):
    call_command("seed_demo", "--therapists", "200", "--reviews", "400", "--seed", "4", "--photos", "0", "--no-logins")
    return list(Therapist.objects.order_by("pk"))


def _weeks() -> dict[int, list[Period]]:
    weeks: dict[int, list[Period]] = {}
    for therapist_id, weekday, opens, closes in OpeningPeriod.objects.values_list(
        "therapist_id", "weekday", "opens", "closes"
    ):
        weeks.setdefault(therapist_id, []).append(Period(weekday, opens, closes))
    return weeks


def _share(count: int, total: int) -> float:
    return count / total


def test_seed_demo_services_are_of_the_therapists_own_specialties(seeded):
    own = Therapist.specialties.through.objects.filter(
        therapist_id=OuterRef("therapist_id"), specialty_id=OuterRef("specialty_id")
    )
    assert Service.objects.count() > 2 * len(seeded)
    assert not Service.objects.exclude(Exists(own)).exists()


def test_seed_demo_price_60_is_the_cheapest_60_minute_service(seeded):
    cheapest = (
        Service.objects.filter(therapist=OuterRef("pk"), minutes=STANDARD_SESSION_MINUTES)
        .values("therapist")
        .annotate(low=Min("price"))
        .values("low")
    )
    rows = list(Therapist.objects.annotate(cheapest=Subquery(cheapest)).values_list("price_60", "cheapest"))
    assert all(price_60 == low for price_60, low in rows)
    # Both sides of the contract's `max_price`: priced therapists, and some without a 60-minute price.
    assert any(price_60 is None for price_60, _low in rows) and any(price_60 for price_60, _low in rows)


def test_seed_demo_menus_are_believable(seeded):
    sizes = [therapist.services.count() for therapist in seeded]
    assert set(sizes) <= {0, 2, 3, 4, 5, 6}
    assert 0.03 < _share(sizes.count(0), len(seeded)) < 0.2
    assert all(price % 5 == 0 for price in Service.objects.values_list("price", flat=True))


def test_seed_demo_hours_never_overlap_or_invert_and_by_appointment_lists_none(seeded):
    weeks = _weeks()
    for therapist in seeded:
        week = weeks.get(therapist.pk, [])
        assert not check_hours(week), week
        assert therapist.by_appointment is not bool(week)
    assert 0.03 < _share(sum(t.by_appointment for t in seeded), len(seeded)) < 0.2
    assert 0.18 < _share(sum(any(p.weekday in WEEKEND for p in w) for w in weeks.values()), len(seeded)) < 0.42
    evening = sum(any(p.closes > SEVEN_PM for p in w) for w in weeks.values())
    assert 0.22 < _share(evening, len(seeded)) < 0.48


def test_seed_demo_places_and_payment_are_believable(seeded):
    for therapist in seeded:
        assert (therapist.travel_radius_km is not None) is therapist.travels_to_client
        assert not therapist.show_address or therapist.street_address
        assert therapist.accepts_card or therapist.accepts_cash
    addressed = [t for t in seeded if t.street_address]
    assert 0.3 < _share(sum(t.show_address for t in addressed), len(addressed)) < 0.65
    assert all(8 <= t.travel_radius_km <= 40 for t in seeded if t.travels_to_client)
    assert 0.25 < _share(sum(t.accepts_hsa_fsa for t in seeded), len(seeded)) < 0.55
    assert 0.2 < _share(sum(t.sells_gift_cards for t in seeded), len(seeded)) < 0.5
    assert 0.7 < _share(sum(bool(t.cancellation_policy) for t in seeded), len(seeded)) < 0.97
