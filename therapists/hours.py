"""When a practice is open: its time zone, "open now" in that zone, and the weekly hours as a client reads them.

Opening periods are wall-clock times of the practice's own time zone (Therapist.time_zone), so "open now" is the
same question for a visitor in New York looking at a practice in Denver: what time is it in Denver?
"""

import datetime
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass

from .models import OpeningPeriod

# The time zone of each US state's largest population (a few states span two zones: their minority areas read
# the hours an hour off until a profile sets its own zone). Source: the IANA tz database's zone.tab comments.
US_STATE_TIME_ZONES = {
    **dict.fromkeys(
        [
            "CT",
            "DC",
            "DE",
            "FL",
            "GA",
            "MA",
            "MD",
            "ME",
            "NC",
            "NH",
            "NJ",
            "NY",
            "OH",
            "PA",
            "RI",
            "SC",
            "VA",
            "VT",
            "WV",
        ],  # fmt: skip
        "America/New_York",
    ),
    "MI": "America/Detroit",
    "IN": "America/Indiana/Indianapolis",
    "KY": "America/New_York",
    **dict.fromkeys(
        ["AL", "AR", "IA", "IL", "KS", "LA", "MN", "MO", "MS", "ND", "NE", "OK", "SD", "TN", "TX", "WI"],
        "America/Chicago",
    ),
    **dict.fromkeys(["CO", "MT", "NM", "UT", "WY"], "America/Denver"),
    "ID": "America/Boise",
    "AZ": "America/Phoenix",
    **dict.fromkeys(["CA", "NV", "OR", "WA"], "America/Los_Angeles"),
    "AK": "America/Anchorage",
    "HI": "Pacific/Honolulu",
    "PR": "America/Puerto_Rico",
}
DEFAULT_TIME_ZONE = "America/New_York"
EVENING_STARTS = datetime.time(17, 0)
WEEKEND = (OpeningPeriod.Weekday.SATURDAY, OpeningPeriod.Weekday.SUNDAY)


def time_zone_for(region: str, country: str = "US") -> str:
    """The practice's IANA time zone from its state; the site's default where the state is unknown."""
    if country.upper() == "US":
        return US_STATE_TIME_ZONES.get(region.strip().upper(), DEFAULT_TIME_ZONE)
    return DEFAULT_TIME_ZONE


def zone(name: str) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(name or DEFAULT_TIME_ZONE)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo(DEFAULT_TIME_ZONE)


@dataclass(frozen=True)
class Period:
    """An opening period as the services and forms carry it."""

    weekday: int
    opens: datetime.time
    closes: datetime.time


def overlaps(periods: Iterable[Period]) -> list[tuple[Period, Period]]:
    """Pairs of periods of the same weekday that overlap (touching ends do not: 09:00-12:00 and 12:00-17:00)."""
    by_day: dict[int, list[Period]] = {}
    for period in periods:
        by_day.setdefault(period.weekday, []).append(period)
    found = []
    for day_periods in by_day.values():
        day_periods.sort(key=lambda p: (p.opens, p.closes))
        for earlier, later in zip(day_periods, day_periods[1:], strict=False):
            if later.opens < earlier.closes:
                found.append((earlier, later))
    return found


def is_open_at(periods: Iterable, moment: datetime.datetime, time_zone: str) -> bool:
    """Whether the practice is open at `moment` (aware), read on the practice's own clock."""
    local = moment.astimezone(zone(time_zone))
    weekday, now = local.weekday(), local.time().replace(tzinfo=None)
    return any(p.weekday == weekday and p.opens <= now < p.closes for p in periods)


@dataclass(frozen=True)
class DayHours:
    label: str
    periods: tuple[str, ...]  # "09:00–12:00"; empty when closed


def weekly_hours(periods: Iterable) -> list[DayHours]:
    """Monday to Sunday, each with its periods in order; "Closed" days included, as a profile shows them."""
    by_day: dict[int, list] = {}
    for period in periods:
        by_day.setdefault(period.weekday, []).append(period)
    days = []
    for weekday, label in OpeningPeriod.Weekday.choices:
        ordered = sorted(by_day.get(weekday, []), key=lambda p: p.opens)
        days.append(DayHours(label, tuple(f"{p.opens:%H:%M}–{p.closes:%H:%M}" for p in ordered)))
    return days
