"""Free-text search over the directory that forgives typos: full text and pg_trgm on PostgreSQL, FTS5 on SQLite.

Every word of the text applies (up to MAX_WORDS of them, in any order): "thai brooklyn" finds the Thai therapists
that Brooklyn matches, and "zzzz swedish" finds nobody. A word is met by its text match (below); a word that names
a specialty or focus area, or one of the practical switches (SWITCH_WORDS), is met as well by the therapists who
offer it. What a word names is found in Python against the small cached vocabulary, forgiving a typo or two
(`names`: "thia" names Thai, "sciatca" Sciatica), and tested on the link bits (therapists.term_bits), so naming
costs no query and reads no link row.

PostgreSQL: each word is matched against the full-text document below, which is what migration 0003 indexes,
written out there as SQL (a test holds the two together, so the planner can use the index for every word), or by
pg_trgm's word similarity to the name or city ("johnsen" -> Johnson), which 0003's trigram indexes serve.

SQLite (3.34+): migration 0006's FTS5 tables, kept in step by triggers. Each word is found either as a substring of
the name, city, headline or bio (the trigram index), or as a word of the name or city that resembles it
("johnsen" -> "johnson": pg_trgm's word similarity against the indexed word list, cached). So, caches warm, a text
search costs no query of its own on either database.
"""

import re
import sqlite3
import uuid
from collections import Counter
from dataclasses import dataclass, field

from django.contrib.postgres.search import SearchQuery, SearchVector
from django.core.cache import cache
from django.db import connection
from django.db.models import F, Func, IntegerField, Q
from django.db.models.expressions import RawSQL
from django.db.models.lookups import Exact, GreaterThan, In

from . import term_bits, vocabulary
from .places import normalise_name

FTS_CONFIG = "english"
# A word of a name or city counts as meant by a typed word from this word similarity on (pg_trgm's default
# for `<%`, which `trigram_word_similar` uses on PostgreSQL).
WORD_SIMILARITY = 0.6
# Migration 0006 builds the FTS5 tables only where the trigram tokenizer exists.
SQLITE_TRIGRAM = sqlite3.sqlite_version_info >= (3, 34, 0)
# The trigram index finds substrings of at least three characters; shorter words are scanned for.
TRIGRAM_MIN = 3
# Words of the text that take part in a search; the rest are ignored (each costs a subquery).
MAX_WORDS = 6

# --- what a word names ---

# The vocabularies whose terms a word of the text can name: a therapist linked to one meets the word.
NAMED_KINDS = ("specialty", "focus")
# Typed words of this many letters forgive one edit, and longer ones two ("sciatca" -> Sciatica); shorter ones
# must be the word itself ("hot", not "hit"), and from this length the start of a word names it too ("prena").
ONE_EDIT_FROM = 4
TWO_EDITS_FROM = 7
# Words every therapist here answers to, typos forgiven ("masage"): "thai massage" means Thai.
DIRECTORY_WORDS = frozenset({"massage", "massages", "masseuse", "masseur", "therapist", "therapists"})
# Words that join the others and name nothing: ignored as typed (PostgreSQL's full text drops them too), and never
# named in a term's name ("sand" does not name "Shoulder and neck tightness").
CONNECTING_WORDS = frozenset({"a", "an", "and", "at", "by", "for", "in", "me", "near", "of", "or", "the", "to", "with"})
# Words for the practical switches: a phrase (its words one after another, typos forgiven as above) names the
# column, whose therapists then meet each of its words. "Allergy" is asked of the allergy-friendly products
# ("Offers fragrance-free, hypoallergenic oils and lotions"), home visits of the therapists who travel to clients.
SWITCH_WORDS = {
    ("allergy",): "hypoallergenic_products",
    ("allergic",): "hypoallergenic_products",
    ("hypoallergenic",): "hypoallergenic_products",
    ("fragrance", "free"): "hypoallergenic_products",
    ("mobile",): "travels_to_client",
    ("home", "visits"): "travels_to_client",
    ("house", "calls"): "travels_to_client",
    ("outcall",): "travels_to_client",
}


def edit_distance(a: str, b: str) -> int:
    """The Damerau-Levenshtein distance of two words (as optimal string alignment): the insertions, deletions,
    substitutions and transpositions of adjacent letters that turn one into the other."""
    before, previous = [], list(range(len(b) + 1))
    for i, letter in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, other in enumerate(b, 1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (letter != other))
            if i > 1 and j > 1 and letter == b[j - 2] and a[i - 2] == other:
                current[j] = min(current[j], before[j - 2] + 1)
        before, previous = previous, current
    return previous[-1]


def names(typed: str, word: str) -> bool:
    """Whether a typed word (normalised) means a word of a name: the word itself, within one edit for typed words
    of four to six letters and two for longer ones, or from four letters its start."""
    if typed == word:
        return True
    if len(typed) < ONE_EDIT_FROM:
        return False
    allowed = 1 if len(typed) < TWO_EDITS_FROM else 2
    if word.startswith(typed):
        return True
    return abs(len(typed) - len(word)) <= allowed and edit_distance(typed, word) <= allowed


