"""What a practice offers and when: its menu of services by length and price, and its weekly opening hours.

Each write replaces the whole menu (or the whole week) in one transaction after checking all of it, so a refused
menu leaves the old one as it was. The menu keeps `Therapist.price_60`, the cheapest 60-minute price the search
reads for `max_price` (the contract), exact in the same transaction.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Min

from ..hours import Period, clock, opens_evenings, opens_weekends, overlaps
from ..models import (
    MAX_SERVICE_PRICE,
    MIN_SERVICE_PRICE,
    SESSION_LENGTHS,
    STANDARD_SESSION_MINUTES,
    OpeningPeriod,
    Service,
    Specialty,
    Therapist,
)


@dataclass(frozen=True)
class ServiceItem:
    """One line of the menu as the therapist states it."""

    specialty: Specialty
    minutes: int
    price: int


def _item_errors(item: ServiceItem, offered: set[int]) -> dict[str, str]:
    errors = {}
    if item.specialty.pk not in offered:
        errors["specialty"] = f"Add {item.specialty.name} to your types of massage first, or choose another type."
    if item.minutes not in SESSION_LENGTHS:
        lengths = ", ".join(str(m) for m in SESSION_LENGTHS)
        errors["minutes"] = f"Choose one of the usual lengths: {lengths} minutes."
    if not MIN_SERVICE_PRICE <= item.price <= MAX_SERVICE_PRICE:
        errors["price"] = f"Give a price between ${MIN_SERVICE_PRICE} and ${MAX_SERVICE_PRICE:,} for one session."
    return errors


def check_services(
    *, therapist: Therapist, items: Sequence[ServiceItem], lines: Sequence[int] | None = None
) -> list[dict[str, str]]:
    """Each item's errors by field (an empty dict for a good one), in the order given; the forms show them
    beside their fields. Two prices for one type and length are an error on the later one, which names the
    earlier one's line: `lines` are the line numbers the therapist sees (a form skips its empty and removed
    rows), 1, 2, 3... by default."""
    offered = set(therapist.specialties.values_list("pk", flat=True))
    numbers = list(lines) if lines is not None else list(range(1, len(items) + 1))
    seen: dict[tuple[int, int], int] = {}
    found = []
    for number, item in zip(numbers, items, strict=True):
        errors = _item_errors(item, offered)
        key = (item.specialty.pk, item.minutes)
        if key in seen and "minutes" not in errors:
            errors["minutes"] = (
                f"{item.specialty.name} for {item.minutes} minutes is already priced on line {seen[key]}."
            )
        seen.setdefault(key, number)
        found.append(errors)
    return found


def cheapest_standard_price(therapist: Therapist) -> int | None:
    return therapist.services.filter(minutes=STANDARD_SESSION_MINUTES).aggregate(low=Min("price"))["low"]


def therapist_set_services(
    *, therapist: Therapist, items: Sequence[ServiceItem], lines: Sequence[int] | None = None
) -> list[Service]:
    """Replace the menu; raises ValidationError (nothing changed) when any line is wrong.

    Each error is "Line N: ..." with the line, the field and the bare message in its params, so that a form can
    show it beside the field of its line (`lines`: the line numbers the therapist sees, as check_services).
    """
    numbers = list(lines) if lines is not None else list(range(1, len(items) + 1))
    with transaction.atomic():
        locked = Therapist.objects.lock(therapist.pk)
        errors = check_services(therapist=locked, items=items, lines=numbers)
        if any(errors):
            raise ValidationError(
                [
                    ValidationError(
                        "Line %(line)d: %(message)s",
                        code=field,
                        params={"line": number, "field": field, "message": message},
                    )
                    for number, line in zip(numbers, errors, strict=True)
                    for field, message in line.items()
                ]
            )
        locked.services.all().delete()
        saved = Service.objects.bulk_create(
            Service(therapist=locked, specialty=item.specialty, minutes=item.minutes, price=item.price)
            for item in items
        )
        _refresh_standard_price(locked)
    return saved


def services_drop_unoffered(*, therapist: Therapist) -> int:
    """After the therapist's types of massage change: drop the services of types they no longer offer.
    Call inside the profile's transaction, the therapist's row locked. Returns services dropped."""
    dropped, _ = therapist.services.exclude(specialty__in=therapist.specialties.all()).delete()
    if dropped:
        _refresh_standard_price(therapist)
    return dropped


def _refresh_standard_price(therapist: Therapist) -> None:
    """The columns the search reads of the menu: the cheapest 60-minute price and whether there is a menu."""
    therapist.price_60 = cheapest_standard_price(therapist)
    therapist.lists_prices = therapist.services.exists()
    # updated_at too: it versions the search's cached counts, and the price filter's counts change.
    therapist.save(update_fields=["price_60", "lists_prices", "updated_at"])


def check_hours(periods: Sequence[Period]) -> dict[int, list[str]]:
    """What is wrong with a week of opening periods, by weekday, in words a therapist reads beside that day's
    hours (a weekday outside the week is keyed by itself); empty when the week is good."""
    days = dict(OpeningPeriod.Weekday.choices)
    errors: dict[int, list[str]] = {}
    for period in periods:
        if period.weekday not in days:
            errors.setdefault(period.weekday, []).append("Choose a day of the week.")
        elif period.closes <= period.opens:
            errors.setdefault(period.weekday, []).append(
                f"{days[period.weekday]}: closing time ({clock(period.closes)}) must be after opening time "
                f"({clock(period.opens)}). For hours past midnight, add the rest to the next day."
            )
    for earlier, later in overlaps(p for p in periods if p.weekday in days):
        errors.setdefault(later.weekday, []).append(
            f"{days[later.weekday]}: {clock(later.opens)}–{clock(later.closes)} overlaps "
            f"{clock(earlier.opens)}–{clock(earlier.closes)}."
        )
    return errors


def therapist_set_hours(*, therapist: Therapist, periods: Sequence[Period], by_appointment: bool) -> None:
    """Replace the weekly hours; raises ValidationError (nothing changed) when they are inverted or overlap."""
    errors = check_hours(periods)
    if errors:
        # The weekday in each error's params lets a form show it beside that day's hours.
        raise ValidationError(
            [
                ValidationError("%(message)s", code="hours", params={"weekday": day, "message": message})
                for day in sorted(errors)
                for message in errors[day]
            ]
        )
    with transaction.atomic():
        locked = Therapist.objects.lock(therapist.pk)
        locked.opening_periods.all().delete()
        OpeningPeriod.objects.bulk_create(
            OpeningPeriod(therapist=locked, weekday=p.weekday, opens=p.opens, closes=p.closes) for p in periods
        )
        locked.by_appointment = by_appointment
        # What the search's day filters read, kept with the week it describes.
        locked.open_weekends = opens_weekends(periods)
        locked.open_evenings = opens_evenings(periods)
        locked.save(update_fields=["by_appointment", "open_weekends", "open_evenings", "updated_at"])
