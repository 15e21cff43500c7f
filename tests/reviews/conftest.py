"""Fixtures for the review tests: a published profile with its owner, a client's review of it."""

# The clients here have confirmed their email and opened their accounts long ago: no review is refused or held
# unless a test means it.

import pytest

from reviews import services
from therapists.models import Specialty

from ..factories import SpecialtyFactory, TherapistFactory
from .helpers import client_account, review_content


@pytest.fixture
def swedish_specialty(db):
    # The data migration seeds it; transactional tests flush it, so make sure it is there.
    return Specialty.objects.filter(slug="swedish").first() or SpecialtyFactory(name="Swedish", slug="swedish")


@pytest.fixture
def reviewed_owner(db):
    """The therapist who owns the reviewed profile."""
    return client_account(username="profile-owner")


@pytest.fixture
def reviewed_therapist(reviewed_owner, swedish_specialty):
    """A published profile, owned by `reviewed_owner`, offering Swedish massage."""
    return TherapistFactory(owner=reviewed_owner, name="Lena Ortiz", slug="lena-ortiz", specialties=[swedish_specialty])


@pytest.fixture
def review_author(db):
    """The client who writes `published_review`."""
    return client_account(username="review-author")


@pytest.fixture
def other_client(db):
    """A signed-in client with no part in the review."""
    return client_account(username="other-client")


@pytest.fixture
def published_review(reviewed_therapist, review_author, swedish_specialty):
    """A visible review written through the service, so the aggregates count it."""
    return services.review_create(therapist=reviewed_therapist, author=review_author, content=review_content())
