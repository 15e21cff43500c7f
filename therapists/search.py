"""Free-text search over the directory: the full-text document on PostgreSQL, substrings on SQLite.

The full-text document below is what migration 0003 indexes, written out there as SQL; a test holds
the two together, so the planner can use the index for every text search.
"""

from django.contrib.postgres.search import SearchQuery, SearchVector, TrigramWordSimilarity
from django.db import connection
from django.db.models import Exists, OuterRef, Q

from . import vocabulary
from .models import Specialty, Therapist

FTS_CONFIG = "english"
# Specialty names within this trigram similarity of a word count as named by it ("sweedish").
SPECIALTY_SIMILARITY = 0.5


def fts_document():
    """The weighted PostgreSQL full-text document: name first, then city and headline, then the bio."""
    return (
        SearchVector("name", weight="A", config=FTS_CONFIG)
        + SearchVector("city", weight="B", config=FTS_CONFIG)
        + SearchVector("headline", weight="B", config=FTS_CONFIG)
        + SearchVector("bio", weight="C", config=FTS_CONFIG)
    )


def specialties_named(text: str) -> list[int]:
    """Specialties the text names: by substring everywhere, by trigram similarity on PostgreSQL."""
    folded = text.casefold()
    ids = [
        term.id
        for term in vocabulary.vocabulary()["specialty"]
        if term.name.casefold() in folded or folded in term.name.casefold()
    ]
    if connection.vendor == "postgresql":
        ids += list(
            Specialty.objects.annotate(similarity=TrigramWordSimilarity(text, "name"))
            .filter(similarity__gte=SPECIALTY_SIMILARITY)
            .values_list("pk", flat=True)
        )
    return sorted(set(ids))


def matching_text(queryset, text: str, specialty_ids: list[int]):
    """Therapists whose name, city, headline or bio match the text, or who offer a specialty it names."""
    if connection.vendor == "postgresql":
        queryset = queryset.alias(search_document=fts_document())
        matches = Q(search_document=SearchQuery(text, search_type="websearch", config=FTS_CONFIG))
        matches |= Q(name__trigram_word_similar=text) | Q(city__trigram_word_similar=text)
    else:
        matches = Q(name__icontains=text) | Q(bio__icontains=text) | Q(city__icontains=text)
        matches |= Q(headline__icontains=text)
    if specialty_ids:
        offered = Therapist.specialties.through.objects.filter(
            therapist_id=OuterRef("pk"), specialty_id__in=specialty_ids
        )
        matches |= Q(Exists(offered))
    return queryset.filter(matches)
