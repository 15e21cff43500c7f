"""The shortlist page and compare table, the nav's count and the cards' buttons, exact query counts, and who may
open what (a matrix of roles)."""

import re
from http import HTTPStatus

import pytest
from django.test import Client
from django.urls import reverse

from shortlists import selectors
from shortlists.models import SharedComparison

from ..factories import TherapistFactory
from .conftest import LIST_URL, ROLES

pytestmark = pytest.mark.django_db

SEARCH_URL = "/therapists/"
# The anonymous search page's pin (tests/therapists/test_search_offerings.py): the shortlist adds nothing to it.
SEARCH_QUERIES = 3
CHECKED = re.compile(r'name="compare" value="[^"]+" checked')


def nav_count(content: str) -> str:
    return re.search(r"Shortlist \((\d+)\)", content).group(1)


def test_nav_counts_the_list_for_everyone(client, therapists, add):
    assert nav_count(client.get("/").content.decode()) == "0"
    add("ada")
    add("bea")
    assert nav_count(client.get("/").content.decode()) == "2"


def test_search_cards_and_profile_show_the_button_as_it_stands(client, therapists, add):
    add("ada")
    page = client.get(SEARCH_URL).content.decode()
    assert page.count('action="/shortlist/remove/"') == 1 and page.count('action="/shortlist/add/"') == 2
    assert 'id="shortlist-ada"' in page and "On your shortlist" in page
    profile = client.get("/therapists/bea/").content.decode()
    assert 'action="/shortlist/add/"' in profile and 'name="next" value="/therapists/bea/"' in profile


def test_anonymous_search_page_costs_no_more_queries(client, page_queries, therapists):
    page_queries(SEARCH_URL, SEARCH_QUERIES)


def test_anonymous_search_page_with_a_list_reads_only_the_session(client, page_queries, therapists, add):
    add("ada")
    response = page_queries(SEARCH_URL, SEARCH_QUERIES + 1)  # the session's row, which any session costs
    assert "On your shortlist" in response.content.decode()


def test_signed_in_pages_read_the_list_from_the_session(
    client, client_user, therapists, add, django_assert_num_queries
):
    client.force_login(client_user)
    add("ada")
    session = dict(client.session.items())
    with django_assert_num_queries(0):
        assert selectors.shortlisted_ids(client_user, session) == [therapists[0].pk]


# Queries of /shortlist/, whatever the number of therapists: the session, the therapists, and their terms with
# certified specialties; signed in also the user, the account's list, the links they share, and the nav's
# "Dashboard" question (base.html's user.therapist_profile).
LIST_QUERIES = {"anonymous": 3, "signed-in": 7}


@pytest.mark.parametrize("count", [2, 5])
def test_compare_page_queries_do_not_grow_with_the_therapists(client, page_queries, add, count):
    for therapist in TherapistFactory.create_batch(count):
        add(therapist.slug)
    response = page_queries(LIST_URL, LIST_QUERIES["anonymous"])
    assert response.content.decode().count('<th scope="col">') == count + 1


@pytest.mark.parametrize("count", [2, 5])
def test_signed_in_compare_page_queries_do_not_grow(client, client_user, page_queries, add, count):
    client.force_login(client_user)
    for therapist in TherapistFactory.create_batch(count):
        add(therapist.slug)
    page_queries(LIST_URL, LIST_QUERIES["signed-in"])


def test_a_therapist_without_a_60_minute_price_costs_one_query_more(client, page_queries, add):
    add(TherapistFactory(price_60=None).slug)
    page_queries(LIST_URL, LIST_QUERIES["anonymous"] + 1)


def test_shared_page_queries(client, page_queries, therapists, add):
    for therapist in therapists:
        add(therapist.slug)
    client.post(reverse("shortlists:share"), {"compare": ["ada", "bea", "cy"]})
    token = SharedComparison.objects.get().token
    fresh = Client()
    fresh.get(f"/shortlist/shared/{token}/")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert fresh.get(f"/shortlist/shared/{token}/").status_code == HTTPStatus.OK
    # The link, its therapists' ids, the therapists, their terms.
    assert len(queries) == 4


def test_compare_shows_the_first_five_and_lets_others_be_chosen(client, add):
    batch = TherapistFactory.create_batch(7)
    for therapist in batch:
        add(therapist.slug)
    page = client.get(LIST_URL).content.decode()
    assert page.count('<th scope="col">') == 6
    assert len(CHECKED.findall(page)) == 5
    chosen = client.get(LIST_URL, {"compare": [batch[6].slug, batch[5].slug]}).content.decode()
    assert chosen.count('<th scope="col">') == 3 and batch[6].name in chosen