@dataclass(frozen=True)
class TextWord:
    """One word of the text, as typed, and what it names: the word is met by its text match or by any of these."""

    typed: str
    terms: dict[str, tuple[vocabulary.Term, ...]] = field(default_factory=dict)
    switches: frozenset[str] = frozenset()

    def names_terms(self, kind: str) -> tuple[vocabulary.Term, ...]:
        return self.terms.get(kind, ())


def _names_term(parts: list[str], term: vocabulary.Term) -> bool:
    """Every part of a typed word ("deep-tissue" is two) means a word of the term's name."""
    name_words = [word for word in _alphanumeric_words(term.name) if word not in CONNECTING_WORDS]
    return bool(parts) and all(any(names(part, word) for word in name_words) for part in parts)


def _switches_named(parts_by_word: list[list[str]]) -> list[set[str]]:
    """The switch columns each typed word names: a phrase of SWITCH_WORDS names its column when its words follow one
    another in the text (across typed words, or within one: "fragrance-free")."""
    parts = [(index, part) for index, word_parts in enumerate(parts_by_word) for part in word_parts]
    named: list[set[str]] = [set() for _ in parts_by_word]
    for phrase, column in SWITCH_WORDS.items():
        for start in range(len(parts) - len(phrase) + 1):
            window = parts[start : start + len(phrase)]
            if all(names(part, word) for (_, part), word in zip(window, phrase, strict=True)):
                for index, _ in window:
                    named[index].add(column)
    return named


def _ignored(parts: list[str]) -> bool:
    return bool(parts) and all(
        part in CONNECTING_WORDS or any(names(part, word) for word in DIRECTORY_WORDS) for part in parts
    )


def text_words(text: str) -> list[TextWord]:
    """The words of the text that take part in the search (at most MAX_WORDS, the directory's own words and
    connecting words left out), each with the specialties, focus areas and switches it names."""
    typed = [word for word in text.split() if not _ignored(_alphanumeric_words(word))]
    parts_by_word = [_alphanumeric_words(word) for word in typed]
    switches = _switches_named(parts_by_word)
    terms = vocabulary.vocabulary()
    words = []
    for word, parts, columns in list(zip(typed, parts_by_word, switches, strict=True))[:MAX_WORDS]:
        named = {kind: tuple(term for term in terms[kind] if _names_term(parts, term)) for kind in NAMED_KINDS}
        words.append(TextWord(word, named, frozenset(columns)))
    return words


def specialties_named(text: str) -> list[int]:
    """The ids of the specialties the words of the text name ("sweedish" names Swedish, "deep" Deep tissue)."""
    return sorted({term.id for word in text_words(text) for term in word.names_terms("specialty")})


# --- how a word is met ---


def trigrams(word: str) -> set[str]:
    """pg_trgm's trigrams of one word: lower case, padded with two spaces before and one after."""
    padded = f"  {word.casefold()} "
    return {padded[i : i + 3] for i in range(len(padded) - 2)}


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


def matching_text(queryset, text: str, *, in_sort_order: bool = False):
    """Therapists who meet every word of the text: by its text match, or by offering what it names (found here,
    word by word, against the cached vocabulary).

    `in_sort_order`: for the page's rows, read in the sort order until the page is full (see _sqlite_word_matches).
    """
    words = text_words(text)
    if connection.vendor == "postgresql" and words:
        queryset = queryset.alias(search_document=fts_document())
    matches = Q()
    for word in words:
        matches &= _word_matches(word, in_sort_order)
    return queryset.filter(matches)


def _word_matches(word: TextWord, in_sort_order: bool = False) -> Q:
    if connection.vendor == "postgresql":
        condition = _postgresql_word_matches(word.typed)
    elif connection.vendor == "sqlite" and SQLITE_TRIGRAM:
        condition = _sqlite_word_matches(word.typed, in_sort_order)
    else:
        condition = _substring(word.typed)
    for kind in NAMED_KINDS:
        if word.names_terms(kind):
            # As TherapistFilterSet._linked: offers any of the terms the word names.
            bits = sum(term_bits.mask(term.bit) for term in word.names_terms(kind))
            condition |= Q(GreaterThan(F(term_bits.BITS_COLUMNS[kind]).bitand(bits), 0))
    for column in sorted(word.switches):
        condition |= Q(**{column: True})
    return condition


def _postgresql_word_matches(word: str) -> Q:
    """The word in the indexed full-text document, or resembling a word of the name or city (pg_trgm)."""
    query = SearchQuery(word, search_type="plain", config=FTS_CONFIG)
    # Full text drops stop words ("very") from documents and queries alike: such a word asks nothing. The
    # planner folds this test of a constant away, leaving the document's match to its index.
    stop_word = Exact(Func(query, function="numnode", output_field=IntegerField()), 0)
    return (
        Q(search_document=query)
        | Q(stop_word)
        | Q(name__trigram_word_similar=word)
        | Q(city__trigram_word_similar=word)
    )


