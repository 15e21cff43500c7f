"""Claims on listed profiles nobody owns: asked for by a signed-in user, decided by staff, ownership only then."""

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from common.email import send_email

from ..models import ProfileClaim, Therapist
from ..permissions import can_decide_claims
from .profiles import HAS_PROFILE_MESSAGE


def profile_claim_request(*, user: AbstractBaseUser, therapist: Therapist, message: str) -> ProfileClaim:
    """Ask to own a listed profile nobody owns; nothing changes until staff approve it."""
    with transaction.atomic():
        locked = Therapist.objects.lock(therapist.pk)
        if Therapist.objects.filter(owner=user).exists():
            raise ValidationError(HAS_PROFILE_MESSAGE, code="has_profile")
        if locked.owner_id is not None or not locked.is_public:
            raise ValidationError({"profile": "This profile cannot be claimed."}, code="not_claimable")
        if ProfileClaim.objects.pending().filter(user=user).exists():
            raise ValidationError("You already have a claim waiting for our staff.", code="claim_pending")
        claim = ProfileClaim(therapist=locked, user=user, message=message)
        claim.full_clean()
        claim.save()
    return claim


def _check_claim_decider(claim: ProfileClaim, decided_by: AbstractBaseUser) -> None:
    if not can_decide_claims(decided_by):
        raise PermissionDenied("Only staff who may change claims decide them.")
    if claim.user_id == decided_by.pk:
        raise ValidationError("Nobody decides on their own claim.", code="own_claim")
    if claim.status != ProfileClaim.Status.PENDING:
        raise ValidationError("This claim has already been decided.", code="decided")


def _record_decision(claim: ProfileClaim, *, status: str, decided_by: AbstractBaseUser, note: str = "") -> None:
    claim.status, claim.decided_by, claim.decided_at = status, decided_by, timezone.now()
    claim.decision_note = note
    claim.full_clean()
    claim.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    send_email(to=claim.user.email, template="claim_decision", context={"claim": claim})


def profile_claim_approve(*, claim: ProfileClaim, decided_by: AbstractBaseUser) -> ProfileClaim:
    """Make the claimant the owner; other claims on the profile are turned down."""
    with transaction.atomic():
        therapist = Therapist.objects.lock(claim.therapist_id)
        claim = ProfileClaim.objects.select_related("user").lock(claim.pk)
        _check_claim_decider(claim, decided_by)
        if therapist.owner_id is not None:
            raise ValidationError("This profile already has an owner.", code="owned")
        if Therapist.objects.filter(owner=claim.user).exists():
            raise ValidationError("The claimant already owns another profile.", code="has_profile")
        therapist.owner = claim.user
        therapist.save(update_fields=["owner", "updated_at"])
        _record_decision(claim, status=ProfileClaim.Status.APPROVED, decided_by=decided_by)
        for other in ProfileClaim.objects.pending().filter(therapist=therapist).select_related("user"):
            _record_decision(
                other,
                status=ProfileClaim.Status.REJECTED,
                decided_by=decided_by,
                note="Another claim on this profile was approved.",
            )
    return claim


def profile_claim_reject(*, claim: ProfileClaim, decided_by: AbstractBaseUser, note: str) -> ProfileClaim:
    with transaction.atomic():
        claim = ProfileClaim.objects.select_related("user", "therapist").lock(claim.pk)
        _check_claim_decider(claim, decided_by)
        if not note.strip():
            raise ValidationError("Say why the claim is turned down.", code="note_required")
        _record_decision(claim, status=ProfileClaim.Status.REJECTED, decided_by=decided_by, note=note.strip())
    return claim
