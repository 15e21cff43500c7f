"""therapists.services.claims: asking for a listed profile changes nothing until staff approve."""

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from therapists.models import ProfileClaim, Therapist
from therapists.services.claims import profile_claim_approve, profile_claim_reject, profile_claim_request

from ...factories import ProfileClaimFactory, TherapistFactory, UserFactory

pytestmark = pytest.mark.django_db

MESSAGE = "License LMT-123, phone 303-555-0199."


def test_profile_claim_request_one_pending_claim_at_a_time(client_user):
    first, second = TherapistFactory(), TherapistFactory()
    profile_claim_request(user=client_user, therapist=first, message=MESSAGE)
    with pytest.raises(ValidationError, match="already have a claim"):
        profile_claim_request(user=client_user, therapist=second, message="Me again, LMT-123 and more.")


@pytest.mark.parametrize(
    "make_profile",
    [
        lambda: TherapistFactory(owner=UserFactory()),
        lambda: TherapistFactory(status=Therapist.Status.DRAFT),
        lambda: TherapistFactory(status=Therapist.Status.SUSPENDED),
    ],
    ids=["owned", "draft", "suspended"],
)
def test_profile_claim_request_refuses_a_profile_that_cannot_be_claimed(client_user, make_profile):
    therapist = make_profile()
    with pytest.raises(ValidationError, match="cannot be claimed"):
        profile_claim_request(user=client_user, therapist=therapist, message=MESSAGE)
    assert not ProfileClaim.objects.exists()


def test_profile_claim_request_refuses_a_user_who_has_a_profile(therapist_owner, owned_therapist):
    with pytest.raises(ValidationError, match="already have a profile"):
        profile_claim_request(user=therapist_owner, therapist=TherapistFactory(), message=MESSAGE)


def test_profile_claim_approve_makes_the_owner_and_turns_down_the_others(
    superuser, client_user, django_capture_on_commit_callbacks
):
    listed = TherapistFactory()
    claim = ProfileClaimFactory(therapist=listed, user=client_user)
    rival = ProfileClaimFactory(therapist=listed, user=UserFactory(email="rival@example.com"))
    with django_capture_on_commit_callbacks(execute=True):
        profile_claim_approve(claim=claim, decided_by=superuser)
    listed.refresh_from_db()
    rival.refresh_from_db()
    assert listed.owner == client_user
    assert rival.status == ProfileClaim.Status.REJECTED
    assert sorted(message.to[0] for message in mail.outbox) == ["client-user@example.com", "rival@example.com"]
    assert any("approved" in message.subject for message in mail.outbox)


def test_profile_claim_approve_needs_staff_permission(verifier, client_user):
    claim = ProfileClaimFactory(user=client_user)
    with pytest.raises(PermissionDenied):
        profile_claim_approve(claim=claim, decided_by=verifier)
    with pytest.raises(PermissionDenied):
        profile_claim_approve(claim=claim, decided_by=client_user)
    assert Therapist.objects.get(pk=claim.therapist_id).owner is None


def test_profile_claim_approve_refuses_ones_own_claim(superuser):
    claim = ProfileClaimFactory(user=superuser)
    with pytest.raises(ValidationError, match="own claim"):
        profile_claim_approve(claim=claim, decided_by=superuser)


def test_profile_claim_approve_refuses_when_the_profile_got_an_owner(superuser, client_user):
    claim = ProfileClaimFactory(user=client_user)
    Therapist.objects.filter(pk=claim.therapist_id).update(owner=UserFactory())
    with pytest.raises(ValidationError, match="already has an owner"):
        profile_claim_approve(claim=claim, decided_by=superuser)


def test_profile_claim_reject_needs_a_note_and_leaves_the_profile_unowned(superuser, client_user):
    claim = ProfileClaimFactory(user=client_user)
    with pytest.raises(ValidationError, match="Say why"):
        profile_claim_reject(claim=claim, decided_by=superuser, note="  ")
    rejected = profile_claim_reject(claim=claim, decided_by=superuser, note="No proof given.")
    assert (rejected.status, rejected.decision_note) == (ProfileClaim.Status.REJECTED, "No proof given.")
    assert Therapist.objects.get(pk=claim.therapist_id).owner is None
    with pytest.raises(ValidationError, match="already been decided"):
        profile_claim_approve(claim=claim, decided_by=superuser)
