"""therapists.places: loading the gazetteer, normalising names, a practice's place and distance search."""

import pytest
from django.core.exceptions import ValidationError

from therapists.models import Place, Therapist
from therapists.places import (
    Origin,
    PlaceChoice,
    autocomplete_places,
    load_places,
    looks_like_postal_code,
    name_forms,
    normalise_name,
    place_choice,
    practice_place,
    resolve_place,
    suggest_places,
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
    assert resolve_place("80202-0001") == Origin(39.75, -104.9903, "80202 (Denver, CO)")
    aurora = resolve_place(" AURORA ")
    assert (aurora.latitude, aurora.label) == (39.7, "Aurora, CO")
    assert aurora.alternatives == (PlaceChoice("Aurora, IL", "Aurora, IL"),)
    assert resolve_place("Aurora, IL").label == "Aurora, IL"
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


# --- places as people type them: home country first, common forms, abbreviations, suggestions ---


def _zip(code: str, name: str, region: str, **fields) -> Place:
    """A postal-code entry: how the gazetteer knows towns too small for the city list ("Saint Louis, MI")."""
    return PlaceFactory(
        kind=Place.Kind.POSTAL_CODE, postal_code=code, name=name, search_name=normalise_name(name), region=region,
        population=0, **fields,
    )  # fmt: skip


@pytest.fixture
def saint_louis(db):
    """St. Louis, MO (a city, and postal codes spelt "Saint Louis"), Saint Louis, MI (postal codes only) and
    Saint-Louis in Senegal, as the shipped data spell them."""
    city = PlaceFactory(name="St. Louis", search_name="st louis", region="MO", population=279_695,
                        latitude=38.627, longitude=-90.198)  # fmt: skip
    _zip("63101", "Saint Louis", "MO", latitude=38.63, longitude=-90.19)
    _zip("63102", "Saint Louis", "MO", latitude=38.63, longitude=-90.18)
    _zip("48880", "Saint Louis", "MI", latitude=43.40, longitude=-84.60)
    PlaceFactory(name="Saint-Louis", search_name="saint-louis", country="SN", region="14", population=254_171,
                 latitude=16.02, longitude=-16.49)  # fmt: skip
    return city


@pytest.mark.parametrize(
    "typed", ["Saint Louis", "St. Louis", "st louis", "SAINT LOUIS, MO", "St Louis, MO", "St. Louis, Mo."]
)
def test_resolve_place_takes_st_and_saint_alike_and_the_most_populous(saint_louis, typed):
    origin = resolve_place(typed)
    assert (origin.latitude, origin.longitude, origin.label) == (38.627, -90.198, "St. Louis, MO")


def test_resolve_place_offers_the_other_places_of_an_ambiguous_name_home_first(saint_louis):
    origin = resolve_place("Saint Louis")
    assert origin.alternatives == (
        PlaceChoice(label="Saint Louis, MI", query="Saint Louis, MI"),
        PlaceChoice(label="Saint-Louis, SN", query="Saint-Louis, SN"),
    )
    michigan = resolve_place(origin.alternatives[0].query)
    assert (michigan.label, michigan.latitude, michigan.longitude) == ("Saint Louis, MI", 43.40, -84.60)
    senegal = resolve_place(origin.alternatives[1].query)
    assert (senegal.label, senegal.latitude) == ("Saint-Louis, SN", 16.02)


@pytest.fixture
def new_york(db):
    PlaceFactory(name="New York City", search_name="new york city", region="NY", population=8_804_190,
                 latitude=40.714, longitude=-74.006)  # fmt: skip
    _zip("10001", "New York", "NY", latitude=40.750, longitude=-73.997)
    PlaceFactory(name="Los Angeles", search_name="los angeles", region="CA", population=3_820_914)
    PlaceFactory(name="Los Angeles", search_name="los angeles", country="ES", region="29", population=34_827)
    PlaceFactory(name="Lamar", search_name="lamar", region="CO", population=7_800)


@pytest.mark.parametrize("typed", ["New York", "new york, ny", "NYC", "N.Y.C.", "nyc, NY", "New York City"])
def test_resolve_place_names_new_york_as_people_say_it(new_york, typed):
    origin = resolve_place(typed)
    assert (origin.label, origin.latitude, origin.longitude) == ("New York, NY", 40.714, -74.006)


def test_resolve_place_expands_a_well_known_abbreviation_only_where_it_fits(new_york):
    assert resolve_place("LA").label == "Los Angeles, CA"
    assert resolve_place("la, ca").label == "Los Angeles, CA"
    assert resolve_place("LA, TX") is None  # Not Los Angeles: no place called "La" in Texas.


def test_resolve_place_labels_a_postal_code_with_its_town(new_york):
    assert resolve_place("10001") == Origin(40.750, -73.997, "10001 (New York, NY)")


@pytest.fixture
def two_parises(db):
    PlaceFactory(name="Paris", search_name="paris", region="TX", population=24_782, latitude=33.66)
    PlaceFactory(name="Paris", search_name="paris", country="FR", region="11", population=2_138_551, latitude=48.85)


def test_resolve_place_prefers_the_home_country_then_offers_abroad(two_parises):
    origin = resolve_place("Paris")
    assert (origin.label, origin.latitude) == ("Paris, TX", 33.66)
    assert origin.alternatives == (PlaceChoice(label="Paris, FR", query="Paris, FR"),)
    assert resolve_place("Paris, FR").latitude == 48.85


def test_resolve_place_home_country_is_a_setting(two_parises, settings):
    settings.SITE_COUNTRY = "FR"
    origin = resolve_place("Paris")
    # At home the region is a number, which means nothing to a reader: the name alone.
    assert (origin.label, origin.latitude) == ("Paris", 48.85)
    assert origin.alternatives == (PlaceChoice(label="Paris, US", query="Paris, TX, US"),)
    assert resolve_place("Paris, TX, US").latitude == 33.66


def test_place_choice_names_the_region_of_a_foreign_place_whose_country_code_is_a_us_state():
    # "Richmond, CA" is Richmond, California on a US site: Canada's needs its region in the query.
    canada = place_choice(name="Richmond", search_name="richmond", country="CA", region="02")
    assert canada == PlaceChoice(label="Richmond, Canada", query="Richmond, 02, CA")


def test_resolve_place_finds_a_foreign_place_by_its_choice_query(db):
    PlaceFactory(name="Richmond", search_name="richmond", region="CA", population=109_708, latitude=37.9)
    PlaceFactory(name="Richmond", search_name="richmond", country="CA", region="02", population=209_937, latitude=49.1)
    origin = resolve_place("Richmond")
    assert origin.label == "Richmond, CA" and origin.latitude == 37.9
    (canada,) = origin.alternatives
    assert canada.label == "Richmond, Canada"
    assert resolve_place(canada.query).latitude == 49.1


def test_name_forms_cover_the_common_spellings_and_stay_bounded():
    assert set(name_forms("st louis")) == {"st louis", "saint louis", "st-louis", "saint-louis"}
    assert set(name_forms("ft worth")) >= {"fort worth", "ft worth"}
    assert set(name_forms("mt vernon")) >= {"mount vernon", "mt vernon"}
    assert len(name_forms("st st st st st st st st st st")) <= 16


@pytest.mark.parametrize("typed", ["Saint Louis", "NYC", "80202", "Atlantis, ZZ"])
def test_resolve_place_runs_one_query(saint_louis, new_york, django_assert_num_queries, typed):
    with django_assert_num_queries(1):
        resolve_place(typed)


@pytest.fixture
def denver_and_lookalikes(denver):
    PlaceFactory(name="Denov", search_name="denov", country="UZ", region="12", population=115_000)
    PlaceFactory(name="Devrek", search_name="devrek", country="TR", region="85", population=30_000)
    PlaceFactory(name="Denair", search_name="denair", region="CA", population=15_000)
    PlaceFactory(name="Delta", search_name="delta", region="CO", population=9_000)
    PlaceFactory(name="Detroit", search_name="detroit", region="MI", population=670_000)


def test_suggest_places_puts_home_places_first_as_choices_without_numeric_codes(denver_and_lookalikes):
    suggestions = suggest_places("Denvr")
    assert suggestions[0] == PlaceChoice(label="Denver, CO", query="Denver, CO")
    assert [choice.label for choice in suggestions] == ["Denver, CO", "Denair, CA", "Denov, UZ", "Devrek, TR"]
    assert not any(character.isdigit() for choice in suggestions for character in choice.label)
    for choice in suggestions:
        assert resolve_place(choice.query).label == choice.label


def test_suggest_places_understands_abbreviations_and_forms(saint_louis, new_york):
    assert suggest_places("Saint Lous")[0] == PlaceChoice(label="St. Louis, MO", query="St. Louis, MO")
    assert suggest_places("NYC")[0].label == "New York, NY"
    assert suggest_places("x") == []


def test_suggest_places_runs_one_query(denver_and_lookalikes, django_assert_num_queries):
    with django_assert_num_queries(1):
        suggest_places("Denvr")


def test_autocomplete_places_completes_names_home_first_then_the_largest(denver_and_lookalikes, saint_louis):
    assert autocomplete_places("den") == [
        PlaceChoice("Denver, CO", "Denver, CO"),
        PlaceChoice("Denair, CA", "Denair, CA"),
        PlaceChoice("Denov, UZ", "Denov, UZ"),
    ]
    assert [c.label for c in autocomplete_places("st lou")] == ["St. Louis, MO", "Saint Louis, MI", "Saint-Louis, SN"]
    assert [c.label for c in autocomplete_places("Saint L")] == [
        "St. Louis, MO",
        "Saint Louis, MI",
        "Saint-Louis, SN",
    ]
    assert autocomplete_places("d", limit=8) == []


def test_autocomplete_places_completes_postal_codes_and_abbreviations(new_york, saint_louis):
    assert autocomplete_places("631") == [
        PlaceChoice("63101 (Saint Louis, MO)", "63101"),
        PlaceChoice("63102 (Saint Louis, MO)", "63102"),
    ]
    assert autocomplete_places("nyc") == [PlaceChoice("New York, NY", "New York, NY")]
    assert autocomplete_places("new yo") == [PlaceChoice("New York, NY", "New York, NY")]
    assert autocomplete_places("1234567") == []


def test_autocomplete_places_is_bounded_and_runs_one_query(db, django_assert_num_queries):
    for number in range(12):
        PlaceFactory(name=f"Springfield {number}", search_name=f"springfield {number}", population=number)
    with django_assert_num_queries(1):
        found = autocomplete_places("spring", limit=8)
    assert [c.label for c in found] == [f"Springfield {n}, CO" for n in range(11, 3, -1)]


def test_places_people_type_resolve_in_the_shipped_gazetteer():
    """The rules above on the real data: US cities and postal codes, and the foreign towns that once came first."""
    load_places(countries=["US", "UZ", "TR", "SN"], min_population=15_000)
    saint_louis = resolve_place("Saint Louis")
    assert saint_louis.label == "St. Louis, MO"
    assert PlaceChoice("Saint Louis, MI", "Saint Louis, MI") in saint_louis.alternatives
    assert resolve_place("New York").label == "New York, NY"
    assert resolve_place("NYC").label == "New York, NY"
    assert resolve_place("Philly").label == "Philadelphia, PA"
    assert resolve_place("DC").label == "Washington, DC"
    assert resolve_place("Ft. Worth").label == "Fort Worth, TX"
    assert resolve_place("80202").label == "80202 (Denver, CO)"
    assert suggest_places("Denvr")[0] == PlaceChoice("Denver, CO", "Denver, CO")
    assert autocomplete_places("denv")[0] == PlaceChoice("Denver, CO", "Denver, CO")


@pytest.mark.parametrize("typed", ["\U0010ffff", "a\U0010ffff", "\x00", "%", "_a", "\\"])
def test_place_lookups_take_any_text_without_failing(denver, typed):
    assert resolve_place(typed) is None
    assert suggest_places(typed) == []
    assert autocomplete_places(typed) == []


def test_place_lookups_drop_a_nul_that_postgresql_would_refuse(denver):
    assert resolve_place("Den\x00ver").label == "Denver, CO"
    assert autocomplete_places("den\x00")[0].label == "Denver, CO"
