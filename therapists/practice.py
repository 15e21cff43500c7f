"""What a profile says about the practice: its menu of services, where it is, when it is open and how to pay.

Read for the profile page (selectors.therapist_profile), on the practice's own clock and in the site's unit.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import F, IntegerField, TimeField, Value
from django.utils.text import capfirst

from . import hours, units
from .models import SESSION_LENGTHS, OpeningPeriod, Service, Therapist


@dataclass(frozen=True, order=True)
class MenuLine:
    """One length of a type of massage and its price ("60 min — $95"); orders cheapest first, then shortest."""

    price: int
    minutes: int


@dataclass(frozen=True)
class MenuGroup:
    """A type of massage on the menu with its lengths, in the order of SESSION_LENGTHS."""

    specialty: str
    lines: tuple[MenuLine, ...]


def offerings(therapist: Therapist) -> tuple[list[MenuGroup], list[hours.Period]]:
    """The menu and the opening periods in one UNION query: the two tables' columns are made one shape (a time
    column is empty on a service line, a price on a period), so services and hours add one query, not two."""
    no_time, no_number = Value(None, output_field=TimeField()), Value(None, output_field=IntegerField())
    columns = ("kind", "key", "name", "rank", "length", "cost", "opens_at", "closes_at")
    # Periods first: the first part's columns decide how each value is read back (times from SQLite's text).
    periods = OpeningPeriod.objects.filter(therapist=therapist).order_by().annotate(
        kind=Value("period"), key=F("weekday"), name=Value(""), rank=no_number, length=no_number, cost=no_number,
        opens_at=F("opens"), closes_at=F("closes"),
    ).values_list(*columns)  # fmt: skip
    services = Service.objects.filter(therapist=therapist).order_by().annotate(
        kind=Value("service"), key=F("specialty_id"), name=F("specialty__name"), rank=F("specialty__position"),
        length=F("minutes"), cost=F("price"), opens_at=no_time, closes_at=no_time,
    ).values_list(*columns)  # fmt: skip
    found_periods, lines = [], defaultdict(list)
    for kind, key, name, rank, length, cost, opens, closes in periods.union(services, all=True):
        if kind == "period":
            found_periods.append(hours.Period(weekday=key, opens=opens, closes=closes))
        else:
            lines[(rank, name, key)].append(MenuLine(price=cost, minutes=length))
    menu = [
        MenuGroup(specialty=name, lines=tuple(sorted(found, key=lambda line: SESSION_LENGTHS.index(line.minutes))))
        for (_, name, _), found in sorted(lines.items())
    ]
    return menu, found_periods


@dataclass(frozen=True)
class Location:
    """Where the practice is, as far as the therapist shows it, and a link for the client's own map app."""

    street_address: str  # "" when the therapist shows only the area
    area: str  # "Denver, CO 80202"
    travel_radius: str  # "10 miles" when they travel to the client within a radius; "" otherwise
    directions_url: str


def practice_location(therapist: Therapist) -> Location:
    """The street only when the therapist chose to show it (many work from home); directions then lead to the
    street, otherwise to the area. The link is built here, never a map loaded from another site."""
    street = therapist.street_address.strip() if therapist.show_address else ""
    region_and_code = " ".join(part for part in (therapist.region, therapist.postal_code) if part)
    area = ", ".join(part for part in (therapist.city, region_and_code) if part)
    destination = ", ".join(part for part in (street, area) if part)
    base = settings.DIRECTIONS_URL
    separator = "&" if "?" in base else "?"
    radius_km = therapist.travel_radius_km if therapist.travels_to_client else None
    return Location(
        street_address=street,
        area=area,
        travel_radius=units.in_words(units.whole_units(radius_km)) if radius_km else "",
        directions_url=f"{base}{separator}{urlencode({'destination': destination})}",
    )


@dataclass(frozen=True)
class Hours:
    """The week as the profile shows it, on the practice's clock, and whether it is open now."""

    week: list[hours.DayHours]
    status: hours.OpenStatus | None  # None when no hours are listed
    zone_city: str  # "Denver", for "(Denver time)"
    by_appointment: bool

    @property
    def listed(self) -> bool:
        return any(day.periods for day in self.week)


def practice_hours(therapist: Therapist, periods: list[hours.Period], moment: datetime.datetime) -> Hours:
    time_zone = hours.time_zone_for(therapist.region, therapist.country)
    return Hours(
        week=hours.weekly_hours(periods),
        status=hours.open_status(periods, moment, time_zone),
        zone_city=hours.zone_city(time_zone),
        by_appointment=therapist.by_appointment,
    )


# The ways to pay, by their model fields: the labels are the fields' own ("Cash", "Credit or debit card", ...).
PAYMENT_METHOD_FIELDS = ("accepts_cash", "accepts_card", "accepts_hsa_fsa")


@dataclass(frozen=True)
class Payment:
    """How to pay, as the therapist stated it."""

    methods: tuple[str, ...]
    hsa_receipts: bool
    gift_cards: bool
    cancellation_policy: str

    @classmethod
    def of(cls, therapist: Therapist) -> "Payment":
        return cls(
            methods=tuple(
                capfirst(Therapist._meta.get_field(name).verbose_name)
                for name in PAYMENT_METHOD_FIELDS
                if getattr(therapist, name)
            ),
            hsa_receipts=therapist.gives_hsa_receipts,
            gift_cards=therapist.sells_gift_cards,
            cancellation_policy=therapist.cancellation_policy.strip(),
        )

    @property
    def stated(self) -> bool:
        """Whether the therapist said anything about paying (otherwise the profile says "Ask about payment")."""
        return bool(self.methods or self.hsa_receipts or self.gift_cards or self.cancellation_policy)
