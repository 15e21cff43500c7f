"""The foundation's pages: home, health check, search list and profile."""

from http import HTTPStatus

import pytest
from django.urls import reverse

from therapists.models import Therapist

from ..factories import TherapistFactory

pytestmark = pytest.mark.django_db


def test_home_page_offers_search_by_specialty_and_place(client):
    response = client.get("/")
    assert response.status_code == HTTPStatus.OK
    assert b'name="specialty"' in response.content and b'name="near"' in response.content
    assert b"Deep tissue" in response.content


def test_healthz_says_ok_when_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == HTTPStatus.OK
    assert response.content == b"ok"


def test_profile_shows_a_published_therapist(client):
    therapist = TherapistFactory(name="Ana <b>Lopez</b>")
    response = client.get(therapist.get_absolute_url())
    assert response.status_code == HTTPStatus.OK
    assert b"Ana &lt;b&gt;Lopez&lt;/b&gt;" in response.content


@pytest.mark.parametrize("status", [Therapist.Status.DRAFT, Therapist.Status.SUSPENDED])
def test_profile_of_unpublished_therapist_is_not_found(client, status):
    therapist = TherapistFactory(status=status)
    assert client.get(therapist.get_absolute_url()).status_code == HTTPStatus.NOT_FOUND


def test_unknown_page_is_a_friendly_404(client):
    response = client.get("/no-such-page/")
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert b"couldn" in response.content


def test_search_list_shows_published_therapists(client):
    TherapistFactory(name="Shown Person")
    TherapistFactory(name="Hidden Person", status=Therapist.Status.SUSPENDED)
    response = client.get(reverse("therapists:list"))
    assert response.status_code == HTTPStatus.OK
    assert b"Shown Person" in response.content and b"Hidden Person" not in response.content
