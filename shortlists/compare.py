"""The side-by-side comparison: one row per criterion, one cell per therapist, the best value marked.

Rows are the article's five criteria (verified credentials, rating with its review count, the would-recommend
share, communication, cleanliness and environment), then specialties, experience, price, distance, languages and
whether they take new clients. Pure functions over therapists read by selectors.shortlist_therapists.

The rules every row keeps:
- A value nobody stated reads "Not stated", never a blank or a zero (no reviews, no 60-minute price, no years
  given, no place to measure from).
- "Best" marks the cells holding the best stated value (highest, or lowest for price and distance), compared as
  shown (ratings to one decimal, percentages whole), and only when the row tells the therapists apart: at least
  two stated values that are not all the same. Languages have no better or worse and are never marked.
"""

import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from therapists import units
from therapists.models import STANDARD_SESSION_MINUTES, VERIFIED_MEANING, Therapist
from therapists.places import EARTH_RADIUS_KM, Origin

NOT_STATED = "Not stated"


@dataclass(frozen=True)
class Cell:
    text: str
    detail: str = ""
    # (name, certified) for a list of specialties.
    items: tuple[tuple[str, bool], ...] = ()
    stated: bool = True
    best: bool = False


@dataclass(frozen=True)
class Row:
    key: str
    label: str
    cells: list[Cell]
    note: str = ""


@dataclass(frozen=True)
class Comparison:
    therapists: list[Therapist]
    rows: list[Row] = field(default_factory=list)
    origin: Origin | None = None


def distance_km(origin: Origin, therapist: Therapist) -> float | None:
    """Great-circle distance from the origin to the practice (the search's formula), None without a position."""
    if therapist.latitude is None or therapist.longitude is None:
        return None
    lat0, lng0 = math.radians(origin.latitude), math.radians(origin.longitude)
    lat1, lng1 = math.radians(therapist.latitude), math.radians(therapist.longitude)
    cosine = math.cos(lat0) * math.cos(lat1) * math.cos(lng1 - lng0) + math.sin(lat0) * math.sin(lat1)
    return EARTH_RADIUS_KM * math.acos(min(1.0, max(-1.0, cosine)))


def mark_best(cells: list[Cell], values: list[float | None], *, lowest: bool = False) -> list[Cell]:
    """The cells holding the best of the stated values marked, when the row tells them apart."""
    stated = [v for v in values if v is not None]
    if len(stated) < 2 or len(set(stated)) < 2:
        return cells
    best = min(stated) if lowest else max(stated)
    return [replace(cell, best=True) if value == best else cell for cell, value in zip(cells, values, strict=True)]


def _not_stated(why: str = "") -> Cell:
    return Cell(NOT_STATED, detail=why, stated=False)


def _score_row(key, label, therapists, value: Callable, cell: Callable, missing: str = "", **kwargs) -> Row:
    values = [value(t) for t in therapists]
    cells = [cell(t, v) if v is not None else _not_stated(missing) for t, v in zip(therapists, values, strict=True)]
    return Row(key, label, mark_best(cells, values, **kwargs))


def _rounded(number: float | None, digits: int = 1) -> float | None:
    return None if number is None else round(number, digits)


def _reviews(therapist: Therapist) -> str:
    count = therapist.review_count
    return f"{count} review{'' if count == 1 else 's'}"


def _of_five(number: float) -> str:
    return f"{number:.1f} of 5"


def _verified_row(therapists) -> Row:
    values = [1 if t.is_verified() else 0 for t in therapists]
    cells = [Cell("Verified") if v else Cell("Not verified yet") for v in values]
    return Row("verified", "Verified credentials", mark_best(cells, values), note=VERIFIED_MEANING)


def _rating_row(therapists) -> Row:
    return _score_row(
        "rating",
        "Rating",
        therapists,
        lambda t: _rounded(t.rating_avg) if t.review_count else None,
        lambda t, v: Cell(_of_five(v), detail=_reviews(t)),
        missing="no reviews yet",
    )


def _recommend_row(therapists) -> Row:
    return _score_row(
        "recommend",
        "Would recommend",
        therapists,
        lambda t: _rounded(t.recommend_pct, 0) if t.review_count else None,
        lambda t, v: Cell(f"{v:.0f}%", detail=f"of {_reviews(t)}"),
        missing="no reviews yet",
    )


def _communication_row(therapists) -> Row:
    return _score_row(
        "communication",
        "Communication",
        therapists,
        lambda t: _rounded(t.communication_avg),
        lambda t, v: Cell(_of_five(v)),
        missing="no reviews rate it yet",
    )


