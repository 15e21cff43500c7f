"""Shared fixtures: the people of the permission matrices, the gazetteer, a clean cache, the one query-count helper."""

import datetime
from http import HTTPStatus

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from .factories import PlaceFactory, UserFactory

# Every test that depends on the date freezes the clock here (time-machine), never computes it at import.
FROZEN_NOW = datetime.datetime(2026, 6, 15, 15, 30, tzinfo=datetime.UTC)


@pytest.fixture
def today(time_machine) -> datetime.date:
    """Freezes the clock at FROZEN_NOW for the test and gives the site's date then."""
    time_machine.move_to(FROZEN_NOW, tick=False)
    return timezone.localdate()


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
def denver(db):
    """Denver in the gazetteer, where the factories' therapists practise."""
    return PlaceFactory(
        name="Denver", search_name="denver", region="CO", population=715_000, latitude=39.7392, longitude=-104.9903
    )


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


@pytest.fixture
def page_queries(client, django_assert_num_queries):
    """The one query-count helper: GET a page once to warm the caches (vocabularies, facet counts), then
    GET it again under `django_assert_num_queries(expected)`, which pins the count exactly. Returns the
    second response. Use it for every list page and profile."""

    def get(url: str, expected: int, params: dict | None = None):
        client.get(url, params or {})
        with django_assert_num_queries(expected):
            response = client.get(url, params or {})
        assert response.status_code == HTTPStatus.OK
        return response

    return get


def _db_marker(item) -> dict:
    marker = item.get_closest_marker("django_db")
    return dict(marker.kwargs) if marker else {}


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    """Among the tests that commit for real, run those restoring the migrated data (serialized_rollback) first.

    pytest-django runs transactional tests after the others. A transactional test without serialized
    rollback ends with a flush that recreates content types and permissions; a serialized one after it
    would then restore its copy of those rows on top of them and fail on their unique keys.
    """
    transactional = [i for i, item in enumerate(items) if _db_marker(item).get("transaction")]
    if not transactional:
        return
    chosen = [items[i] for i in transactional]
    reordered = sorted(chosen, key=lambda item: not _db_marker(item).get("serialized_rollback"))
    for index, item in zip(transactional, reordered, strict=True):
        items[index] = item
