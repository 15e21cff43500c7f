"""The profile's practical answers (issue 13): the menu of services, where, when ("open now" on the practice's own
clock) and how to pay; escaped, with nothing loaded from another site, in a fixed number of queries."""

import datetime
import re
from html.parser import HTMLParser
from http import HTTPStatus
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from therapists.hours import OpenStatus, Period, open_status, weekly_hours, zone_city
from therapists.models import Specialty, Therapist
from therapists.practice import MenuLine
from therapists.selectors import therapist_profile
from therapists.services.offerings import ServiceItem, therapist_set_hours, therapist_set_services

from ..factories import TherapistFactory

pytestmark = pytest.mark.django_db

UTC = datetime.UTC
MON, TUE, WED, SAT, SUN = 0, 1, 2, 5, 6
# The anonymous profile's queries, caches warm, for a therapist with no reviews yet (no page of reviews to read;
# tests/therapists/test_views.py says which): the same for a bare profile and one with a full menu and week.
PROFILE_QUERIES = 4


def _t(text: str) -> datetime.time:
    return datetime.time.fromisoformat(text)


def _at(text: str) -> datetime.datetime:
    """A visitor's moment, in UTC."""
    return datetime.datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.fixture
def therapist(swedish, deep):
    """A Denver practice (America/Denver) offering Swedish and deep tissue, with no menu, hours or payment yet."""
    therapist = TherapistFactory(name="Mara Menu", postal_code="80202", price_60=None)
    therapist.specialties.set([swedish, deep])
    return therapist


def _page(client, therapist: Therapist) -> str:
    response = client.get(therapist.get_absolute_url())
    assert response.status_code == HTTPStatus.OK
    return response.content.decode()


def _section(content: str, heading_id: str) -> str:
    """The HTML of one section of the profile, found by its heading's id."""
    match = re.search(rf'<section aria-labelledby="{heading_id}">(.*?)</section>', content, re.S)
    assert match, f"no section {heading_id}"
    return match.group(1)


def _glance(content: str, term: str) -> str:
    match = re.search(rf"<dt>{term}</dt><dd>(.*?)</dd>", content, re.S)
    assert match, f"no {term} at a glance"
    return match.group(1)


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


class _Links(HTMLParser):
    """What a page loads (every src, srcset and <link href>), the attributes of each <a>, and any frame."""

    def __init__(self):
        super().__init__()
        self.sources: list[str] = []
        self.links: list[dict] = []
        self.frames = 0

    def handle_starttag(self, tag, attrs):
        found = dict(attrs)
        self.sources += [found[name] for name in ("src", "srcset", "data") if found.get(name)]
        if tag == "link" and found.get("href"):
            self.sources.append(found["href"])
        if tag == "a":
            self.links.append(found)
        if tag in ("iframe", "embed", "object"):
            self.frames += 1


def _links(content: str) -> _Links:
    parser = _Links()
    parser.feed(content)
    return parser


def _directions(content: str) -> dict:
    links = [link for link in _links(content).links if "destination=" in (link.get("href") or "")]
    assert len(links) == 1
    return links[0]


# --- open_status: the practice's clock, pure ---


def test_open_status_reads_the_same_moment_on_each_practice_clock():
    # 06:30 UTC on Tuesday 2026-06-16 is Monday 23:30 in Los Angeles (PDT) but Tuesday 02:30 in New York (EDT).
    week = [Period(MON, _t("09:00"), _t("23:59")), Period(TUE, _t("10:00"), _t("18:00"))]
    moment = _at("2026-06-16T06:30")
    in_los_angeles = open_status(week, moment, "America/Los_Angeles")
    in_new_york = open_status(week, moment, "America/New_York")
    assert in_los_angeles == OpenStatus(is_open=True, at=_t("23:59"), days_ahead=0, weekday=MON)
    assert (in_los_angeles.label, in_los_angeles.detail) == ("Open now", "until midnight")
    assert in_new_york == OpenStatus(is_open=False, at=_t("10:00"), days_ahead=0, weekday=TUE)
    assert (in_new_york.label, in_new_york.detail) == ("Closed now", "opens today 10 am")


