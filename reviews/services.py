"""Writes on reviews; every one keeps the therapist's aggregates exact in the same transaction.

Each write that can change the aggregates first locks the therapist's row, then validates, writes and
recomputes. Writers on one therapist thus queue: on the row lock on PostgreSQL, on the write lock that
an immediate transaction takes at BEGIN on SQLite. Each recomputation then sees every review committed
before it, and the uniqueness check in full_clean() sees a concurrent duplicate, which becomes a form
error; the database constraint stays as the last guard.
"""

import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Avg, Count, Q
from django.utils import timezone

from therapists.models import Specialty, Therapist
from therapists.services import compute_score

from .models import Review, ReviewFlag, ReviewResponse

# updated_at moves too: the search's cached facet counts are keyed on the newest change.
AGGREGATE_FIELDS = [*Therapist.REVIEW_AGGREGATE_FIELDS, "score", "updated_at"]
REVIEW_CONTENT_FIELDS = [
    "rating",
    "technique",
    "professionalism",
    "communication",
    "cleanliness",
    "would_recommend",
    "massage_type",
    "visit_month",
    "title",
    "body",
]


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
    """The aggregates as a fresh recomputation over the visible reviews gives them."""
    return with_recommend_pct(
        Review.objects.visible().filter(therapist_id=therapist_id).aggregate(**aggregate_expressions())
    )


def lock_therapist(*, therapist_id: int) -> Therapist:
    """Take the therapist's row lock for the rest of the transaction; the first step of every review write."""
    return Therapist.objects.select_for_update().get(pk=therapist_id)


def refresh_aggregates(*, therapist_id: int) -> Therapist:
    """Lock the therapist's row, recompute from its reviews, store. Call inside the write's transaction."""
    with transaction.atomic():
        therapist = lock_therapist(therapist_id=therapist_id)
        for field, value in compute_aggregates(therapist_id).items():
            setattr(therapist, field, value)
        therapist.score = compute_score(therapist)
        therapist.save(update_fields=AGGREGATE_FIELDS)
    return therapist


def _duplicate_error(model, constraint_name: str) -> ValidationError:
    constraint = next(c for c in model._meta.constraints if c.name == constraint_name)
    return ValidationError(constraint.violation_error_message, code=constraint.violation_error_code)


def review_create(
    *,
    therapist: Therapist,
    author: AbstractBaseUser,
    rating: int,
    technique: int,
    professionalism: int,
    communication: int,
    cleanliness: int,
    would_recommend: bool,
    massage_type: Specialty | None,
    visit_month: datetime.date,
    title: str,
    body: str,
) -> Review:
    """A client's review of a published profile; one per client and therapist, never of one's own profile."""
    review = Review(
        therapist=therapist,
        author=author,
        rating=rating,
        technique=technique,
        professionalism=professionalism,
        communication=communication,
        cleanliness=cleanliness,
        would_recommend=would_recommend,
        massage_type=massage_type,
        visit_month=visit_month.replace(day=1),
        title=title,
        body=body,
    )
    try:
        with transaction.atomic():
            locked = lock_therapist(therapist_id=therapist.pk)
            if not locked.is_public:
                raise ValidationError("This profile is not open for reviews.", code="not_public")
            # Under the lock, this sees every committed review, so a duplicate is a form error here.
            review.full_clean()
            review.save(force_insert=True)
            refresh_aggregates(therapist_id=therapist.pk)
    except IntegrityError as error:
        # A last guard: the database constraint, should a duplicate ever slip past the check.
        if Review.objects.filter(therapist=therapist, author=author).exists():
            raise _duplicate_error(Review, "one_review_per_client") from error
        raise
    return review


def review_update(
    *,
    review: Review,
    rating: int,
    technique: int,
    professionalism: int,
    communication: int,
    cleanliness: int,
    would_recommend: bool,
    massage_type: Specialty | None,
    visit_month: datetime.date,
    title: str,
    body: str,
) -> Review:
    """The author's edit of their review; a hidden review stays hidden."""
    with transaction.atomic():
        lock_therapist(therapist_id=review.therapist_id)
        review.rating = rating
        review.technique = technique
        review.professionalism = professionalism
        review.communication = communication
        review.cleanliness = cleanliness
        review.would_recommend = would_recommend
        review.massage_type = massage_type
        review.visit_month = visit_month.replace(day=1)
        review.title = title
        review.body = body
        review.full_clean()
        review.save(update_fields=[*REVIEW_CONTENT_FIELDS, "updated_at"])
        refresh_aggregates(therapist_id=review.therapist_id)
    return review


