"""The gazetteer: loading the shipped data and normalising names."""

import pytest
from django.core.management import call_command

from therapists.models import Place
from therapists.places import load_places, looks_like_postal_code, normalise_name

pytestmark = pytest.mark.django_db


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


def test_load_places_command_if_empty_skips_a_loaded_gazetteer(capsys):
    call_command("load_places", "--countries", "US", "--min-population", "1000000", "--no-postal-codes")
    count = Place.objects.count()
    call_command("load_places", "--if-empty")
    assert Place.objects.count() == count
    assert "already loaded" in capsys.readouterr().out