def test_choosing_more_than_five_says_so_beside_the_choices_and_keeps_them(client, add):
    batch = TherapistFactory.create_batch(6)
    for therapist in batch:
        add(therapist.slug)
    response = client.get(LIST_URL, {"compare": [t.slug for t in batch]})
    assert response.status_code == HTTPStatus.OK
    page = response.content.decode()
    assert "Choose at most 5 therapists to compare side by side." in page
    assert len(CHECKED.findall(page)) == 6 and "<table" not in page


def test_a_place_that_cannot_be_found_says_so_beside_the_field(client, therapists, add, denver):
    add("ada")
    response = client.get(LIST_URL, {"near": "Atlantis<b>"})
    page = response.content.decode()
    assert "We could not find “Atlantis&lt;b&gt;”" in page and "<b>" not in page.split("Atlantis")[1][:10]
    assert 'aria-invalid="true"' in page and 'value="Atlantis&lt;b&gt;"' in page
    assert "no place given" in page


def test_distances_from_a_typed_place(client, therapists, add, denver):
    add("ada")
    page = client.get(LIST_URL, {"near": "Denver"}).content.decode()
    assert "From Denver" in page and "&lt; 0.1 mi" in page


def test_distances_from_the_search_the_list_was_made_from(client, therapists, add, denver):
    add("ada", "/therapists/?near=Denver")
    page = client.get(LIST_URL).content.decode()
    assert "the place of your last search" in page and "&lt; 0.1 mi" in page


@pytest.mark.parametrize(
    "params", [{"lat": "91", "lng": "0"}, {"lat": "1"}, {"compare": "x" * 5000}, {"near": "x" * 500}]
)
def test_bad_compare_parameters_are_field_errors_never_5xx(client, therapists, add, params):
    add("ada")
    assert client.get(LIST_URL, params).status_code == HTTPStatus.OK


def test_names_are_escaped_in_the_table(client, add):
    add(TherapistFactory(name="<script>alert(1)</script>").slug)
    page = client.get(LIST_URL).content.decode()
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page


def test_the_table_has_headers_a_caption_and_a_scroll_box(client, therapists, add):
    add("ada")
    add("bea")
    page = client.get(LIST_URL).content.decode()
    assert '<caption id="compare-caption">' in page
    assert 'role="region" aria-labelledby="compare-caption" tabindex="0"' in page
    assert page.count('<th scope="row">') == 11
    for label in ("Verified credentials", "Rating", "Would recommend", "Communication", "Cleanliness and environment",
                  "Specialties", "Experience", "Price", "Distance", "Languages", "New clients"):  # fmt: skip
        assert f'<th scope="row">{label}' in page


def test_empty_list_invites_a_search(client, db):
    page = client.get(LIST_URL).content.decode()
    assert "Your shortlist is empty" in page and "<table" not in page


# Who may open what: every page is open to everyone (a shortlist is the visitor's own, in their session or on their
# account); withdrawing a shared link is its owner's alone (others get a 404, as if there were none).
MATRIX = {
    "list": {role: HTTPStatus.OK for role in ROLES},
    "add": {role: HTTPStatus.FOUND for role in ROLES},
    "remove": {role: HTTPStatus.FOUND for role in ROLES},
    "share": {role: HTTPStatus.FOUND for role in ROLES},
    "shared": {role: HTTPStatus.OK for role in ROLES},
    "revoke_own": {role: HTTPStatus.FOUND for role in ROLES},
    "revoke_others": {role: HTTPStatus.NOT_FOUND for role in ROLES},
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", list(MATRIX))
def test_permission_matrix(as_role, therapists, role, action):
    client = as_role(role)
    client.post(reverse("shortlists:add"), {"therapist": "ada"})
    others = SharedComparison.objects.create(token="t" * 43)
    others.therapists.set(therapists)
    if action in ("revoke_own", "shared"):
        client.post(reverse("shortlists:share"), {"compare": ["ada"]})
    own = SharedComparison.objects.exclude(pk=others.pk).first()
    requests = {
        "list": lambda: client.get(LIST_URL),
        "add": lambda: client.post(reverse("shortlists:add"), {"therapist": "bea"}),
        "remove": lambda: client.post(reverse("shortlists:remove"), {"therapist": "ada"}),
        "share": lambda: client.post(reverse("shortlists:share"), {"compare": ["ada"]}),
        "shared": lambda: client.get(reverse("shortlists:shared", args=[own.token])),
        "revoke_own": lambda: client.post(reverse("shortlists:revoke", args=[own.token])),
        "revoke_others": lambda: client.post(reverse("shortlists:revoke", args=[others.token])),
    }
    assert requests[action]().status_code == MATRIX[action][role]
