"""The search of issue 13: session length (`duration`) with the price filter and sort, days open, "lists prices",
their counts, chips and relaxations, the cards' "from $X", and the page's query budget unchanged."""

import datetime
import re
from http import HTTPStatus
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from therapists.filters import TherapistFilterSet
from therapists.hours import Period
from therapists.models import OpeningPeriod, Specialty
from therapists.selectors import search
from therapists.services.offerings import ServiceItem, therapist_set_hours, therapist_set_services

from ..factories import TherapistFactory
from .helpers import SEARCH_URL, errors, query, slugs

pytestmark = pytest.mark.django_db

MONDAY, TUESDAY = OpeningPeriod.Weekday.MONDAY, OpeningPeriod.Weekday.TUESDAY
SATURDAY, SUNDAY = OpeningPeriod.Weekday.SATURDAY, OpeningPeriod.Weekday.SUNDAY


def practice(slug, types, services=(), periods=(), **fields):
    """A published therapist of those types (slugs) with a menu [(type, minutes, price)] and weekly hours
    [(weekday, "09:00", "17:00")], written through the services so `price_60` is the menu's, as in production."""
    specialties = {s.slug: s for s in Specialty.objects.filter(slug__in=types)}
    therapist = TherapistFactory(slug=slug, specialties=list(specialties.values()), price_60=None, **fields)
    if services:
        items = [ServiceItem(specialties[kind], minutes, price) for kind, minutes, price in services]
        therapist_set_services(therapist=therapist, items=items)
    if periods:
        week = [Period(day, datetime.time.fromisoformat(opens), datetime.time.fromisoformat(closes))
                for day, opens, closes in periods]  # fmt: skip
        therapist_set_hours(therapist=therapist, periods=week, by_appointment=False)
    therapist.refresh_from_db()
    return therapist


def hrefs(content: str, text: str) -> list[dict]:
    """The parameters of every link whose text starts with `text`."""
    found = []
    for href, label in re.findall(r'<a[^>]*href="([^"]*)"[^>]*>(.*?)</a>', content, flags=re.S):
        if re.sub(r"<[^>]+>", "", label).strip().startswith(text):
            found.append(parse_qs(urlsplit(href.replace("&amp;", "&")).query))
    return found


@pytest.fixture
def menus(db):
    """90 minutes at $120; 90 minutes at $140 but 60 minutes at $80; only 60 minutes at $100; no menu at all."""
    return {
        "at-120": practice("at-120", ["swedish"], [("swedish", 60, 100), ("swedish", 90, 120)]),
        "at-140": practice("at-140", ["swedish"], [("swedish", 60, 80), ("swedish", 90, 140)]),
        "only-60": practice("only-60", ["swedish"], [("swedish", 60, 100)]),
        "no-menu": practice("no-menu", ["swedish"]),
    }


# --- duration, with the price filter and the price sort ---


def test_search_duration_lists_only_therapists_offering_that_length(menus):
    assert sorted(slugs({"duration": "90"})) == ["at-120", "at-140"]
    assert sorted(slugs({"duration": "60"})) == ["at-120", "at-140", "only-60"]
    assert slugs({"duration": "30"}) == []


def test_search_duration_makes_max_price_the_price_of_that_length(menus):
    # 90 minutes under $130: the one at $120, not the one at $140 although its 60 minutes cost $80.
    assert slugs({"duration": "90", "max_price": "130"}) == ["at-120"]
    assert slugs({"duration": "90", "max_price": "120"}) == ["at-120"]
    assert slugs({"duration": "90", "max_price": "119"}) == []


def test_search_without_duration_max_price_still_reads_the_60_minute_price(menus):
    # The contract: `max_price` is the price of a 60-minute session.
    assert menus["at-140"].price_60 == 80
    assert slugs({"max_price": "90"}) == ["at-140"]
    assert sorted(slugs({"max_price": "100"})) == ["at-120", "at-140", "only-60"]


def test_search_duration_with_a_type_reads_the_prices_of_the_chosen_types_only(db):
    practice("two-types", ["swedish", "thai"], [("swedish", 90, 150), ("thai", 90, 100)])
    practice("thai-60", ["thai"], [("thai", 60, 70)])
    assert slugs({"duration": "90", "specialty": "swedish", "max_price": "130"}) == []
    assert slugs({"duration": "90", "specialty": "thai", "max_price": "130"}) == ["two-types"]
    assert slugs({"duration": "90", "specialty": ["swedish", "thai"], "max_price": "130"}) == ["two-types"]
    assert slugs({"duration": "90", "specialty": "swedish"}) == ["two-types"]
    # The card quotes the chosen type's price.
    [card] = search(query({"duration": "90", "specialty": "swedish"})).page.object_list
    assert (card.quote.price, card.quote.minutes) == (150, 90)


