"""Free-text search over the directory that forgives typos: full text and pg_trgm on PostgreSQL, FTS5 on SQLite.

PostgreSQL: the full-text document below is what migration 0003 indexes, written out there as SQL; a test
holds the two together, so the planner can use the index for every text search.

SQLite (3.34+): migration 0006's FTS5 tables, kept in step by triggers. Every word of the text must be
found, either as a substring of the name, city, headline or bio (the trigram index), or as a word of the
name or city that resembles it ("johnsen" -> "johnson": pg_trgm's word similarity against the indexed word
list, cached). Specialty names are matched by trigram similarity in Python against the small cached
vocabulary ("sweedish" -> Swedish). So, caches warm, a text search costs no query of its own.
"""

import re
import sqlite3
from collections import Counter

from django.contrib.postgres.search import SearchQuery, SearchVector, TrigramWordSimilarity
from django.core.cache import cache
from django.db import connection
from django.db.models import Exists, OuterRef, Q
from django.db.models.expressions import RawSQL

from . import vocabulary
from .models import Specialty, Therapist
from .places import normalise_name

FTS_CONFIG = "english"
# Specialty names within this trigram similarity of a word count as named by it ("sweedish").
SPECIALTY_SIMILARITY = 0.5
# A word of a name or city counts as meant by a typed word from this word similarity on (pg_trgm's default
# for `<%`, which `trigram_word_similar` uses on PostgreSQL).
WORD_SIMILARITY = 0.6
# Migration 0006 builds the FTS5 tables only where the trigram tokenizer exists.
SQLITE_TRIGRAM = sqlite3.sqlite_version_info >= (3, 34, 0)
# The trigram index finds substrings of at least three characters; shorter words are scanned for.
TRIGRAM_MIN = 3
# Words of the text that take part in a search; the rest are ignored (each costs a subquery).
MAX_WORDS = 6


def trigrams(word: str) -> set[str]:
    """pg_trgm's trigrams of one word: lower case, padded with two spaces before and one after."""
    padded = f"  {word.casefold()} "
    return {padded[i : i + 3] for i in range(len(padded) - 2)}


def similarity(a: str, b: str) -> float:
    """pg_trgm's similarity() of two words: shared trigrams over all trigrams of both."""
    first, second = trigrams(a), trigrams(b)
    return len(first & second) / len(first | second)


def _alphanumeric_words(text: str) -> list[str]:
    # Lower case without accents, as the unicode61 tokenizer (remove_diacritics 2) indexes words.
    return re.findall(r"[^\W_]+", normalise_name(text))


def fts_document():
    """The weighted PostgreSQL full-text document: name first, then city and headline, then the bio."""
    return (
        SearchVector("name", weight="A", config=FTS_CONFIG)
        + SearchVector("city", weight="B", config=FTS_CONFIG)
        + SearchVector("headline", weight="B", config=FTS_CONFIG)
        + SearchVector("bio", weight="C", config=FTS_CONFIG)
    )


def specialties_named(text: str) -> list[int]:
    """Specialties the text names: by substring, and by trigram similarity ("sweedish" names Swedish)."""
    folded = text.casefold()
    ids = [
        term.id
        for term in vocabulary.vocabulary()["specialty"]
        if term.name.casefold() in folded or folded in term.name.casefold()
    ]
    if connection.vendor == "sqlite":
        # The vocabulary is small and cached: compare every word of the text with every word of each name.
        words = _alphanumeric_words(text)
        ids += [
            term.id
            for term in vocabulary.vocabulary()["specialty"]
            if any(
                similarity(word, name_word) >= SPECIALTY_SIMILARITY
                for word in words
                for name_word in _alphanumeric_words(term.name)
            )
        ]
    elif connection.vendor == "postgresql":
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
    elif connection.vendor == "sqlite" and SQLITE_TRIGRAM:
        matches = Q()
        for word in text.split()[:MAX_WORDS]:
            matches &= _sqlite_word_matches(word)
    else:
        matches = _substring(text)
    if specialty_ids:
        offered = Therapist.specialties.through.objects.filter(
            therapist_id=OuterRef("pk"), specialty_id__in=specialty_ids
        )
        matches |= Q(Exists(offered))
    return queryset.filter(matches)


def _substring(text: str) -> Q:
    """The text anywhere in the name, city, headline or bio (a scan; for what the trigram index cannot find)."""
    return Q(name__icontains=text) | Q(city__icontains=text) | Q(headline__icontains=text) | Q(bio__icontains=text)


def _fts_string(text: str) -> str:
    """An FTS5 string literal: the text in double quotes, its own double quotes doubled."""
    return '"' + text.replace('"', '""') + '"'


TEXT_MATCH_SQL = "SELECT rowid FROM therapist_text WHERE therapist_text MATCH %s"
WORDS_MATCH_SQL = "SELECT rowid FROM therapist_words WHERE therapist_words MATCH %s"
# The indexed words of names and cities by trigram, read from `therapist_words_vocab` (a walk of the whole word
# index, about 13 ms at 100,000 therapists) once per CACHE_SECONDS: a name added meanwhile is found at once by
# its letters, and forgiven its typos once the list is read again.
WORDS_CACHE_KEY = "search:words:v1"
WORDS_CACHE_SECONDS = 300
# The most similar words a typed word stands for, at most.
MAX_SIMILAR = 20


def _word_index() -> dict[str, list[str]]:
    index = cache.get(WORDS_CACHE_KEY)
    if index is None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT term FROM therapist_words_vocab")
            terms = [row[0] for row in cursor.fetchall()]
        index = {}
        for term in terms:
            for gram in trigrams(term):
                index.setdefault(gram, []).append(term)
        cache.set(WORDS_CACHE_KEY, index, WORDS_CACHE_SECONDS)
    return index


def similar_words(word: str) -> list[str]:
    """Indexed words of names and cities that hold at least WORD_SIMILARITY of the word's trigrams (pg_trgm's
    word similarity, as `trigram_word_similar` on PostgreSQL), the most similar first."""
    wanted = trigrams(word)
    index = _word_index()
    shared = Counter(term for gram in wanted for term in index.get(gram, ()))
    close = [(count, term) for term, count in shared.items() if count >= WORD_SIMILARITY * len(wanted)]
    return [term for _count, term in sorted(close, key=lambda item: (-item[0], item[1]))[:MAX_SIMILAR]]


def _sqlite_word_matches(word: str) -> Q:
    """Therapists where the word is found: as a substring of name, city, headline or bio (the trigram index),
    or as a word of the name or city that resembles it (the word index)."""
    if len(word) < TRIGRAM_MIN:
        return _substring(word)
    sql, params = TEXT_MATCH_SQL, [_fts_string(word)]
    parts = _alphanumeric_words(word)
    if len(parts) == 1 and len(parts[0]) >= TRIGRAM_MIN:
        similar = similar_words(parts[0])
        if similar:
            sql = " ".join([TEXT_MATCH_SQL, "UNION", WORDS_MATCH_SQL])
            params.append(" OR ".join(_fts_string(term) for term in similar))
    return Q(pk__in=RawSQL(sql, params))  # noqa: S611 - fixed SQL; the typed text travels as parameters
