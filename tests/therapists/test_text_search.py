"""Free text that forgives typos on the embedded default too (issue 12, point 10).

On SQLite the text is matched through migration 0006's FTS5 tables (trigram substrings, and the indexed
words of names and cities for typos), kept in step by triggers; on PostgreSQL through full text and pg_trgm.
The behaviour tests run on both; the index tests are SQLite's.
"""

import importlib
from http import HTTPStatus

import pytest
from django.db import IntegrityError, connection, transaction

from therapists import search
from therapists.models import Specialty, Therapist

from ..factories import TherapistFactory
from .helpers import SEARCH_URL, slugs

pytestmark = pytest.mark.django_db
migration = importlib.import_module("therapists.migrations.0006_sqlite_text_search")

SQLITE_ONLY = pytest.mark.skipif(
    connection.vendor != "sqlite" or not search.SQLITE_TRIGRAM, reason="the FTS5 tables are SQLite's"
)


@pytest.fixture
def people(vocab):
    """Four therapists whose words the typos below are near to, and one that none of them means."""
    TherapistFactory(slug="swedish", name="Ann Lee", city="Boulder", specialties=[vocab["swedish"]], bio="")
    TherapistFactory(slug="johnson", name="Maria Johnson", city="Boulder", specialties=[vocab["thai"]], bio="")
    TherapistFactory(slug="denver", name="Bo Park", city="Denver", specialties=[vocab["thai"]], bio="")
    TherapistFactory(slug="listener", name="Kim Ford", city="Boulder", bio="I listen first, then we begin.")
    TherapistFactory(slug="other", name="Maria Ford", city="Aurora", specialties=[vocab["thai"]], bio="Quiet.")


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("sweedish", ["swedish"]),  # a specialty, misspelt
        ("johnsen", ["johnson"]),  # a surname, misspelt
        ("JOHNSEN", ["johnson"]),
        ("maria johnsen", ["johnson"]),  # every word must be found: not Maria Ford
        ("denvr", ["denver"]),  # a city, misspelt
        ("listen", ["listener"]),  # a word of the bio
        ("johnson", ["johnson"]),
        ("park", ["denver"]),
        ("zzyzx", []),
    ],
)
def test_text_search_forgives_typos_on_every_database(people, text, found):
    assert sorted(slugs({"q": text})) == found


def test_text_search_finds_words_inside_longer_words(vocab):
    TherapistFactory(slug="theresa", name="Theresa Quinn", bio="")
    TherapistFactory(slug="other", name="Kim Ford", bio="")
    assert slugs({"q": "quin"}) == ["theresa"]
    assert slugs({"q": "Theres"}) == ["theresa"]


@pytest.mark.parametrize(
    "text", ['"', '""', '"""', "a OR b", "NEAR(", "*", "^ann", "-ann", "ann*", "x:y", "(", "'", "%", "_", "💆‍♀️"]
)
def test_text_search_takes_the_query_language_as_plain_text(client, people, text):
    # FTS5 has its own query syntax: typed text must never reach it unquoted (a syntax error is a 500).
    response = client.get(SEARCH_URL, {"q": text})
    assert response.status_code == HTTPStatus.OK


@SQLITE_ONLY
@pytest.mark.parametrize(
    ("text", "found"),
    [("Sweedish massage", ["swedish"]), ("ann sweedish", ["swedish"]), ("ten %", ["percent"]), ("10 %", [])],
)
def test_text_search_on_sqlite_matches_each_word(people, text, found):
    TherapistFactory(slug="percent", name="Jo Quinn", city="Golden", bio="Ten % off for students.")
    TherapistFactory(slug="dollars", name="Al Quinn", city="Golden", bio="Ten dollars off.")
    assert sorted(slugs({"q": text})) == found


@pytest.mark.parametrize(
    ("text", "named"),
    [("sweedish", ["swedish"]), ("hot stoen", ["hot-stone"]), ("prenatl", ["prenatal"]), ("marisol", [])],
)
def test_specialties_named_forgives_typos(text, named):
    slugs_by_id = dict(Specialty.objects.values_list("pk", "slug"))
    assert [slugs_by_id[pk] for pk in search.specialties_named(text)] == named


def test_trigram_similarity_is_pg_trgm_s():
    # pg_trgm: select similarity('sweedish', 'swedish') -> 0.7; similarity('johnsen', 'johnson') -> 0.4545...
    assert search.similarity("sweedish", "swedish") == pytest.approx(0.7)
    assert search.similarity("johnsen", "Johnson") == pytest.approx(5 / 11)
    assert search.trigrams("Ann") == {"  a", " an", "ann", "nn "}


