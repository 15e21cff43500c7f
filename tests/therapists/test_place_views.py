"""therapists.place_views: the place autocomplete's JSON, its bounds and its caching."""

from http import HTTPStatus

import pytest
from django.urls import reverse

from ..factories import PlaceFactory

pytestmark = pytest.mark.django_db

URL = "/therapists/places/"


@pytest.fixture(autouse=True)
def _empty_cache():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def places(denver):
    PlaceFactory(name="Denton", search_name="denton", region="TX", population=140_000)
    PlaceFactory(name="Denov", search_name="denov", country="UZ", region="12", population=115_000)
    PlaceFactory(kind="postal_code", name="Denver", search_name="denver", postal_code="80202", population=0)


def test_place_autocomplete_url_is_named():
    assert reverse("therapists:place-autocomplete") == URL


def test_place_autocomplete_lists_places_as_json_home_first(client, places):
    response = client.get(URL, {"q": "den"})
    assert response.status_code == HTTPStatus.OK
    assert response["Content-Type"] == "application/json"
    assert response.json() == [
        {"label": "Denver, CO", "query": "Denver, CO"},
        {"label": "Denton, TX", "query": "Denton, TX"},
        {"label": "Denov, Uzbekistan", "query": "Denov, Uzbekistan"},
    ]
    assert "public" in response["Cache-Control"] and "max-age=3600" in response["Cache-Control"]


def test_place_autocomplete_completes_postal_codes(client, places):
    assert client.get(URL, {"q": "802"}).json() == [{"label": "80202 (Denver, CO)", "query": "80202"}]


def test_place_autocomplete_gives_at_most_eight(client, db):
    for number in range(12):
        PlaceFactory(name=f"Springfield {number}", search_name=f"springfield {number}", population=number)
    assert len(client.get(URL, {"q": "spring"}).json()) == 8


@pytest.mark.parametrize("typed", ["", "d", " ", "  d  "], ids=["empty", "one-letter", "blank", "padded-letter"])
def test_place_autocomplete_gives_an_empty_list_for_too_little(client, places, typed, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get(URL, {"q": typed})
    assert response.status_code == HTTPStatus.OK
    assert response.json() == []


def test_place_autocomplete_without_q_gives_an_empty_list(client, places):
    response = client.get(URL)
    assert (response.status_code, response.json()) == (HTTPStatus.OK, [])


@pytest.mark.parametrize(
    "typed", ["x" * 101, "den\x00ver", "den\x1bver", "den\nver"], ids=["too-long", "nul", "escape", "newline"]
)
def test_place_autocomplete_refuses_bad_input_with_400(client, places, typed):
    response = client.get(URL, {"q": typed})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "Cache-Control" not in response or "public" not in response["Cache-Control"]


def test_place_autocomplete_refuses_a_write(client, places):
    assert client.post(URL, {"q": "den"}).status_code == HTTPStatus.METHOD_NOT_ALLOWED


def test_place_autocomplete_returns_markup_as_json_data_never_html(client, db):
    # JSON, never HTML: the script sets labels as option text and values, where markup is not parsed.
    PlaceFactory(name="<b>Denville</b>", search_name="denville", region="NJ", population=16_000)
    response = client.get(URL, {"q": "denv"})
    assert response["Content-Type"] == "application/json"
    assert response.json() == [{"label": "<b>Denville</b>, NJ", "query": "<b>Denville</b>, NJ"}]


def test_place_autocomplete_answers_a_repeated_prefix_from_the_cache(client, places, django_assert_num_queries):
    first = client.get(URL, {"q": "Den"}).json()
    with django_assert_num_queries(0):
        again = client.get(URL, {"q": "den"}).json()
    assert again == first and first


def test_place_autocomplete_queries_the_gazetteer_once(client, places, django_assert_num_queries):
    with django_assert_num_queries(1):
        client.get(URL, {"q": "den"})


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_place_autocomplete_refuses_a_write_in_json_even_without_a_csrf_token(places, method):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)  # a browser's POST without the CSRF cookie
    response = getattr(client, method)(URL + "?q=den", {"q": "den"})
    assert response.status_code == HTTPStatus.METHOD_NOT_ALLOWED
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"error": "Only GET is allowed here."}
    assert set(response["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS"}


def test_place_autocomplete_names_places_abroad_by_their_country(client, db):
    PlaceFactory(name="London", search_name="london", country="GB", region="ENG", population=8_961_989)
    PlaceFactory(name="Toronto", search_name="toronto", country="CA", region="08", population=2_600_000)
    assert client.get(URL, {"q": "lond"}).json() == [
        {"label": "London, United Kingdom", "query": "London, United Kingdom"}
    ]
    assert client.get(URL, {"q": "toro"}).json() == [{"label": "Toronto, Canada", "query": "Toronto, Canada"}]


def test_place_autocomplete_offers_a_states_cities_for_its_code(client, places):
    PlaceFactory(name="New York City", search_name="new york city", region="NY", population=8_804_190)
    PlaceFactory(name="Nysa", search_name="nysa", country="PL", region="08", population=44_000)
    assert [place["label"] for place in client.get(URL, {"q": "NY"}).json()] == ["New York, NY", "Nysa, Poland"]
