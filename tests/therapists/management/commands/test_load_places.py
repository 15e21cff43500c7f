"""The load_places command: the gazetteer from the shipped data, once."""

import pytest
from django.core.management import call_command

from therapists.models import Place

pytestmark = pytest.mark.django_db


def test_load_places_if_empty_skips_a_loaded_gazetteer(capsys):
    call_command("load_places", "--countries", "US", "--min-population", "1000000", "--no-postal-codes")
    count = Place.objects.count()
    assert count > 0 and "Places loaded" in capsys.readouterr().out
    call_command("load_places", "--if-empty")
    assert Place.objects.count() == count
    assert "already loaded" in capsys.readouterr().out
