"""Zero-result recovery and chips of the search page (issue 12): a zero is a filter, radius offers that differ, pairs of
filters when no single one is to blame, wording true in every case, and the same recovery on a page out of range."""

import datetime
import re
from http import HTTPStatus
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from therapists import selectors
from therapists.models import Amenity, Language, Specialty
from therapists.services.offerings import ServiceItem, therapist_set_services

from ..factories import TherapistFactory
from .helpers import SEARCH_URL, query, slugs

pytestmark = pytest.mark.django_db

# Degrees of latitude north of Denver (the factories' position): about 12 km, 32 km and 500 km.
NEAR, MIDDLE, FAR = 0.108, 0.288, 4.5


def therapist(slug, *, specialties=(), languages=(), amenities=(), north=0.0, **fields):
    """A published therapist in Denver (or `north` degrees north of it) with those terms, by slug or code."""
    created = TherapistFactory(
        slug=slug,
        specialties=list(Specialty.objects.filter(slug__in=specialties)),
        latitude=39.7392 + north,
        **fields,
    )
    created.languages.set(Language.objects.filter(code__in=languages))
    created.amenities.set(Amenity.objects.filter(slug__in=amenities))
    return created


def recovery_of(client, params) -> tuple[dict, str]:
    """The recovery of a search that finds nobody, and the page's text without tags."""
    response = client.get(SEARCH_URL, params)
    assert response.status_code == HTTPStatus.OK
    assert response.context["paginator"].count == 0
    text = " ".join(re.sub(r"<[^>]+>", "", response.content.decode()).split())
    return response.context["recovery"], text


def offers(recovery: dict) -> list[tuple[str, int]]:
    return [(offer["label"], offer["count"]) for offer in recovery["offers"]]


def params_of(href: str) -> dict:
    return parse_qs(urlsplit(href).query)


def assert_links_find_what_they_say(client, recovery: dict) -> None:
    """Every offer leads to a page that lists as many therapists as the offer said."""
    assert recovery["offers"]
    for offer in recovery["offers"]:
        response = client.get(offer["href"])
        assert response.context["paginator"].count == offer["count"], offer["label"]


# --- 1: a zero is a filter; a value that cannot narrow the search is none ---


@pytest.fixture
def priced(db):
    """Three therapists at $90 for 60 minutes (the factory's price)."""
    for i in range(3):
        therapist(f"priced-{i}")


def test_recovery_max_price_zero_is_a_chip_an_active_filter_and_its_removal(client, priced):
    response = client.get(SEARCH_URL, {"max_price": "0"})
    content = response.content.decode()
    assert [chip["label"] for chip in response.context["chips"]] == ["Up to $0 for 60 min"]
    assert '<a class="filters-toggle" href="#filters">Filters (1 active)</a>' in content
    recovery, text = recovery_of(client, {"max_price": "0"})
    assert "The filter that empties the list: Up to $0 for 60 min. Without it, 3 therapists match." in text
    assert offers(recovery) == [("Remove Up to $0 for 60 min", 3)]
    assert params_of(recovery["offers"][0]["href"]) == {}
    assert_links_find_what_they_say(client, recovery)


def test_recovery_max_price_zero_finds_the_free_sessions(priced):
    therapist("free", price_60=0)
    assert slugs({"max_price": "0"}) == ["free"]


def test_recovery_max_price_zero_with_a_length_blames_the_price(client, db):
    thirty = therapist("thirty", specialties=["swedish"], price_60=None)
    therapist_set_services(therapist=thirty, items=[ServiceItem(Specialty.objects.get(slug="swedish"), 30, 50)])
    response = client.get(SEARCH_URL, {"max_price": "0", "duration": "30"})
    assert [chip["label"] for chip in response.context["chips"]] == ["30-minute sessions", "Up to $0 for 30 min"]
    recovery, text = recovery_of(client, {"max_price": "0", "duration": "30"})
    assert "No single filter is to blame" not in text
    assert "The filter that empties the list: Up to $0 for 30 min. Without it, 1 therapist matches." in text
    assert offers(recovery) == [("Remove Up to $0 for 30 min", 1)]
    assert params_of(recovery["offers"][0]["href"]) == {"duration": ["30"]}
    assert_links_find_what_they_say(client, recovery)


