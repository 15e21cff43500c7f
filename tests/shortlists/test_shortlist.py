"""Adding and removing, anonymous and signed in; the merge at log-in; the cap; unpublished therapists; the buttons."""

from http import HTTPStatus

import pytest
from django.test import Client
from django.urls import reverse

from shortlists import services
from shortlists.models import MAX_ENTRIES, Shortlist, ShortlistEntry
from therapists.models import Therapist

from ..factories import PASSWORD, TherapistFactory, UserFactory
from .conftest import LIST_URL, shortlisted

pytestmark = pytest.mark.django_db


def account_slugs(user) -> list[str]:
    return list(ShortlistEntry.objects.filter(shortlist__user=user).values_list("therapist__slug", flat=True))


def test_anonymous_add_keeps_the_list_in_the_session_and_returns_to_the_button(client, therapists, add):
    response = add("ada", "/therapists/?specialty=swedish")
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == "/therapists/?specialty=swedish#shortlist-ada"
    assert shortlisted(client) == [therapists[0].pk]
    assert not Shortlist.objects.exists()
    assert "Ada Adams is on your shortlist (1 of 20)." in client.get(LIST_URL).content.decode()


def test_adding_twice_keeps_one(client, therapists, add):
    add("ada")
    add("ada")
    assert shortlisted(client) == [therapists[0].pk]


def test_anonymous_remove(client, therapists, add, remove):
    add("ada")
    add("bea")
    response = remove("ada")
    assert response["Location"] == f"{LIST_URL}#shortlist-ada"
    assert shortlisted(client) == [therapists[1].pk]


def test_removing_one_not_on_the_list_changes_nothing(client, therapists, add, remove):
    add("ada")
    assert remove("bea").status_code == HTTPStatus.FOUND
    assert shortlisted(client) == [therapists[0].pk]


def test_signed_in_add_and_remove_write_the_account_and_the_session_copy(client, client_user, therapists, add, remove):
    client.force_login(client_user)
    add("ada")
    add("cy")
    assert account_slugs(client_user) == ["ada", "cy"]
    assert shortlisted(client) == [therapists[0].pk, therapists[2].pk]
    remove("ada")
    assert account_slugs(client_user) == ["cy"]
    assert shortlisted(client) == [therapists[2].pk]


def test_the_account_list_follows_the_person_to_another_browser(client, client_user, therapists, add):
    client.force_login(client_user)
    add("bea")
    other = Client()
    other.force_login(client_user)
    assert shortlisted(other) == [therapists[1].pk]
    assert "Bea Brown" in other.get(LIST_URL).content.decode()


def test_log_in_merges_the_anonymous_list_without_duplicates(client, client_user, therapists, add):
    shortlist = Shortlist.objects.create(user=client_user)
    ShortlistEntry.objects.create(shortlist=shortlist, therapist=therapists[1])
    add("ada")
    add("bea")
    response = client.post(reverse("login"), {"username": client_user.username, "password": PASSWORD})
    assert response.status_code == HTTPStatus.FOUND
    assert account_slugs(client_user) == ["bea", "ada"]
    assert shortlisted(client) == [therapists[1].pk, therapists[0].pk]
    assert ShortlistEntry.objects.count() == 2


def test_log_in_merge_leaves_out_therapists_unpublished_meanwhile(client, client_user, therapists, add):
    add("ada")
    add("bea")
    Therapist.objects.filter(slug="ada").update(status=Therapist.Status.SUSPENDED)
    client.force_login(client_user)
    assert account_slugs(client_user) == ["bea"]


def test_log_in_merge_stops_at_the_cap_and_says_how_many_were_left_out(client, client_user, add):
    extra = TherapistFactory.create_batch(3)
    shortlist = Shortlist.objects.create(user=client_user)
    ShortlistEntry.objects.bulk_create(
        ShortlistEntry(shortlist=shortlist, therapist=t) for t in TherapistFactory.create_batch(MAX_ENTRIES - 1)
    )
    for therapist in extra:
        add(therapist.slug)
    response = client.post(reverse("login"), {"username": client_user.username, "password": PASSWORD}, follow=True)
    assert ShortlistEntry.objects.filter(shortlist=shortlist).count() == MAX_ENTRIES
    assert account_slugs(client_user)[-1] == extra[0].slug
    assert "could not be added" in response.content.decode()
    assert "2 therapists you picked before logging in" in response.content.decode()


def test_log_out_leaves_the_account_list_on_the_account(client, client_user, therapists, add):
    client.force_login(client_user)
    add("ada")
    client.post(reverse("logout"))
    assert shortlisted(client) == []
    assert account_slugs(client_user) == ["ada"]