def test_open_status_follows_a_night_across_midnight():
    # Monday 20:00 to midnight, and on from Tuesday 00:00 to 02:00: one stretch for the client.
    night = [Period(MON, _t("20:00"), _t("23:59")), Period(TUE, _t("00:00"), _t("02:00"))]
    evening = open_status(night, _at("2026-06-16T03:00"), "America/Denver")  # Monday 21:00 in Denver
    assert (evening.is_open, evening.detail) == (True, "until Tuesday 2 am")
    last_minute = open_status(night, _at("2026-06-16T05:59:30"), "America/Denver")  # Monday 23:59:30
    assert (last_minute.is_open, last_minute.detail) == (True, "until Tuesday 2 am")
    after_midnight = open_status(night, _at("2026-06-16T07:00"), "America/Denver")  # Tuesday 01:00
    assert (after_midnight.is_open, after_midnight.detail) == (True, "until 2 am")
    closed = open_status(night, _at("2026-06-16T08:00"), "America/Denver")  # Tuesday 02:00: closing is exclusive
    assert closed == OpenStatus(is_open=False, at=_t("20:00"), days_ahead=6, weekday=MON)
    assert closed.detail == "opens Monday 8 pm"


def test_open_status_next_opening_is_next_week_when_the_only_day_is_over():
    monday = [Period(MON, _t("09:00"), _t("17:00"))]
    after = open_status(monday, _at("2026-06-16T00:00"), "America/Denver")  # Monday 18:00 in Denver
    assert after == OpenStatus(is_open=False, at=_t("09:00"), days_ahead=7, weekday=MON)
    assert after.detail == "opens next Monday 9 am"
    before = open_status(monday, _at("2026-06-15T14:00"), "America/Denver")  # Monday 08:00
    assert before.detail == "opens today 9 am"
    weekend = open_status(monday, _at("2026-06-20T18:00"), "America/Denver")  # Saturday 12:00
    assert (weekend.days_ahead, weekend.detail) == (2, "opens Monday 9 am")


def test_open_status_in_a_break_says_when_the_afternoon_opens():
    split_day = [Period(MON, _t("13:00"), _t("18:00")), Period(MON, _t("09:00"), _t("12:00"))]
    morning = open_status(split_day, _at("2026-06-15T16:00"), "America/Denver")  # 10:00
    assert (morning.is_open, morning.detail) == (True, "until noon")
    lunch = open_status(split_day, _at("2026-06-15T18:30"), "America/Denver")  # 12:30
    assert (lunch.is_open, lunch.detail) == (False, "opens today 1 pm")
    at_noon = open_status(split_day, _at("2026-06-15T18:00"), "America/Denver")  # 12:00: the break begins
    assert at_noon.is_open is False


def test_open_status_on_the_day_clocks_spring_forward():
    # New York: Saturday 2026-03-07 is still EST (UTC-5); Sunday 2026-03-08 jumps to EDT (UTC-4) at 02:00.
    weekend = [Period(SAT, _t("10:00"), _t("16:00")), Period(SUN, _t("10:00"), _t("16:00"))]
    saturday = open_status(weekend, _at("2026-03-07T14:30"), "America/New_York")  # 09:30 EST
    assert (saturday.is_open, saturday.detail) == (False, "opens today 10 am")
    sunday = open_status(weekend, _at("2026-03-08T14:30"), "America/New_York")  # the same UTC time: 10:30 EDT
    assert (sunday.is_open, sunday.detail) == (True, "until 4 pm")


def test_open_status_on_the_day_clocks_fall_back():
    # New York, Sunday 2026-11-01: 01:00-02:00 happens twice (EDT, then EST); both are open hours.
    early = [Period(SUN, _t("01:00"), _t("02:00"))]
    first = open_status(early, _at("2026-11-01T05:30"), "America/New_York")  # 01:30 EDT
    second = open_status(early, _at("2026-11-01T06:30"), "America/New_York")  # 01:30 EST
    after = open_status(early, _at("2026-11-01T07:30"), "America/New_York")  # 02:30 EST
    assert (first.is_open, second.is_open) == (True, True)
    assert (after.is_open, after.detail) == (False, "opens next Sunday 1 am")


def test_open_status_is_none_without_hours():
    assert open_status([], _at("2026-06-15T15:30"), "America/Denver") is None


@pytest.mark.parametrize(
    ("time_zone", "city"),
    [
        ("America/Denver", "Denver"),
        ("America/Los_Angeles", "Los Angeles"),
        ("America/Indiana/Indianapolis", "Indianapolis"),
        ("Pacific/Honolulu", "Honolulu"),
        ("Mars/Olympus", "New York"),  # an unknown zone reads as the site's default
    ],
)
def test_zone_city_names_the_zone_by_its_city(time_zone, city):
    assert zone_city(time_zone) == city


def test_weekly_hours_shows_a_period_to_the_end_of_the_day_as_midnight():
    week = weekly_hours([Period(WED, _t("18:00"), _t("23:59"))])
    assert week[WED].periods == ("6 pm–midnight",)


