"""The search page when it does not understand (issue 12, the outside audit): each error once, in plain words and the
site's unit, linked to an element that exists; a list that keeps its known entries; values read in any case; and a
typed place that wins over a map position."""

import re
from http import HTTPStatus

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from therapists.filters import LINK_ONLY, SEARCH_BOX, TherapistFilterSet
from therapists.models import Therapist

from ..factories import PlaceFactory, TherapistFactory
from .helpers import SEARCH_URL, query, slugs

pytestmark = pytest.mark.django_db

# A value each filter of the panel cannot use. Every filter but the search box's and the link's is here (see the test
# after): a new filter must say how its error reads and where its link leads.
BAD_VALUES = {
    "specialty": "foo",
    "specialty_certified": "maybe",
    "verified": "maybe",
    "radius_km": "abc",
    "min_rating": "foo",
    "min_reviews": "2.5",
    "min_recommend": "101",
    "min_communication": "9",
    "min_cleanliness": "0",
    "min_experience": "81",
    "language": "xx",
    "gender": "foo",
    "focus": "foo",
    "amenity": "foo",
    "duration": "50",
    "max_price": "abc",
    "has_prices": "maybe",
    "days": "mondays",
    "accepting": "maybe",
    "mobile": "maybe",
    "hypoallergenic": "maybe",
    "sort": "foo",
}


@pytest.fixture
def two(vocab):
    """One therapist who matches every list's first entry, one who matches none of them."""
    match = TherapistFactory(slug="match", specialties=[vocab["swedish"]], gender="female", open_weekends=True)
    match.languages.set([vocab["es"]])
    match.focus_areas.set([vocab["sciatica"]])
    match.amenities.set([vocab["private-room"]])
    TherapistFactory(slug="other", specialties=[vocab["thai"]], gender="male", open_weekends=False)


def notice(content: str) -> str:
    """The notice above the results that names the filters in error ("" when there is none)."""
    found = re.search(r'<div class="notice notice-warning search-errors" role="alert">(.*?)</div>', content, re.S)
    return found.group(1) if found else ""


def panel(content: str) -> str:
    return content.split('id="filters"', 1)[1].split('class="filter-actions"', 1)[0]


def test_search_errors_cover_every_filter_of_the_panel():
    assert set(BAD_VALUES) == set(TherapistFilterSet.base_filters) - set(SEARCH_BOX) - set(LINK_ONLY)


@pytest.mark.parametrize(("name", "value"), BAD_VALUES.items(), ids=BAD_VALUES)
def test_search_errors_link_from_the_notice_to_an_element_in_the_panel_that_shows_the_error(client, two, name, value):
    response = client.get(SEARCH_URL, {name: value})
    assert response.status_code == HTTPStatus.OK
    content = response.content.decode()
    assert list(response.context["form"].errors) == [name]
    links = re.findall(r'<a href="#([^"]+)">', notice(content))
    assert len(links) == 1, notice(content)
    anchor = links[0]
    # The link leads to one element, inside the panel (following it opens the panel: site.css, :has(:target)), and
    # that element shows the error in its own words.
    assert content.count(f'id="{anchor}"') == 1
    assert f'id="{anchor}"' in panel(content)
    errors = panel(content).split(f'id="{anchor}-errors">', 1)[1].split("</ul>", 1)[0]
    assert response.context["form"].errors[name][0].replace("“", "&ldquo;") in errors.replace("“", "&ldquo;")


def test_search_errors_of_a_checkbox_group_link_to_its_fieldset(client, two):
    content = client.get(SEARCH_URL, {"days": "mondays"}).content.decode()
    assert '<a href="#f-days">Days</a>' in notice(content)
    assert re.search(r'<fieldset class="facet field-error" id="f-days" aria-describedby="f-days-errors">', content)


