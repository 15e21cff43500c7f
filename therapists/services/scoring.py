"""The derived columns of a therapist, kept right after every write that feeds them: credentials and score."""

from django.utils import timezone

from .. import ranking
from ..models import Certification, Therapist, credentials_valid_until, specialty_certified_until
from ..selectors import ranking_evidence, site_priors


def compute_score(therapist: Therapist, priors: ranking.Priors | None = None) -> float:
    return ranking.score(ranking_evidence(therapist), priors or site_priors())


def therapist_refresh_credentials(*, therapist: Therapist) -> Therapist:
    """Recompute the credential columns and the score after a certification or the practice state changes."""
    verified = Certification.objects.filter(therapist=therapist, status=Certification.Status.VERIFIED)
    verified = list(verified.only("status", "kind", "region", "specialty_id", "expires_on"))
    therapist.verified_until = credentials_valid_until(verified, practice_region=therapist.region)
    therapist.certified_until = specialty_certified_until(verified)
    therapist.score = compute_score(therapist)
    Therapist.objects.filter(pk=therapist.pk).update(
        verified_until=therapist.verified_until,
        certified_until=therapist.certified_until,
        score=therapist.score,
        updated_at=timezone.now(),
    )
    return therapist


def therapist_refresh_score(*, therapist: Therapist) -> Therapist:
    therapist.score = compute_score(therapist)
    Therapist.objects.filter(pk=therapist.pk).update(score=therapist.score, updated_at=timezone.now())
    return therapist