# --- the menu ---


def test_profile_menu_groups_services_by_type_in_the_order_of_lengths(client, therapist, swedish, deep):
    therapist_set_services(
        therapist=therapist,
        items=[
            ServiceItem(deep, 90, 150),
            ServiceItem(swedish, 90, 130),
            ServiceItem(swedish, 30, 60),
            ServiceItem(swedish, 60, 95),
            ServiceItem(deep, 60, 110),
        ],
    )
    content = _page(client, therapist)
    menu = _text(_section(content, "menu-heading"))
    assert menu == (
        "Services and prices Swedish 30 min — $60 60 min — $95 90 min — $130 Deep tissue 60 min — $110 90 min — $150"
    )
    assert _glance(content, "Price") == "From $60 for 30 minutes"


def test_profile_menu_cheapest_price_picks_the_shorter_length_on_a_tie(therapist, swedish, deep):
    therapist_set_services(therapist=therapist, items=[ServiceItem(deep, 60, 80), ServiceItem(swedish, 45, 80)])
    assert therapist_profile(therapist).lowest_price == MenuLine(price=80, minutes=45)


def test_profile_without_services_asks_and_falls_back_to_the_60_minute_price(client, therapist):
    content = _page(client, therapist)
    assert _text(_section(content, "menu-heading")) == "Services and prices Prices not listed — ask."
    assert _glance(content, "Price") == "Ask"
    Therapist.objects.filter(pk=therapist.pk).update(price_60=85)
    assert _glance(_page(client, therapist), "Price") == "$85 for 60 minutes"


def test_profile_menu_escapes_the_type_name(client, therapist):
    odd = Specialty.objects.create(name="<i>Lomi</i> & more", slug="lomi", position=99)
    therapist.specialties.add(odd)
    therapist_set_services(therapist=therapist, items=[ServiceItem(odd, 60, 100)])
    content = _page(client, therapist)
    assert "&lt;i&gt;Lomi&lt;/i&gt; &amp; more" in content
    assert "<i>Lomi</i>" not in content


# --- where ---


def test_profile_hides_the_street_unless_the_therapist_shows_it(client, therapist):
    Therapist.objects.filter(pk=therapist.pk).update(street_address="12 Quiet Lane", show_address=False)
    content = _page(client, therapist)
    assert "12 Quiet Lane" not in content
    assert _text(_section(content, "where-heading")) == (
        "Where Area Denver, CO 80202 Get directions (to the area; ask for the address)"
    )
    query = parse_qs(urlsplit(_directions(content)["href"]).query)
    assert query == {"api": ["1"], "destination": ["Denver, CO 80202"]}


def test_profile_shows_the_street_and_directions_to_it_when_chosen(client, therapist):
    Therapist.objects.filter(pk=therapist.pk).update(street_address="1500 Larimer St", show_address=True)
    content = _page(client, therapist)
    assert _text(_section(content, "where-heading")) == "Where Address 1500 Larimer St Denver, CO 80202 Get directions"
    link = _directions(content)
    assert link["href"] == ("https://www.google.com/maps/dir/?api=1&destination=1500+Larimer+St%2C+Denver%2C+CO+80202")
    assert link["rel"] == "noopener"
    assert "target" not in link


def test_profile_directions_link_is_escaped_urlencoded_and_nothing_is_loaded_from_another_site(client, therapist):
    address = 'Suite "5" <script>alert(1)</script> & Co'
    Therapist.objects.filter(pk=therapist.pk).update(street_address=address, show_address=True)
    content = _page(client, therapist)
    assert "<script>alert(1)</script>" not in content
    assert "Suite &quot;5&quot; &lt;script&gt;alert(1)&lt;/script&gt; &amp; Co" in content
    # In the attribute the URL's own "&" is escaped too, and the address is one urlencoded parameter.
    assert (
        'href="https://www.google.com/maps/dir/?api=1&amp;destination=Suite+%225%22+%3Cscript%3Ealert%281%29'
        '%3C%2Fscript%3E+%26+Co%2C+Denver%2C+CO+80202"'
    ) in content
    assert parse_qs(urlsplit(_directions(content)["href"]).query)["destination"] == [f"{address}, Denver, CO 80202"]
    page = _links(content)
    assert page.frames == 0
    assert page.sources and all(src.startswith("/") and not src.startswith("//") for src in page.sources)


def test_profile_directions_base_is_a_setting(client, therapist, settings):
    settings.DIRECTIONS_URL = "https://maps.example.org/route"
    assert (
        _directions(_page(client, therapist))["href"] == "https://maps.example.org/route?destination=Denver%2C+CO+80202"
    )


