"""Fixtures of the shortlist's tests: therapists to shortlist, and the people of the permission matrix."""

import pytest
from django.urls import reverse

from therapists.models import Therapist

from ..factories import TherapistFactory, UserFactory

# The permission matrix's people; each URL's expectations are in test_permissions.py.
ROLES = ["anonymous", "client", "therapist", "staff"]
LIST_URL = "/shortlist/"


@pytest.fixture
def therapists(db):
    """Three published therapists in Denver."""
    return [
        TherapistFactory(name="Ada Adams", slug="ada"),
        TherapistFactory(name="Bea Brown", slug="bea"),
        TherapistFactory(name="Cy Chen", slug="cy"),
    ]


@pytest.fixture
def draft(db):
    return TherapistFactory(name="Dee Draft", slug="dee", status=Therapist.Status.DRAFT)


@pytest.fixture
def people(db):
    therapist_user = UserFactory(username="therapist-user")
    TherapistFactory(owner=therapist_user, name="Theo Owner", slug="theo")
    return {
        "anonymous": None,
        "client": UserFactory(username="client-user"),
        "therapist": therapist_user,
        "staff": UserFactory(username="staff-user", is_staff=True),
    }


@pytest.fixture
def as_role(client, people):
    def sign_in(role: str):
        if people[role] is not None:
            client.force_login(people[role])
        return client

    return sign_in


@pytest.fixture
def add(client):
    """Press a therapist's "Add to shortlist" button, as from `next`."""

    def press(slug: str, next_url: str = "/therapists/", as_client=None):
        return (as_client or client).post(reverse("shortlists:add"), {"therapist": slug, "next": next_url})

    return press


@pytest.fixture
def remove(client):
    def press(slug: str, next_url: str = LIST_URL, as_client=None):
        return (as_client or client).post(reverse("shortlists:remove"), {"therapist": slug, "next": next_url})

    return press


def shortlisted(client) -> list[int]:
    """The ids the session holds for the nav and the buttons."""
    return client.session.get("shortlist", {}).get("ids", [])
