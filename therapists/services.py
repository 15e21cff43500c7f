"""Writes on therapists that keep derived columns (credentials, score) correct."""

from django.core.cache import cache
from django.db.models import Max, Q, Sum

from . import ranking
from .models import FAR_FUTURE, Certification, Therapist

PRIORS_CACHE_KEY = "ranking:priors"
PRIORS_CACHE_SECONDS = 600


def site_priors() -> ranking.Priors:
    """Site-wide review means, from the denormalised columns; cached, since they move slowly."""
    priors = cache.get(PRIORS_CACHE_KEY)
    if priors is None:
        from django.db.models import F

        totals = Therapist.objects.filter(review_count__gt=0).aggregate(
            n=Sum("review_count"),
            rating=Sum(F("rating_avg") * F("review_count")),
            communication=Sum(F("communication_avg") * F("review_count")),
            cleanliness=Sum(F("cleanliness_avg") * F("review_count")),
        )
        if totals["n"]:
            n = totals["n"]
            priors = ranking.Priors(
                rating=totals["rating"] / n,
                communication=totals["communication"] / n,
                cleanliness=totals["cleanliness"] / n,
            )
        else:
            priors = ranking.Priors()
        cache.set(PRIORS_CACHE_KEY, priors, PRIORS_CACHE_SECONDS)
    return priors


def evidence_for(therapist: Therapist) -> ranking.Evidence:
    return ranking.Evidence(
        verified=therapist.is_verified(),
        review_count=therapist.review_count,
        rating_avg=therapist.rating_avg,
        communication_avg=therapist.communication_avg,
        cleanliness_avg=therapist.cleanliness_avg,
        recommend_count=therapist.recommend_count,
        years_experience=therapist.years_experience,
    )


def compute_score(therapist: Therapist, priors: ranking.Priors | None = None) -> float:
    return ranking.score(evidence_for(therapist), priors or site_priors())


def compute_verified_until(therapist: Therapist):
    """The latest day any verified credential is valid; FAR_FUTURE when one never expires."""
    verified = Certification.objects.filter(therapist=therapist, status=Certification.Status.VERIFIED)
    result = verified.aggregate(
        latest=Max("expires_on"),
        open_ended=Max("pk", filter=Q(expires_on__isnull=True)),
    )
    if result["open_ended"] is not None:
        return FAR_FUTURE
    return result["latest"]


def therapist_refresh_credentials(*, therapist: Therapist) -> Therapist:
    """Recompute the credential columns and the score after a certification changes."""
    therapist.verified_until = compute_verified_until(therapist)
    therapist.score = compute_score(therapist)
    Therapist.objects.filter(pk=therapist.pk).update(verified_until=therapist.verified_until, score=therapist.score)
    return therapist


def therapist_refresh_score(*, therapist: Therapist) -> Therapist:
    therapist.score = compute_score(therapist)
    Therapist.objects.filter(pk=therapist.pk).update(score=therapist.score)
    return therapist
