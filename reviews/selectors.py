"""Reads of reviews: a profile's review list, a client's own reviews, and the aggregates as the reviews give them."""

from django.core.paginator import Page, Paginator
from django.db.models import Avg, Count, Q, QuerySet

from therapists.models import Therapist

from .models import Review

REVIEWS_PER_PAGE = 10


def aggregate_expressions() -> dict:
    """The review aggregates as database expressions, for one therapist or grouped by therapist."""
    return {
        "review_count": Count("pk"),
        "rating_avg": Avg("rating"),
        "technique_avg": Avg("technique"),
        "professionalism_avg": Avg("professionalism"),
        "communication_avg": Avg("communication"),
        "cleanliness_avg": Avg("cleanliness"),
        "recommend_count": Count("pk", filter=Q(would_recommend=True)),
    }


def with_recommend_pct(totals: dict) -> dict:
    count = totals["review_count"]
    totals["recommend_pct"] = 100 * totals["recommend_count"] / count if count else None
    return totals


def compute_aggregates(therapist_id: int) -> dict:
    """One therapist's aggregates as a fresh recomputation over its visible reviews gives them."""
    return with_recommend_pct(
        Review.objects.visible().filter(therapist_id=therapist_id).aggregate(**aggregate_expressions())
    )


def all_aggregates() -> dict[int, dict]:
    """Every reviewed therapist's aggregates over its visible reviews, in one grouped query."""
    rows = Review.objects.visible().order_by().values("therapist_id").annotate(**aggregate_expressions())
    return {row.pop("therapist_id"): with_recommend_pct(row) for row in rows}


def profile_reviews(*, therapist: Therapist, page_number=None, per_page: int = REVIEWS_PER_PAGE) -> Page:
    """A page of the reviews a profile shows, newest first, counted from the stored aggregate (no COUNT query)."""
    reviews = Review.objects.for_profile().filter(therapist=therapist).order_by("-created_at", "-pk")
    paginator = Paginator(reviews, per_page)
    paginator.count = therapist.review_count
    return paginator.get_page(page_number)


def review_by(*, author, therapist: Therapist) -> Review | None:
    """The author's review of the therapist, shown or hidden; None for anonymous visitors."""
    if not author.is_authenticated:
        return None
    return Review.objects.filter(therapist=therapist, author=author).first()


def reviews_by(*, author) -> QuerySet[Review]:
    """A client's own reviews, newest first, with what their list shows."""
    return (
        Review.objects.filter(author=author)
        .select_related("therapist", "response", "massage_type")
        .order_by("-created_at", "-pk")
    )