@pytest.mark.parametrize(
    ("name", "value", "active"),
    [
        ("max_price", 0, True),
        ("min_recommend", 0, True),
        ("min_reviews", 0, False),
        ("min_reviews", 1, True),
        ("min_experience", 0, False),
        ("min_experience", 1, True),
        ("specialty", [], False),
        ("q", "", False),
        ("mobile", None, False),
        ("mobile", True, True),
    ],
)
def test_recovery_is_active_counts_zero_but_not_a_floor_everyone_meets(name, value, active):
    assert selectors.is_active(name, value) is active


@pytest.mark.parametrize("params", [{"min_reviews": "0"}, {"min_experience": "0"}])
def test_recovery_a_floor_everyone_meets_is_no_chip_and_nothing_to_relax(client, priced, params):
    therapist("new", review_count=0, years_experience=0)
    response = client.get(SEARCH_URL, params)
    content = response.content.decode()
    assert response.context["paginator"].count == 4  # nobody left out: it is no filter
    assert response.context["chips"] == [] and "Filters (" not in content
    recovery, _ = recovery_of(client, {**params, "max_price": "0"})
    # Only the price is relaxed: the floor is not offered for removal, alone or in a pair.
    zero = client.get(SEARCH_URL, {**params, "max_price": "0"})
    assert [link["params"] for link in zero.context["relaxations"]] == [("max_price",)]
    assert offers(recovery) == [("Remove Up to $0 for 60 min", 4)]
    assert_links_find_what_they_say(client, recovery)


def test_recovery_min_recommend_zero_leaves_out_the_unreviewed_and_is_a_chip(client, priced):
    therapist("reviewed", review_count=3, recommend_pct=0.0)
    response = client.get(SEARCH_URL, {"min_recommend": "0"})
    assert [t.slug for t in response.context["therapists"]] == ["reviewed"]
    assert [chip["label"] for chip in response.context["chips"]] == ["0% or more would recommend"]


def test_recovery_chips_read_one_review_and_one_year_in_the_singular(client, priced):
    response = client.get(SEARCH_URL, {"min_reviews": "1", "min_experience": "1"})
    labels = [chip["label"] for chip in response.context["chips"]]
    assert labels == ["1 review or more", "1 year in practice or more"]
    response = client.get(SEARCH_URL, {"min_reviews": "2", "min_experience": "2"})
    assert [chip["label"] for chip in response.context["chips"]] == ["2 reviews or more", "2 years in practice or more"]


# --- 2: radius offers that differ, nearest first ---


@pytest.fixture
def rings(denver):
    """Around Denver: two therapists at about 12 km (one Thai), three at about 32 km, one at about 500 km."""
    therapist("near-thai", specialties=["thai"], north=NEAR)
    therapist("near-swedish", specialties=["swedish"], north=NEAR)
    for i in range(3):
        therapist(f"middle-{i}", specialties=["swedish"], north=MIDDLE)
    therapist("far", specialties=["swedish"], north=FAR)


def test_recovery_offers_the_nearest_wider_radius_then_one_that_finds_more_then_anywhere(client, rings):
    recovery, text = recovery_of(client, {"near": "Denver", "radius_km": "8.05"})
    # 10 and 15 miles find the same two; 25, 50 and 100 miles the same five: one button each, nearest first.
    assert offers(recovery) == [
        ("Within 10 miles", 2), ("Within 25 miles", 5), ("Anywhere, not only near Denver, CO", 6),
    ]  # fmt: skip
    assert params_of(recovery["offers"][0]["href"]) == {"near": ["Denver"], "radius_km": ["16.09"]}
    assert "The radius empties the list: within 10 miles finds 2 therapists." in text
    assert_links_find_what_they_say(client, recovery)


def test_recovery_offers_one_radius_when_wider_ones_find_the_same(client, rings):
    recovery, text = recovery_of(client, {"near": "Denver", "radius_km": "8.05", "specialty": "thai"})
    # Every wider radius and anywhere find the same Thai therapist: one button, not six.
    assert offers(recovery) == [("Within 10 miles", 1)]
    assert params_of(recovery["offers"][0]["href"]) == {
        "near": ["Denver"], "radius_km": ["16.09"], "specialty": ["thai"],
    }  # fmt: skip
    assert "The radius empties the list: within 10 miles finds 1 therapist." in text
    assert_links_find_what_they_say(client, recovery)


def test_recovery_offers_anywhere_alone_when_no_radius_finds_anyone(client, rings):
    therapist("far-reviewed", specialties=["swedish"], north=FAR, review_count=4)
    recovery, text = recovery_of(client, {"near": "Denver", "radius_km": "8.05", "specialty": "swedish",
                                          "min_reviews": "1"})  # fmt: skip
    assert offers(recovery) == [("Anywhere, not only near Denver, CO", 1)]
    assert "The place empties the list: anywhere, 1 therapist matches." in text
    assert_links_find_what_they_say(client, recovery)


