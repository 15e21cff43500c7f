"""Database constraints and QuerySet rules of the directory's models."""

import datetime

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from therapists.models import FAR_FUTURE, Certification, Therapist

from ..factories import CertificationFactory, TherapistFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


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


def test_certification_expiry_must_follow_issue():
    _violates(lambda: CertificationFactory(issued_on=TODAY, expires_on=TODAY))
    _violates(lambda: CertificationFactory(issued_on=TODAY, expires_on=TODAY - datetime.timedelta(days=1)))
    assert CertificationFactory(issued_on=TODAY, expires_on=None).pk


def test_specialty_certificate_must_name_its_specialty():
    _violates(lambda: CertificationFactory(kind=Certification.Kind.SPECIALTY, specialty=None))


def test_published_excludes_drafts_and_suspended():
    shown = TherapistFactory()
    TherapistFactory(status=Therapist.Status.DRAFT)
    TherapistFactory(status=Therapist.Status.SUSPENDED)
    assert list(Therapist.objects.published()) == [shown]


def test_verified_compares_verified_until_with_today():
    current = TherapistFactory(verified_until=TODAY)
    TherapistFactory(verified_until=TODAY - datetime.timedelta(days=1))
    TherapistFactory(verified_until=None)
    forever = TherapistFactory(verified_until=FAR_FUTURE)
    assert set(Therapist.objects.verified()) == {current, forever}


def test_counting_certifications_are_verified_and_unexpired():
    therapist = TherapistFactory()
    good = CertificationFactory(therapist=therapist, status=Certification.Status.VERIFIED)
    CertificationFactory(therapist=therapist, status=Certification.Status.PENDING)
    CertificationFactory(therapist=therapist, status=Certification.Status.REJECTED)
    expired = CertificationFactory(
        therapist=therapist,
        status=Certification.Status.VERIFIED,
        issued_on=TODAY - datetime.timedelta(days=800),
        expires_on=TODAY - datetime.timedelta(days=1),
    )
    assert list(Certification.objects.currently_verified()) == [good]
    assert expired.is_expired() and not expired.is_currently_verified()
    assert good.is_currently_verified()


def test_certified_in_needs_every_chosen_specialty(django_db_setup):
    from therapists.models import Specialty

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
