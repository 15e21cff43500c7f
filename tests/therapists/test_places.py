"""therapists.places: loading the gazetteer, normalising names, a practice's place and distance search."""

import pytest
from django.core.exceptions import ValidationError

from therapists.models import Place, Therapist
from therapists.places import (
    Origin,
    PlaceChoice,
    autocomplete_places,
    cached_resolve_place,
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
        PlaceChoice(label="Saint-Louis, Senegal", query="Saint-Louis, Senegal"),
    )
    michigan = resolve_place(origin.alternatives[0].query)
    assert (michigan.label, michigan.latitude, michigan.longitude) == ("Saint Louis, MI", 43.40, -84.60)
    senegal = resolve_place(origin.alternatives[1].query)
    assert (senegal.label, senegal.latitude) == ("Saint-Louis, Senegal", 16.02)


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
    assert origin.alternatives == (PlaceChoice(label="Paris, France", query="Paris, France"),)
    assert resolve_place("Paris, France").latitude == 48.85


def test_resolve_place_home_country_is_a_setting(two_parises, settings):
    settings.SITE_COUNTRY = "FR"
    origin = resolve_place("Paris")
    # At home the region is a number, which means nothing to a reader: the name alone.
    assert (origin.label, origin.latitude) == ("Paris", 48.85)
    assert origin.alternatives == (PlaceChoice(label="Paris, TX, United States", query="Paris, TX, United States"),)
    assert resolve_place("Paris, TX, United States").latitude == 33.66
    assert resolve_place("Paris, TX, US").latitude == 33.66  # links shared before labels named the country


def test_place_choice_names_a_foreign_place_by_its_country_never_a_code():
    # "Richmond, CA" is Richmond, California on a US site; and "08" (Ontario) means nothing to a reader.
    canada = place_choice(name="Richmond", search_name="richmond", country="CA", region="02")
    assert canada == PlaceChoice(label="Richmond, Canada", query="Richmond, Canada")
    london = place_choice(name="London", search_name="london", country="GB", region="ENG")
    assert london == PlaceChoice(label="London, United Kingdom", query="London, United Kingdom")


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


def test_cached_resolve_place_answers_a_repeated_place_without_a_query(saint_louis, django_assert_num_queries):
    with django_assert_num_queries(1):
        first = cached_resolve_place("Saint Louis")
    with django_assert_num_queries(0):
        again = cached_resolve_place("Saint Louis")
    assert again == first == resolve_place("Saint Louis")


def test_cached_resolve_place_asks_again_for_a_place_it_did_not_know(django_assert_num_queries):
    assert cached_resolve_place("Boulder") is None
    PlaceFactory(name="Boulder", search_name="boulder", region="CO", population=108_000)
    with django_assert_num_queries(1):
        found = cached_resolve_place("Boulder")
    assert found is not None and found.label == "Boulder, CO"


