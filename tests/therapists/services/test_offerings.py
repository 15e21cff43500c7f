"""therapists.services.offerings: the menu of services by length and price, and the weekly opening hours."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from therapists.hours import Period
from therapists.models import OpeningPeriod, Service, Specialty, Therapist
from therapists.services.offerings import (
    ServiceItem,
    check_hours,
    check_services,
    services_drop_unoffered,
    therapist_set_hours,
    therapist_set_services,
)

from ...factories import TherapistFactory

pytestmark = pytest.mark.django_db

MONDAY, SATURDAY = OpeningPeriod.Weekday.MONDAY, OpeningPeriod.Weekday.SATURDAY


@pytest.fixture
def therapist(swedish, deep):
    therapist = TherapistFactory(price_60=None)
    therapist.specialties.set([swedish, deep])
    return therapist


def _menu(therapist):
    return sorted(therapist.services.values_list("specialty__slug", "minutes", "price"))


def test_set_services_replaces_the_menu_and_keeps_the_cheapest_60_minute_price(therapist, swedish, deep):
    therapist_set_services(
        therapist=therapist,
        items=[ServiceItem(swedish, 60, 95), ServiceItem(swedish, 90, 130), ServiceItem(deep, 60, 110)],
    )
    assert _menu(therapist) == [("deep-tissue", 60, 110), ("swedish", 60, 95), ("swedish", 90, 130)]
    assert Therapist.objects.get(pk=therapist.pk).price_60 == 95

    therapist_set_services(therapist=therapist, items=[ServiceItem(deep, 90, 150)])
    assert _menu(therapist) == [("deep-tissue", 90, 150)]
    assert Therapist.objects.get(pk=therapist.pk).price_60 is None  # no 60-minute session left


@pytest.mark.parametrize(
    ("minutes", "price", "field"),
    [(50, 90, "minutes"), (0, 90, "minutes"), (60, 0, "price"), (60, 1_000_000, "price"), (60, 9, "price")],
)
def test_a_wrong_line_is_refused_with_its_field_and_nothing_changes(therapist, swedish, minutes, price, field):
    therapist_set_services(therapist=therapist, items=[ServiceItem(swedish, 60, 80)])
    errors = check_services(
        therapist=therapist, items=[ServiceItem(swedish, 90, 120), ServiceItem(swedish, minutes, price)]
    )
    assert errors[0] == {} and list(errors[1]) == [field]
    with pytest.raises(ValidationError) as refused:
        therapist_set_services(
            therapist=therapist, items=[ServiceItem(swedish, 90, 120), ServiceItem(swedish, minutes, price)]
        )
    assert refused.value.messages[0].startswith("Line 2: ")
    assert _menu(therapist) == [("swedish", 60, 80)]
    assert Therapist.objects.get(pk=therapist.pk).price_60 == 80


def test_two_prices_for_one_type_and_length_are_refused_on_the_later_line(therapist, swedish):
    errors = check_services(therapist=therapist, items=[ServiceItem(swedish, 60, 80), ServiceItem(swedish, 60, 90)])
    assert errors[0] == {}
    assert errors[1] == {"minutes": "Swedish for 60 minutes is already priced on line 1."}


def test_a_service_needs_a_type_of_massage_the_therapist_offers(therapist):
    thai = Specialty.objects.get(slug="thai")
    errors = check_services(therapist=therapist, items=[ServiceItem(thai, 60, 80)])
    assert "Add Thai" in errors[0]["specialty"]


def test_the_database_holds_one_price_per_type_and_length_and_plausible_values(therapist, swedish):
    Service.objects.create(therapist=therapist, specialty=swedish, minutes=60, price=90)
    for fields in ({"minutes": 60, "price": 95}, {"minutes": 50, "price": 95}, {"minutes": 90, "price": 0}):
        with pytest.raises(IntegrityError), transaction.atomic():
            Service.objects.create(therapist=therapist, specialty=swedish, **fields)


def test_dropping_a_type_of_massage_drops_its_services_and_the_price_follows(therapist, swedish, deep):
    therapist_set_services(therapist=therapist, items=[ServiceItem(swedish, 60, 70), ServiceItem(deep, 60, 100)])
    therapist.specialties.set([deep])
    assert services_drop_unoffered(therapist=therapist) == 1
    assert _menu(therapist) == [("deep-tissue", 60, 100)]
    assert Therapist.objects.get(pk=therapist.pk).price_60 == 100


def _t(text):
    return datetime.time.fromisoformat(text)


def test_set_hours_replaces_the_week_with_breaks(therapist):
    week = [Period(MONDAY, _t("09:00"), _t("12:00")), Period(MONDAY, _t("13:00"), _t("18:00"))]
    therapist_set_hours(therapist=therapist, periods=week, by_appointment=False)
    therapist_set_hours(
        therapist=therapist, periods=[*week, Period(SATURDAY, _t("10:00"), _t("14:00"))], by_appointment=True
    )
    stored = list(therapist.opening_periods.values_list("weekday", "opens", "closes"))
    assert stored == [(0, _t("09:00"), _t("12:00")), (0, _t("13:00"), _t("18:00")), (5, _t("10:00"), _t("14:00"))]
    assert Therapist.objects.get(pk=therapist.pk).by_appointment is True


@pytest.mark.parametrize(
    ("periods", "words"),
    [
        ([Period(MONDAY, _t("18:00"), _t("09:00"))], "must be after opening time"),
        ([Period(MONDAY, _t("09:00"), _t("09:00"))], "must be after opening time"),
        ([Period(MONDAY, _t("09:00"), _t("13:00")), Period(MONDAY, _t("12:00"), _t("17:00"))], "overlaps"),
        ([Period(9, _t("09:00"), _t("13:00"))], "day of the week"),
    ],
)
def test_inverted_or_overlapping_hours_are_refused_and_nothing_changes(therapist, periods, words):
    kept = [Period(SATURDAY, _t("10:00"), _t("14:00"))]
    therapist_set_hours(therapist=therapist, periods=kept, by_appointment=False)
    with pytest.raises(ValidationError) as refused:
        therapist_set_hours(therapist=therapist, periods=periods, by_appointment=True)
    assert words in " ".join(refused.value.messages)
    assert list(therapist.opening_periods.values_list("weekday", flat=True)) == [SATURDAY]
    assert Therapist.objects.get(pk=therapist.pk).by_appointment is False


def test_touching_periods_are_not_an_overlap(therapist):
    week = [Period(MONDAY, _t("09:00"), _t("12:00")), Period(MONDAY, _t("12:00"), _t("17:00"))]
    therapist_set_hours(therapist=therapist, periods=week, by_appointment=False)
    assert therapist.opening_periods.count() == 2


def test_the_database_refuses_an_inverted_period(therapist):
    with pytest.raises(IntegrityError), transaction.atomic():
        OpeningPeriod.objects.create(therapist=therapist, weekday=MONDAY, opens=_t("17:00"), closes=_t("09:00"))


def test_check_services_names_the_lines_the_therapist_sees(therapist, swedish):
    """A form skips empty and removed rows: the duplicate names the earlier line as shown, not its position."""
    errors = check_services(
        therapist=therapist, items=[ServiceItem(swedish, 60, 80), ServiceItem(swedish, 60, 90)], lines=[2, 5]
    )
    assert errors[1] == {"minutes": "Swedish for 60 minutes is already priced on line 2."}


def test_set_services_errors_carry_their_line_and_field_for_the_form(therapist, swedish):
    with pytest.raises(ValidationError) as refused:
        therapist_set_services(
            therapist=therapist, items=[ServiceItem(swedish, 60, 80), ServiceItem(swedish, 45, 5)], lines=[1, 3]
        )
    (error,) = refused.value.error_list
    assert error.params == {"line": 3, "field": "price", "message": error.params["message"]}
    assert refused.value.messages == [f"Line 3: {error.params['message']}"]


def test_check_hours_keys_each_error_by_its_weekday():
    errors = check_hours(
        [
            Period(MONDAY, _t("18:00"), _t("09:00")),
            Period(SATURDAY, _t("09:00"), _t("13:00")),
            Period(SATURDAY, _t("12:00"), _t("17:00")),
        ]
    )
    assert list(errors) == [MONDAY, SATURDAY]
    assert errors[MONDAY] == [
        "Monday: closing time (9 am) must be after opening time (6 pm). "
        "For hours past midnight, add the rest to the next day."
    ]
    assert errors[SATURDAY] == ["Saturday: noon–5 pm overlaps 9 am–1 pm."]
    assert check_hours([Period(MONDAY, _t("09:00"), _t("12:00"))]) == {}


def test_set_hours_errors_carry_their_weekday_for_the_form(therapist):
    with pytest.raises(ValidationError) as refused:
        therapist_set_hours(
            therapist=therapist, periods=[Period(SATURDAY, _t("18:00"), _t("09:00"))], by_appointment=False
        )
    assert [error.params["weekday"] for error in refused.value.error_list] == [SATURDAY]


@pytest.mark.parametrize(
    ("week", "weekends", "evenings"),
    [
        ([], False, False),
        ([Period(SATURDAY, _t("10:00"), _t("14:00"))], True, False),
        ([Period(MONDAY, _t("09:00"), _t("17:00"))], False, False),
        ([Period(MONDAY, _t("12:00"), _t("17:01"))], False, True),
        ([Period(SATURDAY, _t("10:00"), _t("14:00")), Period(MONDAY, _t("18:00"), _t("21:00"))], True, True),
    ],
)
def test_set_hours_keeps_the_day_columns_the_search_reads(therapist, week, weekends, evenings):
    therapist_set_hours(therapist=therapist, periods=[Period(SATURDAY, _t("09:00"), _t("20:00"))], by_appointment=False)
    therapist_set_hours(therapist=therapist, periods=week, by_appointment=False)
    stored = Therapist.objects.get(pk=therapist.pk)
    assert (stored.open_weekends, stored.open_evenings) == (weekends, evenings)


def test_the_menu_keeps_lists_prices(therapist, swedish):
    assert Therapist.objects.get(pk=therapist.pk).lists_prices is False
    therapist_set_services(therapist=therapist, items=[ServiceItem(swedish, 90, 120)])
    assert Therapist.objects.get(pk=therapist.pk).lists_prices is True
    therapist.specialties.set([])
    services_drop_unoffered(therapist=therapist)
    assert Therapist.objects.get(pk=therapist.pk).lists_prices is False
    therapist.specialties.set([swedish])
    therapist_set_services(therapist=therapist, items=[ServiceItem(swedish, 60, 80)])
    therapist_set_services(therapist=therapist, items=[])
    assert Therapist.objects.get(pk=therapist.pk).lists_prices is False
