"""Shared fixtures."""

import pytest
from django.contrib.auth.models import Group

from .factories import UserFactory


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", is_staff=True, is_superuser=True)


@pytest.fixture
def verifier(db):
    user = UserFactory(username="verifier-user", is_staff=True)
    user.groups.add(Group.objects.get(name="Verifiers"))
    return user


@pytest.fixture
def client_user(db):
    return UserFactory(username="client-user")


@pytest.fixture
def small_gazetteer(db):
    """The large US cities from the shipped data: enough for seed_demo and place search."""
    from therapists.places import load_places

    load_places(countries=["US"], min_population=300_000, postal_codes=False)


@pytest.fixture
def moderator(db):
    """Staff in the Moderators group: may hide and restore reviews in the admin."""
    user = UserFactory(username="moderator-user", is_staff=True)
    user.groups.add(Group.objects.get(name="Moderators"))
    return user


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with an empty cache (vocabularies, facet counts, throttles)."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