# --- 3 and 4: several filters to blame, or none alone ---


@pytest.fixture
def two_by_two(db):
    """Nobody is Thai, Korean-speaking and travelling: each group lacks two of the three."""
    for i in range(3):
        therapist(f"swedish-es-mobile-{i}", specialties=["swedish"], languages=["es"], travels_to_client=True)
    for i in range(2):
        therapist(f"thai-en-{i}", specialties=["thai"], languages=["en"], travels_to_client=False)
    therapist("swedish-ko", specialties=["swedish"], languages=["ko"], travels_to_client=False)


THAI_KOREAN_MOBILE = {"specialty": "thai", "language": "ko", "mobile": "true"}


def test_recovery_offers_two_filters_at_once_when_no_single_one_is_to_blame(client, two_by_two):
    recovery, text = recovery_of(client, THAI_KOREAN_MOBILE)
    assert (
        "No single filter is to blame: even without any one of them nobody matches. "
        "Removing two at once finds therapists:" in text
    )
    assert offers(recovery) == [
        ("Remove Thai and Korean", 3), ("Remove Korean and Travels to you", 2), ("Remove Thai and Travels to you", 1),
    ]  # fmt: skip
    assert "Remove Thai and Korean: 3 therapists" in text and "Remove Thai and Travels to you: 1 therapist" in text
    assert params_of(recovery["offers"][0]["href"]) == {"mobile": ["true"]}
    assert_links_find_what_they_say(client, recovery)


def test_recovery_offers_only_the_best_few_pairs(client, two_by_two, monkeypatch):
    monkeypatch.setattr(selectors, "PAIRS_OFFERED", 2)
    recovery, _ = recovery_of(client, THAI_KOREAN_MOBILE)
    assert offers(recovery) == [("Remove Thai and Korean", 3), ("Remove Korean and Travels to you", 2)]


def test_recovery_pairs_the_place_with_a_filter_and_keeps_the_rest(client, denver, two_by_two):
    for i in range(2):
        therapist(f"far-thai-ko-{i}", specialties=["thai"], languages=["ko"], north=FAR)
    params = {**THAI_KOREAN_MOBILE, "near": "Denver", "sort": "distance"}
    recovery, text = recovery_of(client, params)
    assert "No single filter is to blame" in text
    labels = dict(offers(recovery))
    assert labels["Remove Travels to you and the place (Denver, CO)"] == 2
    link = next(o for o in recovery["offers"] if o["label"] == "Remove Travels to you and the place (Denver, CO)")
    # Without the place, "Nearest" has nothing to sort by: it goes with it.
    assert params_of(link["href"]) == {"specialty": ["thai"], "language": ["ko"]}
    assert_links_find_what_they_say(client, recovery)


def test_recovery_names_every_filter_whose_removal_alone_finds_someone(client, db):
    for i in range(2):
        therapist(f"thai-en-{i}", specialties=["thai"], languages=["en"])
    therapist("swedish-ko", specialties=["swedish"], languages=["ko"])
    recovery, text = recovery_of(client, {"specialty": "thai", "language": "ko"})
    assert "Removing any one of these finds therapists: Korean, Thai." in text
    assert "The filter that empties the list" not in text
    # One removal is enough: no pair is offered.
    assert offers(recovery) == [("Remove Korean", 2), ("Remove Thai", 1)]
    assert "Remove Korean: 2 therapists" in text and "Remove Thai: 1 therapist" in text
    assert_links_find_what_they_say(client, recovery)


def test_recovery_names_the_one_filter_to_blame_in_the_singular(client, db):
    therapist("swedish-ko", specialties=["swedish"], languages=["ko"])
    recovery, text = recovery_of(client, {"specialty": "thai", "language": "ko"})
    assert "The filter that empties the list: Thai. Without it, 1 therapist matches." in text
    assert offers(recovery) == [("Remove Thai", 1)]
    assert_links_find_what_they_say(client, recovery)


def test_recovery_names_the_place_among_the_filters_to_blame(client, denver, db):
    therapist("thai-en", specialties=["thai"], languages=["en"])
    therapist("far-thai-ko", specialties=["thai"], languages=["ko"], north=FAR)
    recovery, text = recovery_of(client, {"specialty": "thai", "language": "ko", "near": "Denver"})
    assert "Removing any one of these finds therapists: Korean, the place (Denver, CO)." in text
    assert offers(recovery) == [("Remove Korean", 1), ("Anywhere, not only near Denver, CO", 1)]
    assert_links_find_what_they_say(client, recovery)


