"""Demo therapists: planned from the gazetteer and a seed, inserted in bulk with their links and credentials."""

import random

import pytest
from faker import Faker

from demo import therapists as therapist_demo
from therapists.models import Certification, OpeningPeriod, Service, Therapist, credentials_valid_until

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