def test_profile_says_how_far_a_mobile_therapist_travels_in_the_sites_unit(client, therapist, settings):
    Therapist.objects.filter(pk=therapist.pk).update(travels_to_client=True, travel_radius_km=16)
    content = _page(client, therapist)
    assert "Travel Comes to you within 10 miles" in _text(_section(content, "where-heading"))
    assert _glance(content, "Travel") == "Comes to you within 10 miles"
    settings.DISTANCE_UNIT = "km"
    assert _glance(_page(client, therapist), "Travel") == "Comes to you within 16 km"
    Therapist.objects.filter(pk=therapist.pk).update(travel_radius_km=None)
    assert _glance(_page(client, therapist), "Travel") == "Comes to you"


def test_profile_says_nothing_of_travel_for_a_practice_that_does_not_travel(client, therapist):
    Therapist.objects.filter(pk=therapist.pk).update(travels_to_client=False, travel_radius_km=30)
    content = _page(client, therapist)
    assert "Comes to you" not in content
    assert _glance(content, "Travel") == "At their practice"


# --- when ---


def test_profile_lists_the_week_with_breaks_and_closed_days_and_is_open_now(client, therapist, time_machine):
    therapist_set_hours(
        therapist=therapist,
        periods=[
            Period(MON, _t("09:00"), _t("12:00")),
            Period(MON, _t("13:00"), _t("18:00")),
            Period(SAT, _t("10:00"), _t("14:00")),
        ],
        by_appointment=False,
    )
    time_machine.move_to(_at("2026-06-15T15:30"), tick=False)  # Monday 09:30 in Denver, 11:30 in New York
    hours = _text(_section(_page(client, therapist), "hours-heading"))
    assert hours == (
        "Hours Open now · until noon (Denver time) Opening hours, Denver time "
        "Monday 9 am–noon, 1 pm–6 pm Tuesday Closed Wednesday Closed Thursday Closed Friday Closed "
        "Saturday 10 am–2 pm Sunday Closed"
    )
    time_machine.move_to(_at("2026-06-16T01:00"), tick=False)  # Monday 19:00 in Denver, Tuesday in New York
    assert "Closed now · opens Saturday 10 am (Denver time)" in _text(
        _section(_page(client, therapist), "hours-heading")
    )


def test_profile_hours_use_the_24_hour_clock_outside_the_us(client, therapist, settings, time_machine):
    therapist_set_hours(
        therapist=therapist,
        periods=[Period(MON, _t("09:00"), _t("12:00")), Period(MON, _t("13:30"), _t("23:59"))],
        by_appointment=False,
    )
    time_machine.move_to(_at("2026-06-15T15:30"), tick=False)  # Monday 09:30 in Denver
    settings.SITE_COUNTRY = "DE"
    hours = _text(_section(_page(client, therapist), "hours-heading"))
    assert "Open now · until 12:00 (Denver time)" in hours
    assert "Monday 09:00–12:00, 13:30–midnight" in hours
    settings.SITE_COUNTRY = "US"
    hours = _text(_section(_page(client, therapist), "hours-heading"))
    assert "Open now · until noon (Denver time)" in hours
    assert "Monday 9 am–noon, 1:30 pm–midnight" in hours


def test_profile_reads_open_now_on_the_practices_clock_not_the_sites(client, swedish, time_machine):
    # The same week in Los Angeles and New York, asked at one moment: Monday 23:30 in LA, Tuesday 02:30 in NY.
    week = [Period(MON, _t("18:00"), _t("23:59")), Period(TUE, _t("09:00"), _t("17:00"))]
    west = TherapistFactory(city="Los Angeles", region="CA")
    east = TherapistFactory(city="New York", region="NY")
    for therapist in (west, east):
        therapist_set_hours(therapist=therapist, periods=week, by_appointment=False)
    time_machine.move_to(_at("2026-06-16T06:30"), tick=False)
    assert "Open now · until midnight (Los Angeles time)" in _text(_section(_page(client, west), "hours-heading"))
    assert "Closed now · opens today 9 am (New York time)" in _text(_section(_page(client, east), "hours-heading"))


def test_profile_by_appointment_with_and_without_hours(client, therapist):
    therapist_set_hours(therapist=therapist, periods=[], by_appointment=True)
    hours = _text(_section(_page(client, therapist), "hours-heading"))
    assert hours == "Hours By appointment."
    therapist_set_hours(therapist=therapist, periods=[Period(TUE, _t("09:00"), _t("17:00"))], by_appointment=True)
    hours = _text(_section(_page(client, therapist), "hours-heading"))
    assert "By appointment — book ahead, even within these hours." in hours
    assert "Tuesday 9 am–5 pm" in hours


