"""therapists.dashboard: the services menu, the opening hours, and the "where and payment" page (issue 13)."""

import datetime
import re
from http import HTTPStatus

import pytest
from django.urls import reverse

from therapists.forms import EXTRA_SERVICE_LINES, MAX_SERVICE_LINES
from therapists.models import OpeningPeriod, Service, Specialty, Therapist
from therapists.services.scoring import therapist_refresh_credentials

from ..factories import CertificationFactory, PlaceFactory

pytestmark = pytest.mark.django_db

SERVICES, HOURS, PRACTICE = "/dashboard/services/", "/dashboard/hours/", "/dashboard/practice/"
HOME = reverse("dashboard:home")


@pytest.fixture
def owner_client(client, therapist_owner, owned_therapist, swedish, deep):
    """The owner signed in; their profile offers Swedish and deep tissue."""
    owned_therapist.specialties.set([swedish, deep])
    client.force_login(therapist_owner)
    return client


def _menu(therapist) -> list[tuple[str, int, int]]:
    return sorted(therapist.services.values_list("specialty__slug", "minutes", "price"))


def _lines(*lines, initial: int = 0, total: int | None = None) -> dict:
    """A POST of the services formset: each line a (specialty pk, minutes, price[, remove]) tuple of strings."""
    data = {
        "services-TOTAL_FORMS": str(len(lines) if total is None else total),
        "services-INITIAL_FORMS": str(initial),
        "services-MIN_NUM_FORMS": "0",
        "services-MAX_NUM_FORMS": str(MAX_SERVICE_LINES),
    }
    for index, line in enumerate(lines):
        specialty, minutes, price, *remove = line
        data |= {f"services-{index}-specialty": specialty, f"services-{index}-minutes": minutes}
        data[f"services-{index}-price"] = price
        if remove:
            data[f"services-{index}-DELETE"] = "on"
    return data


# --- the services menu ---


def test_services_page_offers_only_the_therapists_own_types_and_the_listed_lengths(owner_client, swedish, deep):
    response = owner_client.get(SERVICES)
    assert response.status_code == HTTPStatus.OK
    html = response.content.decode()
    assert f'<option value="{swedish.pk}">Swedish</option>' in html
    assert f'<option value="{deep.pk}">Deep tissue</option>' in html
    assert "Thai" not in html
    assert re.findall(r'<option value="(\d+)">\d+ minutes</option>', html)[:6] == ["30", "45", "60", "75", "90", "120"]
    assert len(response.context["form"].forms) == EXTRA_SERVICE_LINES


def test_services_page_shows_the_menu_with_empty_lines_to_add_more(owner_client, owned_therapist, swedish):
    Service.objects.create(therapist=owned_therapist, specialty=swedish, minutes=90, price=130)
    formset = owner_client.get(SERVICES).context["form"]
    assert formset.forms[0].initial == {"specialty": swedish.pk, "minutes": 90, "price": 130}
    assert len(formset.forms) == 1 + EXTRA_SERVICE_LINES
    assert "DELETE" in formset.forms[0].fields and "DELETE" not in formset.forms[1].fields


def test_services_save_replaces_the_menu_and_the_60_minute_price_follows(owner_client, owned_therapist, swedish, deep):
    data = _lines((str(swedish.pk), "60", "95"), (str(deep.pk), "90", "150"), ("", "", ""), total=EXTRA_SERVICE_LINES)
    response = owner_client.post(SERVICES, data)
    assert response.status_code == HTTPStatus.FOUND and response["Location"] == HOME
    assert _menu(owned_therapist) == [("deep-tissue", 90, 150), ("swedish", 60, 95)]
    assert Therapist.objects.get(pk=owned_therapist.pk).price_60 == 95


def test_services_remove_takes_a_line_off_the_menu(owner_client, owned_therapist, swedish, deep):
    Service.objects.create(therapist=owned_therapist, specialty=swedish, minutes=60, price=80)
    Service.objects.create(therapist=owned_therapist, specialty=deep, minutes=60, price=100)
    data = _lines((str(deep.pk), "60", "100", "remove"), (str(swedish.pk), "60", "80"), initial=2)
    assert owner_client.post(SERVICES, data).status_code == HTTPStatus.FOUND
    assert _menu(owned_therapist) == [("swedish", 60, 80)]


