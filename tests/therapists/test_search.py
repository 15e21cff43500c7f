"""therapists.search: free-text search, word by word: FTS5 on SQLite, full text with trigrams on PostgreSQL."""

import pytest
from django.contrib.postgres.search import SearchQuery
from django.core.cache import cache
from django.db import connection

from therapists.models import Specialty, Therapist
from therapists.search import WORDS_CACHE_KEY, fts_document, similar_words, specialties_named
from therapists.selectors import search

from ..factories import TherapistFactory
from .helpers import query, slugs

pytestmark = pytest.mark.django_db


def test_search_text_matches_name_city_and_bio():
    TherapistFactory(slug="by-name", name="Marisol Quintero", bio="")
    TherapistFactory(slug="by-bio", name="Ann Lee", bio="I specialise in myofascial release.")
    TherapistFactory(slug="by-city", name="Bo Park", city="Boulder", bio="")
    TherapistFactory(slug="other", name="Kim Ford", bio="Relaxation.")
    assert slugs({"q": "marisol"}) == ["by-name"]
    assert slugs({"q": "myofascial"}) == ["by-bio"]
    assert slugs({"q": "boulder"}) == ["by-city"]


def test_search_text_finds_a_specialty_by_name(vocab):
    TherapistFactory(slug="thai", specialties=[vocab["thai"]], bio="")
    TherapistFactory(slug="other", specialties=[vocab["swedish"]], bio="")
    assert slugs({"q": "Thai"}) == ["thai"]


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("Thai", ["thai"]),
        ("deep tissue massage", ["deep-tissue"]),
        ("hot", ["hot-stone"]),
        ("tissue", ["deep-tissue"]),
        ("deep-tissue", ["deep-tissue"]),
        ("marisol", []),
    ],
)
def test_specialties_named_finds_the_specialties_a_text_names_by_their_words(text, named):
    slugs_by_id = {specialty.pk: specialty.slug for specialty in Specialty.objects.all()}
    assert [slugs_by_id[pk] for pk in specialties_named(text)] == named


@pytest.mark.skipif(connection.vendor != "postgresql", reason="trigram similarity is PostgreSQL-only")
def test_search_text_forgives_typos_on_postgresql(vocab):
    TherapistFactory(slug="swedish", specialties=[vocab["swedish"]], name="Ann Lee", bio="")
    TherapistFactory(slug="johnson", name="Maria Johnson", bio="")
    TherapistFactory(slug="other", specialties=[vocab["thai"]], name="Kim Ford", bio="")
    assert slugs({"q": "sweedish"}) == ["swedish"]
    assert slugs({"q": "johnsen"}) == ["johnson"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="full-text search is PostgreSQL-only")
def test_search_full_text_uses_stemming_on_postgresql():
    TherapistFactory(slug="stem", name="Ann Lee", bio="Relieving stiff shoulders after long runs.")
    TherapistFactory(slug="other", name="Kim Ford", bio="Quiet studio.")
    assert slugs({"q": "relieve shoulder"}) == ["stem"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the full-text index is PostgreSQL-only")
def test_search_text_can_use_the_full_text_index():
    TherapistFactory(name="Ann Lee", bio="Deep work for runners.")
    queryset = Therapist.objects.alias(document=fts_document()).filter(
        document=SearchQuery("runners", search_type="websearch", config="english")
    )
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        plan = queryset.explain()
        cursor.execute("SET enable_seqscan = on")
    assert "therapist_fts" in plan


@pytest.mark.skipif(connection.vendor != "postgresql", reason="full-text search is PostgreSQL-only")
def test_search_text_takes_stop_words_as_met_on_postgresql(vocab):
    # Full text drops "very" from every document: the word cannot be found, so it asks nothing of the therapist.
    TherapistFactory(slug="brooklyn", name="Ann Lee", city="Brooklyn", bio="")
    TherapistFactory(slug="other", name="Kim Ford", city="Orlando", bio="")
    assert slugs({"q": "brooklyn very"}) == ["brooklyn"]
    assert sorted(slugs({"q": "very"})) == ["brooklyn", "other"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the full-text index is PostgreSQL-only")
@pytest.mark.parametrize("text", ["runners", "runners brooklyn", "thai runners", "runners sweedish", "zzzz runners"])
def test_search_text_word_by_word_can_use_the_full_text_index(vocab, text):
    """Each word is its own match of the indexed document, so a word that names no specialty can use the index."""
    Therapist.objects.bulk_create(TherapistFactory.build_batch(1000, bio="A quiet studio and calm hands."))
    TherapistFactory(name="Ann Lee", city="Brooklyn", bio="Deep work for runners.")
    with connection.cursor() as cursor:
        # As autovacuum leaves the indexes after a bulk load (tests/test_architecture.py says why).
        for index in ("therapist_fts", "therapist_name_trgm", "therapist_city_trgm"):
            cursor.execute("SELECT gin_clean_pending_list(%s::regclass)", [index])
        cursor.execute("ANALYZE therapists_therapist")
        cursor.execute("SET LOCAL enable_seqscan = off")
    plan = search(query({"q": text})).filterset.results().explain()
    assert "therapist_fts" in plan


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the word list serves SQLite's similarity; pg_trgm does it")
def test_the_word_list_is_read_once_then_again_when_its_shared_token_changes(django_assert_num_queries):
    TherapistFactory(slug="johnson", name="Erik Johnson", bio="")
    with django_assert_num_queries(1):
        assert "johnson" in similar_words("johnsen")
    with django_assert_num_queries(0):
        assert "johnson" in similar_words("johnsonn")
    # A name added meanwhile is found by its letters at once, and forgiven its typos once the list is read again:
    # when the token expires (WORDS_CACHE_SECONDS) or the cache is cleared, in every process.
    TherapistFactory(slug="marisol", name="Marisol Quintero", bio="")
    with django_assert_num_queries(0):
        assert "quintero" not in similar_words("quinteros")
    cache.delete(WORDS_CACHE_KEY)
    with django_assert_num_queries(1):
        assert "quintero" in similar_words("quinteros")
