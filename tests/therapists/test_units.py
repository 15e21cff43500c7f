"""therapists.units: distances and the radius choices in the site's unit, and the `distance` template filter."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.template import Context, Template

from therapists.filters import MAX_RADIUS_KM
from therapists.templatetags.directory import distance
from therapists.units import default_radius_km, distance_unit, format_distance, format_radius, radius_choices


@pytest.fixture
def miles(settings):
    settings.DISTANCE_UNIT = "mi"


@pytest.fixture
def kilometres(settings):
    settings.DISTANCE_UNIT = "km"


def test_distance_unit_is_miles_on_the_default_us_site():
    from django.conf import settings

    assert settings.SITE_COUNTRY == "US"
    assert distance_unit() == "mi"


def test_distance_unit_refuses_an_unknown_unit(settings):
    settings.DISTANCE_UNIT = "furlong"
    with pytest.raises(ImproperlyConfigured, match="DISTANCE_UNIT"):
        distance_unit()


@pytest.mark.parametrize(
    ("km", "shown"),
    [(0, "< 0.1 mi"), (0.5, "0.3 mi"), (5.2, "3.2 mi"), (16.0934, "10 mi"), (20, "12 mi"), (160.9344, "100 mi"),
     (2000, "1,243 mi")],
)  # fmt: skip
def test_format_distance_in_miles(miles, km, shown):
    assert format_distance(km) == shown


@pytest.mark.parametrize(("km", "shown"), [(0.04, "< 0.1 km"), (5, "5 km"), (5.25, "5.2 km"), (12.4, "12 km")])
def test_format_distance_in_kilometres(kilometres, km, shown):
    assert format_distance(km) == shown


def test_radius_choices_in_miles_are_km_values_the_search_accepts(miles):
    choices = radius_choices()
    assert [label for _, label in choices] == ["5 miles", "10 miles", "15 miles", "25 miles", "50 miles", "100 miles"]
    assert [value for value, _ in choices] == ["8.05", "16.09", "25", "40.23", "80.47", "160.93"]
    for value, _ in choices:
        assert 1 <= float(value) <= MAX_RADIUS_KM
        assert len(value.partition(".")[2]) <= 2


def test_radius_choices_hold_the_contract_default(miles):
    assert default_radius_km() == 25.0
    assert ("25", "15 miles") in radius_choices()
    assert format_radius(25) == "15 miles"


def test_radius_choices_in_kilometres(kilometres):
    assert radius_choices() == [
        ("5", "5 km"), ("10", "10 km"), ("25", "25 km"), ("50", "50 km"), ("100", "100 km"), ("200", "200 km"),
    ]  # fmt: skip


def test_radius_choices_add_a_radius_from_the_url_in_its_place(miles):
    choices = radius_choices(current=30)
    assert choices[3] == ("30", "18.6 miles")
    assert len(choices) == 7
    assert radius_choices(current=25) == radius_choices()
    assert radius_choices(current=40.23) == radius_choices()


def test_format_radius_off_the_choices(miles, settings):
    assert format_radius(1.609344) == "1 mile"
    assert format_radius(500) == "310.7 miles"
    settings.DISTANCE_UNIT = "km"
    assert format_radius(1) == "1 km"


@pytest.mark.parametrize(
    ("value", "shown"),
    [(5.2, "3.2 mi"), ("5.2", "3.2 mi"), (None, ""), ("", ""), ("x", ""), (float("nan"), ""), (float("inf"), ""),
     (-1, "")],
)  # fmt: skip
def test_distance_filter_shows_a_distance_or_nothing(miles, value, shown):
    assert distance(value) == shown


def test_distance_filter_in_a_template(kilometres):
    rendered = Template("{% load directory %}{{ km|distance }}").render(Context({"km": 12.4}))
    assert rendered == "12 km"