def test_search_errors_never_open_the_filters_panel_from_the_server(client, two):
    content = client.get(SEARCH_URL, {"specialty": "foo", "sort": "foo", "max_price": "abc"}).content.decode()
    assert 'class="filters-panel" id="filters"' in content and "is-open" not in content
    assert len(re.findall(r"<li><a href=", notice(content))) == 3


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"near": "Denvr"}, "We could not find “Denvr”, so the results are not limited to a place."),
        ({"q": "x" * 101}, "Keep this to 100 characters or fewer."),
    ],
)
def test_search_errors_of_the_search_box_are_said_once_beside_the_field(client, two, params, message):
    content = client.get(SEARCH_URL, params).content.decode()
    assert content.count(message) == 1
    assert notice(content) == ""
    field = content.split(f'id="id_{next(iter(params))}"', 1)[1].split("</div>", 1)[0]
    assert message in field


# --- a list keeps its known entries ---

LISTS = {
    "specialty": ("swedish", "type of massage"),
    "language": ("es", "language"),
    "focus": ("sciatica", "focus area"),
    "amenity": ("private-room", "amenity"),
    "days": ("weekends", "day or time"),
    "gender": ("female", "gender option"),
}


@pytest.mark.parametrize(("name", "known", "noun"), [(n, *v) for n, v in LISTS.items()], ids=LISTS)
def test_search_errors_a_list_with_an_unknown_entry_still_searches_by_the_known_ones(client, two, name, known, noun):
    response = client.get(SEARCH_URL, {name: [known, "foo"]})
    assert [t.slug for t in response.context["therapists"]] == ["match"]
    assert response.context["form"].errors[name] == [f"We have no {noun} called “foo”. Choose from the list."]
    content = response.content.decode()
    assert f'id="f-{name}-{known}" checked' in content
    assert 'value="foo"' not in content
    # The known entry is a chip like any other, and the search runs as it would without the unknown one.
    assert response.context["paginator"].count == client.get(SEARCH_URL, {name: known}).context["paginator"].count


def test_search_errors_a_list_of_unknown_entries_alone_searches_everybody(client, two):
    response = client.get(SEARCH_URL, {"amenity": ["sauna", "pool"]})
    assert response.context["paginator"].count == 2
    assert response.context["form"].errors["amenity"] == [
        "We have no amenity called “sauna” or “pool”. Choose from the list."
    ]


def test_search_errors_name_a_few_unknown_entries_each_cut_short_and_escaped(client, two):
    typed = ["<b>100%</b>", "y" * 60, "c", "d", "e"]
    response = client.get(SEARCH_URL, {"specialty": typed})
    assert response.status_code == HTTPStatus.OK
    message = response.context["form"].errors["specialty"][0]
    assert (
        message
        == f"We have no type of massage called “<b>100%</b>”, “{'y' * 40}…”, “c” and 2 more. Choose from the list."
    )
    content = response.content.decode()
    assert "<b>100%</b>" not in content and "&lt;b&gt;100%&lt;/b&gt;" in content


def test_search_errors_blank_entries_of_a_list_say_nothing(client, two):
    response = client.get(SEARCH_URL, {"specialty": ["", "swedish"]})
    assert not response.context["form"].errors
    assert [t.slug for t in response.context["therapists"]] == ["match"]


# --- values in any case, and by name ---


@pytest.mark.parametrize(
    "params",
    [
        {"specialty": "Swedish"},
        {"specialty": "SWEDISH"},
        {"gender": "Female"},
        {"language": "Spanish"},
        {"language": "ES"},
        {"focus": "Sciatica"},
        {"amenity": "Private treatment room"},
        {"days": "Weekends"},
    ],
    ids=lambda params: "-".join(f"{k}={v}" for k, v in params.items()),
)
def test_search_errors_values_are_read_in_any_case_and_by_name(client, two, params):
    response = client.get(SEARCH_URL, params)
    assert not response.context["form"].errors
    assert [t.slug for t in response.context["therapists"]] == ["match"]
    name = next(iter(params))
    assert f'id="f-{name}-{LISTS[name][0]}" checked' in response.content.decode()


def test_search_errors_sort_is_read_in_any_case(client, two):
    response = client.get(SEARCH_URL, {"sort": "Newest"})
    assert not response.context["form"].errors
    assert '<option value="newest" selected>Newest</option>' in response.content.decode()


