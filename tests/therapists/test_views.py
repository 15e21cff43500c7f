"""therapists.views: the home page, the search page and the profile, each in a fixed number of queries."""

import datetime
from http import HTTPStatus
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reviews.services import refresh_aggregates
from therapists.filters import TherapistFilterSet
from therapists.models import VERIFIED_MEANING, Amenity, Language, Specialty, Therapist
from therapists.services.scoring import therapist_refresh_credentials

from ..factories import CertificationFactory, PlaceFactory, ReviewFactory, TherapistFactory, UserFactory
from .helpers import SEARCH_URL

pytestmark = pytest.mark.django_db


@pytest.fixture
def credentialed_therapist(today):
    """A published profile with a verified license, a verified, a pending and an expired credential, and links."""
    swedish, thai = Specialty.objects.get(slug="swedish"), Specialty.objects.get(slug="thai")
    t = TherapistFactory(name="Lena Ortiz", specialties=[swedish, thai], verified_until=today, price_60=95,
                         hypoallergenic_products=True)  # fmt: skip
    t.languages.set([Language.objects.get(code="es")])
    t.amenities.set([Amenity.objects.get(slug="fresh-linens")])
    CertificationFactory(therapist=t, title="State LMT", status="verified")
    CertificationFactory(therapist=t, kind="specialty", specialty=swedish, title="Swedish cert", status="verified")
    CertificationFactory(therapist=t, kind="specialty", specialty=thai, title="Thai cert", status="pending")
    CertificationFactory(
        therapist=t, title="Old license", status="verified",
        issued_on=today - datetime.timedelta(days=900), expires_on=today - datetime.timedelta(days=2),
    )  # fmt: skip
    return t


# --- home ---


def test_home_page_offers_search_by_specialty_and_place(client):
    response = client.get("/")
    assert response.status_code == HTTPStatus.OK
    assert b'name="specialty"' in response.content and b'name="near"' in response.content
    assert b"Deep tissue" in response.content


# --- the search page ---


def test_search_page_lists_published_therapists(client):
    TherapistFactory(name="Shown Person")
    TherapistFactory(name="Hidden Person", status=Therapist.Status.SUSPENDED)
    response = client.get(reverse("therapists:list"))
    assert response.status_code == HTTPStatus.OK
    assert b"Shown Person" in response.content and b"Hidden Person" not in response.content


def test_search_page_shows_results_count_and_facets(client, vocab, today):
    TherapistFactory(name="Ana Lopez", specialties=[vocab["swedish"]], verified_until=today)
    response = client.get(SEARCH_URL, {"specialty": "swedish"})
    assert response.status_code == HTTPStatus.OK
    content = response.content.decode()
    assert "1 therapist" in content and "Ana Lopez" in content and "Verified" in content
    assert 'value="swedish" id="f-specialty-swedish" checked' in content


def test_search_page_pagination_keeps_every_filter(client, vocab):
    for i in range(25):
        TherapistFactory(slug=f"t{i}", specialties=[vocab["swedish"]], price_60=50)
    response = client.get(SEARCH_URL, {"specialty": "swedish", "max_price": "60"})
    assert "specialty=swedish&amp;max_price=60&amp;page=2" in response.content.decode()
    second = client.get(SEARCH_URL, {"specialty": "swedish", "max_price": "60", "page": "2"})
    assert second.context["page_obj"].number == 2
    assert len(second.context["therapists"]) == 5


@pytest.mark.parametrize("page", ["0", "-1", "abc", "99999", "1e9"])
def test_search_page_odd_page_numbers_give_a_page(client, page):
    TherapistFactory()
    assert client.get(SEARCH_URL, {"page": page}).status_code == HTTPStatus.OK


def test_search_page_bad_values_show_field_errors_and_the_rest_of_the_results(client):
    # Changed on purpose (issue 12): the values that can be honoured still search; the bad ones are left out.
    TherapistFactory(name="Still Listed")
    response = client.get(SEARCH_URL, {"min_rating": "nine", "radius_km": "-3", "mobile": "maybe", "bogus": "x"})
    assert response.status_code == HTTPStatus.OK
    form_errors = response.context["form"].errors
    assert set(form_errors) == {"min_rating", "radius_km", "mobile"}
    assert [t.name for t in response.context["therapists"]] == ["Still Listed"]
    assert "Part of your search could not be used" in response.content.decode()


@pytest.mark.parametrize("near", ["Portland, ,", "Portland,,", ",", " , ME"])
def test_search_page_place_with_empty_qualifier_is_not_an_error_page(client, near):
    PlaceFactory(name="Portland", search_name="portland", region="OR", population=650000)
    assert client.get(SEARCH_URL, {"near": near}).status_code == HTTPStatus.OK


