"""therapists/migrations: the data the migrations seed (vocabularies, the Verifiers group)."""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from therapists.models import FAR_FUTURE, FocusArea, Specialty, Therapist

pytestmark = pytest.mark.django_db


def test_migration_0002_seeds_the_article_specialties_and_focus_areas():
    assert list(Specialty.objects.values_list("slug", flat=True)) == [
        "swedish",
        "deep-tissue",
        "hot-stone",
        "thai",
        "sports",
        "prenatal",
    ]
    assert set(FocusArea.objects.values_list("slug", flat=True)) == {
        "upper-back-tension",
        "lower-back-pain",
        "sciatica",
        "shoulder-neck-tightness",
        "posture-correction",
    }
    assert all(Specialty.objects.values_list("description", flat=True))


def test_migration_0002_gives_the_verifiers_group_the_verify_permission():
    codenames = set(Group.objects.get(name="Verifiers").permissions.values_list("codename", flat=True))
    assert "verify_certification" in codenames


@pytest.mark.django_db(transaction=True)
def test_migration_0005_gives_rejections_decided_before_reasons_existed_another_reason():
    executor = MigrationExecutor(connection)
    executor.migrate([("therapists", "0004_license_state")])
    apps = executor.loader.project_state([("therapists", "0004_license_state")]).apps
    Therapist = apps.get_model("therapists", "Therapist")
    Certification = apps.get_model("therapists", "Certification")
    therapist = Therapist.objects.create(name="Ana Lopez", slug="ana-lopez", city="Denver", region="CO")
    common = {"therapist": therapist, "kind": "license", "title": "LMT", "issuing_body": "Board", "region": "CO"}
    rejected = Certification.objects.create(**common, status="rejected", issued_on=datetime.date(2025, 1, 1))
    pending = Certification.objects.create(**common, status="pending", issued_on=datetime.date(2025, 1, 1))

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    with connection.cursor() as cursor:
        cursor.execute("SELECT id, rejection_reason FROM therapists_certification")
        reasons = dict(cursor.fetchall())
    assert reasons == {rejected.pk: "other", pending.pk: ""}


@pytest.mark.django_db(transaction=True)
def test_migration_0007_moves_each_60_minute_price_into_a_service_of_the_first_specialty():
    before = [("therapists", "0006_sqlite_text_search")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    apps = executor.loader.project_state(before).apps
    Therapist = apps.get_model("therapists", "Therapist")
    Specialty = apps.get_model("therapists", "Specialty")
    # The vocabulary as migration 0002 seeds it (a transactional test before this one may have flushed it).
    swedish, deep, thai = (
        Specialty.objects.get_or_create(slug=slug, defaults={"name": slug.title(), "position": position})[0]
        for position, slug in enumerate(("swedish", "deep-tissue", "thai"))
    )
    made = {}
    for slug, price, specialties in [
        ("two-types", 95, [thai, deep]),
        ("no-type", 80, []),
        ("no-price", None, [swedish]),
        ("implausible", 5000, [swedish]),
    ]:
        made[slug] = Therapist.objects.create(name=slug, slug=slug, city="Denver", region="CO", price_60=price)
        made[slug].specialties.set(specialties)

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT t.slug, s.slug, v.minutes, v.price FROM therapists_service v "
            "JOIN therapists_therapist t ON t.id = v.therapist_id JOIN therapists_specialty s ON s.id = v.specialty_id"
        )
        services = sorted(cursor.fetchall())
        cursor.execute("SELECT slug, price_60 FROM therapists_therapist")
        prices = dict(cursor.fetchall())
    # The first specialty in the vocabulary's order (deep tissue before Thai); Swedish, the first of all, when none.
    assert services == [("no-type", "swedish", 60, 80), ("two-types", "deep-tissue", 60, 95)]
    # Nothing lost: every price stays where the search reads it, the implausible one for its owner to correct.
    assert prices == {"two-types": 95, "no-type": 80, "no-price": None, "implausible": 5000}


