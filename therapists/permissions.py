"""Who may do what with credentials, documents and claims; one place, read by services, views and the admin."""

from django.contrib.auth.models import AbstractBaseUser

from .models import Certification

VERIFY_PERMISSION = "therapists.verify_certification"
DECIDE_CLAIMS_PERMISSION = "therapists.change_profileclaim"


def can_verify(user: AbstractBaseUser) -> bool:
    """Members of the Verifiers group and superusers."""
    return user.is_active and user.has_perm(VERIFY_PERMISSION)


def can_read_document(user: AbstractBaseUser, certification: Certification) -> bool:
    """The owner of the profile and verifiers; nobody else, staff included."""
    if not user.is_authenticated:
        return False
    return certification.therapist.owner_id == user.pk or can_verify(user)


def can_decide_claims(user: AbstractBaseUser) -> bool:
    """Staff who may change claims; a claim on one's own behalf is refused by the service."""
    return user.is_active and user.has_perm(DECIDE_CLAIMS_PERMISSION)
