"""therapists.places: loading the gazetteer, normalising names, a practice's place and distance search."""

import pytest
from django.core.exceptions import ValidationError

from therapists.models import Place, Therapist
from therapists.places import (
    Origin,
    load_places,
    looks_like_postal_code,
    normalise_name,
    practice_place,
    resolve_place,
    within_radius,
)

from ..factories import PlaceFactory, TherapistFactory

pytestmark = pytest.mark.django_db

# Denver's centre; 0.045 degrees of latitude are about 5 km.
DENVER = Origin(latitude=39.7392, longitude=-104.9903, label="Denver, CO, US")


def test_normalise_name_folds_case_accents_and_spaces():
    assert normalise_name("  São   Paulo ") == "sao paulo"
    assert normalise_name("St. Louis") == "st louis"


def test_looks_like_postal_code():
    assert looks_like_postal_code("80202")
    assert looks_like_postal_code("80202-1234")
    assert not looks_like_postal_code("Denver")


def test_load_places_loads_cities_from_the_shipped_data_and_is_idempotent():
    added = load_places(countries=["US"], min_population=500_000, postal_codes=False)
    assert added > 20
    denver = Place.objects.get(search_name="denver", country="US")
    assert denver.region == "CO"
    assert 39 < denver.latitude < 40 and -106 < denver.longitude < -104
    assert load_places(countries=["US"], min_population=500_000, postal_codes=False) == 0


def test_load_places_loads_us_postal_codes():
    load_places(countries=["US"], min_population=10_000_000)
    place = Place.objects.get(postal_code="80202")
    assert place.kind == Place.Kind.POSTAL_CODE
    assert place.region == "CO"
    assert Place.objects.filter(kind=Place.Kind.POSTAL_CODE).count() > 30_000


def test_resolve_place_takes_a_postal_code_or_the_most_populous_city_of_the_name():
    PlaceFactory(kind=Place.Kind.POSTAL_CODE, postal_code="80202", name="Denver", search_name="denver", latitude=39.75)
    PlaceFactory(name="Aurora", search_name="aurora", region="CO", population=390_000, latitude=39.7)
    PlaceFactory(name="Aurora", search_name="aurora", region="IL", population=180_000, latitude=41.8)
    assert resolve_place("80202-0001") == Origin(39.75, -104.9903, "80202, Denver, CO, US")
    aurora = resolve_place(" AURORA ")
    assert (aurora.latitude, aurora.label, aurora.alternatives) == (39.7, "Aurora, CO, US", ("Aurora, IL, US",))
    assert resolve_place("Aurora, IL").label == "Aurora, IL, US"
    assert resolve_place("Atlantis") is None and resolve_place("99999") is None


def test_practice_place_prefers_the_postal_code_then_the_most_populous_city():
    PlaceFactory(name="Portland", search_name="portland", region="OR", population=650_000, latitude=45.5)
    maine = PlaceFactory(name="Portland", search_name="portland", region="ME", population=68_000, latitude=43.6)
    zip_place = PlaceFactory(
        kind=Place.Kind.POSTAL_CODE, name="Portland", search_name="portland", region="ME", postal_code="04101",
        population=0, latitude=43.66,
    )  # fmt: skip
    assert practice_place(city="Portland").region == "OR"
    assert practice_place(city="  PORTLAND ", region="me").place == maine
    assert practice_place(city="portland", postal_code="04101-1234").place == zip_place
    with pytest.raises(ValidationError):
        practice_place(city="Portland", region="TX")


@pytest.fixture
def indianapolis_zip(db):
    """ZIP 46204, downtown Indianapolis, and Beverly Hills, CA, some 2,900 km away."""
    PlaceFactory(name="Beverly Hills", search_name="beverly hills", region="CA", latitude=34.07, longitude=-118.40)
    PlaceFactory(name="Carmel", search_name="carmel", region="IN", latitude=39.98, longitude=-86.12)
    return PlaceFactory(
        kind=Place.Kind.POSTAL_CODE, name="Indianapolis", search_name="indianapolis", region="IN",
        postal_code="46204", population=0, latitude=39.77, longitude=-86.16,
    )  # fmt: skip