def test_profile_without_hours_asks_and_shows_no_open_status(client, therapist):
    hours = _text(_section(_page(client, therapist), "hours-heading"))
    assert hours == "Hours Hours not listed — ask."
    assert "Open now" not in hours and "Closed now" not in hours


# --- how to pay ---


def test_profile_lists_payment_facts_the_therapist_stated(client, therapist):
    Therapist.objects.filter(pk=therapist.pk).update(
        accepts_cash=True, accepts_card=True, accepts_hsa_fsa=True, gives_hsa_receipts=True, sells_gift_cards=True,
        cancellation_policy="Free cancellation up to 24 hours before; <b>50%</b> after.",
    )  # fmt: skip
    content = _page(client, therapist)
    assert _text(_section(content, "payment-heading")) == (
        "How to pay Accepts Cash, Credit or debit card, HSA or FSA card "
        "HSA/FSA Gives receipts for HSA/FSA claims Gift cards Sells gift cards "
        "Cancellation Free cancellation up to 24 hours before; &lt;b&gt;50%&lt;/b&gt; after."
    )


def test_profile_payment_shows_only_what_is_set(client, therapist):
    Therapist.objects.filter(pk=therapist.pk).update(accepts_card=True)
    assert _text(_section(_page(client, therapist), "payment-heading")) == "How to pay Accepts Credit or debit card"
    Therapist.objects.filter(pk=therapist.pk).update(accepts_card=False, sells_gift_cards=True)
    assert _text(_section(_page(client, therapist), "payment-heading")) == (
        "How to pay Accepts Ask Gift cards Sells gift cards"
    )


def test_profile_asks_about_payment_when_nothing_is_set(client, therapist):
    assert _text(_section(_page(client, therapist), "payment-heading")) == "How to pay Ask about payment."


# --- who sees it, and what it costs ---


@pytest.mark.parametrize("status", [Therapist.Status.DRAFT, Therapist.Status.SUSPENDED])
def test_unpublished_profile_with_practical_details_is_still_not_found(client, therapist, swedish, status):
    therapist_set_services(therapist=therapist, items=[ServiceItem(swedish, 60, 95)])
    therapist_set_hours(therapist=therapist, periods=[Period(MON, _t("09:00"), _t("17:00"))], by_appointment=False)
    Therapist.objects.filter(pk=therapist.pk).update(status=status, street_address="1 Main St", show_address=True)
    response = client.get(reverse("therapists:detail", kwargs={"slug": therapist.slug}))
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert b"1 Main St" not in response.content


def test_profile_reads_menu_and_hours_in_one_query_whatever_their_size(client, page_queries, therapist, swedish, deep):
    bare = page_queries(therapist.get_absolute_url(), PROFILE_QUERIES)
    assert bare.context["profile"].menu == []
    therapist_set_services(
        therapist=therapist,
        items=[ServiceItem(specialty, minutes, 40 + minutes) for specialty in (swedish, deep) for minutes in
               (30, 45, 60, 75, 90, 120)],
    )  # fmt: skip
    therapist_set_hours(
        therapist=therapist,
        periods=[Period(day, opens, closes) for day in range(7)
                 for opens, closes in ((_t("08:00"), _t("12:00")), (_t("13:00"), _t("19:00")))],
        by_appointment=False,
    )  # fmt: skip
    full = page_queries(therapist.get_absolute_url(), PROFILE_QUERIES)
    profile = full.context["profile"]
    assert sum(len(group.lines) for group in profile.menu) == 12
    assert sum(len(day.periods) for day in profile.hours.week) == 14
    assert [group.specialty for group in profile.menu] == ["Swedish", "Deep tissue"]


def test_therapist_profile_asks_open_now_at_the_current_moment(therapist, today):
    # The frozen clock (tests/conftest.py) is Monday 2026-06-15 15:30 UTC: 09:30 in Denver.
    therapist_set_hours(therapist=therapist, periods=[Period(MON, _t("09:00"), _t("10:00"))], by_appointment=False)
    profile = therapist_profile(therapist)
    assert profile.hours.status == OpenStatus(is_open=True, at=_t("10:00"), days_ahead=0, weekday=MON)
    assert profile.hours.zone_city == "Denver"
    later = therapist_profile(therapist, moment=_at("2026-06-15T16:30"))
    assert later.hours.status.detail == "opens next Monday 9 am"