def test_search_price_sort_with_duration_orders_by_the_cheapest_service_of_that_length(db):
    practice("mid", ["swedish"], [("swedish", 90, 120), ("swedish", 60, 50)])
    practice("cheap", ["swedish", "thai"], [("swedish", 90, 130), ("thai", 90, 100)])
    practice("dear", ["swedish"], [("swedish", 90, 140)])
    practice("tie", ["swedish"], [("swedish", 90, 120)])
    practice("no-90", ["swedish"], [("swedish", 60, 40)])
    # Those without the length are not listed (no empty price sorted first or last); ties by creation.
    assert slugs({"duration": "90", "sort": "price"}) == ["cheap", "mid", "tie", "dear"]
    # Of the chosen type only: Swedish at 90 minutes costs "cheap" $130.
    assert slugs({"duration": "90", "sort": "price", "specialty": "swedish"}) == ["mid", "tie", "cheap", "dear"]
    # Without a length the price sort is the 60-minute price's, as before (unpriced last).
    assert slugs({"sort": "price"})[:2] == ["no-90", "mid"]


def test_search_price_sort_with_duration_on_a_deep_page(db):
    for i in range(25):
        practice(f"p{i:02d}", ["swedish"], [("swedish", 90, 200 - i)])
    result = search(query({"duration": "90", "sort": "price", "page": "2"}), page_number="2", page_size=20)
    assert [t.slug for t in result.page.object_list] == ["p04", "p03", "p02", "p01", "p00"]
    assert [t.quote.price for t in result.page.object_list] == [196, 197, 198, 199, 200]


# --- days open and "lists prices" ---


@pytest.fixture
def week(db):
    """Open only on Saturday; until 17:00 on weekdays (not an evening); until 17:30 on Tuesday; no hours."""
    return {
        "saturday": practice("saturday", ["swedish"], periods=[(SATURDAY, "10:00", "14:00")]),
        "until-five": practice(
            "until-five", ["swedish"], periods=[(MONDAY, "09:00", "12:00"), (MONDAY, "13:00", "17:00")]
        ),  # fmt: skip
        "half-five": practice("half-five", ["swedish"], periods=[(TUESDAY, "12:00", "17:30")]),
        "no-hours": practice("no-hours", ["swedish"]),
    }


def test_search_days_weekends_and_evenings(week):
    assert slugs({"days": "weekends"}) == ["saturday"]
    assert slugs({"days": "evenings"}) == ["half-five"]
    # Several days: each must hold.
    assert slugs({"days": ["weekends", "evenings"]}) == []
    practice("sunday-late", ["swedish"], periods=[(SUNDAY, "12:00", "20:00")])
    assert slugs({"days": ["weekends", "evenings"]}) == ["sunday-late"]
    assert sorted(slugs({"days": "weekends"})) == ["saturday", "sunday-late"]


def test_search_has_prices_hides_profiles_that_list_no_services(menus):
    assert sorted(slugs({"has_prices": "true"})) == ["at-120", "at-140", "only-60"]
    assert "no-menu" in slugs({"has_prices": "false"})


@pytest.mark.parametrize(
    ("params", "field", "plain"),
    [
        ({"duration": "50"}, "duration", "Choose a session length: 30, 45, 60, 75, 90 or 120 minutes."),
        ({"duration": "ninety"}, "duration", "Choose a session length: 30, 45, 60, 75, 90 or 120 minutes."),
        ({"days": "mondays"}, "days", "We have no day or time called “mondays”. Choose from the list."),
        ({"has_prices": "maybe"}, "has_prices", "This switch is either on or off; we left it off."),
    ],
)
def test_search_page_bad_new_values_are_field_errors_and_the_rest_still_searches(client, menus, params, field, plain):
    response = client.get(SEARCH_URL, {**params, "max_price": "90"})
    assert response.status_code == HTTPStatus.OK
    assert list(response.context["form"].errors) == [field]
    assert response.context["form"].errors[field] == [plain]
    content = response.content.decode()
    assert f'id="id_{field}-errors"' in content or f'id="f-{field}-errors"' in content
    assert "Select a valid choice" not in content
    # The price filter still holds, as the 60-minute price (no length could be honoured).
    assert [t.slug for t in response.context["therapists"]] == ["at-140"]
    assert errors(params) == {field: [plain]}