def test_practice_place_refuses_a_city_far_from_the_postal_code(indianapolis_zip):
    with pytest.raises(ValidationError) as refused:
        practice_place(city="Beverly Hills", postal_code="46204")
    assert list(refused.value.error_dict) == ["postal_code"]
    message = refused.value.error_dict["postal_code"][0].message
    assert "46204 is in Indianapolis, IN, not in Beverly Hills" in message


def test_practice_place_refuses_a_region_other_than_the_postal_codes(indianapolis_zip):
    with pytest.raises(ValidationError) as refused:
        practice_place(city="Indianapolis", region="CA", postal_code="46204")
    assert list(refused.value.error_dict) == ["region"]


@pytest.mark.parametrize(
    ("typed", "shown"),
    [(("indianapolis", ""), ("Indianapolis", "IN")), (("Carmel", "in"), ("Carmel", "IN"))],
    ids=["the-postal-codes-own-city", "a-city-nearby"],
)
def test_practice_place_shows_the_gazetteers_city_and_region_with_the_postal_codes_position(
    indianapolis_zip, typed, shown
):
    city, region = typed
    resolved = practice_place(city=city, region=region, postal_code="46204")
    assert resolved.place == indianapolis_zip
    assert (resolved.city, resolved.region) == shown


def test_practice_place_by_city_shows_the_gazetteers_spelling_and_region(denver):
    resolved = practice_place(city="  DENVER ")
    assert (resolved.place, resolved.city, resolved.region) == (denver, "Denver", "CO")


@pytest.mark.parametrize(
    ("place", "field", "message"),
    [
        ({"city": "Atlantis"}, "city", "We could not find this city"),
        ({"city": "Portland", "region": "TX"}, "city", "We could not find this city"),
        ({"city": "Portland", "postal_code": "00000"}, "postal_code", "We do not know this postal code"),
    ],
    ids=["unknown-city", "city-not-in-region", "unknown-postal-code"],
)
def test_practice_place_says_which_field_it_could_not_place(place, field, message):
    PlaceFactory(name="Portland", search_name="portland", region="OR", population=650_000)
    with pytest.raises(ValidationError) as refused:
        practice_place(**place)
    assert list(refused.value.error_dict) == [field]
    assert message in refused.value.error_dict[field][0].message


def test_within_radius_keeps_rows_inside_the_circle_with_their_distance():
    TherapistFactory(slug="centre", latitude=39.7392, longitude=-104.9903)
    TherapistFactory(slug="five-km-north", latitude=39.7392 + 0.045, longitude=-104.9903)
    # Inside the bounding box of a 10 km radius, but about 14 km away across its corner.
    TherapistFactory(slug="box-corner", latitude=39.7392 + 0.09, longitude=-104.9903 + 0.117)
    TherapistFactory(slug="twenty-km-east", latitude=39.7392, longitude=-104.9903 + 0.234)
    TherapistFactory(slug="nowhere", latitude=None, longitude=None)
    found = {t.slug: t.distance_km for t in within_radius(Therapist.objects.all(), DENVER, 10)}
    assert set(found) == {"centre", "five-km-north"}
    assert found["centre"] == pytest.approx(0, abs=0.01)
    assert found["five-km-north"] == pytest.approx(5.0, abs=0.05)
    wider = {t.slug: t.distance_km for t in within_radius(Therapist.objects.all(), DENVER, 25)}
    assert set(wider) == {"centre", "five-km-north", "box-corner", "twenty-km-east"}
    assert wider["box-corner"] == pytest.approx(14.0, abs=0.5)
    assert wider["twenty-km-east"] == pytest.approx(20.0, abs=0.1)
