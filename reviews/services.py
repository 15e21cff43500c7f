"""Writes on reviews; every one keeps the therapist's aggregates exact in the same transaction."""

from django.db import transaction
from django.db.models import Avg, Count, Q

from therapists.models import Therapist
from therapists.services import compute_score

from .models import Review

AGGREGATE_FIELDS = [
    "review_count",
    "rating_avg",
    "technique_avg",
    "professionalism_avg",
    "communication_avg",
    "cleanliness_avg",
    "recommend_count",
    "recommend_pct",
    "score",
]


def compute_aggregates(therapist_id: int) -> dict:
    """The aggregates as a fresh recomputation over the visible reviews gives them."""
    totals = (
        Review.objects.visible()
        .filter(therapist_id=therapist_id)
        .aggregate(
            review_count=Count("pk"),
            rating_avg=Avg("rating"),
            technique_avg=Avg("technique"),
            professionalism_avg=Avg("professionalism"),
            communication_avg=Avg("communication"),
            cleanliness_avg=Avg("cleanliness"),
            recommend_count=Count("pk", filter=Q(would_recommend=True)),
        )
    )
    count = totals["review_count"]
    totals["recommend_pct"] = 100 * totals["recommend_count"] / count if count else None
    return totals


def refresh_aggregates(*, therapist_id: int) -> Therapist:
    """Lock the therapist's row, recompute from its reviews, store. Call inside the write's transaction."""
    with transaction.atomic():
        # The row lock serialises writers on PostgreSQL; SQLite's immediate transactions already do.
        therapist = Therapist.objects.select_for_update().get(pk=therapist_id)
        for field, value in compute_aggregates(therapist_id).items():
            setattr(therapist, field, value)
        therapist.score = compute_score(therapist)
        therapist.save(update_fields=AGGREGATE_FIELDS)
    return therapist