# --- counts, chips, relaxations, cards ---


def test_search_page_counts_beside_each_day_and_lists_prices(client, week):
    practice("priced-sat", ["thai"], [("thai", 60, 90)], periods=[(SATURDAY, "09:00", "18:00")])
    response = client.get(SEARCH_URL)
    days = {o["value"]: o["count"] for o in response.context["days_group"]["options"]}
    assert days == {"weekends": 2, "evenings": 2}
    assert [(s["field"].name, s["count"]) for s in response.context["offering_switches"]] == [("has_prices", 1)]
    content = response.content.decode()
    assert re.search(r'for="f-days-weekends">Open weekends <span class="count">\(2\)</span>', content)
    assert re.search(r'for="f-days-evenings">Open evenings \(after 5 pm\) <span class="count">\(2\)</span>', content)
    assert re.search(r'for="id_has_prices">Lists services and prices <span class="count">\(1\)</span>', content)
    # Under the other filters, and each counts what would remain with it on too.
    thai = client.get(SEARCH_URL, {"specialty": "thai", "days": "weekends"})
    assert {o["value"]: o["count"] for o in thai.context["days_group"]["options"]} == {"weekends": 1, "evenings": 1}
    assert thai.context["offering_switches"][0]["count"] == 1
    evenings = client.get(SEARCH_URL, {"days": "evenings"})
    assert {o["value"]: o["count"] for o in evenings.context["days_group"]["options"]} == {
        "weekends": 1, "evenings": 2,
    }  # fmt: skip


def test_search_page_new_filters_are_chips_that_remove_themselves(client, menus):
    params = {"duration": "90", "max_price": "130", "days": ["weekends", "evenings"], "has_prices": "true"}
    content = client.get(SEARCH_URL, params).content.decode()
    assert '<a class="filters-toggle" href="#filters">Filters (5 active)</a>' in content
    rest = {"days": ["weekends", "evenings"], "has_prices": ["true"]}
    assert hrefs(content, "90-minute sessions") == [{"max_price": ["130"], **rest}]
    assert hrefs(content, "Up to $130 for 90 min") == [{"duration": ["90"], **rest}]
    assert hrefs(content, "Open weekends") == [{"duration": ["90"], "max_price": ["130"], "days": ["evenings"],
                                                "has_prices": ["true"]}]  # fmt: skip
    assert hrefs(content, "Lists services and prices") == [{"duration": ["90"], "max_price": ["130"],
                                                            "days": ["weekends", "evenings"]}]  # fmt: skip
    # The select keeps the length chosen.
    assert '<option value="90" selected>90 min</option>' in content
    # Without a length the price chip speaks of 60 minutes, as the contract does.
    assert hrefs(client.get(SEARCH_URL, {"max_price": "130"}).content.decode(), "Up to $130 for 60 min") == [{}]


def test_search_page_zero_results_offer_removing_the_new_filters(client, menus, week):
    params = {"duration": "90", "max_price": "130", "days": "weekends", "has_prices": "true"}
    response = client.get(SEARCH_URL, params)
    assert response.context["paginator"].count == 0
    links = {r["label"]: (r["count"], parse_qs(urlsplit(r["href"]).query)) for r in response.context["relaxations"]}
    assert links["Remove Open weekends"] == (1, {"duration": ["90"], "max_price": ["130"], "has_prices": ["true"]})
    # Without the length the price is the 60-minute one again: at-120, at-140 and only-60 are priced under $130.
    assert links["Remove 90-minute sessions"][0] == 0
    assert links["Remove Up to $130 for 90 min"][0] == 0
    assert links["Remove Lists services and prices"][0] == 0
    content = response.content.decode()
    assert "Remove Open weekends: 1 therapist<" in content
    # A weekend practice that offers 90 minutes at $120 under a menu: every relaxation now finds it or nobody.
    practice("weekend-90", ["swedish"], [("swedish", 90, 125)], periods=[(SATURDAY, "10:00", "14:00")])
    assert slugs(params) == ["weekend-90"]


def test_search_page_zero_results_removing_the_length_reads_the_60_minute_price(client, menus):
    response = client.get(SEARCH_URL, {"duration": "120", "max_price": "90"})
    links = {r["label"]: r["count"] for r in response.context["relaxations"]}
    assert links == {"Remove 120-minute sessions": 1, "Remove Up to $90 for 120 min": 0}