def _substring(text: str) -> Q:
    """The text anywhere in the name, city, headline or bio (a scan; for what the trigram index cannot find)."""
    return Q(name__icontains=text) | Q(city__icontains=text) | Q(headline__icontains=text) | Q(bio__icontains=text)


def _fts_string(text: str) -> str:
    """An FTS5 string literal: the text in double quotes, its own double quotes doubled."""
    return '"' + text.replace('"', '""') + '"'


TEXT_MATCH_SQL = "SELECT rowid FROM therapist_text WHERE therapist_text MATCH %s"
WORDS_MATCH_SQL = "SELECT rowid FROM therapist_words WHERE therapist_words MATCH %s"
# The indexed words of names and cities by trigram, read from `therapist_words_vocab` (a walk of the whole word
# index, about 13 ms at 100,000 therapists) once per WORDS_CACHE_SECONDS: a name added meanwhile is found at once by
# its letters, and forgiven its typos once the list is read again. Each process keeps its own copy of the list,
# under a token the shared cache holds for WORDS_CACHE_SECONDS: reading the list out of the cache (unpickling two
# thousand words and their trigrams, about 0.8 ms) on every text search cost more than the rest of its page query.
WORDS_CACHE_KEY = "search:words:v2"
WORDS_CACHE_SECONDS = 300
# The most similar words a typed word stands for, at most.
MAX_SIMILAR = 20
_word_indexes: dict[str, dict[str, list[str]]] = {}


def _word_index() -> dict[str, list[str]]:
    """This process's copy of the word list, read again from the database whenever the shared token changes
    (every WORDS_CACHE_SECONDS, and at once after the cache is cleared)."""
    token = cache.get(WORDS_CACHE_KEY)
    index = _word_indexes.get(token) if token is not None else None
    if index is None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT term FROM therapist_words_vocab")
            terms = [row[0] for row in cursor.fetchall()]
        index = {}
        for term in terms:
            for gram in trigrams(term):
                index.setdefault(gram, []).append(term)
        if token is None:
            token = uuid.uuid4().hex
            cache.set(WORDS_CACHE_KEY, token, WORDS_CACHE_SECONDS)
        _word_indexes.clear()
        _word_indexes[token] = index
    return index


def similar_words(word: str) -> list[str]:
    """Indexed words of names and cities that hold at least WORD_SIMILARITY of the word's trigrams (pg_trgm's
    word similarity, as `trigram_word_similar` on PostgreSQL), the most similar first."""
    wanted = trigrams(word)
    index = _word_index()
    shared = Counter(term for gram in wanted for term in index.get(gram, ()))
    close = [(count, term) for term, count in shared.items() if count >= WORD_SIMILARITY * len(wanted)]
    return [term for _count, term in sorted(close, key=lambda item: (-item[0], item[1]))[:MAX_SIMILAR]]


def _sqlite_word_matches(word: str, in_sort_order: bool = False) -> Q:
    """Therapists where the word is found: as a substring of name, city, headline or bio (the trigram index),
    or as a word of the name or city that resembles it (the word index).

    SQLite cannot tell how many rows a MATCH finds, and drives a query from them: right for a count, but a page
    of a frequent word ("listen": a quarter of 100,000 therapists) then reads and sorts every match (about 30 ms).
    `in_sort_order` lets the sort order's index drive and tests each row as it comes, so the page stops once
    full: an ASCII word by a substring test (LIKE, which for such a word finds what the trigram MATCH finds, and
    about 2 ms for "listen"); any other word, whose case LIKE would not fold, as `+id IN (...)`, which no index
    can serve, the matches becoming a lookup table probed per row (about 8 ms). A correlated MATCH would run once
    per row (over a second for a word that matches nobody).
    """
    if len(word) < TRIGRAM_MIN:
        return _substring(word)
    sql, params = TEXT_MATCH_SQL, [_fts_string(word)]
    parts = _alphanumeric_words(word)
    similar = similar_words(parts[0]) if len(parts) == 1 and len(parts[0]) >= TRIGRAM_MIN else []
    if in_sort_order and word.isascii():
        condition = _substring(word)
        if similar:
            condition |= _probed(RawSQL(WORDS_MATCH_SQL, [_or_of(similar)]))  # noqa: S611 - as below
        return condition
    if similar:
        sql = " ".join([TEXT_MATCH_SQL, "UNION", WORDS_MATCH_SQL])
        params.append(_or_of(similar))
    matches = RawSQL(sql, params)  # noqa: S611 - fixed SQL; the typed text travels as parameters
    return _probed(matches) if in_sort_order else Q(pk__in=matches)


def _or_of(terms: list[str]) -> str:
    return " OR ".join(_fts_string(term) for term in terms)


def _probed(matches: RawSQL) -> Q:
    """`+id IN (matches)`: a lookup table that each row read is probed in, never a list to drive the query from."""
    return Q(In(Func(F("pk"), template="(+%(expressions)s)", output_field=IntegerField()), matches))
