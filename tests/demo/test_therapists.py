"""Demo therapists: planned from the gazetteer and a seed, inserted in bulk with their links and credentials."""

import random

import pytest
from faker import Faker

from demo import content
from demo import therapists as therapist_demo
from therapists.models import Certification, OpeningPeriod, Service, Therapist, credentials_valid_until
from therapists.places import load_places

from ..factories import PlaceFactory

pytestmark = pytest.mark.django_db


def _plans(count: int, seed: int = 7, existing=None):
    fake = Faker("en_US")
    fake.seed_instance(seed)
    return therapist_demo.plan_therapists(
        count=count, rng=random.Random(seed), fake=fake, existing_slugs=set() if existing is None else existing
    )


def test_plan_therapists_needs_the_gazetteer():
    with pytest.raises(ValueError, match="load_places"):
        _plans(3)


def test_plan_therapists_is_the_same_for_a_seed(small_gazetteer, today):
    first = [(p.therapist.name, p.therapist.slug, p.specialty_ids) for p in _plans(15)]
    again = [(p.therapist.name, p.therapist.slug, p.specialty_ids) for p in _plans(15)]
    other = [(p.therapist.name, p.therapist.slug, p.specialty_ids) for p in _plans(15, seed=8)]
    assert first == again and first != other


def test_plan_therapists_gives_new_slugs_only(small_gazetteer, today):
    taken = {plan.therapist.slug for plan in _plans(10)}
    existing = set(taken)
    fresh = [plan.therapist.slug for plan in _plans(10, existing=existing)]
    assert len(set(fresh)) == 10 and not set(fresh) & taken


def test_plan_therapists_verified_until_is_what_their_credentials_give(small_gazetteer, today):
    plans = _plans(30)
    assert [p.therapist.verified_until for p in plans] == [
        credentials_valid_until(p.certifications, practice_region=p.therapist.region) for p in plans
    ]
    assert {cert.status for p in plans for cert in p.certifications} == {"verified", "pending", "rejected"}


def test_plan_therapists_licenses_name_the_state_of_practice_so_most_stay_verified(small_gazetteer, today):
    plans = _plans(30)
    licenses = [(p, cert) for p in plans for cert in p.certifications if cert.kind == "license"]
    assert licenses and all(cert.region == p.therapist.region for p, cert in licenses)
    assert sum(p.therapist.is_verified(today) for p in plans) > len(plans) / 2


def test_plan_therapists_price_60_is_the_cheapest_planned_60_minute_service(small_gazetteer, today):
    plans = _plans(60)
    for plan in plans:
        sixty = [line.price for line in plan.practice.menu if line.minutes == 60]
        assert plan.therapist.price_60 == (min(sixty) if sixty else None)
        assert {line.specialty_id for line in plan.practice.menu} <= set(plan.specialty_ids)
    assert any(plan.therapist.price_60 is None for plan in plans)


def test_insert_plans_stores_therapists_links_menus_weeks_and_decided_credentials(small_gazetteer, today):
    plans = _plans(12)
    therapist_demo.score_plans(plans)
    therapist_demo.insert_plans(plans, photos=2, rng=random.Random(7))
    assert Therapist.objects.count() == 12
    assert Therapist.objects.exclude(photo="").count() == 2
    stored_specialties = {t.slug: sorted(t.specialties.values_list("pk", flat=True)) for t in Therapist.objects.all()}
    assert stored_specialties == {p.therapist.slug: sorted(p.specialty_ids) for p in plans}
    stored_menus = sorted(Service.objects.values_list("therapist__slug", "specialty_id", "minutes", "price"))
    assert stored_menus == sorted(
        (p.therapist.slug, line.specialty_id, line.minutes, line.price) for p in plans for line in p.practice.menu
    )
    stored_weeks = sorted(OpeningPeriod.objects.values_list("therapist__slug", "weekday", "opens", "closes"))
    assert stored_weeks == sorted(
        (p.therapist.slug, period.weekday, period.opens, period.closes) for p in plans for period in p.practice.periods
    )
    assert stored_menus and stored_weeks
    decided = Certification.objects.exclude(status=Certification.Status.PENDING)
    assert decided.count() == decided.filter(decisions__isnull=False).distinct().count()
    assert not Certification.objects.filter(status=Certification.Status.PENDING, decided_at__isnull=False).exists()


def test_demo_cities_are_the_biggest_well_known_cities_each_under_one_name(db):
    # Down to 200,000 people the gazetteer also holds "Meads, KY" and "Tri-Cities, WA", besides the boroughs,
    # districts ("South Boston", "West Raleigh", "New South Memphis") and "Lexington-Fayette" of the large cities.
    load_places(countries=["US"], min_population=200_000, postal_codes=False)
    cities = therapist_demo.demo_cities()
    labels = {(place.name, place.region) for place in cities}
    assert len(cities) == therapist_demo.DEMO_CITY_COUNT
    assert labels <= set(content.CITY_AREA_CODES)
    assert not labels & {("Meads", "KY"), ("Tri-Cities", "WA"), ("Lexington-Fayette", "KY"), ("Manhattan", "NY"),
                         ("New South Memphis", "TN"), ("West Raleigh", "NC"), ("South Boston", "MA")}  # fmt: skip
    assert {("New York City", "NY"), ("Lexington", "KY"), ("Memphis", "TN"), ("Boston", "MA")} <= labels
    for place in cities:
        assert all(other == place or therapist_demo.distance_km(place, other) >= therapist_demo.SAME_TOWN_KM
                   for other in cities), place.label  # fmt: skip
    populations = [place.population for place in cities]
    assert populations == sorted(populations, reverse=True)


def test_demo_cities_leave_out_a_smaller_city_within_a_few_km_of_a_bigger_one(db):
    minneapolis = PlaceFactory(name="Minneapolis", region="MN", latitude=44.98, longitude=-93.26, population=410_000)
    # Saint Paul placed 3 km away, as a gazetteer's second row for one town would be: it is left out.
    PlaceFactory(name="Saint Paul", region="MN", latitude=45.0, longitude=-93.24, population=300_000)
    denver = PlaceFactory(name="Denver", region="CO", latitude=39.74, longitude=-104.98, population=700_000)
    PlaceFactory(
        name="Springfield", region="CO", latitude=38.0, longitude=-104.0, population=900_000
    )  # not in the list
    assert therapist_demo.demo_cities() == [denver, minneapolis]


def test_insert_plans_gives_an_owner_account_to_each_therapist_who_joined(small_gazetteer, today):
    plans = _plans(30)
    joined = {plan.therapist.slug for plan in plans if plan.joined}
    assert 0 < len(joined) < 30
    therapist_demo.insert_plans(plans, photos=0, rng=random.Random(7))
    owned = dict(Therapist.objects.filter(owner__isnull=False).values_list("slug", "owner__first_name"))
    assert set(owned) == joined
    assert all(plan.therapist.name.startswith(owned[plan.therapist.slug]) for plan in plans if plan.joined)
    # Seeding again after the profiles were deleted reuses their owner accounts.
    accounts = set(Therapist.objects.values_list("owner_id", flat=True)) - {None}
    Therapist.objects.all().delete()
    plans = _plans(30)
    therapist_demo.insert_plans(plans, photos=0, rng=random.Random(7))
    assert set(Therapist.objects.values_list("owner_id", flat=True)) - {None} == accounts
