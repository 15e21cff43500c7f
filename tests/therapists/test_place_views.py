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
        {"label": "Denov, UZ", "query": "Denov, UZ"},
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