@pytest.mark.parametrize(
    ("line", "field", "message"),
    [
        (("60", "0"), "price", "Give a price between $10 and $1,000 for one session."),
        (("60", "1000000"), "price", "Give a price between $10 and $1,000 for one session."),
        (("60", "95.50"), "price", "Give whole dollars, e.g. 95."),
        (("50", "95"), "minutes", "Choose one of the usual lengths: 30, 45, 60, 75, 90, 120 minutes."),
        (("", "95"), "minutes", "Choose a length."),
        (("90", ""), "price", "Give a price in whole dollars."),
        (("30", "60"), "minutes", "Swedish for 30 minutes is already priced on line 1."),
    ],
)
def test_services_a_wrong_line_shows_its_error_beside_its_field_and_nothing_is_saved(
    owner_client, owned_therapist, swedish, deep, line, field, message
):
    Service.objects.create(therapist=owned_therapist, specialty=deep, minutes=60, price=110)
    data = _lines((str(swedish.pk), "30", "55"), (str(swedish.pk), *line), (str(deep.pk), "60", "120"))
    response = owner_client.post(SERVICES, data)
    assert response.status_code == HTTPStatus.OK
    formset = response.context["form"]
    assert formset.forms[1].errors == {field: [message]}
    assert not formset.forms[0].errors and not formset.forms[2].errors
    assert message in response.content.decode()
    assert _menu(owned_therapist) == [("deep-tissue", 60, 110)], "nothing half-saved"
    assert 'name="services-2-price" value="120"' in response.content.decode(), "the form keeps what was typed"


@pytest.mark.parametrize("specialty", ["999999", "thai", "not-a-number"])
def test_services_a_tampered_type_is_a_field_error(owner_client, owned_therapist, specialty):
    value = str(Specialty.objects.get(slug="thai").pk) if specialty == "thai" else specialty
    response = owner_client.post(SERVICES, _lines((value, "60", "90")))
    assert response.status_code == HTTPStatus.OK
    assert response.context["form"].forms[0].errors == {
        "specialty": ["Choose one of your types of massage; add more on your profile page."]
    }
    assert not owned_therapist.services.exists()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"services-TOTAL_FORMS": "1000000000"}, f"A menu has at most {MAX_SERVICE_LINES} lines."),
        ({"services-TOTAL_FORMS": str(MAX_SERVICE_LINES + 1)}, f"A menu has at most {MAX_SERVICE_LINES} lines."),
        ({"services-TOTAL_FORMS": "many"}, "This form arrived incomplete. Reload the page and try again."),
        ({"services-TOTAL_FORMS": None}, "This form arrived incomplete. Reload the page and try again."),
    ],
)
def test_services_a_tampered_line_count_is_refused_above_the_form(
    owner_client, owned_therapist, swedish, changes, message
):
    data = _lines((str(swedish.pk), "60", "90")) | changes
    response = owner_client.post(SERVICES, {name: value for name, value in data.items() if value is not None})
    assert response.status_code == HTTPStatus.OK
    assert message in response.context["form"].non_form_errors()
    assert message in response.content.decode()
    assert not owned_therapist.services.exists()


def test_services_a_type_dropped_meanwhile_shows_the_services_error_beside_its_line(
    owner_client, owned_therapist, swedish, deep, monkeypatch
):
    """The form offered deep tissue; the profile dropped it before the save: the service refuses under its lock."""
    from therapists.forms import BaseServiceMenuFormSet

    real_init = BaseServiceMenuFormSet.__init__

    def offered_when_the_page_loaded(self, *args, therapist, **kwargs):
        real_init(self, *args, therapist=therapist, **kwargs)
        self.specialties[deep.pk] = deep
        self.forms  # noqa: B018 - build the forms with the old choices
        for form in self.forms:
            form.fields["specialty"].choices = [("", ""), (swedish.pk, "Swedish"), (deep.pk, "Deep tissue")]

    owned_therapist.specialties.set([swedish])
    monkeypatch.setattr(BaseServiceMenuFormSet, "__init__", offered_when_the_page_loaded)
    response = owner_client.post(SERVICES, _lines((str(swedish.pk), "60", "90"), (str(deep.pk), "60", "95")))
    assert response.status_code == HTTPStatus.OK
    errors = response.context["form"].forms[1].errors
    assert errors == {"specialty": ["Add Deep tissue to your types of massage first, or choose another type."]}
    assert not owned_therapist.services.exists()


def test_services_page_without_types_of_massage_sends_to_the_profile(client, therapist_owner, owned_therapist):
    owned_therapist.specialties.clear()
    client.force_login(therapist_owner)
    html = client.get(SERVICES).content.decode()
    assert "Choose your types of massage" in html and reverse("dashboard:profile_edit") in html
    assert "<select" not in html