def test_cached_resolve_place_keeps_each_home_country_apart(settings):
    PlaceFactory(name="London", search_name="london", country="GB", region="ENG", population=8_900_000)
    PlaceFactory(name="London", search_name="london", country="US", region="KY", population=8_000)
    settings.SITE_COUNTRY = "US"
    assert cached_resolve_place("London").label == "London, KY"
    settings.SITE_COUNTRY = "GB"
    assert cached_resolve_place("London").label == resolve_place("London").label != "London, KY"


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
    assert [choice.label for choice in suggestions] == [
        "Denver, CO",
        "Denair, CA",
        "Denov, Uzbekistan",
        "Devrek, Turkey",
    ]
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
        PlaceChoice("Denov, Uzbekistan", "Denov, Uzbekistan"),
    ]
    assert [c.label for c in autocomplete_places("st lou")] == [
        "St. Louis, MO",
        "Saint Louis, MI",
        "Saint-Louis, Senegal",
    ]
    assert [c.label for c in autocomplete_places("Saint L")] == [
        "St. Louis, MO",
        "Saint Louis, MI",
        "Saint-Louis, Senegal",
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
    load_places(countries=["US", "UZ", "TR", "SN", "GB", "CA", "PL", "CH", "VE"], min_population=15_000)
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
    # The audit's places (issue 12), on the real data.
    for typed in ("Denver CO", "denver colorado", "Denver, Colorado", "Colorado", "CO"):
        assert resolve_place(typed).label == "Denver, CO", typed
    assert resolve_place("Texas").label == "Houston, TX"
    assert resolve_place("California").label == "Los Angeles, CA"
    assert resolve_place("NY").label == "New York, NY"
    assert resolve_place("Washington DC").label == "Washington, DC"
    assert resolve_place("Honolulu, Hawaii").label == "Honolulu, HI"
    assert resolve_place("Coeur d’Alene").label == "Coeur d'Alene, ID"
    assert resolve_place("Winston–Salem").label == "Winston-Salem, NC"
    assert resolve_place("St Pete").label == "St. Petersburg, FL"
    assert resolve_place("Salt Lake City").label == "Salt Lake City, UT"
    assert resolve_place("Fort Collins").label == "Fort Collins, CO"
    assert PlaceChoice("Pittsburgh, PA", "Pittsburgh, PA") == resolve_place("Pittsburg").alternatives[0]
    assert PlaceChoice("London, United Kingdom", "London, United Kingdom") in resolve_place("London").alternatives
    assert PlaceChoice("Toronto, Canada", "Toronto, Canada") in resolve_place("Toronto").alternatives
    assert resolve_place("Toronto, Canada").label == "Toronto, Canada"
    assert "Nysa, Poland" not in [choice.label for choice in autocomplete_places("NY")][:3]
    for choice in autocomplete_places("lon") + autocomplete_places("tor") + suggest_places("Londn"):
        assert resolve_place(choice.query).label == choice.label, choice
        assert not any(character.isdigit() for character in choice.query), choice


@pytest.mark.parametrize("typed", ["\U0010ffff", "a\U0010ffff", "\x00", "%", "_a", "\\"])
def test_place_lookups_take_any_text_without_failing(denver, typed):
    assert resolve_place(typed) is None
    assert suggest_places(typed) == []
    assert autocomplete_places(typed) == []


def test_place_lookups_drop_a_nul_that_postgresql_would_refuse(denver):
    assert resolve_place("Den\x00ver").label == "Denver, CO"
    assert autocomplete_places("den\x00")[0].label == "Denver, CO"


# --- places as the audit typed them (issue 12): states, typographic characters, ties, near misses, country names ---


@pytest.fixture
def country(denver):
    """Denver (conftest) and the places the audit typed, with the shipped data's names, regions and sizes."""
    cities = [
        ("Fort Collins", "CO", 170_000), ("Colorado Springs", "CO", 478_000), ("Colorado City", "AZ", 4_800),
        ("Philadelphia", "PA", 1_526_000), ("Pittsburgh", "PA", 302_000), ("Pittsburg", "CA", 72_000),
        ("Pittsburg", "KS", 20_000), ("Washington", "DC", 689_000), ("Seattle", "WA", 737_000),
        ("Spokane", "WA", 228_000), ("Anchorage", "AK", 291_000), ("Honolulu", "HI", 350_000),
        ("Santa Fe", "NM", 84_000), ("Albuquerque", "NM", 560_000), ("Charlotte", "NC", 874_000),
        ("Winston-Salem", "NC", 249_000), ("Coeur d'Alene", "ID", 50_000), ("Houston", "TX", 2_300_000),
        ("San Antonio", "TX", 1_500_000), ("Texas City", "TX", 50_000), ("Los Angeles", "CA", 3_820_000),
        ("Salt Lake City", "UT", 200_000), ("St. Petersburg", "FL", 258_000), ("New York City", "NY", 8_804_000),
        ("Buffalo", "NY", 278_000),
    ]  # fmt: skip
    for name, region, population in cities:
        PlaceFactory(name=name, search_name=normalise_name(name), region=region, population=population)
    abroad = [
        ("Nysa", "PL", "08", 44_000, 50.47), ("Nyon", "CH", "VD", 20_000, 46.38), ("Coro", "VE", "11", 200_000, 11.4),
        ("London", "GB", "ENG", 8_961_989, 51.51), ("Toronto", "CA", "08", 2_600_000, 43.70),
        ("Saint Petersburg", "RU", "66", 5_351_935, 59.94), ("Coeur", "FR", "11", 15_000, 48.0),
    ]  # fmt: skip
    for name, code, region, population, latitude in abroad:
        PlaceFactory(name=name, search_name=normalise_name(name), country=code, region=region,
                     population=population, latitude=latitude)  # fmt: skip
    # Towns the gazetteer knows only by their postal codes (no population): London, KY has the most of them.
    _zip("71846", "London", "AR", latitude=35.32)
    for code in ("40741", "40742", "40743"):
        _zip(code, "London", "KY", latitude=37.13)
    for code in ("43140", "43141"):
        _zip(code, "London", "OH", latitude=39.89)
    _zip("66117", "Toronto", "KS", latitude=37.80)
    for code in ("43964", "43965"):
        _zip(code, "Toronto", "OH", latitude=40.46)
    _zip("42701", "California", "KY", latitude=38.9)


@pytest.mark.parametrize(
    ("typed", "label"),
    [
        ("Denver CO", "Denver, CO"), ("denver co", "Denver, CO"), ("Denver, Colorado", "Denver, CO"),
        ("denver colorado", "Denver, CO"), ("DENVER, COLORADO, US", "Denver, CO"),
        ("Philadelphia PA", "Philadelphia, PA"), ("Washington DC", "Washington, DC"),
        ("Washington D.C.", "Washington, DC"), ("Anchorage AK", "Anchorage, AK"), ("Honolulu, Hawaii", "Honolulu, HI"),
        ("Santa Fe New Mexico", "Santa Fe, NM"), ("Santa Fe, New Mexico", "Santa Fe, NM"),
        ("Charlotte North Carolina", "Charlotte, NC"), ("Fort Collins", "Fort Collins, CO"),
        ("Ft Collins CO", "Fort Collins, CO"), ("Salt Lake City", "Salt Lake City, UT"),
        ("Pittsburg KS", "Pittsburg, KS"), ("NYC NY", "New York, NY"), ("New York NY", "New York, NY"),
    ],
)  # fmt: skip
def test_resolve_place_reads_a_trailing_state_with_or_without_a_comma(country, typed, label):
    assert resolve_place(typed).label == label


def test_resolve_place_reads_a_trailing_state_only_when_the_place_is_in_it(country):
    assert resolve_place("Denver AK") is None  # no Denver in Alaska, and no place called "Denver Ak"
    assert resolve_place("Denver, Alaska") is None


@pytest.mark.parametrize(
    ("typed", "label"),
    [
        ("Coeur d’Alene", "Coeur d'Alene, ID"), ("Coeur d‘Alene", "Coeur d'Alene, ID"),
        ("Coeur dʼAlene, ID", "Coeur d'Alene, ID"), ("Coeur d`Alene", "Coeur d'Alene, ID"),
        ("Winston–Salem", "Winston-Salem, NC"), ("Winston—Salem, NC", "Winston-Salem, NC"),
    ],
)  # fmt: skip
def test_resolve_place_takes_typographic_apostrophes_and_dashes(country, typed, label):
    assert resolve_place(typed).label == label
    assert autocomplete_places(typed[:9])[0].label == label


def test_normalise_name_folds_typographic_apostrophes_and_dashes():
    assert normalise_name("Coeur d’Alene") == normalise_name("Coeur d'Alene") == "coeur d'alene"
    assert normalise_name("Winston–Salem") == normalise_name("Winston—Salem") == "winston-salem"


@pytest.mark.parametrize(
    ("typed", "label", "state"),
    [
        ("Texas", "Houston, TX", "Texas"), ("texas", "Houston, TX", "Texas"), ("TX", "Houston, TX", "Texas"),
        ("Colorado", "Denver, CO", "Colorado"), ("CO", "Denver, CO", "Colorado"),
        ("California", "Los Angeles, CA", "California"), ("New Mexico", "Albuquerque, NM", "New Mexico"),
        ("NY", "New York, NY", "New York"), ("N.Y.", "New York, NY", "New York"),
    ],
)  # fmt: skip
def test_resolve_place_takes_a_state_alone_as_its_largest_city_with_a_note(country, typed, label, state):
    origin = resolve_place(typed)
    assert origin.label == label
    assert origin.note == f"{state} is a state: showing its largest city, {label}."
    # Never a same-named town elsewhere ("Colorado City, AZ", "California, KY"): the state's other cities.
    assert origin.alternatives and all(choice.label.endswith(label[-4:]) for choice in origin.alternatives)


def test_resolve_place_offers_the_next_largest_cities_of_a_state(country):
    assert [choice.label for choice in resolve_place("Texas").alternatives] == ["San Antonio, TX", "Texas City, TX"]
    assert [choice.label for choice in resolve_place("Colorado").alternatives] == [
        "Colorado Springs, CO",
        "Fort Collins, CO",
    ]


def test_resolve_place_takes_a_state_named_like_a_major_city_as_the_city(country):
    new_york = resolve_place("New York")
    assert (new_york.label, new_york.note) == ("New York, NY", "")
    washington = resolve_place("Washington")
    assert (washington.label, washington.note) == ("Washington, DC", "")
    assert washington.alternatives[0] == PlaceChoice("Seattle, WA", "Seattle, WA")


def test_suggest_and_autocomplete_take_a_state_code_as_the_state(country):
    assert [choice.label for choice in suggest_places("NY")] == ["New York, NY", "Buffalo, NY"]
    assert [choice.label for choice in suggest_places("co")][:2] == ["Denver, CO", "Colorado Springs, CO"]
    ny = [choice.label for choice in autocomplete_places("NY")]
    assert ny[:2] == ["New York, NY", "Buffalo, NY"]
    assert ny.index("Nysa, Poland") > 1 and ny.index("Nyon, Switzerland") > 1
    co = [choice.label for choice in autocomplete_places("co")]
    assert co.index("Denver, CO") < co.index("Coro, Venezuela")


def test_resolve_place_breaks_a_tie_of_postal_code_towns_by_their_number_of_codes(country):
    london = resolve_place("London")
    assert (london.label, london.latitude) == ("London, KY", pytest.approx(37.13))
    assert [choice.label for choice in london.alternatives] == [
        "London, OH",
        "London, AR",
        "London, United Kingdom",
    ]
    toronto = resolve_place("Toronto")
    assert toronto.label == "Toronto, OH"
    assert PlaceChoice("Toronto, Canada", "Toronto, Canada") in toronto.alternatives


def test_resolve_place_keeps_a_slot_for_the_largest_place_abroad(country):
    for number, region in enumerate(["AL", "AZ", "CT", "IA", "MN", "MT", "NE"]):
        _zip(f"9000{number}", "London", region)
    alternatives = resolve_place("London").alternatives
    assert len(alternatives) == 5
    assert alternatives[-1] == PlaceChoice("London, United Kingdom", "London, United Kingdom")


@pytest.mark.parametrize(
    ("typed", "latitude"),
    [
        ("London, United Kingdom", 51.51), ("london, uk", 51.51), ("London, GB", 51.51), ("Toronto, Canada", 43.70),
        ("Toronto, 08, CA", 43.70), ("Nysa, Poland", 50.47), ("Saint Petersburg, Russia", 59.94),
    ],
)  # fmt: skip
def test_resolve_place_finds_a_place_abroad_by_its_country_name(country, typed, latitude):
    assert resolve_place(typed).latitude == pytest.approx(latitude)


def test_every_place_label_resolves_back_to_the_same_place(country):
    """Labels shown in suggestions, headings and chips, typed back or submitted as the link's query."""
    choices = {
        *autocomplete_places("lon"), *autocomplete_places("tor"), *autocomplete_places("ny"),
        *autocomplete_places("co"), *autocomplete_places("saint p"), *suggest_places("Londn"),
        *resolve_place("London").alternatives, *resolve_place("Toronto").alternatives,
    }  # fmt: skip
    assert "London, United Kingdom" in {choice.label for choice in choices}
    for choice in choices:
        assert not any(character.isdigit() for character in choice.query), choice
        assert resolve_place(choice.query).label == choice.label, choice
        assert resolve_place(choice.label).label == choice.label, choice


def test_resolve_place_offers_a_far_larger_city_one_letter_away(country):
    pittsburg = resolve_place("Pittsburg")
    assert pittsburg.label == "Pittsburg, CA"  # the place typed stays the result
    assert pittsburg.alternatives == (
        PlaceChoice("Pittsburgh, PA", "Pittsburgh, PA"),
        PlaceChoice("Pittsburg, KS", "Pittsburg, KS"),
    )
    assert resolve_place("Pittsburgh").alternatives == ()  # the smaller names are not "did you mean"
    assert resolve_place("Pittsburg, KS").alternatives == ()  # a state given: the person meant it
    assert resolve_place("Denver").alternatives == ()


@pytest.mark.parametrize(
    ("typed", "label"),
    [("St Pete", "St. Petersburg, FL"), ("st. pete", "St. Petersburg, FL"), ("Saint Pete, FL", "St. Petersburg, FL"),
     ("Philly", "Philadelphia, PA"), ("NYC", "New York, NY")],
)  # fmt: skip
def test_resolve_place_understands_city_nicknames(country, typed, label):
    assert resolve_place(typed).label == label


@pytest.mark.parametrize(
    "typed",
    ["Texas", "Denver CO", "Denver, Colorado", "Pittsburg", "London", "London, United Kingdom", "Coeur d’Alene"],
)
def test_resolve_place_runs_one_query_for_every_reading(country, django_assert_num_queries, typed):
    with django_assert_num_queries(1):
        assert resolve_place(typed) is not None


@pytest.mark.parametrize("typed", ["NY", "Texas", "Denvr CO"])
def test_suggest_and_autocomplete_run_one_query_for_a_state(country, django_assert_num_queries, typed):
    with django_assert_num_queries(1):
        suggest_places(typed)
    with django_assert_num_queries(1):
        autocomplete_places(typed)


def test_search_page_says_why_a_state_took_its_largest_city(client, country):
    response = client.get("/therapists/", {"near": "Colorado"})
    content = response.content.decode()
    assert response.status_code == 200
    assert 'id="near-note">Colorado is a state: showing its largest city, Denver, CO.</p>' in content
    assert "Massage therapists near Denver, CO" in content