def review_delete(*, review: Review) -> None:
    therapist_id = review.therapist_id
    with transaction.atomic():
        lock_therapist(therapist_id=therapist_id)
        review.delete()
        refresh_aggregates(therapist_id=therapist_id)


def _resolve_flags(*, review: Review, moderator: AbstractBaseUser) -> int:
    return review.flags.open().update(is_resolved=True, resolved_by=moderator, resolved_at=timezone.now())


def review_hide(*, review: Review, moderator: AbstractBaseUser, reason: str = "") -> Review:
    """Take a review off the profile and out of every aggregate; its open flags are resolved."""
    with transaction.atomic():
        lock_therapist(therapist_id=review.therapist_id)
        review.refresh_from_db(fields=["is_hidden", "hidden_reason", "hidden_by", "hidden_at"])
        if not review.is_hidden:
            review.is_hidden = True
            review.hidden_reason = reason.strip()
            review.hidden_by = moderator
            review.hidden_at = timezone.now()
            review.full_clean()
            review.save(update_fields=["is_hidden", "hidden_reason", "hidden_by", "hidden_at", "updated_at"])
            refresh_aggregates(therapist_id=review.therapist_id)
        _resolve_flags(review=review, moderator=moderator)
    return review


def review_restore(*, review: Review, moderator: AbstractBaseUser) -> Review:
    """Show a hidden review again and count it; the moderator's decision resolves its open flags."""
    with transaction.atomic():
        lock_therapist(therapist_id=review.therapist_id)
        review.refresh_from_db(fields=["is_hidden", "hidden_reason", "hidden_by", "hidden_at"])
        if review.is_hidden:
            review.is_hidden = False
            review.hidden_reason = ""
            review.hidden_by = None
            review.hidden_at = None
            review.save(update_fields=["is_hidden", "hidden_reason", "hidden_by", "hidden_at", "updated_at"])
            refresh_aggregates(therapist_id=review.therapist_id)
        _resolve_flags(review=review, moderator=moderator)
    return review


def review_flags_dismiss(*, review: Review, moderator: AbstractBaseUser) -> int:
    """Keep the review as it is and close its open flags; returns how many were closed."""
    with transaction.atomic():
        return _resolve_flags(review=review, moderator=moderator)


def review_flag(*, review: Review, reporter: AbstractBaseUser, reason: str, details: str = "") -> ReviewFlag:
    """A signed-in user's report of a visible review to the moderators; one per reporter and review."""
    flag = ReviewFlag(review=review, reporter=reporter, reason=reason, details=details)
    if review.author_id == reporter.pk:
        raise ValidationError("You cannot flag your own review; you can edit or delete it.", code="own_review")
    if review.is_hidden:
        raise ValidationError("This review has already been taken down.", code="hidden")
    try:
        with transaction.atomic():
            flag.full_clean()
            flag.save(force_insert=True)
    except IntegrityError as error:
        if ReviewFlag.objects.filter(review=review, reporter=reporter).exists():
            raise _duplicate_error(ReviewFlag, "one_flag_per_reporter") from error
        raise
    return flag


def _check_profile_owner(*, review: Review, author: AbstractBaseUser) -> None:
    if review.therapist.owner_id is None or review.therapist.owner_id != author.pk:
        raise ValidationError("Only the therapist who owns this profile can reply.", code="not_owner")


DUPLICATE_REPLY = "You have already replied to this review; edit your reply instead."


def review_response_create(*, review: Review, author: AbstractBaseUser, body: str) -> ReviewResponse:
    """The profile owner's one reply to a review."""
    _check_profile_owner(review=review, author=author)
    response = ReviewResponse(review=review, author=author, body=body)
    try:
        with transaction.atomic():
            response.full_clean(validate_unique=False)
            if ReviewResponse.objects.filter(review=review).exists():
                raise ValidationError(DUPLICATE_REPLY, code="duplicate_reply")
            response.save(force_insert=True)
    except IntegrityError as error:
        # Two replies posted at once: the one-to-one column lets only the first in.
        if ReviewResponse.objects.filter(review=review).exists():
            raise ValidationError(DUPLICATE_REPLY, code="duplicate_reply") from error
        raise
    return response


def review_response_update(*, response: ReviewResponse, author: AbstractBaseUser, body: str) -> ReviewResponse:
    """The profile owner's edit of their reply."""
    _check_profile_owner(review=response.review, author=author)
    response.body = body
    response.author = author
    with transaction.atomic():
        response.full_clean(validate_unique=False)
        response.save(update_fields=["body", "author", "updated_at"])
    return response
