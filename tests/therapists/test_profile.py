"""The profile page: the article's criteria at a glance, credentials, ratings and reviews."""

import datetime
from http import HTTPStatus

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from reviews.services import refresh_aggregates
from therapists.models import Amenity, Language, Specialty

from ..factories import CertificationFactory, ReviewFactory, TherapistFactory, UserFactory

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


@pytest.fixture
def therapist():
    swedish, thai = Specialty.objects.get(slug="swedish"), Specialty.objects.get(slug="thai")
    t = TherapistFactory(name="Lena Ortiz", specialties=[swedish, thai], verified_until=TODAY, price_60=95,
                         hypoallergenic_products=True)  # fmt: skip
    t.languages.set([Language.objects.get(code="es")])
    t.amenities.set([Amenity.objects.get(slug="fresh-linens")])
    CertificationFactory(therapist=t, title="State LMT", status="verified")
    CertificationFactory(therapist=t, kind="specialty", specialty=swedish, title="Swedish cert", status="verified")
    CertificationFactory(therapist=t, kind="specialty", specialty=thai, title="Thai cert", status="pending")
    CertificationFactory(
        therapist=t, title="Old license", status="verified",
        issued_on=TODAY - datetime.timedelta(days=900), expires_on=TODAY - datetime.timedelta(days=2),
    )  # fmt: skip
    return t


def test_profile_answers_the_criteria_at_a_glance(client, therapist):
    content = client.get(therapist.get_absolute_url()).content.decode()
    assert "Verified" in content
    assert 'Swedish <span class="certified">✓ Certified</span>' in content
    assert "Thai <span" not in content  # pending: not certified
    assert "Awaiting verification" in content and "Expired" in content
    assert "Spanish" in content and "Fresh linens" in content and "$95" in content
    assert "Allergy-friendly" in content
    assert "Why this rank" in content


def test_profile_shows_ratings_summary_and_paginated_reviews(client, therapist):
    for i in range(12):
        ReviewFactory(therapist=therapist, title=f"Review number {i}", rating=4, would_recommend=i % 2 == 0)
    ReviewFactory(therapist=therapist, title="Hidden one", is_hidden=True)
    refresh_aggregates(therapist_id=therapist.pk)
    first = client.get(therapist.get_absolute_url()).content.decode()
    assert "12 reviews" in first and "50% would recommend" in first
    assert "Hidden one" not in first
    assert first.count('class="card review"') == 10
    second = client.get(therapist.get_absolute_url(), {"page": "2"}).content.decode()
    assert second.count('class="card review"') == 2


def _count(client, url):
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == HTTPStatus.OK
    return len(captured.captured_queries)


@pytest.mark.parametrize("signed_in", [False, True])
def test_profile_query_count_does_not_grow_with_reviews(client, therapist, signed_in, django_assert_max_num_queries):
    if signed_in:
        client.force_login(UserFactory())
    ReviewFactory(therapist=therapist)
    refresh_aggregates(therapist_id=therapist.pk)
    one = _count(client, therapist.get_absolute_url())
    for _ in range(15):
        ReviewFactory(therapist=therapist)
    refresh_aggregates(therapist_id=therapist.pk)
    assert _count(client, therapist.get_absolute_url()) == one
    assert one <= 10
