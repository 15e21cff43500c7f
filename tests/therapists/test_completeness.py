"""therapists.completeness: what a profile lacks, in the order clients look; and that it buys no rank."""

import datetime

import pytest
from django.urls import reverse

from therapists.completeness import BIO_MIN_CHARACTERS, missing_items
from therapists.hours import Period
from therapists.models import Certification, OpeningPeriod, Service, Specialty, Therapist
from therapists.services.offerings import ServiceItem, therapist_set_hours, therapist_set_services
from therapists.services.profiles import PracticeDetails, therapist_set_practice
from therapists.services.scoring import compute_score, therapist_refresh_credentials, therapist_refresh_score

from ..factories import CertificationFactory, ReviewFactory, TherapistFactory

pytestmark = pytest.mark.django_db

LONG_BIO = "I trained in Swedish and deep tissue massage and work mostly with runners and desk workers. " * 3


@pytest.fixture
def bare(denver):
    """A profile with nothing a client looks for: no photo, license, services, hours or bio."""
    return TherapistFactory(bio="", place=denver, price_60=None)


@pytest.fixture
def complete(denver, today):
    therapist = TherapistFactory(bio=LONG_BIO, place=denver, photo="photos/a.jpg", by_appointment=True)
    CertificationFactory(therapist=therapist, status=Certification.Status.VERIFIED)
    swedish = Specialty.objects.get(slug="swedish")
    therapist.specialties.set([swedish])
    Service.objects.create(therapist=therapist, specialty=swedish, minutes=60, price=90)
    return therapist_refresh_credentials(therapist=therapist)


def _keys(therapist) -> list[str]:
    return [item.key for item in missing_items(Therapist.objects.get(pk=therapist.pk))]


def test_missing_items_come_in_the_order_clients_look_each_with_why_and_where(bare):
    items = missing_items(bare)
    assert [item.key for item in items] == ["photo", "license", "services", "hours", "bio"]
    assert [item.url for item in items] == [
        reverse("dashboard:photo"),
        reverse("dashboard:certification_create"),
        reverse("dashboard:services"),
        reverse("dashboard:hours"),
        reverse("dashboard:profile_edit"),
    ]
    assert all(item.label and item.why and item.action for item in items)
    assert f"at least {BIO_MIN_CHARACTERS} characters" in items[-1].label


def test_a_complete_profile_lacks_nothing(complete):
    assert missing_items(complete) == []


def test_a_pending_license_says_it_awaits_verification(bare):
    CertificationFactory(therapist=bare, status=Certification.Status.PENDING)
    license_item = next(item for item in missing_items(bare) if item.key == "license")
    assert "awaiting verification" in license_item.label
    assert license_item.url == reverse("dashboard:home") + "#certifications-heading"


def test_a_pending_specialty_certificate_is_no_license(bare):
    CertificationFactory(
        therapist=bare, kind=Certification.Kind.SPECIALTY, specialty=Specialty.objects.get(slug="thai"), region=""
    )
    license_item = next(item for item in missing_items(bare) if item.key == "license")
    assert license_item.label == "A verified license"


def test_an_expired_license_no_longer_counts(complete, today):
    Certification.objects.filter(therapist=complete).update(
        issued_on=today - datetime.timedelta(days=800), expires_on=today - datetime.timedelta(days=1)
    )
    therapist_refresh_credentials(therapist=complete)
    assert _keys(complete) == ["license"]


def test_hours_count_when_given_or_by_appointment(bare):
    assert "hours" in _keys(bare)
    OpeningPeriod.objects.create(therapist=bare, weekday=0, opens=datetime.time(9), closes=datetime.time(17))
    assert "hours" not in _keys(bare)
    OpeningPeriod.objects.all().delete()
    Therapist.objects.filter(pk=bare.pk).update(by_appointment=True)
    assert "hours" not in _keys(bare)


@pytest.mark.parametrize(
    ("length", "lacking"), [(0, True), (BIO_MIN_CHARACTERS - 1, True), (BIO_MIN_CHARACTERS, False)]
)
def test_a_bio_counts_from_its_minimum_length(bare, length, lacking):
    Therapist.objects.filter(pk=bare.pk).update(bio="x" * length + "   ")
    assert ("bio" in _keys(bare)) == lacking


def test_a_short_bio_says_how_long_it_is(bare):
    Therapist.objects.filter(pk=bare.pk).update(bio="Hello there")
    assert missing_items(Therapist.objects.get(pk=bare.pk))[-1].label.endswith("(yours has 11)")


def test_missing_items_reads_one_query_whatever_it_finds(bare, complete, django_assert_num_queries):
    for therapist in (bare, complete):
        with django_assert_num_queries(1):
            missing_items(therapist)


def test_completeness_buys_no_rank(bare, today):
    """Services, hours, payment, address, travel, a long bio and a photo change nothing in the score: the documented
    formula (therapists.ranking) weighs only credentials, reviews, recommendations, sub-ratings and experience."""
    ReviewFactory(therapist=bare, rating=4, communication=4, cleanliness=5)
    before = therapist_refresh_score(therapist=Therapist.objects.get(pk=bare.pk)).score
    swedish = Specialty.objects.get(slug="swedish")
    bare.specialties.set([swedish])
    therapist_set_services(therapist=bare, items=[ServiceItem(swedish, 60, 90), ServiceItem(swedish, 90, 120)])
    therapist_set_hours(therapist=bare, periods=[Period(0, datetime.time(9), datetime.time(17))], by_appointment=True)
    therapist_set_practice(
        therapist=bare,
        practice=PracticeDetails(
            street_address="1420 Larimer St",
            show_address=True,
            travels_to_client=True,
            travel_radius_km=20,
            accepts_cash=True,
            accepts_card=True,
            accepts_hsa_fsa=True,
            gives_hsa_receipts=True,
            sells_gift_cards=True,
            cancellation_policy="24 hours' notice, please.",
        ),
    )
    Therapist.objects.filter(pk=bare.pk).update(bio=LONG_BIO, photo="photos/a.jpg")
    after = Therapist.objects.get(pk=bare.pk)
    assert _keys(after) == ["license"], "everything completeness counts is there, but the license"
    assert after.score == before, "no write of these facts moved the stored score"
    assert compute_score(after) == before, "and the formula itself gives the same score"
