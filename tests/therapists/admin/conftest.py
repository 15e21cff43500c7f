"""Fixtures of the admin desks' tests."""

import pytest
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from appointments.models import AppointmentRequest
from reviews.models import Review, ReviewAppeal
from therapists.models import CertificationDecision
from therapists.services.registry import roster_import

from ...factories import (
    CertificationFactory,
    PlaceFactory,
    ProfileClaimFactory,
    ReviewFactory,
    ReviewFlagFactory,
    ReviewResponseFactory,
    TherapistFactory,
    UserFactory,
)


@pytest.fixture
def one_of_each(db):
    """At least one row of every model the admin shows, so each change form has something to open."""
    therapist = TherapistFactory(owner=UserFactory(username="owner"))
    certification = CertificationFactory(therapist=therapist)
    CertificationDecision.objects.create(
        certification=certification, certification_label=str(certification), status="verified"
    )
    PlaceFactory()
    roster_import(state="CO", data=b"state,license_number,name,status,issued_on,expires_on\nCO,A1,Ann Lee,active,,\n")
    ProfileClaimFactory(therapist=TherapistFactory(), user=UserFactory(username="claimant"))
    review = ReviewFactory(therapist=therapist)
    ReviewResponseFactory(review=review)
    ReviewFlagFactory(review=review)
    AppointmentRequest.objects.create(client=UserFactory(username="requester"), therapist=therapist)
    # A review held for a moderator's check (the held-reviews queue shows only those).
    ReviewFactory(therapist=therapist, is_held=True, held_reason=Review._meta.get_field("held_reason").choices[0][0])
    # A removed review's appeal (the appeals desk shows them).
    removed = ReviewFactory(therapist=therapist, is_hidden=True, removal_reason=Review.RemovalReason.OTHER)
    ReviewAppeal.objects.create(review=removed, author=removed.author, statement="I was a client there, truly, twice.")
    # A staff member's second factor: an authenticator app and backup codes (django-otp's admin pages).
    staff = UserFactory(username="staff-with-otp", is_staff=True)
    TOTPDevice.objects.create(user=staff, name="Phone", confirmed=True)
    StaticDevice.objects.create(user=staff, name="Backup codes", confirmed=True)