def test_services_page_query_count_is_pinned(owner_client, owned_therapist, swedish, deep, django_assert_num_queries):
    for minutes in (60, 90):
        Service.objects.create(therapist=owned_therapist, specialty=swedish, minutes=minutes, price=minutes + 30)
    # Session, user, profile, its types of massage, its services: whatever the number of lines; and, the cache being
    # empty, the navigation's "Your requests" counted once (appointments.selectors.has_requests).
    with django_assert_num_queries(6):
        assert owner_client.get(SERVICES).status_code == HTTPStatus.OK


# --- the opening hours ---


def _week(**days) -> dict:
    """A POST of the hours form: day<weekday>_<opens|closes>_<1|2> → "HH:MM"."""
    return {name: value for name, value in days.items() if value is not None}


def _stored(therapist) -> list[tuple[int, str, str]]:
    return [(p.weekday, f"{p.opens:%H:%M}", f"{p.closes:%H:%M}") for p in therapist.opening_periods.all()]


def test_hours_save_a_day_with_a_break_and_by_appointment(owner_client, owned_therapist):
    data = _week(
        day0_opens_1="09:00", day0_closes_1="12:00", day0_opens_2="13:00", day0_closes_2="18:00",
        day5_opens_1="10:00", day5_closes_1="14:00", by_appointment="on",
    )  # fmt: skip
    response = owner_client.post(HOURS, data)
    assert response.status_code == HTTPStatus.FOUND and response["Location"] == HOME
    assert _stored(owned_therapist) == [(0, "09:00", "12:00"), (0, "13:00", "18:00"), (5, "10:00", "14:00")]
    assert Therapist.objects.get(pk=owned_therapist.pk).by_appointment is True


def test_hours_page_shows_the_stored_week_as_time_inputs(owner_client, owned_therapist):
    for opens, closes in (("13:00", "18:00"), ("09:00", "12:00")):
        OpeningPeriod.objects.create(
            therapist=owned_therapist,
            weekday=OpeningPeriod.Weekday.TUESDAY,
            opens=datetime.time.fromisoformat(opens),
            closes=datetime.time.fromisoformat(closes),
        )
    html = owner_client.get(HOURS).content.decode()
    assert html.count('type="time"') == 7 * 4
    assert re.search(r'type="time" name="day1_opens_1" value="09:00"', html)
    assert re.search(r'type="time" name="day1_closes_2" value="18:00"', html)
    assert "<legend>Tuesday</legend>" in html


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (
            {"day2_opens_1": "18:00", "day2_closes_1": "09:00"},
            "day2_opens_1",
            "Wednesday: closing time (9 am) must be after opening time (6 pm).",
        ),
        (
            {"day2_opens_1": "09:00", "day2_closes_1": "13:00", "day2_opens_2": "12:00", "day2_closes_2": "17:00"},
            "day2_opens_1",
            "Wednesday: noon–5 pm overlaps 9 am–1 pm.",
        ),
        ({"day2_opens_1": "09:00"}, "day2_closes_1", "Give the closing time too, or clear the opening time."),
        ({"day2_closes_2": "17:00"}, "day2_opens_2", "Give the opening time too, or clear the closing time."),
        ({"day2_opens_1": "25:00", "day2_closes_1": "10:00"}, "day2_opens_1", "Give a time such as 09:00 or 17:30."),
    ],
)
def test_hours_wrong_periods_show_an_error_beside_that_day_and_nothing_is_saved(
    owner_client, owned_therapist, data, field, message
):
    OpeningPeriod.objects.create(
        therapist=owned_therapist, weekday=5, opens=datetime.time(10), closes=datetime.time(14)
    )
    response = owner_client.post(HOURS, {**data, "by_appointment": "on"})
    assert response.status_code == HTTPStatus.OK
    form = response.context["form"]
    assert any(error.startswith(message) for error in form.errors[field]), form.errors
    assert set(form.errors) == {field}
    assert _stored(owned_therapist) == [(5, "10:00", "14:00")]
    assert Therapist.objects.get(pk=owned_therapist.pk).by_appointment is False
    first = next(iter(data))
    assert f'name="{first}" value="{data[first]}"' in response.content.decode(), "the form keeps what was typed"


def test_hours_an_empty_week_clears_the_hours(owner_client, owned_therapist):
    OpeningPeriod.objects.create(therapist=owned_therapist, weekday=0, opens=datetime.time(9), closes=datetime.time(17))
    assert owner_client.post(HOURS, {}).status_code == HTTPStatus.FOUND
    assert _stored(owned_therapist) == []


# --- where and payment ---

PRACTICE_DATA = {
    "street_address": "1420 Larimer St, Suite 200",
    "show_address": "on",
    "travels_to_client": "on",
    "travel_radius": "10",
    "accepts_cash": "on",
    "accepts_hsa_fsa": "on",
    "gives_hsa_receipts": "on",
    "cancellation_policy": "Free cancellation up to 24 hours before.",
}