@pytest.mark.django_db(transaction=True)
def test_migration_0009_fills_the_menu_and_week_columns_the_search_reads():
    before = [("therapists", "0008_facet_counts_index")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    apps = executor.loader.project_state(before).apps
    Therapist = apps.get_model("therapists", "Therapist")
    Service = apps.get_model("therapists", "Service")
    OpeningPeriod = apps.get_model("therapists", "OpeningPeriod")
    swedish = apps.get_model("therapists", "Specialty").objects.get_or_create(
        slug="swedish", defaults={"name": "Swedish", "position": 0}
    )[0]
    made = {slug: Therapist.objects.create(name=slug, slug=slug, city="Denver", region="CO")
            for slug in ("menu-and-saturday", "late-tuesday", "until-five", "nothing")}  # fmt: skip
    Service.objects.create(therapist=made["menu-and-saturday"], specialty=swedish, minutes=60, price=90)
    for slug, weekday, closes in [("menu-and-saturday", 5, 14), ("late-tuesday", 1, 20), ("until-five", 0, 17)]:
        OpeningPeriod.objects.create(
            therapist=made[slug], weekday=weekday, opens=datetime.time(9), closes=datetime.time(closes)
        )

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    with connection.cursor() as cursor:
        cursor.execute("SELECT slug, lists_prices, open_weekends, open_evenings FROM therapists_therapist")
        flags = {slug: tuple(map(bool, row)) for slug, *row in cursor.fetchall()}
    assert flags == {
        "menu-and-saturday": (True, True, False),
        "late-tuesday": (False, False, True),
        # Closing at 17:00 is not open after 17:00.
        "until-five": (False, False, False),
        "nothing": (False, False, False),
    }


@pytest.mark.django_db(transaction=True)
def test_migration_0010_counts_accepting_profiles_as_confirmed_when_they_last_changed():
    before = [("therapists", "0009_offering_flags")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    Historical = executor.loader.project_state(before).apps.get_model("therapists", "Therapist")
    changed = datetime.datetime(2026, 3, 1, 12, 0, tzinfo=datetime.UTC)
    for slug, accepting in [("open", True), ("closed", False)]:
        Historical.objects.create(name=slug, slug=slug, city="Denver", region="CO", accepting_new_clients=accepting)
    Historical.objects.update(updated_at=changed)

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    confirmed = dict(Therapist.objects.values_list("slug", "accepting_confirmed_at"))
    # Existing listings keep 60 days from their last change; nobody knows when a "no" was said.
    assert confirmed == {"open": changed, "closed": None}
    assert dict(Therapist.objects.values_list("slug", "updated_at")) == {"open": changed, "closed": changed}


@pytest.mark.django_db(transaction=True)
def test_migration_0013_fills_certified_until_from_verified_specialty_certifications():
    before = [("therapists", "0012_certification_expiry_reminder_sent_for")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    apps = executor.loader.project_state(before).apps
    Historical = apps.get_model("therapists", "Therapist")
    HistoricalCertification = apps.get_model("therapists", "Certification")
    HistoricalSpecialty = apps.get_model("therapists", "Specialty")
    swedish, _ = HistoricalSpecialty.objects.get_or_create(slug="swedish", defaults={"name": "Swedish"})
    people = {
        slug: Historical.objects.create(name=slug, slug=slug, city="Denver", region="CO")
        for slug in ("latest", "forever", "pending", "licensed", "none")
    }
    issued = datetime.date(2025, 1, 1)

    def certify(slug, status, expires_on, specialty=swedish, kind="specialty"):
        HistoricalCertification.objects.create(
            therapist=people[slug], kind=kind, specialty=specialty, status=status, title="Certificate",
            issuing_body="Board", issued_on=issued, expires_on=expires_on, region="" if specialty else "CO",
        )  # fmt: skip

    certify("latest", "verified", datetime.date(2027, 1, 1))
    certify("latest", "verified", datetime.date(2028, 6, 1))
    certify("forever", "verified", datetime.date(2027, 1, 1))
    certify("forever", "verified", None)
    certify("pending", "pending", datetime.date(2030, 1, 1))
    certify("licensed", "verified", datetime.date(2030, 1, 1), specialty=None, kind="license")

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    assert dict(Therapist.objects.values_list("slug", "certified_until")) == {
        "latest": datetime.date(2028, 6, 1),
        "forever": FAR_FUTURE,
        "pending": None,
        "licensed": None,
        "none": None,
    }


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the text-search triggers exist on SQLite only")
def test_every_migration_leaves_the_sqlite_text_search_triggers_in_place():
    """A later migration that rebuilds the therapist table on SQLite drops 0006's triggers unless it restores them
    (search_0006.restore_triggers); without them, new and changed profiles are never found by their words."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'therapists_therapist'")
        found = {name for (name,) in cursor.fetchall()}
    assert found >= {
        "therapist_search_insert",
        "therapist_search_delete",
        "therapist_text_update",
        "therapist_words_update",
    }


def _coordinate_indexes() -> dict[str, list[str]]:
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, "therapists_therapist")
    return {
        name: details["columns"]
        for name, details in constraints.items()
        if details["index"] and details["columns"] and details["columns"][0] in ("latitude", "longitude")
    }


@pytest.mark.django_db(transaction=True)
def test_migration_0016_leaves_the_coordinates_one_index_with_the_bits_and_gives_back_the_others_in_reverse():
    """The single-column indexes drew SQLite's planner away from therapist_lat_lng, which holds the links' bits."""
    lat_lng = ["latitude", "longitude", "specialty_bits", "focus_bits", "language_bits", "amenity_bits"]
    assert _coordinate_indexes() == {"therapist_lat_lng": lat_lng}

    executor = MigrationExecutor(connection)
    executor.migrate([("therapists", "0015_bits_in_range_indexes")])
    assert sorted(_coordinate_indexes().values()) == [["latitude"], lat_lng, ["longitude"]]

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    assert _coordinate_indexes() == {"therapist_lat_lng": lat_lng}