def test_search_page_escapes_what_it_echoes(client):
    TherapistFactory()
    response = client.get(SEARCH_URL, {"q": "<script>alert(1)</script>", "near": "<b>x</b>"})
    assert b"<script>alert(1)</script>" not in response.content
    assert b"&lt;script&gt;" in response.content


FUZZ_NAMES = [*TherapistFilterSet.base_filters, "page", "bogus", "specialty[]", ""]
FUZZ_VALUES = st.one_of(
    st.text(max_size=300),
    st.sampled_from(["true", "false", "1e309", "NaN", "-Infinity", "0x10", "9" * 400, "swedish", "distance",
                     "Denver", "80202", "-0", "1.5", "\x00", "%00", "<script>alert(1)</script>", "' OR 1=1 --"]),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
)  # fmt: skip
FUZZ_QUERIES = st.lists(st.tuples(st.sampled_from(FUZZ_NAMES), FUZZ_VALUES), max_size=8)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(pairs=FUZZ_QUERIES)
def test_search_page_never_answers_with_a_server_error(client, pairs):
    response = client.get(SEARCH_URL + "?" + urlencode(pairs))
    # A NUL character is refused before the page (common.middleware.RejectNulMiddleware); anything else is a page.
    holds_nul = any("\x00" in name + value for name, value in pairs)
    assert response.status_code == (HTTPStatus.BAD_REQUEST if holds_nul else HTTPStatus.OK)


# Queries of the search page once its facet counts are cached (the page_queries fixture warms them):
# the newest-change lookup that versions the cache, the page of therapists and their specialty links.
# A place adds nothing: its origin is cached as well (places.cached_resolve_place). Text names its specialties
# in Python against the cached vocabulary on both databases (therapists.search.names), so it adds none.
SEARCH_QUERIES = {
    "everything": ({}, 3, 3),
    "specialties-verified-language": ({"specialty": ["swedish", "thai"], "verified": "true", "language": "en"}, 3, 3),
    "near-by-distance": ({"near": "Denver", "sort": "distance"}, 3, 3),
    "text-certified": ({"q": "ana", "specialty_certified": "true", "specialty": "swedish"}, 3, 3),
}


@pytest.mark.parametrize(("params", "sqlite", "postgresql"), SEARCH_QUERIES.values(), ids=SEARCH_QUERIES)
def test_search_page_runs_the_same_few_queries_for_one_result_and_a_full_page(
    page_queries, vocab, today, time_machine, params, sqlite, postgresql
):
    expected = postgresql if connection.vendor == "postgresql" else sqlite
    PlaceFactory(name="Denver", search_name="denver", population=700000)

    def matching(name):
        therapist = TherapistFactory(name=name, specialties=[vocab["swedish"], vocab["thai"]], verified_until=today)
        therapist.languages.set([vocab["en"]])
        CertificationFactory(therapist=therapist, kind="specialty", specialty=vocab["swedish"], status="verified")

    matching("Ana One")
    assert len(page_queries(SEARCH_URL, expected, params).context["therapists"]) == 1
    # The cached counts are versioned by the newest change: on a frozen clock the next rows must come later.
    time_machine.shift(datetime.timedelta(minutes=1))
    for i in range(30):
        matching(f"Ana {i}")
    assert len(page_queries(SEARCH_URL, expected, params).context["therapists"]) == 20


def test_search_page_counts_facets_afresh_after_a_change(
    client, page_queries, vocab, time_machine, today, django_assert_num_queries
):
    params = {"specialty": "swedish"}
    TherapistFactory(slug="first", specialties=[vocab["swedish"]])
    page_queries(SEARCH_URL, 3, params)
    time_machine.shift(datetime.timedelta(minutes=1))  # a newer change, which versions the cached counts
    TherapistFactory(slug="second", specialties=[vocab["swedish"]])
    # The version lookup, then the facets counted afresh (one UNION of the link counts, one aggregate
    # of the column counts and the total), then the page and its links.
    with django_assert_num_queries(5):
        response = client.get(SEARCH_URL, params)
    assert response.status_code == HTTPStatus.OK
    assert response.context["paginator"].count == 2


# --- the profile ---


def test_profile_page_shows_a_published_therapist(client):
    therapist = TherapistFactory(name="Ana <b>Lopez</b>")
    response = client.get(therapist.get_absolute_url())
    assert response.status_code == HTTPStatus.OK
    assert b"Ana &lt;b&gt;Lopez&lt;/b&gt;" in response.content


@pytest.mark.parametrize("status", [Therapist.Status.DRAFT, Therapist.Status.SUSPENDED])
def test_profile_page_of_an_unpublished_therapist_is_not_found(client, status):
    therapist = TherapistFactory(status=status)
    assert client.get(therapist.get_absolute_url()).status_code == HTTPStatus.NOT_FOUND