def _environment_row(therapists) -> Row:
    values = [_rounded(t.cleanliness_avg) for t in therapists]
    cells = []
    for therapist, value in zip(therapists, values, strict=True):
        amenities = ", ".join(term.name for term in therapist.amenity_terms)
        if value is None and not amenities:
            cells.append(_not_stated())
        else:
            text = f"Cleanliness {_of_five(value)}" if value is not None else f"Cleanliness: {NOT_STATED.lower()}"
            cells.append(Cell(text, detail=amenities or f"Amenities: {NOT_STATED.lower()}", stated=value is not None))
    return Row("environment", "Cleanliness and environment", mark_best(cells, values))


def _specialties_row(therapists) -> Row:
    values, cells = [], []
    for therapist in therapists:
        items = tuple((term.name, term.id in therapist.certified_specialty_ids) for term in therapist.specialty_terms)
        certified = sum(1 for _, is_certified in items if is_certified)
        values.append(certified if items else None)
        words = f"{certified} certified" if certified else "none certified"
        cells.append(Cell(words, items=items) if items else _not_stated())
    return Row("specialties", "Specialties", mark_best(cells, values), note="Best: the most certified specialties.")


def _experience_row(therapists) -> Row:
    return _score_row(
        "experience",
        "Experience",
        therapists,
        lambda t: t.years_experience or None,
        lambda t, v: Cell(f"{v} year{'' if v == 1 else 's'} in practice"),
    )


def _price_row(therapists) -> Row:
    values, cells = [], []
    for therapist in therapists:
        values.append(therapist.price_60)
        cheapest = getattr(therapist, "cheapest_session", None)
        if therapist.price_60 is not None:
            cells.append(Cell(f"${therapist.price_60} for {STANDARD_SESSION_MINUTES} min"))
        elif cheapest:
            price, minutes = cheapest
            cells.append(Cell(f"From ${price} for {minutes} min", detail=f"No {STANDARD_SESSION_MINUTES}-minute price"))
        else:
            cells.append(_not_stated())
    note = f"Best: the lowest price of a {STANDARD_SESSION_MINUTES}-minute session."
    return Row("price", "Price", mark_best(cells, values, lowest=True), note=note)


def _distance_row(therapists, origin: Origin | None) -> Row:
    if origin is None:
        return Row("distance", "Distance", [_not_stated("no place given") for _ in therapists])
    values = [distance_km(origin, t) for t in therapists]
    shown = [None if v is None else units.format_distance(v) for v in values]
    cells = [Cell(text) if text else _not_stated() for text in shown]
    # Compared as shown: two practices both "3.2 mi" away are equally near.
    as_shown = [None if v is None else round(units.to_unit(v), 1) for v in values]
    return Row("distance", "Distance", mark_best(cells, as_shown, lowest=True), note=f"From {origin.label}.")


def _languages_row(therapists) -> Row:
    cells = [
        Cell(", ".join(term.name for term in t.language_terms)) if t.language_terms else _not_stated()
        for t in therapists
    ]
    return Row("languages", "Languages", cells)


def accepting(therapist: Therapist) -> bool:
    """Whether the therapist takes new clients, as the search's `accepting` filter counts it: said, and confirmed
    within ACCEPTING_CONFIRMATION_DAYS."""
    return therapist.is_accepting_confirmed()


def _accepting_row(therapists) -> Row:
    values = [1 if accepting(t) else 0 for t in therapists]
    cells = [
        Cell("Accepting new clients")
        if value
        else Cell(
            "Accepting new clients (not confirmed recently)" if t.accepting_new_clients else "Not accepting new clients"
        )
        for t, value in zip(therapists, values, strict=True)
    ]
    return Row("accepting", "New clients", mark_best(cells, values))


def compare(therapists: list[Therapist], origin: Origin | None = None) -> Comparison:
    """The comparison of these therapists (terms and prices attached), distances measured from `origin`."""
    rows = [
        _verified_row(therapists),
        _rating_row(therapists),
        _recommend_row(therapists),
        _communication_row(therapists),
        _environment_row(therapists),
        _specialties_row(therapists),
        _experience_row(therapists),
        _price_row(therapists),
        _distance_row(therapists, origin),
        _languages_row(therapists),
        _accepting_row(therapists),
    ]
    return Comparison(therapists=therapists, rows=rows, origin=origin)