@pytest.mark.parametrize("signed_in", [False, True], ids=["anonymous", "signed-in"])
def test_the_cap_refuses_one_more_and_says_so(client, client_user, add, signed_in):
    if signed_in:
        client.force_login(client_user)
    batch = TherapistFactory.create_batch(MAX_ENTRIES + 1)
    for therapist in batch[:MAX_ENTRIES]:
        assert add(therapist.slug).status_code == HTTPStatus.FOUND
    response = add(batch[-1].slug)
    assert response.status_code == HTTPStatus.CONFLICT
    assert "Your shortlist is full: it holds 20 therapists." in response.content.decode()
    assert len(shortlisted(client)) == MAX_ENTRIES
    assert batch[-1].pk not in shortlisted(client)
    if signed_in:
        assert len(account_slugs(client_user)) == MAX_ENTRIES


@pytest.mark.parametrize("status", [Therapist.Status.DRAFT, Therapist.Status.SUSPENDED])
@pytest.mark.parametrize("signed_in", [False, True], ids=["anonymous", "signed-in"])
def test_an_unpublished_therapist_is_refused_with_a_404(client, client_user, add, status, signed_in):
    if signed_in:
        client.force_login(client_user)
    TherapistFactory(slug="hidden", status=status)
    response = add("hidden")
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert "not published" in response.content.decode()
    assert shortlisted(client) == []
    assert not ShortlistEntry.objects.exists()


def test_an_unknown_therapist_is_a_404_that_tells_nothing_of_drafts(client, add):
    response = add("nobody-at-all")
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert "We could not find a published profile by that name" in response.content.decode()


@pytest.mark.parametrize("data", [{}, {"therapist": ""}, {"therapist": "not a slug!"}, {"therapist": "x" * 141}])
def test_a_button_without_a_therapist_is_a_400(client, data):
    response = client.post(reverse("shortlists:add"), data)
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "did not say which therapist" in response.content.decode()


@pytest.mark.parametrize(
    "next_url", ["https://evil.example/", "//evil.example/x", "javascript:alert(1)", "", "http:///evil.example"]
)
def test_next_off_the_site_returns_to_the_shortlist(client, therapists, add, next_url):
    response = add("ada", next_url)
    assert response["Location"] == f"{LIST_URL}#shortlist-ada"


def test_a_next_with_a_fragment_is_kept_as_it_is(client, therapists, add):
    assert add("ada", "/therapists/ada/#reviews")["Location"] == "/therapists/ada/#reviews"


@pytest.mark.parametrize("name", ["shortlists:add", "shortlists:remove", "shortlists:share"])
def test_buttons_need_the_csrf_token(therapists, name):
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse(name), {"therapist": "ada", "compare": ["ada"]})
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert "shortlist" not in client.session


@pytest.mark.parametrize("name", ["shortlists:add", "shortlists:remove", "shortlists:share"])
def test_buttons_answer_only_posts(client, name):
    assert client.get(reverse(name)).status_code == HTTPStatus.METHOD_NOT_ALLOWED


def test_adding_from_a_search_near_a_place_remembers_it_for_distances(client, therapists, add, denver):
    add("ada", "/therapists/?near=Denver")
    assert client.session["shortlist_origin"]["label"].startswith("Denver")
    add("bea", "/therapists/?lat=40.0&lng=-105.0")
    # A position without a typed place is named as the search page names it, never by its numbers.
    assert client.session["shortlist_origin"] == {"latitude": 40.0, "longitude": -105.0, "label": "your location"}


@pytest.mark.parametrize(
    "next_url",
    ["/therapists/?lat=91&lng=0", "/therapists/?lat=x&lng=1", "/therapists/?near=Nowhere", "/about/?near=Denver"],
)
def test_a_search_without_a_usable_place_remembers_none(client, therapists, add, denver, next_url):
    add("ada", next_url)
    assert "shortlist_origin" not in client.session


def test_the_service_refuses_an_unpublished_therapist_directly(client_user, draft):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as refusal:
        services.shortlist_add(user=client_user, session={}, therapist=draft)
    assert refusal.value.code == "unpublished"
    assert not ShortlistEntry.objects.exists()


def test_one_entry_per_person_and_therapist_is_a_database_rule(client_user, therapists):
    from django.db import IntegrityError, transaction

    shortlist = Shortlist.objects.create(user=client_user)
    ShortlistEntry.objects.create(shortlist=shortlist, therapist=therapists[0])
    with pytest.raises(IntegrityError), transaction.atomic():
        ShortlistEntry.objects.create(shortlist=shortlist, therapist=therapists[0])


def test_another_persons_session_copy_is_never_read(client, therapists):
    """A copy written for someone else (or for no one) is not this person's list: their account is read."""
    user = UserFactory()
    session = {"shortlist": {"owner": user.pk + 1000, "ids": [therapists[0].pk]}}
    from shortlists import selectors

    assert selectors.shortlisted_ids(user, session) == []
