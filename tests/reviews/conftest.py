"""Fixtures for the review tests: a published profile with its owner, a client's review of it."""

import pytest

from reviews import services
from therapists.models import Specialty

from ..factories import SpecialtyFactory, TherapistFactory, UserFactory
from .helpers import review_content


@pytest.fixture
def swedish(db):
    # The data migration seeds it; transactional tests flush it, so make sure it is there.
    return Specialty.objects.filter(slug="swedish").first() or SpecialtyFactory(name="Swedish", slug="swedish")


@pytest.fixture
def owner(db):
    return UserFactory(username="profile-owner")


@pytest.fixture
def therapist(owner, swedish):
    return TherapistFactory(owner=owner, name="Lena Ortiz", slug="lena-ortiz", specialties=[swedish])


@pytest.fixture
def author(db):
    return UserFactory(username="review-author")


@pytest.fixture
def other_client(db):
    return UserFactory(username="other-client")


@pytest.fixture
def review(therapist, author, swedish):
    """A visible review written through the service, so the aggregates count it."""
    return services.review_create(therapist=therapist, author=author, content=review_content())