def test_search_page_cards_quote_from_the_price_at_the_length_searched(client, menus):
    content = client.get(SEARCH_URL, {"duration": "90"}).content.decode()
    assert "from $120 for 90 min" in content and "from $140 for 90 min" in content
    content = client.get(SEARCH_URL).content.decode()
    assert "from $100 for 60 min" in content and "from $80 for 60 min" in content
    # No menu, no price on the card.
    card = content.split('href="/therapists/no-menu/"', 1)[1].split("</li>", 1)[0]
    assert " for 60 min" not in card


def test_search_counts_never_probe_a_subquery_per_row(menus, week):
    # A correlated EXISTS in a count costs one probe per therapist (about 250 ms over 100,000 on a cold search).
    params = {"duration": "90", "max_price": "130", "days": ["weekends", "evenings"], "has_prices": "true"}
    with CaptureQueriesContext(connection) as queries:
        search(query(params))
    assert queries.captured_queries and not any("EXISTS" in q["sql"].upper() for q in queries.captured_queries)


def test_search_facet_cache_keeps_each_new_parameter_apart(menus, week):
    assert search(query({"duration": "90"})).paginator.count == 2
    assert search(query({"duration": "60"})).paginator.count == 3
    assert search(query({"days": "weekends"})).paginator.count == 1
    assert search(query({"days": "evenings"})).paginator.count == 1
    assert search(query({"has_prices": "true"})).paginator.count == 3
    honoured = TherapistFilterSet(query({"duration": "90", "days": "weekends", "has_prices": "1"})).honoured
    assert (honoured["duration"], honoured["days"], honoured["has_prices"]) == (90, ["weekends"], True)


# --- the query budget: unchanged with the new parameters, for one result and a full page ---

NEW_PARAMS = {
    "duration": "90", "max_price": "130", "days": ["weekends", "evenings"], "has_prices": "true",
    "specialty": "swedish", "sort": "price",
}  # fmt: skip


def test_search_page_new_parameters_keep_the_query_budget(
    client, page_queries, django_assert_num_queries, time_machine, today
):
    def matching(slug, price):
        practice(slug, ["swedish"], [("swedish", 90, price), ("swedish", 60, 70)],
                 periods=[(SATURDAY, "10:00", "19:00")])  # fmt: skip

    matching("one", 120)
    # Cached: the version lookup, the page (its price per row in it), the links with the cards' prices.
    response = page_queries(SEARCH_URL, 3, NEW_PARAMS)
    assert [t.quote.price for t in response.context["therapists"]] == [120]
    time_machine.shift(datetime.timedelta(minutes=1))
    for i in range(49):
        matching(f"many-{i}", 80 + i)
    response = page_queries(SEARCH_URL, 3, NEW_PARAMS)
    assert response.context["paginator"].count == 50
    assert [t.quote.price for t in response.context["therapists"]] == list(range(80, 100))
    second = page_queries(SEARCH_URL, 3, {**NEW_PARAMS, "page": "3"})
    assert len(second.context["therapists"]) == 10
    # Afresh: the version, the facet UNION, ONE aggregate with the day and price counts, the page, the links.
    time_machine.shift(datetime.timedelta(minutes=1))
    matching("newcomer", 500)
    with django_assert_num_queries(5):
        response = client.get(SEARCH_URL, NEW_PARAMS)
    assert response.status_code == HTTPStatus.OK and response.context["paginator"].count == 50


def _subquery(condition) -> str:
    """The plan of a `pk IN (subquery)` condition's subquery, as PostgreSQL runs it once for a hashed subplan."""
    [(lookup, subquery)] = condition.children
    assert lookup == "pk__in"
    return subquery.explain()


def test_search_new_filters_read_their_indexes_and_columns(menus, week):
    """`duration` with a price through service_length_price (minutes, price, therapist); the days and "lists
    prices" through the columns the offerings services keep, never the opening periods or services per row."""
    filterset = search(query({"duration": "90", "max_price": "130"})).filterset
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # "Can use": with sequential scans priced out, the plan shows which index serves the subquery (on so
            # few rows PostgreSQL would rather probe per therapist; at scale it hashes the subquery's rows once).
            cursor.execute("SET LOCAL enable_seqscan = off")
        length_plan = _subquery(filterset.offering_condition())
    else:
        length_plan = filterset.results().explain()
    assert "service_length_price" in length_plan
    for params in ({"days": "weekends"}, {"days": "evenings"}, {"has_prices": "true"}):
        sql = str(search(query(params)).filterset.results().query)
        assert "openingperiod" not in sql and "therapists_service" not in sql, params
