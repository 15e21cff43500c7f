"""The fairness figures of the "How we handle reviews" page: what became of the reviews of the last 90 days.

Read in two queries whatever the number of reviews (one aggregate, one list of publication delays for the
medians), and cached for a few minutes: the page is public and the figures move slowly.
"""

import datetime
import statistics
from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import Count, Q
from django.utils import timezone

from .models import Review

WINDOW_DAYS = 90
CACHE_KEY = "reviews:fairness-figures:v1"
CACHE_SECONDS = 5 * 60
LOW_RATINGS = (1, 2)
HIGH_RATINGS = (4, 5)


@dataclass(frozen=True)
class RemovalCount:
    reason: str  # a Review.RemovalReason value
    label: str
    count: int


@dataclass(frozen=True)
class FairnessFigures:
    """Reviews received since `since`, and what became of them by now.

    `published`: shown on a profile at some point (a review removed later still counts here); `held`: waiting for
    a moderator now; `removed`: off its profile by a moderator's decision now. The medians run from posting to
    first showing, over the published reviews of each group; None when the group has none.
    """

    since: datetime.datetime
    received: int
    published: int
    held: int
    removed: int
    removed_by_reason: tuple[RemovalCount, ...]
    low_published: int
    low_median: datetime.timedelta | None
    high_published: int
    high_median: datetime.timedelta | None

    @property
    def low_median_words(self) -> str:
        return delay_words(self.low_median)

    @property
    def high_median_words(self) -> str:
        return delay_words(self.high_median)


def _plural(count: int, unit: str) -> str:
    return f"{count} {unit}" if count == 1 else f"{count} {unit}s"


def delay_words(delay: datetime.timedelta | None) -> str:
    """A publication delay as a reader says it: "at once", "40 minutes", "5 hours", "2.5 days"."""
    if delay is None:
        return "no reviews to measure"
    seconds = delay.total_seconds()
    if seconds < 60:
        return "at once"
    if seconds < 3600:
        return _plural(round(seconds / 60), "minute")
    if seconds < 48 * 3600:
        return _plural(round(seconds / 3600), "hour")
    days = round(seconds / 86400, 1)
    return f"{days:g} days"


def _median(delays: list[datetime.timedelta]) -> datetime.timedelta | None:
    if not delays:
        return None
    return datetime.timedelta(seconds=statistics.median(delay.total_seconds() for delay in delays))


def compute_fairness_figures(*, now: datetime.datetime | None = None) -> FairnessFigures:
    """The figures, freshly computed: two queries."""
    now = now or timezone.now()
    since = now - datetime.timedelta(days=WINDOW_DAYS)
    received = Review.objects.filter(created_at__gte=since, created_at__lte=now)
    # A removal from before reasons were recorded counts as "another reason".
    by_reason = {
        reason: Count("pk", filter=Q(is_hidden=True, removal_reason=reason))
        for reason in Review.RemovalReason.values
        if reason != Review.RemovalReason.OTHER
    }
    totals = received.aggregate(
        received=Count("pk"),
        published=Count("pk", filter=Q(published_at__isnull=False)),
        held=Count("pk", filter=Q(is_held=True)),
        removed=Count("pk", filter=Q(is_hidden=True)),
        **by_reason,
    )
    counted = sum(totals[reason] for reason in by_reason)
    removals = {reason: totals[reason] for reason in by_reason}
    removals[Review.RemovalReason.OTHER] = totals["removed"] - counted
    delays: dict[bool, list[datetime.timedelta]] = {True: [], False: []}
    published = received.filter(published_at__isnull=False).exclude(rating=3)
    for rating, created_at, published_at in published.values_list("rating", "created_at", "published_at"):
        delays[rating in LOW_RATINGS].append(max(published_at - created_at, datetime.timedelta(0)))
    return FairnessFigures(
        since=since,
        received=totals["received"],
        published=totals["published"],
        held=totals["held"],
        removed=totals["removed"],
        removed_by_reason=tuple(
            RemovalCount(reason=reason.value, label=reason.label, count=removals[reason.value])
            for reason in Review.RemovalReason
        ),
        low_published=len(delays[True]),
        low_median=_median(delays[True]),
        high_published=len(delays[False]),
        high_median=_median(delays[False]),
    )


def fairness_figures() -> FairnessFigures:
    """The figures as the public page shows them: cached for CACHE_SECONDS, no query while cached."""
    figures = cache.get(CACHE_KEY)
    if figures is None:
        figures = compute_fairness_figures()
        cache.set(CACHE_KEY, figures, CACHE_SECONDS)
    return figures
