"""Fixtures of the request tests: a published, owned profile accepting new clients, its owner, clients, and the
people of the permission matrix (helpers.ACTORS)."""

import pytest
from django.contrib.auth.models import Group

from therapists.models import Specialty

from ..factories import SpecialtyFactory, TherapistFactory, UserFactory
from .helpers import confirmed_account


@pytest.fixture
def swedish(db):
    # The data migration seeds it; transactional tests flush it, so make sure it is there.
    return Specialty.objects.filter(slug="swedish").first() or SpecialtyFactory(name="Swedish", slug="swedish")


@pytest.fixture
def deep(db):
    return Specialty.objects.filter(slug="deep-tissue").first() or SpecialtyFactory(
        name="Deep tissue", slug="deep-tissue"
    )


@pytest.fixture
def owner(db):
    """The therapist who owns `therapist`."""
    return confirmed_account(username="profile-owner", email="owner@example.com")


@pytest.fixture
def therapist(owner, swedish):
    """A published profile in Denver, owned, accepting new clients, offering Swedish massage."""
    return TherapistFactory(
        owner=owner,
        name="Lena Ortiz",
        slug="lena-ortiz",
        region="CO",
        accepting_new_clients=True,
        specialties=[swedish],
    )


@pytest.fixture
def client_account(db):
    """The client who sends the requests."""
    return confirmed_account(username="request-client", email="client@example.com", first_name="Ana", last_name="Lopez")


@pytest.fixture
def other_client(db):
    return confirmed_account(username="other-client", email="other-client@example.com")


@pytest.fixture
def other_owner(db):
    """A therapist who owns another profile."""
    user = confirmed_account(username="other-therapist", email="other-therapist@example.com")
    TherapistFactory(owner=user, name="Theo Other", slug="theo-other")
    return user


@pytest.fixture
def staff(db):
    user = UserFactory(username="staff-user", is_staff=True)
    user.groups.add(Group.objects.get(name="Moderators"))
    return user
