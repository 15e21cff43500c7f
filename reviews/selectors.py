"""Reads of reviews: a profile's review list, a client's own reviews, and the aggregates as the reviews give them."""

from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db import models
from django.db.models import Avg, Count, Exists, OuterRef, Q, QuerySet

from therapists.models import Therapist

from .models import Review, ReviewVote

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
        # Written through an invitation after a visit booked here: "Verified client", weighed more by the ranking.
        "verified_review_count": Count("pk", filter=Q(visit__isnull=False)),
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


class ReviewSort(models.TextChoices):
    """The orders a profile's reviews can be read in; every one ends newest first, so ties read the same way."""

    NEWEST = "newest", "Newest"
    HIGHEST = "highest", "Highest rated"
    LOWEST = "lowest", "Lowest rated"
    HELPFUL = "helpful", "Most helpful"


REVIEW_ORDERINGS = {
    ReviewSort.NEWEST: ("-created_at", "-pk"),
    ReviewSort.HIGHEST: ("-rating", "-created_at", "-pk"),
    ReviewSort.LOWEST: ("rating", "-created_at", "-pk"),
    ReviewSort.HELPFUL: ("-helpful_count", "-created_at", "-pk"),
}
STAR_LEVELS = (5, 4, 3, 2, 1)
UNKNOWN_SORT_NOTE = "We do not know that order, so the reviews are shown newest first."
UNKNOWN_STARS_NOTE = "Reviews can be filtered to 1 to 5 stars only, so all reviews are shown."


@dataclass(frozen=True)
class ReviewListOptions:
    """How a reader asked to see a profile's reviews (`review_sort`, `review_stars`); a value we cannot use is
    dropped, with a note saying so."""

    sort: str = ReviewSort.NEWEST
    stars: int | None = None
    notes: tuple[str, ...] = ()

    @classmethod
    def from_params(cls, params) -> "ReviewListOptions":
        sort, stars, notes = params.get("review_sort", ""), params.get("review_stars", ""), []
        if sort not in ReviewSort.values:
            notes += [UNKNOWN_SORT_NOTE] if sort else []
            sort = ReviewSort.NEWEST
        if stars in {str(level) for level in STAR_LEVELS}:
            stars = int(stars)
        else:
            notes += [UNKNOWN_STARS_NOTE] if stars else []
            stars = None
        return cls(sort=ReviewSort(sort), stars=stars, notes=tuple(notes))


@dataclass(frozen=True)
class StarBar:
    stars: int
    count: int
    percent: int  # of the profile's shown reviews, rounded


@dataclass(frozen=True)
class StarHistogram:
    total: int
    bars: tuple[StarBar, ...]  # 5 stars down to 1

    def count(self, stars: int) -> int:
        return next(bar.count for bar in self.bars if bar.stars == stars)


def star_histogram(*, therapist: Therapist) -> StarHistogram:
    """How many of the profile's shown reviews give each star level, in one query (none without reviews)."""
    counts = {}
    if therapist.review_count:
        rows = Review.objects.visible().filter(therapist=therapist).order_by().values("rating")
        counts = dict(rows.annotate(count=Count("pk")).values_list("rating", "count"))
    total = sum(counts.values())
    shares = {level: round(100 * counts.get(level, 0) / total) if total else 0 for level in STAR_LEVELS}
    bars = tuple(StarBar(stars=level, count=counts.get(level, 0), percent=shares[level]) for level in STAR_LEVELS)
    return StarHistogram(total=total, bars=bars)


def profile_reviews(
    *,
    therapist: Therapist,
    page_number=None,
    per_page: int = REVIEWS_PER_PAGE,
    options: ReviewListOptions = ReviewListOptions(),  # noqa: B008 - frozen, so one shared default is safe
    viewer=None,
    count: int | None = None,
) -> Page:
    """A page of the reviews a profile shows, in the reader's order and star level, without a COUNT query: counted
    from the stored aggregate, or from `count` (the histogram's count for the star level) when given.

    For a signed-in viewer each review says, in the same query, whether the viewer marked it helpful
    (`viewer_found_helpful`)."""
    reviews = Review.objects.for_profile().filter(therapist=therapist)
    if options.stars is not None:
        reviews = reviews.filter(rating=options.stars)
    if viewer is not None and viewer.is_authenticated:
        reviews = reviews.annotate(
            viewer_found_helpful=Exists(ReviewVote.objects.filter(review=OuterRef("pk"), voter=viewer))
        )
    paginator = Paginator(reviews.order_by(*REVIEW_ORDERINGS[options.sort]), per_page)
    paginator.count = therapist.review_count if count is None else count
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


DASHBOARD_REVIEWS = 20


def owner_reviews(*, therapist: Therapist, limit: int = DASHBOARD_REVIEWS) -> list[Review]:
    """The reviews the profile shows, for its owner's dashboard: unanswered first, then the newest; one query."""
    return list(
        Review.objects.for_profile()
        .filter(therapist=therapist)
        .order_by(models.F("response").asc(nulls_first=True), "-created_at", "-pk")[:limit]
    )


def removed_reviews_by(*, author) -> list[Review]:
    """A client's removed reviews with why and their appeal, the latest removal first; one query."""
    return list(
        Review.objects.filter(author=author, is_hidden=True)
        .select_related("therapist", "appeal")
        .order_by("-hidden_at", "-pk")
    )