# --- the SQLite index, kept in step by triggers ---


def _fts_rows(table: str, text: str) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT rowid FROM {table} WHERE {table} MATCH %s ORDER BY rowid", [f'"{text}"'])  # noqa: S608
        return [row[0] for row in cursor.fetchall()]


def _integrity_check():
    # For an external-content table, FTS5 compares its index with the therapist rows: raises if they differ.
    with connection.cursor() as cursor:
        for table in ("therapist_text", "therapist_words"):
            cursor.execute(f"INSERT INTO {table}({table}, rank) VALUES ('integrity-check', 1)")  # noqa: S608


@SQLITE_ONLY
def test_migration_installs_the_tables_and_their_triggers():
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'therapists_therapist'")
        triggers = {row[0] for row in cursor.fetchall()}
    # A later migration that rebuilds the therapist table drops these: it must create them again.
    assert triggers >= set(migration.TRIGGERS)
    assert {"therapist_text", "therapist_words", "therapist_words_vocab"} <= set(connection.introspection.table_names())


@SQLITE_ONLY
def test_triggers_keep_the_index_in_step_with_every_write(vocab):
    therapist = TherapistFactory(name="Maria Johnson", city="Boulder", bio="Hot stones.")
    assert _fts_rows("therapist_text", "johnson") == [therapist.pk]
    assert _fts_rows("therapist_words", "johnson") == [therapist.pk]

    therapist.name, therapist.city = "Maria Jansen", "Golden"
    therapist.save()
    assert _fts_rows("therapist_text", "johnson") == _fts_rows("therapist_words", "boulder") == []
    assert _fts_rows("therapist_words", "jansen") == _fts_rows("therapist_text", "golden") == [therapist.pk]
    assert slugs({"q": "jansn"}) == [therapist.slug]

    Therapist.objects.filter(pk=therapist.pk).update(bio="Cupping only.")  # a queryset update, no save()
    assert _fts_rows("therapist_text", "cupping") == [therapist.pk]
    assert _fts_rows("therapist_text", "stones") == []
    _integrity_check()

    Therapist.objects.bulk_create(
        [Therapist(name=f"Bulk Johnson {i}", slug=f"bulk-{i}", city="Denver") for i in range(3)]
    )  # as seed_demo inserts
    assert len(_fts_rows("therapist_words", "johnson")) == 3
    _integrity_check()

    Therapist.objects.filter(name__startswith="Bulk").delete()
    therapist.delete()
    assert _fts_rows("therapist_words", "johnson") == _fts_rows("therapist_text", "jansen") == []
    _integrity_check()
    assert slugs({"q": "johnsen"}) == []


@SQLITE_ONLY
def test_a_failed_write_leaves_the_index_as_it_was(vocab):
    TherapistFactory(slug="taken", name="Kim Ford")
    with pytest.raises(IntegrityError), transaction.atomic():
        TherapistFactory(slug="fresh", name="Zed Rollback")
        TherapistFactory(slug="taken", name="Zed Again")
    assert _fts_rows("therapist_words", "zed") == []
    _integrity_check()


class _Editor:
    """What the migration's steps use of a schema editor, on the test's connection (already in a transaction)."""

    connection = connection

    @staticmethod
    def execute(sql, params=None):
        with connection.cursor() as cursor:
            cursor.execute(sql)


@SQLITE_ONLY
def test_a_kept_database_is_indexed_when_the_migration_runs(vocab):
    therapist = TherapistFactory(name="Maria Johnson", city="Boulder")
    migration.backward(None, _Editor)
    migration.forward(None, _Editor)
    assert _fts_rows("therapist_words", "johnson") == [therapist.pk]
    assert slugs({"q": "johnsen"}) == [therapist.slug]
    _integrity_check()


# --- what a text search costs ---

# The search page with a text: the same queries as without one on SQLite (the typo expansion is a subquery
# of the page's statements, specialties are matched against the cached vocabulary); PostgreSQL adds its
# trigram match of specialty names (therapists.search.specialties_named).
TEXT_SEARCH_QUERIES = {"sqlite": 3, "postgresql": 4}


@pytest.mark.parametrize("text", ["sweedish", "johnsen", "maria johnsen", "Ann Sweedish"])
def test_text_search_page_runs_a_fixed_number_of_queries(page_queries, people, text):
    page_queries(SEARCH_URL, TEXT_SEARCH_QUERIES[connection.vendor], {"q": text})