# --- plain words, in the site's unit ---


def test_search_errors_a_switch_says_it_is_on_or_off(client, two):
    response = client.get(SEARCH_URL, {"verified": "maybe"})
    assert response.context["form"].errors["verified"] == ["This switch is either on or off; we left it off."]
    assert "Use true" not in response.content.decode()


@pytest.mark.parametrize(("unit", "limit"), [("mi", "310 miles"), ("km", "500 km")])
def test_search_errors_speak_the_sites_unit(client, two, settings, unit, limit):
    settings.DISTANCE_UNIT = unit
    response = client.get(SEARCH_URL, {"near": "Denver", "radius_km": "abc"})
    message = f"Choose a distance from the list (up to {limit})."
    assert response.context["form"].errors["radius_km"] == [message]
    if unit == "mi":
        assert " km" not in notice(response.content.decode())


# --- a typed place wins over the map position ---


@pytest.fixture
def boston(db):
    PlaceFactory(name="Boston", search_name="boston", region="MA", population=650_000, latitude=42.36, longitude=-71.06)
    TherapistFactory(slug="in-boston", city="Boston", region="MA", latitude=42.36, longitude=-71.06)
    TherapistFactory(slug="in-aurora", city="Aurora", region="CO", latitude=39.7, longitude=-104.9)


@pytest.mark.parametrize("lat", ["39.7", "91"])
def test_search_errors_a_typed_place_wins_over_lat_and_lng(client, boston, lat):
    response = client.get(SEARCH_URL, {"lat": lat, "lng": "-104.9", "near": "Boston"})
    content = response.content.decode()
    assert [t.slug for t in response.context["therapists"]] == ["in-boston"]
    assert "<h1>Massage therapists near Boston, MA</h1>" in content
    # Left over from an earlier search: neither used, nor an error, nor sent again.
    assert not response.context["form"].errors
    assert 'name="lat"' not in content and 'name="lng"' not in content


def test_search_errors_a_place_not_found_is_not_replaced_by_lat_and_lng(client, boston):
    response = client.get(SEARCH_URL, {"lat": "39.7", "lng": "-104.9", "near": "Bostn"})
    assert response.context["origin"] is None
    assert list(response.context["form"].errors) == ["near"]
    assert response.context["paginator"].count == 2


def test_search_errors_lat_and_lng_alone_are_your_location_never_coordinates(client, boston):
    response = client.get(SEARCH_URL, {"lat": "39.7", "lng": "-104.9"})
    content = response.content.decode()
    assert [t.slug for t in response.context["therapists"]] == ["in-aurora"]
    assert "<h1>Massage therapists near your location</h1>" in content
    assert "within 15 miles of your location" in content
    assert "39.7000" not in content and "-104.9000" not in content
    # Kept for the next search, until a place is typed (static/js/search.js drops them then).
    assert '<input type="hidden" name="lat" value="39.7" data-map-position>' in content


def test_search_errors_a_typed_place_costs_the_same_queries_with_lat_and_lng(client, boston):
    counts = []
    for params in ({"near": "Boston"}, {"near": "Boston", "lat": "39.7", "lng": "-104.9"}):
        client.get(SEARCH_URL, params)
        with CaptureQueriesContext(connection) as queries:
            client.get(SEARCH_URL, params)
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_search_errors_the_filterset_honours_the_known_entries_and_drops_the_map_position(boston, vocab):
    filterset = TherapistFilterSet(
        query({"specialty": ["swedish", "foo"], "near": "Boston", "lat": "1", "lng": "1"}),
        queryset=Therapist.objects.published(),
    )
    assert not filterset.is_valid()
    assert filterset.honoured["specialty"] == ["swedish"]
    assert "lat" not in filterset.honoured and "lng" not in filterset.honoured
    assert filterset.origin.label == "Boston, MA"
    assert slugs({"near": "Boston", "lat": "39.7", "lng": "-104.9"}) == ["in-boston"]
