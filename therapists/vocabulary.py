"""The small vocabularies (specialties, focus areas, languages, amenities), read in one query and cached."""

from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import F, Value

from .models import Amenity, FocusArea, Language, Specialty, Therapist

CACHE_KEY = "vocabulary:v2"
CACHE_SECONDS = 300
KINDS = ("specialty", "focus", "language", "amenity")
# How a therapist is linked to the terms of each kind: (through model, its column), for filters and reads.
LINKS = {
    "specialty": (Therapist.specialties.through, "specialty_id"),
    "language": (Therapist.languages.through, "language_id"),
    "focus": (Therapist.focus_areas.through, "focusarea_id"),
    "amenity": (Therapist.amenities.through, "amenity_id"),
}
TERM_MODELS = {"specialty": Specialty, "focus": FocusArea, "language": Language, "amenity": Amenity}


@dataclass(frozen=True)
class Term:
    id: int
    slug: str
    name: str
    description: str = ""
    # Its bit in Therapist.<kind>_bits (therapists.term_bits).
    bit: int | None = None


def _load() -> dict[str, list[Term]]:
    # One UNION query for all four tables; positions order the lists after.
    specialty = Specialty.objects.order_by().annotate(kind=Value("specialty"), key=F("slug"), rank=F("position"))
    focus = FocusArea.objects.order_by().annotate(kind=Value("focus"), key=F("slug"), rank=F("position"))
    amenity = Amenity.objects.order_by().annotate(kind=Value("amenity"), key=F("slug"), rank=F("position"))
    language = Language.objects.order_by().annotate(
        kind=Value("language"), key=F("code"), rank=Value(0), description=Value("")
    )
    columns = ("kind", "pk", "key", "name", "rank", "description", "bit")
    union = specialty.values_list(*columns).union(
        focus.values_list(*columns), amenity.values_list(*columns), language.values_list(*columns), all=True
    )
    result: dict[str, list[tuple]] = {kind: [] for kind in KINDS}
    for kind, pk, key, name, rank, description, bit in union:
        result[kind].append((rank, name, Term(pk, key, name, description, bit)))
    return {kind: [term for _, _, term in sorted(items, key=lambda item: item[:2])] for kind, items in result.items()}


def vocabulary() -> dict[str, list[Term]]:
    terms = cache.get(CACHE_KEY)
    if terms is None:
        terms = _load()
        cache.set(CACHE_KEY, terms, CACHE_SECONDS)
    return terms


def clear_vocabulary_cache() -> None:
    cache.delete(CACHE_KEY)


def by_id(kind: str) -> dict[int, Term]:
    return {term.id: term for term in vocabulary()[kind]}


def by_slug(kind: str) -> dict[str, Term]:
    return {term.slug: term for term in vocabulary()[kind]}