def test_profile_page_answers_the_criteria_at_a_glance(client, credentialed_therapist):
    content = client.get(credentialed_therapist.get_absolute_url()).content.decode()
    assert "Verified" in content
    assert 'Swedish <span class="certified">✓ Certified</span>' in content
    assert "Thai <span" not in content  # pending: not certified
    assert "Awaiting verification" in content and "Expired" in content
    assert "Spanish" in content and "Fresh linens" in content and "$95" in content
    assert "Allergy-friendly" in content
    assert "Why this rank" in content


def test_profile_page_shows_ratings_summary_and_paginated_reviews(client, credentialed_therapist):
    for i in range(12):
        ReviewFactory(therapist=credentialed_therapist, title=f"Review number {i}", rating=4,
                      would_recommend=i % 2 == 0)  # fmt: skip
    ReviewFactory(therapist=credentialed_therapist, title="Hidden one", is_hidden=True)
    refresh_aggregates(therapist_id=credentialed_therapist.pk)
    first = client.get(credentialed_therapist.get_absolute_url()).content.decode()
    assert "12 reviews" in first and "50% would recommend" in first
    assert "Hidden one" not in first
    assert first.count('class="card review"') == 10
    second = client.get(credentialed_therapist.get_absolute_url(), {"page": "2"}).content.decode()
    assert second.count('class="card review"') == 2


# Queries of a profile once the vocabularies and site priors are cached: the therapist, its terms and
# certified specialties (one UNION), its certifications, its services and opening hours (one UNION) and the page
# of reviews (counted from the stored review_count), and the star histogram (one grouped count); a signed-in visitor
# adds the session, the user, their own review of the therapist and whether they own a profile (the menu shows
# "Dashboard" only to owners); their helpful votes come in the page of reviews' query.
# The same on SQLite and PostgreSQL.
PROFILE_QUERIES = {"anonymous": (False, 6), "signed-in": (True, 10)}


@pytest.mark.parametrize(("signed_in", "expected"), PROFILE_QUERIES.values(), ids=PROFILE_QUERIES)
def test_profile_page_query_count_does_not_grow_with_reviews(
    client, page_queries, credentialed_therapist, signed_in, expected
):
    if signed_in:
        client.force_login(UserFactory())
    ReviewFactory(therapist=credentialed_therapist)
    refresh_aggregates(therapist_id=credentialed_therapist.pk)
    page_queries(credentialed_therapist.get_absolute_url(), expected)
    for _ in range(15):
        ReviewFactory(therapist=credentialed_therapist)
    refresh_aggregates(therapist_id=credentialed_therapist.pk)
    response = page_queries(credentialed_therapist.get_absolute_url(), expected)
    assert response.context["reviews_page"].paginator.count == 16


# --- the Verified badge: one meaning on every page ---


def test_verified_badge_filter_profile_card_and_about_page_agree_on_one_meaning(client, today):
    prenatal = Specialty.objects.get(slug="prenatal")
    licensed = TherapistFactory(name="Licensed Lee", region="CO", specialties=[prenatal])
    CertificationFactory(therapist=licensed, kind="license", region="CO", status="verified")
    specialty_only = TherapistFactory(name="Certified Cruz", region="CO", specialties=[prenatal])
    CertificationFactory(therapist=specialty_only, kind="specialty", specialty=prenatal, status="verified")
    for therapist in (licensed, specialty_only):
        therapist_refresh_credentials(therapist=therapist)
    meaning = VERIFIED_MEANING.encode()

    response = client.get(reverse("therapists:list"), {"verified": "true"})
    assert response.status_code == HTTPStatus.OK
    assert b"Licensed Lee" in response.content and b"Certified Cruz" not in response.content
    assert b'title="' + meaning + b'"' in response.content

    everyone = client.get(reverse("therapists:list")).content.decode()
    cards = {name: everyone.split(name, 1)[1].split("</li>\n", 1)[0] for name in ("Licensed Lee", "Certified Cruz")}
    assert VERIFIED_MEANING in cards["Licensed Lee"] and "badge-verified" in cards["Licensed Lee"]
    assert "badge-verified" not in cards["Certified Cruz"] and "✓ Certified" in cards["Certified Cruz"]

    profile = client.get(licensed.get_absolute_url())
    assert profile.status_code == HTTPStatus.OK
    assert meaning in profile.content and b"earns the Verified badge" in profile.content
    other = client.get(specialty_only.get_absolute_url())
    assert b"Not Verified yet" in other.content and "✓ Certified".encode() in other.content
    assert b"earns the Verified badge" not in other.content

    about = client.get(reverse("about"))
    assert about.status_code == HTTPStatus.OK and meaning in about.content
