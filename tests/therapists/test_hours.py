"""therapists.hours: a practice's time zone, "open now" on its own clock, and the week as a profile shows it."""

import datetime
import zoneinfo

import pytest

from therapists.hours import END_OF_DAY, Period, clock, is_open_at, open_status, time_zone_for, weekly_hours

UTC = datetime.UTC
MON, TUE, SAT, SUN = 0, 1, 5, 6


def _t(text):
    return datetime.time.fromisoformat(text)


@pytest.mark.parametrize(
    ("region", "country", "zone"),
    [
        ("CO", "US", "America/Denver"),
        ("ny", "US", "America/New_York"),
        ("AZ", "US", "America/Phoenix"),
        ("HI", "US", "Pacific/Honolulu"),
        ("", "US", "America/New_York"),
        ("ON", "CA", "America/New_York"),
    ],
)
def test_time_zone_for_a_state(region, country, zone):
    assert time_zone_for(region, country) == zone


def test_every_zone_named_exists():
    from therapists.hours import US_STATE_TIME_ZONES

    for name in set(US_STATE_TIME_ZONES.values()):
        zoneinfo.ZoneInfo(name)
    assert len(US_STATE_TIME_ZONES) == 52  # 50 states, DC and Puerto Rico


MONDAY_9_TO_5 = [Period(MON, _t("09:00"), _t("17:00"))]


@pytest.mark.parametrize(
    ("moment", "zone", "open_"),
    [
        # 15:30 UTC on Monday 2026-06-15 is 09:30 in Denver (MDT, UTC-6): open.
        (datetime.datetime(2026, 6, 15, 15, 30, tzinfo=UTC), "America/Denver", True),
        # The same moment is 11:30 in New York: open too; 05:30 in Honolulu: not yet.
        (datetime.datetime(2026, 6, 15, 15, 30, tzinfo=UTC), "America/New_York", True),
        (datetime.datetime(2026, 6, 15, 15, 30, tzinfo=UTC), "Pacific/Honolulu", False),
        # 23:30 UTC Monday is 17:30 in Denver: closed (closing time is exclusive)...
        (datetime.datetime(2026, 6, 15, 23, 30, tzinfo=UTC), "America/Denver", False),
        # ...and 01:30 UTC Tuesday is still Monday 19:30 in Denver, 15:30 Monday in Honolulu: open there.
        (datetime.datetime(2026, 6, 16, 1, 30, tzinfo=UTC), "Pacific/Honolulu", True),
        (datetime.datetime(2026, 6, 16, 1, 30, tzinfo=UTC), "America/Denver", False),
        # Winter time: 16:30 UTC on Monday 2026-01-12 is 09:30 MST.
        (datetime.datetime(2026, 1, 12, 16, 30, tzinfo=UTC), "America/Denver", True),
        (datetime.datetime(2026, 1, 12, 15, 30, tzinfo=UTC), "America/Denver", False),
    ],
)
def test_open_now_reads_the_practice_clock(moment, zone, open_):
    assert is_open_at(MONDAY_9_TO_5, moment, zone) is open_


def test_a_night_split_across_midnight_is_open_on_both_sides():
    # Open Monday 20:00 to midnight and Tuesday 00:00 to 02:00, as the forms ask for hours past midnight.
    night = [Period(MON, _t("20:00"), _t("23:59:59")), Period(TUE, _t("00:00"), _t("02:00"))]
    denver = zoneinfo.ZoneInfo("America/Denver")
    assert is_open_at(night, datetime.datetime(2026, 6, 15, 23, 30, tzinfo=denver), "America/Denver")
    assert is_open_at(night, datetime.datetime(2026, 6, 16, 1, 0, tzinfo=denver), "America/Denver")
    assert not is_open_at(night, datetime.datetime(2026, 6, 16, 2, 0, tzinfo=denver), "America/Denver")


def test_an_unknown_zone_falls_back_to_the_default_instead_of_failing():
    assert is_open_at(MONDAY_9_TO_5, datetime.datetime(2026, 6, 15, 15, 30, tzinfo=UTC), "Mars/Olympus") is True


def test_weekly_hours_lists_every_day_in_order_with_closed_days_empty():
    week = weekly_hours(
        [
            Period(SAT, _t("10:00"), _t("14:00")),
            Period(MON, _t("13:00"), _t("18:00")),
            Period(MON, _t("09:00"), _t("12:00")),
        ]
    )
    assert [day.label for day in week] == ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
    assert week[0].periods == ("9 am–noon", "1 pm–6 pm")
    assert week[1].periods == ()
    assert week[5].periods == ("10 am–2 pm",)


# --- the clock a reader expects: 12-hour on a US site (SITE_COUNTRY), 24-hour elsewhere ---


@pytest.mark.parametrize(
    ("time", "us", "elsewhere"),
    [
        ("09:00", "9 am", "09:00"),
        ("13:30", "1:30 pm", "13:30"),
        ("12:00", "noon", "12:00"),
        ("12:30", "12:30 pm", "12:30"),
        ("00:30", "12:30 am", "00:30"),
        ("00:00", "12 am", "00:00"),  # a day opening at 00:00: "midnight" would read as that day's end
        ("11:05", "11:05 am", "11:05"),
        ("21:00", "9 pm", "21:00"),
        ("23:58", "11:58 pm", "23:58"),
        ("23:59", "midnight", "midnight"),  # END_OF_DAY: the period runs to the end of the day
        ("23:59:59", "midnight", "midnight"),
    ],
)
def test_clock_writes_times_as_the_sites_readers_tell_them(settings, time, us, elsewhere):
    settings.SITE_COUNTRY = "US"
    assert clock(_t(time)) == us
    settings.SITE_COUNTRY = "FR"
    assert clock(_t(time)) == elsewhere


def test_weekly_hours_and_open_status_follow_the_sites_clock(settings):
    week = [Period(MON, _t("13:00"), _t("21:00")), Period(TUE, _t("09:30"), END_OF_DAY)]
    tuesday_morning = datetime.datetime(2026, 6, 16, 8, 0, tzinfo=zoneinfo.ZoneInfo("America/Denver"))
    settings.SITE_COUNTRY = "US"
    assert [day.periods for day in weekly_hours(week)[:2]] == [("1 pm–9 pm",), ("9:30 am–midnight",)]
    assert open_status(week, tuesday_morning, "America/Denver").detail == "opens today 9:30 am"
    settings.SITE_COUNTRY = "GB"
    assert [day.periods for day in weekly_hours(week)[:2]] == [("13:00–21:00",), ("09:30–midnight",)]
    assert open_status(week, tuesday_morning, "America/Denver").detail == "opens today 09:30"
