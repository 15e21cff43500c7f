"""Distances as the site's readers count them: miles or kilometres, and the radius choices in that unit.

The URL keeps `radius_km` whatever the unit shown (the public contract), so every choice's value is a number of
kilometres that the search's `radius_km` filter accepts (at most 500, two decimals).

The contract's default radius, 25 km, is one of the choices on both units: on a mile site it is labelled
"15 miles" (25 km is 15.5 miles), the nearest whole choice, so the default is always the selected one.
"""

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

KM_PER_MILE = 1.609344
UNITS = ("mi", "km")
# Whole numbers of the unit a reader picks from; the one nearest the default radius carries its exact value.
RADIUS_STEPS = {"mi": (5, 10, 15, 25, 50, 100), "km": (5, 10, 25, 50, 100, 200)}
UNIT_NAMES = {"mi": ("mile", "miles"), "km": ("km", "km")}


def distance_unit() -> str:
    """ "mi" or "km", from settings.DISTANCE_UNIT."""
    unit = str(settings.DISTANCE_UNIT).strip().lower()
    if unit not in UNITS:
        raise ImproperlyConfigured(f"DISTANCE_UNIT must be one of {', '.join(UNITS)}, not {unit!r}.")
    return unit


def default_radius_km() -> float:
    return float(settings.SEARCH_DEFAULT_RADIUS_KM)


def to_unit(km: float, unit: str | None = None) -> float:
    return km / KM_PER_MILE if (unit or distance_unit()) == "mi" else km


def whole_units(km: float, unit: str | None = None) -> int:
    """A travel radius in whole units of the site, at least 1: a form that takes 10 miles stores 16 km, which
    reads back as 10 miles, not 9.9."""
    return max(1, round(to_unit(float(km), unit)))


def in_words(value, unit: str | None = None) -> str:
    """ "1 mile", "10 miles", "16 km": a number already in `unit` (the site's by default) with the unit's name."""
    singular, plural = UNIT_NAMES[unit or distance_unit()]
    return f"{value} {singular if str(value) == '1' else plural}"


def _number(value: float) -> str:
    """ "3.2", "12": one decimal under ten, whole numbers above (a reader does not need 12.4 miles)."""
    if value < 9.95:
        return f"{value:.1f}".removesuffix(".0")
    return f"{round(value):,}"


def format_distance(km: float) -> str:
    """A therapist's distance: "3.2 mi", "12 mi", "5 km"; under a tenth of the unit, "< 0.1 mi"."""
    unit = distance_unit()
    value = to_unit(float(km), unit)
    if value < 0.1:
        return f"< 0.1 {unit}"
    return f"{_number(value)} {unit}"


def label_distances(therapists) -> None:
    """Give each card its `distance_label` ("3.2 mi"), "" when the search has no place. Always set: a template's
    lookup of a missing attribute costs a dir() of the instance, twenty times a page."""
    for therapist in therapists:
        distance = getattr(therapist, "distance_km", None)
        therapist.distance_label = format_distance(distance) if distance is not None else ""


def format_radius(km: float) -> str:
    """A radius in words: "25 miles", "1 mile", "50 km"; a value off the choices keeps a decimal ("18.6 miles")."""
    unit = distance_unit()
    km = float(km)
    for value, label in _choices(unit):
        if abs(float(value) - km) < 0.005:
            return label
    return in_words(f"{to_unit(km, unit):,.1f}".removesuffix(".0"), unit)


def limit_in_words(km: float) -> str:
    """A largest distance in whole units of the site, rounded down so that it is within the limit: 500 km reads
    "310 miles" or "500 km"."""
    unit = distance_unit()
    return in_words(f"{int(to_unit(float(km), unit) + 1e-9):,}", unit)


def default_radius_value() -> str:
    """The default radius as the URL carries it ("25"): the value a search without `radius_km` uses."""
    return _km_value(default_radius_km())


def _km_value(km: float) -> str:
    """A radius for the URL: at most two decimals, no trailing zeros ("8.05", "25")."""
    return f"{km:.2f}".rstrip("0").rstrip(".")


def _choices(unit: str) -> list[tuple[str, str]]:
    steps = RADIUS_STEPS[unit]
    default = default_radius_km()
    # The step nearest the default stands for it, so the default radius is always one of the choices.
    nearest_default = min(steps, key=lambda step: abs(step * (KM_PER_MILE if unit == "mi" else 1) - default))
    choices = []
    for step in steps:
        km = default if step == nearest_default else step * (KM_PER_MILE if unit == "mi" else 1)
        choices.append((_km_value(km), in_words(step, unit)))
    return choices


def radius_choices(current: float | None = None) -> list[tuple[str, str]]:
    """(radius_km value for the URL, label in the site's unit), smallest first; the default radius included.

    `current`, a radius from the URL that is not one of the choices, is added in its place so that a select
    can show what the search uses.
    """
    choices = _choices(distance_unit())
    if current is None or any(abs(float(value) - float(current)) < 0.005 for value, _ in choices):
        return choices
    choices.append((_km_value(float(current)), format_radius(current)))
    return sorted(choices, key=lambda choice: float(choice[0]))
