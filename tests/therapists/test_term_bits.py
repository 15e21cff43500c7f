"""therapists.term_bits: each therapist's links as bits, which the search's link facets count.

The links are the truth; every way they change must leave the bits equal to them, and the counts the search shows
must equal the counts of the link rows themselves.
"""

import datetime
import random

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import TherapistFactory, UserFactory
from tests.therapists.helpers import submitted_form
from therapists import term_bits, vocabulary
from therapists.filters import TherapistFilterSet
from therapists.models import MAX_TERMS, Amenity, FocusArea, Language, Specialty, Therapist
from therapists.selectors import search
from therapists.services.profiles import ProfileDetails, therapist_update_profile
from therapists.vocabulary import LINKS

pytestmark = pytest.mark.django_db

FIELDS = {"specialty": "specialties", "focus": "focus_areas", "language": "languages", "amenity": "amenities"}


def bits_from_links(therapist: Therapist) -> dict[str, int]:
    """What the columns must hold: computed here in Python from the link rows."""
    expected = {}
    for kind, field in FIELDS.items():
        expected[kind] = sum(1 << bit for bit in getattr(therapist, field).values_list("bit", flat=True))
    return expected


def stored_bits(therapist: Therapist) -> dict[str, int]:
    row = Therapist.objects.values(*term_bits.BITS_COLUMNS.values()).get(pk=therapist.pk)
    return {kind: row[column] for kind, column in term_bits.BITS_COLUMNS.items()}


def assert_every_therapist_agrees():
    for therapist in Therapist.objects.all():
        assert stored_bits(therapist) == bits_from_links(therapist), therapist.slug


def terms(model, count):
    return list(model.objects.order_by("pk")[:count])


# --- bits of the terms ---


def test_the_seeded_vocabularies_have_distinct_bits_within_the_limit():
    for model in vocabulary.TERM_MODELS.values():
        bits = list(model.objects.values_list("bit", flat=True))
        assert len(bits) == len(set(bits)) and all(0 <= bit < MAX_TERMS for bit in bits)


def test_a_new_term_takes_the_lowest_free_bit_and_a_deleted_terms_bit_is_free_again():
    taken = set(Amenity.objects.values_list("bit", flat=True))
    lowest_free = min(set(range(MAX_TERMS)) - taken)
    sauna = Amenity.objects.create(name="Sauna", slug="sauna")
    assert sauna.bit == lowest_free
    first = Amenity.objects.order_by("bit").first()
    freed = first.bit
    first.delete()
    assert Amenity.objects.create(name="Cold plunge", slug="cold-plunge").bit == freed
    # Editing a term keeps its bit.
    sauna.name = "Dry sauna"
    sauna.save()
    sauna.refresh_from_db()
    assert sauna.bit == lowest_free


def test_a_full_vocabulary_refuses_another_term_with_a_clear_error():
    for index in range(MAX_TERMS - Language.objects.count()):
        Language.objects.create(code=f"x{index}", name=f"Language {index}")
    assert Language.objects.count() == MAX_TERMS
    extra = Language(code="zz", name="One too many")
    with pytest.raises(ValidationError, match="at most 63 entries"):
        extra.full_clean()
    with pytest.raises(ValidationError, match="at most 63 entries"):
        extra.save()
    assert not Language.objects.filter(code="zz").exists()


def test_the_admin_shows_the_full_vocabulary_error_beside_the_form_and_adds_nothing(client):
    for index in range(MAX_TERMS - Amenity.objects.count()):
        Amenity.objects.create(name=f"Amenity {index}", slug=f"amenity-{index}")
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    response = client.post(
        reverse("admin:therapists_amenity_add"), {"name": "Steam room", "slug": "steam-room", "position": 0}
    )
    assert response.status_code == 200
    assert "This list is full: it holds at most 63 entries." in response.content.decode()
    assert not Amenity.objects.filter(slug="steam-room").exists()


# --- the columns follow the links ---


def test_bits_follow_links_set_added_removed_and_cleared_from_the_therapists_side():
    therapist = TherapistFactory()
    for kind, field in FIELDS.items():
        model = vocabulary.TERM_MODELS[kind]
        first, second, third = terms(model, 3)
        manager = getattr(therapist, field)
        manager.set([first, second])
        assert stored_bits(therapist)[kind] == (1 << first.bit) | (1 << second.bit)
        manager.add(third)
        assert stored_bits(therapist)[kind] == (1 << first.bit) | (1 << second.bit) | (1 << third.bit)
        manager.remove(first)
        assert stored_bits(therapist)[kind] == (1 << second.bit) | (1 << third.bit)
        manager.clear()
        assert stored_bits(therapist)[kind] == 0
        manager.set([third])
    assert_every_therapist_agrees()


def test_bits_follow_links_changed_from_the_terms_side():
    one, two, three = TherapistFactory(), TherapistFactory(), TherapistFactory()
    for kind, model in vocabulary.TERM_MODELS.items():
        term, other = terms(model, 2)
        getattr(three, FIELDS[kind]).add(other)
        term.therapists.add(one, two, three)
        assert_every_therapist_agrees()
        term.therapists.remove(one)
        assert_every_therapist_agrees()
        term.therapists.clear()
        assert stored_bits(two)[kind] == 0
        assert stored_bits(three)[kind] == 1 << other.bit
        assert_every_therapist_agrees()


