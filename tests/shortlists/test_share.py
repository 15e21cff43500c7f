"""Shared comparisons: a read-only link anyone may open, that tells nothing of its owner and can be withdrawn."""

from http import HTTPStatus

import pytest
from django.test import Client
from django.urls import reverse

from shortlists import services
from shortlists.models import MAX_OPEN_SHARES, SharedComparison

from ..factories import PASSWORD, TherapistFactory, UserFactory
from .conftest import LIST_URL

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner(db):
    return UserFactory(username="secret-owner", email="secret.owner@example.com", first_name="Zelda")


def share(client, slugs) -> SharedComparison:
    response = client.post(reverse("shortlists:share"), {"compare": slugs})
    assert response.status_code == HTTPStatus.FOUND, response.content.decode()
    return SharedComparison.objects.latest("pk")


@pytest.fixture
def shared(client, owner, therapists, add):
    client.force_login(owner)
    for therapist in therapists:
        add(therapist.slug)
    return share(client, ["ada", "cy"])


def test_the_link_opens_without_an_account_read_only_and_tells_nothing_of_its_owner(shared, owner):
    stranger = Client()
    response = stranger.get(reverse("shortlists:shared", args=[shared.token]))
    assert response.status_code == HTTPStatus.OK
    page = response.content.decode()
    assert "Ada Adams" in page and "Cy Chen" in page and "Bea Brown" not in page
    for secret in (owner.username, owner.email, "Zelda", "secret"):
        assert secret not in page
    assert reverse("shortlists:share") not in page and "Stop sharing" not in page
    assert 'action="/shortlist/remove/"' not in page


def test_sharing_redirects_to_the_link_and_lists_it(client, shared):
    response = client.get(LIST_URL, {"compare": ["ada", "cy"]})
    assert f"/shortlist/shared/{shared.token}/" in response.content.decode()
    assert shared.owner.username == "secret-owner"
    assert len(shared.token) == 43


def test_the_token_is_random_and_a_new_link_gets_a_new_one(client, shared):
    again = share(client, ["ada", "cy"])
    assert again.token != shared.token


@pytest.mark.parametrize("change", ["one-letter", "truncated", "unknown", "long"])
def test_a_tampered_token_is_a_404(shared, change):
    token = {
        "one-letter": shared.token[:-1] + ("A" if shared.token[-1] != "A" else "B"),
        "truncated": shared.token[:20],
        "unknown": "x" * 43,
        "long": shared.token * 30,
    }[change]
    assert Client().get(f"/shortlist/shared/{token}/").status_code == HTTPStatus.NOT_FOUND


@pytest.mark.parametrize("path", ["/shortlist/shared/%00/", "/shortlist/shared/a%20b/", "/shortlist/shared/../"])
def test_odd_tokens_are_404s_never_5xx(db, path):
    assert Client().get(path).status_code in (HTTPStatus.NOT_FOUND, HTTPStatus.BAD_REQUEST)


def test_the_owner_revokes_and_the_link_then_says_so_with_a_410(client, shared):
    response = client.post(reverse("shortlists:revoke", args=[shared.token]))
    assert response.status_code == HTTPStatus.FOUND
    response = Client().get(reverse("shortlists:shared", args=[shared.token]))
    assert response.status_code == HTTPStatus.GONE
    assert "no longer shared" in response.content.decode()
    assert "Ada Adams" not in response.content.decode()
    assert f"/shortlist/shared/{shared.token}/" not in client.get(LIST_URL).content.decode()


def test_nobody_else_may_revoke(shared):
    for user in (None, UserFactory(), UserFactory(is_staff=True)):
        other = Client()
        if user:
            other.force_login(user)
        assert other.post(reverse("shortlists:revoke", args=[shared.token])).status_code == HTTPStatus.NOT_FOUND
    shared.refresh_from_db()
    assert shared.is_open


def test_anonymous_visitors_share_too_and_keep_the_link_at_log_in(client, therapists, add):
    add("ada")
    link = share(client, ["ada"])
    assert link.owner is None
    assert f"/shortlist/shared/{link.token}/" in client.get(LIST_URL).content.decode()
    other = Client()
    assert other.post(reverse("shortlists:revoke", args=[link.token])).status_code == HTTPStatus.NOT_FOUND
    user = UserFactory()
    client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    link.refresh_from_db()
    assert link.owner == user
    assert client.post(reverse("shortlists:revoke", args=[link.token])).status_code == HTTPStatus.FOUND


def test_a_therapist_unpublished_later_drops_out_of_the_shared_page(shared):
    from therapists.models import Therapist

    Therapist.objects.filter(slug="ada").update(status=Therapist.Status.SUSPENDED)
    page = Client().get(reverse("shortlists:shared", args=[shared.token])).content.decode()
    assert "Ada Adams" not in page and "Cy Chen" in page


@pytest.mark.parametrize(
    ("slugs", "message"),
    [([], "Choose at least one therapist."), (["nobody"], "Choose therapists from your shortlist.")],
)
def test_sharing_needs_therapists_from_the_list(client, therapists, add, slugs, message):
    add("ada")
    response = client.post(reverse("shortlists:share"), {"compare": slugs})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert message in response.content.decode()
    assert not SharedComparison.objects.exists()


def test_sharing_more_than_five_is_refused(client, add):
    for therapist in TherapistFactory.create_batch(6):
        add(therapist.slug)
    slugs = list(client.session["shortlist"]["ids"])
    from therapists.models import Therapist

    response = client.post(
        reverse("shortlists:share"),
        {"compare": list(Therapist.objects.filter(pk__in=slugs).values_list("slug", flat=True))},
    )
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "at most 5" in response.content.decode()


def test_open_links_are_capped_per_person(client, shared):
    for _ in range(MAX_OPEN_SHARES - 1):
        share(client, ["ada"])
    response = client.post(reverse("shortlists:share"), {"compare": ["ada"]})
    assert response.status_code == HTTPStatus.CONFLICT
    assert "stop sharing one to share another" in response.content.decode()


def test_links_per_address_are_throttled(client, therapists, add):
    add("ada")
    for _ in range(services.SHARE_THROTTLE.limit):
        # Each from a fresh session, so the per-person cap does not stop them first.
        session = Client()
        session.post(reverse("shortlists:add"), {"therapist": "ada"})
        share(session, ["ada"])
    response = client.post(reverse("shortlists:share"), {"compare": ["ada"]})
    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
