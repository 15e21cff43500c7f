"""therapists.models: database constraints, QuerySet rules and the domain questions the models answer."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import storages
from django.db import IntegrityError, transaction

from common.storage import private_storage
from therapists.models import (
    FAR_FUTURE,
    STATES_WITHOUT_MASSAGE_LICENSING,
    Certification,
    Expiry,
    LicenseRecord,
    Specialty,
    Therapist,
    credentials_valid_until,
    normalise_license_number,
)
from therapists.services.certifications import certification_decide

from ..factories import CertificationFactory, TherapistFactory

pytestmark = pytest.mark.django_db


def _violates(create):
    with pytest.raises(IntegrityError), transaction.atomic():
        create()


def test_therapist_slug_is_unique():
    TherapistFactory(slug="ana-lopez")
    _violates(lambda: TherapistFactory(slug="ana-lopez"))


@pytest.mark.parametrize(
    "fields",
    [
        {"price_60": -1},
        {"years_experience": -1},
        {"years_experience": 81},
        {"latitude": 91},
        {"longitude": -181},
    ],
)
def test_therapist_rejects_impossible_values(fields):
    # Bypass model validation: the database itself must refuse the row.
    therapist = TherapistFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Therapist.objects.filter(pk=therapist.pk).update(**fields)


def test_therapist_rating_average_must_be_a_rating():
    therapist = TherapistFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Therapist.objects.filter(pk=therapist.pk).update(rating_avg=5.5)


def test_certification_expiry_must_follow_issue(today):
    _violates(lambda: CertificationFactory(issued_on=today, expires_on=today))
    _violates(lambda: CertificationFactory(issued_on=today, expires_on=today - datetime.timedelta(days=1)))
    assert CertificationFactory(issued_on=today, expires_on=None).pk


def test_specialty_certificate_must_name_its_specialty():
    _violates(lambda: CertificationFactory(kind=Certification.Kind.SPECIALTY, specialty=None))


def test_therapist_published_excludes_drafts_and_suspended():
    shown = TherapistFactory()
    TherapistFactory(status=Therapist.Status.DRAFT)
    TherapistFactory(status=Therapist.Status.SUSPENDED)
    assert list(Therapist.objects.published()) == [shown]


def test_therapist_verified_compares_verified_until_with_today(today):
    current = TherapistFactory(verified_until=today)
    TherapistFactory(verified_until=today - datetime.timedelta(days=1))
    TherapistFactory(verified_until=None)
    forever = TherapistFactory(verified_until=FAR_FUTURE)
    assert set(Therapist.objects.verified()) == {current, forever}


def test_certification_currently_verified_is_verified_and_unexpired(today):
    therapist = TherapistFactory()
    good = CertificationFactory(therapist=therapist, status=Certification.Status.VERIFIED)
    CertificationFactory(therapist=therapist, status=Certification.Status.PENDING)
    CertificationFactory(therapist=therapist, status=Certification.Status.REJECTED)
    expired = CertificationFactory(
        therapist=therapist,
        status=Certification.Status.VERIFIED,
        issued_on=today - datetime.timedelta(days=800),
        expires_on=today - datetime.timedelta(days=1),
    )
    assert list(Certification.objects.currently_verified()) == [good]
    assert expired.is_expired() and not expired.is_currently_verified()
    assert good.is_currently_verified()


def test_therapist_certified_in_needs_every_chosen_specialty():
    swedish, thai = Specialty.objects.get(slug="swedish"), Specialty.objects.get(slug="thai")
    both = TherapistFactory()
    one = TherapistFactory()
    for specialty in (swedish, thai):
        CertificationFactory(therapist=both, kind="specialty", specialty=specialty, status="verified")
    CertificationFactory(therapist=one, kind="specialty", specialty=swedish, status="verified")
    assert set(Therapist.objects.certified_in([swedish.pk])) == {both, one}
    assert list(Therapist.objects.certified_in([swedish.pk, thai.pk])) == [both]


def test_therapist_absolute_url_is_its_profile():
    assert TherapistFactory(slug="mia-chen").get_absolute_url() == "/therapists/mia-chen/"


def test_certification_expiry_stops_counting_at_once(owned_therapist, verifier, today):
    certification = CertificationFactory(
        therapist=owned_therapist, issued_on=today - datetime.timedelta(days=700), expires_on=today
    )
    certification_decide(certification=certification, decided_by=verifier, status="verified")
    tomorrow = today + datetime.timedelta(days=1)
    assert Therapist.objects.verified(today=today).filter(pk=owned_therapist.pk).exists()
    assert not Therapist.objects.verified(today=tomorrow).filter(pk=owned_therapist.pk).exists()
    assert list(Certification.objects.currently_verified(today)) == [certification]
    assert not Certification.objects.currently_verified(tomorrow).exists()
    therapist = Therapist.objects.get(pk=owned_therapist.pk)
    assert therapist.is_verified(today) and not therapist.is_verified(tomorrow)


# The admin's expiry column reads expiry_state(), its expiry filter in_expiry_state(): at every boundary
# the state a certification shows is one of the filters that list it, and "expired" lists nothing else.
EXPIRY_BOUNDARIES = [
    (-1, Expiry.EXPIRED, {Expiry.EXPIRED}),
    (0, Expiry.SOON, {Expiry.SOON, Expiry.CURRENT}),
    (30, Expiry.SOON, {Expiry.SOON, Expiry.CURRENT}),
    (31, Expiry.CURRENT, {Expiry.CURRENT}),
    (None, Expiry.NEVER, {Expiry.NEVER, Expiry.CURRENT}),
]
EXPIRY_IDS = ["yesterday", "today", "today+30", "today+31", "never"]


@pytest.mark.parametrize(("expires_in", "state", "listed_under"), EXPIRY_BOUNDARIES, ids=EXPIRY_IDS)
def test_certification_expiry_state_and_in_expiry_state_agree(today, expires_in, state, listed_under):
    expires_on = None if expires_in is None else today + datetime.timedelta(days=expires_in)
    certification = CertificationFactory(issued_on=today - datetime.timedelta(days=900), expires_on=expires_on)
    assert certification.expiry_state() == certification.expiry_state(today) == state
    listed = {
        value
        for value in Expiry.values
        if Certification.objects.in_expiry_state(value).filter(pk=certification.pk).exists()
    }
    assert listed == listed_under
    assert {
        value
        for value in Expiry.values
        if Certification.objects.in_expiry_state(value, today).filter(pk=certification.pk).exists()
    } == listed_under
    assert state in listed
    assert certification.is_expired(today) == (state == Expiry.EXPIRED)


@pytest.mark.parametrize(("expires_in", "state", "listed_under"), EXPIRY_BOUNDARIES, ids=EXPIRY_IDS)
def test_certification_expiry_state_moves_with_the_day_it_is_asked_about(today, expires_in, state, listed_under):
    """The same boundaries seen from a day that is not today: both read the `today` they are given."""
    later = today + datetime.timedelta(days=100)
    expires_on = None if expires_in is None else later + datetime.timedelta(days=expires_in)
    certification = CertificationFactory(issued_on=today - datetime.timedelta(days=900), expires_on=expires_on)
    assert certification.expiry_state(later) == state
    listed = {
        value
        for value in Expiry.values
        if Certification.objects.in_expiry_state(value, later).filter(pk=certification.pk).exists()
    }
    assert listed == listed_under


@pytest.mark.parametrize(
    ("certifications", "expected"),
    [
        ([], lambda today: None),
        ([("pending", 400), ("rejected", None)], lambda today: None),
        ([("verified", 10), ("verified", 400), ("pending", 900)], lambda today: today + datetime.timedelta(days=400)),
        ([("verified", -5)], lambda today: today - datetime.timedelta(days=5)),
        ([("verified", 10), ("verified", None)], lambda today: FAR_FUTURE),
        ([("verified", 10), ("pending", None), ("rejected", None)], lambda today: today + datetime.timedelta(days=10)),
    ],
    ids=["none", "none-verified", "latest-verified", "expired-still-the-date", "never-expires", "unverified-ignored"],
)
def test_credentials_valid_until_is_the_latest_verified_expiry(today, certifications, expected):
    built = [
        CertificationFactory.build(
            status=status, expires_on=None if days is None else today + datetime.timedelta(days=days)
        )
        for status, days in certifications
    ]
    assert credentials_valid_until(built, practice_region="CO") == expected(today)


def test_certification_document_storage_is_private_and_has_no_url():
    storage = Certification._meta.get_field("document").storage
    # The same kind of storage as STORAGES["private"] (not the same object: a test that changes STORAGES makes
    # Django build the storages again, after the field took its own when the models loaded).
    assert type(storage) is type(private_storage()) is type(storages["private"])
    with pytest.raises(ValueError, match="no URL"):
        storages["private"].url("certifications/x.pdf")
    with pytest.raises(ValueError, match="no URL"):
        storage.url("certifications/x.pdf")


# The Verified badge (VERIFIED_MEANING): (kind, credential's state, practice state) -> does it earn the badge.
BADGE_CASES = [
    ("license", "CO", "CO", True),
    ("license", "co", "CO", True),
    ("license", "NM", "CO", False),
    ("board", "", "CO", False),
    ("board", "", "KS", True),
    ("specialty", "", "CO", False),
    ("specialty", "", "KS", False),
    ("license", "CO", "", False),
]
BADGE_IDS = ["license-here", "license-any-case", "license-elsewhere", "board-licensing-state",
             "board-unlicensed-state", "specialty", "specialty-unlicensed-state", "no-practice-state"]  # fmt: skip


@pytest.mark.parametrize(("kind", "region", "practice", "earns"), BADGE_CASES, ids=BADGE_IDS)
def test_credentials_valid_until_counts_a_license_from_the_practice_state_or_a_board_certification_where_none(
    today, kind, region, practice, earns
):
    prenatal = Specialty.objects.get(slug="prenatal")
    cert = CertificationFactory.build(
        kind=kind, region=region, status="verified", specialty=prenatal if kind == "specialty" else None,
        expires_on=today + datetime.timedelta(days=30),
    )  # fmt: skip
    expected = cert.expires_on if earns else None
    assert credentials_valid_until([cert], practice_region=practice) == expected
    assert cert.earns_verified_badge(practice, today) is earns


def test_certification_earns_verified_badge_on_its_expiry_date_not_the_day_after(today):
    cert = CertificationFactory.build(status="verified", region="CO", expires_on=today)
    assert cert.earns_verified_badge("CO", today)
    assert not cert.earns_verified_badge("CO", today + datetime.timedelta(days=1))
    assert credentials_valid_until([cert], practice_region="CO") == today


def test_certification_license_must_name_its_state(today):
    _violates(lambda: CertificationFactory(kind="license", region=""))
    with pytest.raises(ValidationError, match="Name the state"):
        CertificationFactory.build(therapist=TherapistFactory(), kind="license", region="").full_clean(
            exclude=["document"]
        )
    assert CertificationFactory(kind="board", region="").pk


def test_states_without_massage_licensing_are_kansas_minnesota_vermont_wyoming():
    assert STATES_WITHOUT_MASSAGE_LICENSING == {"KS", "MN", "VT", "WY"}


# --- the verification desk's and the registry's rules (migration 0005) ---


def test_a_rejected_certification_names_its_reason():
    certification = CertificationFactory()
    _violates(lambda: Certification.objects.filter(pk=certification.pk).update(status="rejected", rejection_reason=""))
    Certification.objects.filter(pk=certification.pk).update(status="rejected", rejection_reason="unreadable")
    assert Certification.objects.get(pk=certification.pk).get_rejection_reason_display() == (
        "The document is unreadable or incomplete"
    )


def test_a_claimed_certification_says_since_when(verifier):
    certification = CertificationFactory()
    _violates(lambda: Certification.objects.filter(pk=certification.pk).update(claimed_by=verifier, claimed_at=None))


@pytest.mark.parametrize(
    ("typed", "normalised"),
    [("ma-12 345", "MA12345"), (" LMT.0042/B ", "LMT0042B"), ("co\u00a0991", "CO991"), ("", "")],
)
def test_normalise_license_number_compares_numbers_as_boards_print_them(typed, normalised):
    assert normalise_license_number(typed) == normalised


def test_a_roster_lists_each_license_number_once_per_state():
    LicenseRecord.objects.create(region="CO", license_number="LMT1", name="Ana Lopez", status="active")
    LicenseRecord.objects.create(region="NY", license_number="LMT1", name="Bo Chen", status="active")
    _violates(lambda: LicenseRecord.objects.create(region="CO", license_number="LMT1", name="Other", status="active"))


def test_a_roster_row_cannot_expire_before_it_was_issued():
    _violates(
        lambda: LicenseRecord.objects.create(
            region="CO",
            license_number="LMT2",
            name="Ana Lopez",
            status="active",
            issued_on=datetime.date(2026, 5, 1),
            expires_on=datetime.date(2026, 4, 1),
        )
    )


def test_license_records_for_licenses_finds_rows_by_state_and_normalised_number():
    wanted = LicenseRecord.objects.create(region="CO", license_number="LMT12345", name="Ana Lopez", status="active")
    LicenseRecord.objects.create(region="NY", license_number="LMT12345", name="Ana Lopez", status="active")
    license_ = CertificationFactory(region="co", credential_number="lmt-12 345")
    board = CertificationFactory(kind=Certification.Kind.BOARD, credential_number="LMT12345")
    assert list(LicenseRecord.objects.for_licenses([license_, board])) == [wanted]
    assert not LicenseRecord.objects.for_licenses([board]).exists()