def test_recovery_words_several_entries_of_a_list_as_the_search_reads_them(client, db):
    therapist("swedish-shower", specialties=["swedish"], amenities=["shower"])
    params = {"specialty": ["thai", "prenatal"], "amenity": ["shower", "parking"]}
    recovery, text = recovery_of(client, params)
    # Any of the types, all of the amenities: "Thai or Prenatal", "Shower available and On-site parking".
    assert offers(recovery) == [("Remove Thai or Prenatal and Shower available and On-site parking", 1)]
    assert "Remove Thai or Prenatal and Shower available and On-site parking: 1 therapist" in text
    assert_links_find_what_they_say(client, recovery)


def test_recovery_says_when_neither_one_filter_nor_two_find_anyone(client, db):
    therapist("swedish", specialties=["swedish"])
    recovery, text = recovery_of(client, {"specialty": "thai", "language": "ko", "mobile": "true"})
    assert recovery["offers"] == []
    assert (
        "No single filter is to blame, nor any two together: even without them nobody matches. "
        "Remove several, or start again." in text
    )


# Ten filters: the single removals, and pairs from the first eight only (28), in the one aggregate.
TEN_FILTERS = {
    "specialty": "thai", "specialty_certified": "true", "verified": "true", "min_rating": "4",
    "min_reviews": "1", "min_recommend": "50", "min_communication": "4", "min_cleanliness": "4",
    "min_experience": "1", "language": "ko",
}  # fmt: skip


def test_recovery_pairs_are_capped_and_counted_in_the_one_aggregate(client, db):
    therapist("swedish", specialties=["swedish"])
    with CaptureQueriesContext(connection) as captured:
        result = selectors.search(query(TEN_FILTERS), wider_radii_km=[40.0, 80.0])
    assert result.paginator.count == 0
    assert max(q["sql"].upper().count("COUNT(") for q in captured.captured_queries) == 10 + 28
    _, text = recovery_of(client, TEN_FILTERS)
    assert "No single filter is to blame, nor any two of the first 8 together" in text


# The query budget of a search that finds nobody, pairs included: cached, the newest-change lookup (a place's origin
# is cached too: places.cached_resolve_place); afresh, the facet UNION, the column aggregate and ONE aggregate of
# every relaxation.
PAIR_QUERIES = {
    "pairs": (THAI_KOREAN_MOBILE, 1, 4),
    "pairs-and-a-place": ({**THAI_KOREAN_MOBILE, "near": "Denver"}, 1, 4),
}


@pytest.mark.parametrize(("params", "cached", "fresh"), PAIR_QUERIES.values(), ids=PAIR_QUERIES)
def test_recovery_with_pairs_costs_a_fixed_number_of_queries(
    client, page_queries, django_assert_num_queries, today, denver, two_by_two, time_machine, params, cached, fresh
):
    response = page_queries(SEARCH_URL, cached, params)
    assert any(offer["pair"] for offer in response.context["recovery"]["offers"])
    time_machine.shift(datetime.timedelta(minutes=1))
    therapist("newcomer")  # a newer change: counted afresh
    with django_assert_num_queries(fresh):
        response = client.get(SEARCH_URL, params)
    assert any(offer["pair"] for offer in response.context["recovery"]["offers"])


# --- 6: a page out of range of a search that finds nobody ---


@pytest.mark.parametrize("page", ["3", "abc"])
def test_recovery_shows_on_a_page_out_of_range_with_the_page_notice(client, db, page):
    therapist("thai", specialties=["thai"])
    params = {"q": "zzzzqqq", "specialty": "thai"}
    first, first_text = recovery_of(client, params)
    recovery, text = recovery_of(client, {**params, "page": page})
    assert f"There is no page “{page}” of these results. Go to the first page." in text
    assert offers(recovery) == offers(first) == [("Remove “zzzzqqq”", 1)]
    assert "The filter that empties the list: “zzzzqqq”. Without it, 1 therapist matches." in text
    assert "There is no page" not in first_text
    assert_links_find_what_they_say(client, recovery)


def test_recovery_escapes_the_words_it_repeats(client, db):
    therapist("thai", specialties=["thai"])
    response = client.get(SEARCH_URL, {"q": "<b>zz</b>", "specialty": "thai"})
    content = response.content.decode()
    assert response.context["recovery"]["offers"]
    assert "<b>zz</b>" not in content and "“&lt;b&gt;zz&lt;/b&gt;”" in content