def test_practice_saves_where_and_payment_with_the_radius_in_kilometres(owner_client, owned_therapist, today):
    Therapist.objects.filter(pk=owned_therapist.pk).update(
        updated_at=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    )
    response = owner_client.post(PRACTICE, PRACTICE_DATA)
    assert response.status_code == HTTPStatus.FOUND and response["Location"] == HOME
    saved = Therapist.objects.get(pk=owned_therapist.pk)
    assert (saved.street_address, saved.show_address) == ("1420 Larimer St, Suite 200", True)
    assert saved.travels_to_client and saved.travel_radius_km == 16, "10 miles"
    assert (saved.accepts_cash, saved.accepts_card, saved.accepts_hsa_fsa) == (True, False, True)
    assert (saved.gives_hsa_receipts, saved.sells_gift_cards) == (True, False)
    assert saved.cancellation_policy == "Free cancellation up to 24 hours before."
    assert saved.updated_at > datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC), "it versions the search's cache"


def test_practice_page_shows_the_radius_in_the_sites_unit(owner_client, owned_therapist, settings):
    Therapist.objects.filter(pk=owned_therapist.pk).update(travels_to_client=True, travel_radius_km=40)
    html = owner_client.get(PRACTICE).content.decode()
    assert "How far you travel, in miles" in html and 'name="travel_radius" value="25"' in html
    settings.DISTANCE_UNIT = "km"
    html = owner_client.get(PRACTICE).content.decode()
    assert "How far you travel, in km" in html and 'name="travel_radius" value="40"' in html
    assert owner_client.post(PRACTICE, {"travels_to_client": "on", "travel_radius": "200"}).status_code == 302
    assert Therapist.objects.get(pk=owned_therapist.pk).travel_radius_km == 200


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"street_address": "1420 Larimer St, Boulder, CO 80302"},
            "street_address",
            "The ZIP code 80302 is not in Denver, CO; change your city on the profile page or fix the address.",
        ),
        (
            {"street_address": "1420 Larimer St, Los Angeles, CA"},
            "street_address",
            "This address names the state CA, but your practice is in Denver, CO; change your city on the profile "
            "page or fix the address.",
        ),
        ({"street_address": "", "show_address": "on"}, "show_address", "Give your street address to show it"),
        ({"travel_radius": ""}, "travel_radius", "Say how far you travel to clients."),
        ({"travels_to_client": None}, "travel_radius", "Leave the radius empty unless you travel to clients"),
        ({"travel_radius": "125"}, "travel_radius", "Give a distance between 1 and 124 miles."),
        ({"travel_radius": "0"}, "travel_radius", "Give a distance between 1 and 124 miles."),
        ({"travel_radius": "ten"}, "travel_radius", "Give a whole number."),
        ({"cancellation_policy": "x" * 201}, "cancellation_policy", "at most 200 characters"),
        ({"street_address": "x" * 201}, "street_address", "at most 200 characters"),
    ],
)
def test_practice_bad_input_shows_an_error_beside_its_field_and_nothing_is_saved(
    owner_client, owned_therapist, changes, field, message
):
    Therapist.objects.filter(pk=owned_therapist.pk).update(postal_code="80202")
    before = Therapist.objects.filter(pk=owned_therapist.pk).values().get()
    data = {name: value for name, value in (PRACTICE_DATA | changes).items() if value is not None}
    response = owner_client.post(PRACTICE, data)
    assert response.status_code == HTTPStatus.OK
    errors = response.context["form"].errors
    assert list(errors) == [field] and any(message in error for error in errors[field]), errors
    assert Therapist.objects.filter(pk=owned_therapist.pk).values().get() == before


def test_practice_refused_keeps_what_was_typed(owner_client, owned_therapist):
    data = PRACTICE_DATA | {"street_address": "9 Elm St, Reno, NV", "cancellation_policy": "Call <b>me</b>"}
    html = owner_client.post(PRACTICE, data).content.decode()
    assert 'value="9 Elm St, Reno, NV"' in html and 'value="Call &lt;b&gt;me&lt;/b&gt;"' in html
    assert re.search(r'name="travel_radius" value="10"', html) and re.search(r'name="accepts_cash"[^>]*checked', html)