def test_deleting_a_term_clears_its_bit_from_every_therapist_that_had_it():
    one, two = TherapistFactory(), TherapistFactory()
    shower, parking = Amenity.objects.get(slug="shower"), Amenity.objects.get(slug="parking")
    one.amenities.set([shower, parking])
    two.amenities.set([shower])
    shower.delete()
    assert stored_bits(one)["amenity"] == 1 << parking.bit
    assert stored_bits(two)["amenity"] == 0
    # Deleting several at once, as the admin's bulk action does.
    one.specialties.set(Specialty.objects.filter(slug__in=["thai", "swedish", "sports"]))
    Specialty.objects.filter(slug__in=["thai", "swedish"]).delete()
    assert stored_bits(one)["specialty"] == 1 << Specialty.objects.get(slug="sports").bit
    assert_every_therapist_agrees()


def test_bits_follow_the_profile_service_the_dashboard_uses(denver):
    therapist = TherapistFactory(owner=UserFactory())
    details = ProfileDetails(
        name=therapist.name,
        city="Denver",
        region="CO",
        specialties=list(Specialty.objects.filter(slug__in=["prenatal", "thai"])),
        focus_areas=list(FocusArea.objects.filter(slug="sciatica")),
        languages=list(Language.objects.filter(code__in=["es", "en"])),
        amenities=list(Amenity.objects.filter(slug="private-room")),
    )
    therapist_update_profile(therapist=therapist, details=details)
    assert stored_bits(therapist) == bits_from_links(therapist)
    assert all(stored_bits(therapist).values())


def test_the_admin_change_form_keeps_the_bits(client, superuser, denver):
    therapist = TherapistFactory(owner=None)
    therapist.languages.set(Language.objects.filter(code="en"))
    client.force_login(superuser)
    change = reverse("admin:therapists_therapist_change", args=[therapist.pk])
    data = submitted_form(client.get(change), "therapist_form")
    languages = [str(pk) for pk in Language.objects.filter(code__in=["fr", "de"]).values_list("pk", flat=True)]
    response = client.post(
        change, {**data, "languages": languages, "amenities": [Amenity.objects.get(slug="shower").pk]}
    )
    assert response.status_code == 302
    assert set(therapist.languages.values_list("code", flat=True)) == {"fr", "de"}
    assert stored_bits(therapist) == bits_from_links(therapist)
    assert stored_bits(therapist)["amenity"] == 1 << Amenity.objects.get(slug="shower").bit


def test_the_highest_bits_are_stored_filtered_and_counted_exactly():
    """Bit 62 is the last a signed 64-bit column holds; bits from 31 up need 64-bit arithmetic on both databases."""
    for index in range(MAX_TERMS - Amenity.objects.count()):
        Amenity.objects.create(name=f"Amenity {index}", slug=f"amenity-{index}")
    high = Amenity.objects.get(bit=MAX_TERMS - 1)
    middle = Amenity.objects.get(bit=40)
    therapist = TherapistFactory()
    other = TherapistFactory()
    therapist.amenities.set([high, middle])
    other.amenities.set([middle])
    assert stored_bits(therapist)["amenity"] == (1 << 62) | (1 << 40)
    vocabulary.clear_vocabulary_cache()
    found = search(QueryDict(f"amenity={high.slug}"))
    assert [t.pk for t in found.page.object_list] == [therapist.pk]
    assert found.facets["amenity"] == {high.pk: 1, middle.pk: 1}
    assert search(QueryDict("")).facets["amenity"][middle.pk] == 2


def test_saving_a_profile_read_before_its_links_changed_keeps_the_new_bits():
    therapist = TherapistFactory()
    stale = Therapist.objects.get(pk=therapist.pk)
    thai = Specialty.objects.get(slug="thai")
    therapist.specialties.set([thai])
    stale.name = "Renamed"
    stale.save()
    partial = Therapist.objects.only("name").get(pk=therapist.pk)
    partial.name = "Renamed again"
    partial.save()
    assert stored_bits(therapist)["specialty"] == 1 << thai.bit
    assert Therapist.objects.get(pk=therapist.pk).name == "Renamed again"


def test_refresh_term_bits_repairs_columns_written_wrong_and_touches_only_those_asked():
    one, two = TherapistFactory(), TherapistFactory()
    one.specialties.set(terms(Specialty, 2))
    two.specialties.set(terms(Specialty, 1))
    Therapist.objects.update(specialty_bits=0, amenity_bits=12345)
    assert term_bits.refresh_term_bits(kinds=["specialty"]) == 2
    assert stored_bits(one)["specialty"] == bits_from_links(one)["specialty"]
    assert stored_bits(one)["amenity"] == 12345
    term_bits.refresh_term_bits()
    assert_every_therapist_agrees()


