"""The compare table's rows: the best value marked where the therapists differ, a missing value "Not stated"."""

import datetime

import pytest

from shortlists.compare import NOT_STATED, Cell, compare, distance_km, mark_best
from shortlists.selectors import shortlist_therapists
from shortlists.views import search_origin
from therapists.models import Certification, Service, Specialty
from therapists.places import Origin

from ..factories import CertificationFactory, TherapistFactory

pytestmark = pytest.mark.django_db

DENVER = Origin(39.7392, -104.9903, "Denver, CO, US")


def rows(therapists, origin=None) -> dict[str, list[Cell]]:
    loaded = shortlist_therapists([t.pk for t in therapists])
    return {row.key: row.cells for row in compare(loaded, origin).rows}


def best(cells: list[Cell]) -> list[bool]:
    return [cell.best for cell in cells]


@pytest.fixture
def pair(today):
    """A seasoned, well-reviewed, verified therapist and a newcomer with nothing stated but a name."""
    strong = TherapistFactory(
        name="Strong", years_experience=12, price_60=120, review_count=40, rating_avg=4.84, recommend_pct=95.0,
        communication_avg=4.9, cleanliness_avg=4.7, verified_until=today + datetime.timedelta(days=90),
        accepting_new_clients=False,
    )  # fmt: skip
    newcomer = TherapistFactory(name="New", years_experience=0, price_60=None, latitude=None, longitude=None)
    return strong, newcomer


@pytest.mark.parametrize(
    ("values", "lowest", "expected"),
    [
        ([4.8, 4.5, None], False, [True, False, False]),
        ([4.8, 4.8, 4.1], False, [True, True, False]),
        ([4.8, 4.8], False, [False, False]),  # no difference: nothing to mark
        ([4.8, None, None], False, [False, False, False]),  # one stated value: nothing to compare it with
        ([90, 60, 120], True, [False, True, False]),
        ([None, None], False, [False, False]),
    ],
)
def test_mark_best(values, lowest, expected):
    cells = [Cell("x") for _ in values]
    assert best(mark_best(cells, values, lowest=lowest)) == expected


def test_best_values_are_marked_in_every_criterion_row(pair):
    strong, newcomer = pair
    newcomer.review_count, newcomer.rating_avg, newcomer.recommend_pct = 3, 4.2, 60.0
    newcomer.communication_avg, newcomer.cleanliness_avg, newcomer.years_experience = 4.0, 4.9, 2
    newcomer.price_60, newcomer.accepting_new_clients = 80, True
    newcomer.save()
    table = rows([strong, newcomer])
    assert best(table["verified"]) == [True, False]
    assert best(table["rating"]) == [True, False]
    assert table["rating"][0].text == "4.8 of 5" and table["rating"][0].detail == "40 reviews"
    assert best(table["recommend"]) == [True, False] and table["recommend"][0].text == "95%"
    assert best(table["communication"]) == [True, False]
    assert best(table["environment"]) == [False, True]
    assert best(table["experience"]) == [True, False]
    assert best(table["price"]) == [False, True] and table["price"][1].text == "$80 for 60 min"
    assert best(table["accepting"]) == [False, True]
    assert not any(best(table["languages"]))


def test_missing_values_say_not_stated_never_blank_or_zero(pair):
    strong, newcomer = pair
    table = rows([strong, newcomer])
    for key in ("rating", "recommend", "communication", "environment", "specialties", "experience", "price",
                "distance", "languages"):  # fmt: skip
        cell = table[key][1]
        assert cell.text == NOT_STATED and not cell.stated and not cell.best, key
    assert table["rating"][1].detail == "no reviews yet"
    # The strong therapist's stated values are not marked "Best" against values nobody stated alone.
    assert table["verified"][1].text == "Not verified yet"


def test_every_cell_has_words(pair):
    for row in compare(shortlist_therapists([t.pk for t in pair])).rows:
        for cell in row.cells:
            assert cell.text.strip() and cell.text.strip() not in ("0", "0%", "$0")


def test_ratings_are_compared_as_shown(pair):
    strong, other = pair
    other.review_count, other.rating_avg = 10, 4.83  # both read "4.8 of 5"
    other.save()
    assert best(rows([strong, other])["rating"]) == [False, False]


def test_specialties_mark_certified_ones_and_the_most_certified(today):
    swedish, deep = Specialty.objects.get(slug="swedish"), Specialty.objects.get(slug="deep-tissue")
    certified = TherapistFactory(specialties=[swedish, deep])
    CertificationFactory(therapist=certified, kind=Certification.Kind.SPECIALTY, specialty=deep, status="verified")
    plain = TherapistFactory(specialties=[swedish])
    table = rows([certified, plain])
    assert table["specialties"][0].items == (("Swedish", False), ("Deep tissue", True))
    assert table["specialties"][0].text == "1 certified"
    assert table["specialties"][1].text == "none certified"
    assert best(table["specialties"]) == [True, False]


def test_price_without_a_60_minute_session_reads_the_cheapest_on_the_menu(pair):
    _, newcomer = pair
    swedish = Specialty.objects.get(slug="swedish")
    newcomer.specialties.add(swedish)
    Service.objects.create(therapist=newcomer, specialty=swedish, minutes=90, price=130)
    Service.objects.create(therapist=newcomer, specialty=swedish, minutes=30, price=55)
    cell = rows([newcomer])["price"][0]
    assert (cell.text, cell.detail) == ("From $55 for 30 min", "No 60-minute price")


def test_distance_from_the_origin_nearest_marked(pair):
    near = TherapistFactory(latitude=39.75, longitude=-104.99)
    far = TherapistFactory(latitude=40.0, longitude=-105.27)  # near Boulder, 37 km
    table = rows([near, far, pair[1]], DENVER)
    assert [c.text for c in table["distance"]] == ["0.7 mi", "23 mi", NOT_STATED]
    assert best(table["distance"]) == [True, False, False]


def test_distance_without_a_place_is_not_stated(pair):
    table = rows(pair)
    assert all(c.text == NOT_STATED and c.detail == "no place given" for c in table["distance"])


def test_distance_km_is_the_great_circle():
    boulder = TherapistFactory.build(latitude=40.015, longitude=-105.2705)
    assert distance_km(DENVER, boulder) == pytest.approx(39.1, abs=0.5)


@pytest.mark.parametrize(
    ("query", "label"),
    [("near=Denver&lat=40.71&lng=-74.0", "Denver, CO"), ("lat=39.74&lng=-104.99", "your location")],
)
def test_search_origin_takes_the_typed_place_over_the_position_as_the_search_page_does(denver, query, label):
    origin = search_origin(f"/therapists/?{query}")
    assert origin is not None and origin.label == label
    assert origin.latitude == pytest.approx(39.74, abs=0.01)
