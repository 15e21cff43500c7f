"""Free text that forgives typos on the embedded default too (issue 12, points 10 and 12).

Every word of the text applies. On SQLite a word is matched through migration 0006's FTS5 tables (trigram
substrings, and the indexed words of names and cities for typos), kept in step by triggers; on PostgreSQL
through full text and pg_trgm. A word that names a specialty or focus area (within an edit or two) or a
practical switch is also met by the therapists who offer it. The behaviour tests run on both; the index
tests are SQLite's.
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


@pytest.fixture
def places(vocab):
    """Thai, Swedish and Sports therapists in two cities, one who writes "Thai" and "Brooklyn" without offering Thai,
    one working on sciatica, one with allergy-friendly products and one who travels to clients."""
    sports, sciatica = Specialty.objects.get(slug="sports"), vocab["sciatica"]
    TherapistFactory(slug="thai-brooklyn", name="Ann Lee", city="Brooklyn", specialties=[vocab["thai"]], bio="")
    TherapistFactory(slug="thai-orlando", name="Bo Park", city="Orlando", specialties=[vocab["thai"]], bio="")
    TherapistFactory(slug="swedish-brooklyn", name="Kim Ford", city="Brooklyn", specialties=[vocab["swedish"]], bio="")
    TherapistFactory(slug="writes-thai", name="Jo Quinn", city="Queens", bio="Thai stretching, Brooklyn studio.")
    TherapistFactory(slug="sports-orlando", name="Al Moss", city="Orlando", specialties=[sports], bio="")
    TherapistFactory(slug="sciatica", name="Eve Dunn", city="Orlando", bio="").focus_areas.set([sciatica])
    TherapistFactory(slug="allergy-friendly", name="Cy Hale", city="Orlando", bio="", hypoallergenic_products=True)
    TherapistFactory(slug="travels", name="Di Roe", city="Orlando", bio="", travels_to_client=True)
    TherapistFactory(slug="johnson", name="Maria Johnson", city="Orlando", specialties=[vocab["swedish"]], bio="")


@pytest.mark.parametrize(
    ("text", "found"),
    [
        # Every word applies: a word naming a specialty is met by offering it or by its text match.
        ("thai brooklyn", ["thai-brooklyn", "writes-thai"]),
        ("brooklyn thai", ["thai-brooklyn", "writes-thai"]),  # in any order
        ("Brooklyn  THAI", ["thai-brooklyn", "writes-thai"]),
        ("thai orlando", ["thai-orlando"]),
        ("zzzz swedish", []),  # a word nobody matches finds nobody, whatever the others name
        ("swedish zzzz", []),
        ("hoover thai", []),
        ("sweedish brooklyn", ["swedish-brooklyn"]),
        ("swedish maria", ["johnson"]),
        ("sweedish johnsen", ["johnson"]),
        # A word within one edit of a specialty or focus area (two for longer words) names it.
        ("thia", ["thai-brooklyn", "thai-orlando"]),
        ("sprots", ["sports-orlando"]),
        ("sport", ["sports-orlando"]),
        ("sciatca", ["sciatica"]),
        ("sciatica orlando", ["sciatica"]),
        ("thia brooklyn", ["thai-brooklyn"]),
        # Words for the practical switches.
        ("allergy", ["allergy-friendly"]),
        ("hypoallergenic orlando", ["allergy-friendly"]),
        ("mobile", ["travels"]),
        ("home visits", ["travels"]),
        # The directory's own words and connecting words apply to everyone.
        ("thai massage in brooklyn", ["thai-brooklyn", "writes-thai"]),
        ("thia masage brooklyn", ["thai-brooklyn"]),
        ("johnsen", ["johnson"]),
        ("sweedish", ["johnson", "swedish-brooklyn"]),
    ],
)
def test_text_search_applies_every_word(places, text, found):
    assert sorted(slugs({"q": text})) == found


def test_text_search_ignores_words_past_the_limit(places):
    words = ["thai", "brooklyn", "ann", "lee", "thai", "brooklyn"]
    assert len(words) == search.MAX_WORDS
    assert slugs({"q": " ".join([*words, "zzzz"])}) == ["thai-brooklyn"]


def test_text_search_of_only_the_directory_s_words_finds_everyone(places):
    assert len(slugs({"q": "massage therapist"})) == Therapist.objects.count()


def test_text_search_follows_a_focus_area_s_links_as_they_change(places, vocab):
    therapist = Therapist.objects.get(slug="thai-orlando")
    therapist.focus_areas.set([vocab["sciatica"]])
    assert sorted(slugs({"q": "sciatca"})) == ["sciatica", "thai-orlando"]
    therapist.focus_areas.clear()
    assert slugs({"q": "sciatca"}) == ["sciatica"]


@pytest.mark.parametrize(
    ("a", "b", "distance"),
    [
        ("thai", "thai", 0),
        ("thia", "thai", 1),  # a transposition of adjacent letters is one edit
        ("sprots", "sports", 1),
        ("sciatca", "sciatica", 1),
        ("sweedish", "swedish", 1),
        ("ca", "abc", 3),  # optimal string alignment: no letter is edited twice
        ("", "abc", 3),
        ("kitten", "sitting", 3),
    ],
)
def test_edit_distance_is_damerau_levenshtein(a, b, distance):
    assert search.edit_distance(a, b) == distance == search.edit_distance(b, a)


@pytest.mark.parametrize(
    ("typed", "word", "named"),
    [
        ("hot", "hot", True),
        ("hit", "hot", False),  # three letters or fewer: only the word itself
        ("thia", "thai", True),  # four to six letters: one edit
        ("thaii", "thai", True),
        ("tahi", "thia", False),
        ("sprtos", "sports", False),  # two edits
        ("sciatca", "sciatica", True),  # seven or more: two edits
        ("sciatcaa", "sciatica", True),
        ("sxiatcaa", "sciatica", False),
        ("prena", "prenatal", True),  # the start of a word, from four letters
        ("pre", "prenatal", False),
    ],
)
def test_names_forgives_one_edit_for_short_words_and_two_for_long_ones(typed, word, named):
    assert search.names(typed, word) is named


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
    [
        ("sweedish", ["swedish"]),
        ("hot stoen", ["hot-stone"]),
        ("prenatl", ["prenatal"]),
        ("thia sprots", ["sports", "thai"]),
        ("marisol", []),
        ("sciatca", []),  # a focus area, not a specialty
        ("a", []),
    ],
)
def test_specialties_named_forgives_typos(text, named):
    slugs_by_id = dict(Specialty.objects.values_list("pk", "slug"))
    assert sorted(slugs_by_id[pk] for pk in search.specialties_named(text)) == named


def test_trigrams_are_pg_trgm_s():
    # pg_trgm: select show_trgm('Ann') -> {"  a"," an","ann","nn "}
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

# The search page with a text: the same queries as without one, on both databases (the typo expansion is a
# subquery of the page's statements; what each word names is found in the cached vocabulary, in Python).
TEXT_SEARCH_QUERIES = {"sqlite": 3, "postgresql": 3}


@pytest.mark.parametrize(
    "text", ["sweedish", "johnsen", "maria johnsen", "Ann Sweedish", "thai boulder", "denver thia massage"]
)
def test_text_search_page_runs_a_fixed_number_of_queries(page_queries, people, text):
    response = page_queries(SEARCH_URL, TEXT_SEARCH_QUERIES[connection.vendor], {"q": text})
    assert response.context["therapists"]