def test_set_bits_reads_each_bit_once_lowest_first():
    assert list(term_bits.set_bits(0)) == []
    assert list(term_bits.set_bits((1 << 62) | (1 << 5) | 1)) == [0, 5, 62]


# --- the search's counts equal the link rows' counts ---


def _reference_counts(query: str) -> dict[str, dict[int, int]]:
    """The link facets counted from the link rows, the way the search counted them before the bits."""
    filterset = TherapistFilterSet(QueryDict(query), queryset=Therapist.objects.published())
    filterset.is_valid()
    counts = {}
    for kind, (through, column) in LINKS.items():
        exclude = {kind} if kind in filterset.ANY_OF else set()
        ids = filterset.filter_queryset(filterset.queryset.all(), exclude=exclude).values("pk")
        rows = through.objects.filter(therapist_id__in=ids).values_list(column, flat=True)
        counts[kind] = {}
        for term_id in rows:
            counts[kind][term_id] = counts[kind].get(term_id, 0) + 1
    return counts


@pytest.fixture
def random_directory(denver):
    rng = random.Random(20261207)
    vocab = {kind: list(model.objects.all()) for kind, model in vocabulary.TERM_MODELS.items()}
    for index in range(40):
        therapist = TherapistFactory(
            status=Therapist.Status.PUBLISHED if index % 7 else Therapist.Status.DRAFT,
            gender=rng.choice(["female", "male", "nonbinary", ""]),
            travels_to_client=rng.random() < 0.4,
            verified_until=datetime.date(2030, 1, 1) if rng.random() < 0.5 else None,
        )
        for kind, field in FIELDS.items():
            getattr(therapist, field).set(rng.sample(vocab[kind], rng.randint(0, min(4, len(vocab[kind])))))


@pytest.mark.parametrize(
    "query",
    [
        "",
        "specialty=swedish",
        "specialty=swedish&specialty=thai&language=es",
        "amenity=private-room&amenity=shower",
        "focus=sciatica&gender=female",
        "verified=true&mobile=true",
        "near=Denver&radius_km=40",
        "near=Denver&radius_km=40&verified=true&gender=female",
        "near=Denver&radius_km=40&specialty=swedish&amenity=private-room",
        "q=Denver",
        "language=en&amenity=parking&specialty=prenatal",
    ],
)
def test_the_search_counts_each_link_facet_as_the_link_rows_do(random_directory, query):
    """Whichever way the counts are read: for a search narrowed by anything but a link filter, in one pass over
    the passing rows (selectors._link_groups_in_one_pass); else one arm a kind."""
    with CaptureQueriesContext(connection) as captured:
        result = search(QueryDict(query))
    facets = result.facets
    assert (result.origin is not None) == ("near=" in query)
    one_pass = query != "" and not any(kind in query for kind in ("specialty", "focus", "language", "amenity"))
    assert any("MATERIALIZED" in q["sql"] for q in captured.captured_queries) == one_pass
    expected = _reference_counts(query)
    for kind in LINKS:
        assert facets.get(kind, {}) == expected[kind], kind
    assert any(expected[kind] for kind in LINKS)


def test_a_term_added_after_the_vocabulary_was_read_is_counted_once_the_cache_is_cleared(random_directory):
    steam = Amenity.objects.create(name="Steam room", slug="steam-room")
    vocabulary.clear_vocabulary_cache()
    published = list(Therapist.objects.published()[:3])
    steam.therapists.add(*published)
    assert search(QueryDict("")).facets["amenity"][steam.pk] == 3


# --- the migration ---


@pytest.mark.django_db(transaction=True)
def test_migration_0014_gives_each_term_a_bit_and_each_therapist_its_links_as_bits():
    before = [("therapists", "0013_certified_until")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    apps = executor.loader.project_state(before).apps
    Historical = apps.get_model("therapists", "Therapist")
    HistoricalSpecialty = apps.get_model("therapists", "Specialty")
    HistoricalLanguage = apps.get_model("therapists", "Language")
    both = Historical.objects.create(name="both", slug="both", city="Denver", region="CO")
    none = Historical.objects.create(name="none", slug="none", city="Denver", region="CO")
    # An earlier test that migrates (transaction=True) may have emptied the seeded vocabularies.
    specialties = [
        HistoricalSpecialty.objects.get_or_create(slug=slug, defaults={"name": slug.title()})[0]
        for slug in ("thai", "prenatal")
    ]
    both.specialties.set(specialties)
    both.languages.set([HistoricalLanguage.objects.get_or_create(code="es", defaults={"name": "Spanish"})[0]])

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    for model in vocabulary.TERM_MODELS.values():
        assert sorted(model.objects.values_list("bit", flat=True)) == list(range(model.objects.count()))
    assert stored_bits(Therapist.objects.get(slug="both")) == bits_from_links(Therapist.objects.get(slug="both"))
    assert stored_bits(Therapist.objects.get(slug="both"))["specialty"] != 0
    assert stored_bits(Therapist.objects.get(slug="none")) == dict.fromkeys(FIELDS, 0)
    assert none.pk != both.pk
