"""When a practice is open: its time zone, "open now" in that zone, and the weekly hours as a client reads them.

Opening periods are wall-clock times of the practice's own time zone (time_zone_for its state), so "open now" is the
same question for a visitor in New York looking at a practice in Denver: what time is it in Denver?
"""

import datetime
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings

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


def opens_weekends(periods: Iterable) -> bool:
    """Open on Saturday or Sunday: the search's `days=weekends` (kept as Therapist.open_weekends)."""
    return any(p.weekday in WEEKEND for p in periods)


def opens_evenings(periods: Iterable) -> bool:
    """Open after 17:00 on some day, a period closing later: `days=evenings` (Therapist.open_evenings)."""
    return any(p.closes > EVENING_STARTS for p in periods)


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


# A period closing at 23:59 (or later) runs to midnight: the forms have no 24:00, and after midnight is the next day's.
END_OF_DAY = datetime.time(23, 59)


def _twelve_hour_site() -> bool:
    """Whether the site's readers tell the time on a 12-hour clock: a US site (SITE_COUNTRY) reads "1 pm–9 pm", as
    its bios say "until 9 pm"; elsewhere the 24-hour clock ("13:00–21:00") is what the reader expects."""
    return str(settings.SITE_COUNTRY).strip().upper() == "US"


def clock(time: datetime.time) -> str:
    """A time as the profile and the demo bios show it, in the site's country's way: "9 am", "1:30 pm", "noon",
    "12:30 am" on a US site, "09:00", "13:30", "12:00", "00:30" elsewhere; "midnight" for a period that runs to the
    end of the day in both (00:00, when a day opens, stays "12 am": "midnight" would read as that day's end)."""
    if time >= END_OF_DAY:
        return "midnight"
    if not _twelve_hour_site():
        return f"{time:%H:%M}"
    if (time.hour, time.minute) == (12, 0):
        return "noon"
    hour = time.hour % 12 or 12
    minutes = f":{time.minute:02d}" if time.minute else ""
    return f"{hour}{minutes} {'am' if time.hour < 12 else 'pm'}"


def zone_city(time_zone: str) -> str:
    """The city that names a time zone, for "(Denver time)": "America/Los_Angeles" -> "Los Angeles"."""
    return zone(time_zone).key.rsplit("/", 1)[-1].replace("_", " ")


def _local(moment: datetime.datetime, time_zone: str) -> tuple[int, datetime.time]:
    """The practice's weekday and wall-clock time at `moment` (aware)."""
    local = moment.astimezone(zone(time_zone))
    return local.weekday(), local.time().replace(tzinfo=None)


def _open_during(period, weekday: int, now: datetime.time) -> bool:
    # Closing time is exclusive, except that a period closing at END_OF_DAY includes that last minute.
    return period.weekday == weekday and period.opens <= now and (now < period.closes or period.closes >= END_OF_DAY)


def is_open_at(periods: Iterable, moment: datetime.datetime, time_zone: str) -> bool:
    """Whether the practice is open at `moment` (aware), read on the practice's own clock."""
    weekday, now = _local(moment, time_zone)
    return any(_open_during(p, weekday, now) for p in periods)


@dataclass(frozen=True)
class OpenStatus:
    """Open or closed now on the practice's clock, and when that changes: "Open now · until 6 pm", "Closed now ·
    opens Tuesday 9 am" (times as clock() writes them). `at` is a wall-clock time of the practice `days_ahead` days
    from today."""

    is_open: bool
    at: datetime.time
    days_ahead: int  # 0 today, 1 to 6 later this week, 7 the same weekday next week
    weekday: int

    @property
    def label(self) -> str:
        return "Open now" if self.is_open else "Closed now"

    @property
    def detail(self) -> str:
        if self.is_open:
            return f"until {clock(self.at)}" if not self.days_ahead else f"until {self._day()} {clock(self.at)}"
        return f"opens {self._day()} {clock(self.at)}"

    def _day(self) -> str:
        name = OpeningPeriod.Weekday(self.weekday).label
        return {0: "today", 7: f"next {name}"}.get(self.days_ahead, name)


def open_status(periods: Iterable, moment: datetime.datetime, time_zone: str) -> OpenStatus | None:
    """Whether the practice is open at `moment` (aware) on its own clock, and until when or from when; None when
    it lists no hours (a by-appointment practice says so instead). A period running to midnight that the next
    day's period continues from 00:00 reads as one stretch ("until Tuesday 2 am"), as a night owl's hours do."""
    periods = list(periods)
    if not periods:
        return None
    weekday, now = _local(moment, time_zone)
    current = next((p for p in periods if _open_during(p, weekday, now)), None)
    if current is not None:
        return _open_until(periods, current, weekday)
    days_ahead, period = _next_opening(periods, weekday, now)
    return OpenStatus(is_open=False, at=period.opens, days_ahead=days_ahead, weekday=period.weekday)


def _open_until(periods: list, current, weekday: int) -> OpenStatus:
    """Open in `current`: follow it into the next days while each runs to midnight and the next opens at 00:00."""
    by_start = {(p.weekday, p.opens): p for p in periods}
    days_ahead = 0
    while current.closes >= END_OF_DAY and days_ahead < 6:
        following = by_start.get(((current.weekday + 1) % 7, datetime.time(0, 0)))
        if following is None:
            break
        current, days_ahead = following, days_ahead + 1
    return OpenStatus(is_open=True, at=current.closes, days_ahead=days_ahead, weekday=(weekday + days_ahead) % 7)


def _next_opening(periods: list, weekday: int, now: datetime.time) -> tuple[int, object]:
    """The next period to open after `now`, with how many days ahead: today's later periods first, then the coming
    days, and a period earlier today than `now` opens again next week."""

    def days_until(period) -> int:
        ahead = (period.weekday - weekday) % 7
        return 7 if ahead == 0 and period.opens <= now else ahead

    period = min(periods, key=lambda p: (days_until(p), p.opens))
    return days_until(period), period


@dataclass(frozen=True)
class DayHours:
    label: str
    periods: tuple[str, ...]  # "9 am–noon" (or "09:00–12:00" outside the US, as clock() writes); empty when closed


def weekly_hours(periods: Iterable) -> list[DayHours]:
    """Monday to Sunday, each with its periods in order; "Closed" days included, as a profile shows them."""
    by_day: dict[int, list] = {}
    for period in periods:
        by_day.setdefault(period.weekday, []).append(period)
    days = []
    for weekday, label in OpeningPeriod.Weekday.choices:
        ordered = sorted(by_day.get(weekday, []), key=lambda p: p.opens)
        days.append(DayHours(label, tuple(f"{clock(p.opens)}–{clock(p.closes)}" for p in ordered)))
    return days