def test_practice_the_street_line_may_repeat_the_profiles_own_zip_and_state(owner_client, owned_therapist):
    Therapist.objects.filter(pk=owned_therapist.pk).update(postal_code="80202")
    data = PRACTICE_DATA | {"street_address": "1420 Larimer St, Denver, CO 80202-1234"}
    assert owner_client.post(PRACTICE, data).status_code == HTTPStatus.FOUND
    assert Therapist.objects.get(pk=owned_therapist.pk).street_address == "1420 Larimer St, Denver, CO 80202-1234"


def test_practice_without_a_profile_postal_code_a_zip_must_lie_near_the_practice(owner_client, owned_therapist):
    PlaceFactory(kind="postal_code", postal_code="80205", name="Denver", search_name="denver", latitude=39.76,
                 longitude=-104.96)  # fmt: skip
    PlaceFactory(kind="postal_code", postal_code="81601", name="Glenwood Springs", search_name="glenwood springs",
                 latitude=39.55, longitude=-107.32)  # fmt: skip
    refused = owner_client.post(PRACTICE, PRACTICE_DATA | {"street_address": "1 Main St, 81601"})
    assert "The ZIP code 81601 is not in Denver, CO" in refused.context["form"].errors["street_address"][0]
    unknown = owner_client.post(PRACTICE, PRACTICE_DATA | {"street_address": "1 Main St, 99999"})
    assert "The ZIP code 99999 is not in Denver, CO" in unknown.context["form"].errors["street_address"][0]
    assert owner_client.post(PRACTICE, PRACTICE_DATA | {"street_address": "1 Main St, 80205"}).status_code == 302


def test_practice_escapes_what_the_therapist_typed(owner_client, owned_therapist):
    owner_client.post(PRACTICE, PRACTICE_DATA | {"cancellation_policy": "<b>No refunds</b>"})
    content = owner_client.get(PRACTICE).content
    assert b"<b>No refunds" not in content and b"&lt;b&gt;No refunds&lt;/b&gt;" in content


# --- the dashboard home: links and what the profile lacks ---


def test_dashboard_links_to_the_services_hours_and_practice_pages(owner_client):
    html = owner_client.get(HOME).content.decode()
    for url in (SERVICES, HOURS, PRACTICE):
        assert f'href="{url}"' in html


def test_new_pages_work_without_javascript_and_label_every_input(owner_client):
    for url in (SERVICES, HOURS, PRACTICE):
        html = owner_client.get(url).content.decode()
        assert "<script" not in html and " style=" not in html and "<style" not in html, url
        assert re.search(r'<form method="post"[^>]*>', html) and 'name="csrfmiddlewaretoken"' in html, url
        for input_id in re.findall(r'<(?:input|select|textarea)[^>]*\bid="([^"]+)"', html):
            assert f'for="{input_id}"' in html, f"{url}: #{input_id} has no label"


@pytest.mark.parametrize(("url", "queries"), [(HOURS, 5), (PRACTICE, 4), (HOME, 8)])
def test_dashboard_pages_query_counts_are_pinned(
    owner_client, owned_therapist, url, queries, django_assert_num_queries
):
    """Session, user, profile; the hours page reads the week, the dashboard its certifications and what the profile
    lacks (one query however many things it lacks), the count of unanswered requests and its reviews. The cache
    being empty, each page also counts the navigation's "Your requests" once (appointments.selectors)."""
    OpeningPeriod.objects.create(therapist=owned_therapist, weekday=0, opens=datetime.time(9), closes=datetime.time(17))
    with django_assert_num_queries(queries):
        assert owner_client.get(url).status_code == HTTPStatus.OK


def test_dashboard_lists_what_the_profile_lacks_with_links_to_fix_it(owner_client, owned_therapist):
    Therapist.objects.filter(pk=owned_therapist.pk).update(bio="")
    html = owner_client.get(HOME).content.decode()
    assert "What your profile still lacks" in html and "Your profile is complete" not in html
    order = [html.index(text) for text in ("A photo of you", "A verified license", "Your services and prices",
                                            "Your opening hours", "A bio of at least")]  # fmt: skip
    assert order == sorted(order), "in the order clients look"
    assert f'href="{reverse("dashboard:services")}">Add your services</a>' in html


def test_dashboard_says_when_the_profile_is_complete(owner_client, owned_therapist, swedish):
    Therapist.objects.filter(pk=owned_therapist.pk).update(
        photo="photos/a.jpg", photo_thumbnail="thumbs/a.jpg", bio="b" * 200, by_appointment=True
    )
    Service.objects.create(therapist=owned_therapist, specialty=swedish, minutes=60, price=90)
    CertificationFactory(therapist=owned_therapist, status="verified")
    therapist_refresh_credentials(therapist=owned_therapist)
    html = owner_client.get(HOME).content.decode()
    assert "Your profile is complete" in html and "What your profile still lacks" not in html
