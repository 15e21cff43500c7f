"""Writes on reviews; every one keeps the therapist's aggregates exact in the same transaction.

Each write that can change the aggregates first locks the therapist's row, then validates, writes and
recomputes. Writers on one therapist thus queue: on the row lock on PostgreSQL, on the write lock that
an immediate transaction takes at BEGIN on SQLite. Each recomputation then sees every review committed
before it, and the uniqueness check in full_clean() sees a concurrent duplicate, which becomes a form
error; the database constraint stays as the last guard.
"""

import datetime
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from common.forms import dataclass_from_form
from common.throttles import review_post_throttle
from therapists.models import Specialty, Therapist
from therapists.services.scoring import compute_score

from . import permissions
from .models import Review, ReviewFlag, ReviewResponse
from .selectors import compute_aggregates

# updated_at moves too: the search's cached facet counts are keyed on the newest change.
AGGREGATE_FIELDS = [*Therapist.REVIEW_AGGREGATE_FIELDS, "score", "updated_at"]
MODERATION_FIELDS = ["is_hidden", "hidden_reason", "hidden_by", "hidden_at"]
RATE_LIMIT_MESSAGE = (
    "You have posted %(limit)s reviews in the last %(window)s, the most we accept. "
    "Your review is kept below: please post it again later."
)
DUPLICATE_REPLY = "You have already replied to this review; edit your reply instead."


@dataclass(frozen=True, kw_only=True)
class ReviewContent:
    """What the client writes: Review.CONTENT_FIELDS, typed."""

    rating: int
    technique: int
    professionalism: int
    communication: int
    cleanliness: int
    would_recommend: bool
    massage_type: Specialty | None
    visit_month: datetime.date
    title: str
    body: str

    @classmethod
    def from_form(cls, cleaned_data: dict) -> "ReviewContent":
        return dataclass_from_form(cls, cleaned_data)

    @classmethod
    def of(cls, review: Review) -> "ReviewContent":
        return cls(**{name: getattr(review, name) for name in Review.CONTENT_FIELDS})


def refresh_aggregates(*, therapist_id: int) -> Therapist:
    """Lock the therapist's row, recompute from its reviews, store. Call inside the write's transaction."""
    with transaction.atomic():
        therapist = Therapist.objects.lock(therapist_id)
        for field, value in compute_aggregates(therapist_id).items():
            setattr(therapist, field, value)
        therapist.score = compute_score(therapist)
        therapist.save(update_fields=AGGREGATE_FIELDS)
    return therapist


def _duplicate_error(model, constraint_name: str) -> ValidationError:
    constraint = next(c for c in model._meta.constraints if c.name == constraint_name)
    return ValidationError(constraint.violation_error_message, code=constraint.violation_error_code)


def _write_content(review: Review, content: ReviewContent) -> None:
    for name in Review.CONTENT_FIELDS:
        setattr(review, name, getattr(content, name))
    review.visit_month = content.visit_month.replace(day=1)


def review_create(*, therapist: Therapist, author: AbstractBaseUser, content: ReviewContent) -> Review:
    """A client's review of a published profile; one per client and therapist, never of one's own profile,
    and no more than REVIEW_POST_LIMIT new reviews per client in REVIEW_POST_WINDOW_SECONDS."""
    throttle, throttle_key = review_post_throttle(), f"user:{author.pk}"
    if throttle.is_blocked(throttle_key):
        window = "hour" if throttle.window == 3600 else f"{max(1, throttle.window // 60)} minutes"
        raise ValidationError(RATE_LIMIT_MESSAGE, code="throttled", params={"limit": throttle.limit, "window": window})
    review = Review(therapist=therapist, author=author)
    _write_content(review, content)
    try:
        with transaction.atomic():
            locked = Therapist.objects.lock(therapist.pk)
            refusal = permissions.review_refusal(author, locked)
            if refusal is not None:
                raise refusal
            # Under the lock, this sees every committed review, so a duplicate is a form error here.
            review.full_clean()
            review.save(force_insert=True)
            refresh_aggregates(therapist_id=therapist.pk)
    except IntegrityError as error:
        # A last guard: the database constraint, should a duplicate ever slip past the check.
        if Review.objects.filter(therapist=therapist, author=author).exists():
            raise _duplicate_error(Review, "one_review_per_client") from error
        raise
    throttle.hit(throttle_key)
    return review


def review_update(*, review: Review, content: ReviewContent) -> Review:
    """The author's edit of their review; a hidden review stays hidden."""
    with transaction.atomic():
        Therapist.objects.lock(review.therapist_id)
        _write_content(review, content)
        review.full_clean()
        review.save(update_fields=[*Review.CONTENT_FIELDS, "updated_at"])
        refresh_aggregates(therapist_id=review.therapist_id)
    return review


def review_delete(*, review: Review) -> None:
    therapist_id = review.therapist_id
    with transaction.atomic():
        Therapist.objects.lock(therapist_id)
        review.delete()
        refresh_aggregates(therapist_id=therapist_id)


def _resolve_flags(*, review: Review, moderator: AbstractBaseUser) -> int:
    return review.flags.open().update(is_resolved=True, resolved_by=moderator, resolved_at=timezone.now())


def _set_hidden(*, review: Review, moderator: AbstractBaseUser, hidden: bool, reason: str = "") -> Review:
    """A moderator's decision on whether a review shows: the aggregates follow, and its open flags are resolved."""
    with transaction.atomic():
        Therapist.objects.lock(review.therapist_id)
        review.refresh_from_db(fields=MODERATION_FIELDS)
        if review.is_hidden != hidden:
            review.is_hidden = hidden
            review.hidden_reason = reason.strip() if hidden else ""
            review.hidden_by = moderator if hidden else None
            review.hidden_at = timezone.now() if hidden else None
            review.full_clean()
            review.save(update_fields=[*MODERATION_FIELDS, "updated_at"])
            refresh_aggregates(therapist_id=review.therapist_id)
        _resolve_flags(review=review, moderator=moderator)
    return review


def review_hide(*, review: Review, moderator: AbstractBaseUser, reason: str = "") -> Review:
    """Take a review off the profile and out of every aggregate; its open flags are resolved."""
    return _set_hidden(review=review, moderator=moderator, hidden=True, reason=reason)


def review_restore(*, review: Review, moderator: AbstractBaseUser) -> Review:
    """Show a hidden review again and count it; the moderator's decision resolves its open flags."""
    return _set_hidden(review=review, moderator=moderator, hidden=False)


def review_flags_dismiss(*, review: Review, moderator: AbstractBaseUser) -> int:
    """Keep the review as it is and close its open flags; returns how many were closed."""
    with transaction.atomic():
        return _resolve_flags(review=review, moderator=moderator)


def review_flag(*, review: Review, reporter: AbstractBaseUser, reason: str, details: str = "") -> ReviewFlag:
    """A signed-in user's report of a visible review to the moderators; one per reporter and review."""
    refusal = permissions.flag_refusal(reporter, review)
    if refusal is not None:
        raise refusal
    flag = ReviewFlag(review=review, reporter=reporter, reason=reason, details=details)
    try:
        with transaction.atomic():
            flag.full_clean()
            flag.save(force_insert=True)
    except IntegrityError as error:
        if ReviewFlag.objects.filter(review=review, reporter=reporter).exists():
            raise _duplicate_error(ReviewFlag, "one_flag_per_reporter") from error
        raise
    return flag


def _check_reply(review: Review, author: AbstractBaseUser) -> None:
    refusal = permissions.reply_refusal(author, review)
    if refusal is not None:
        raise refusal


def review_response_create(*, review: Review, author: AbstractBaseUser, body: str) -> ReviewResponse:
    """The profile owner's one reply to a review."""
    _check_reply(review, author)
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
    _check_reply(response.review, author)
    response.body = body
    response.author = author
    with transaction.atomic():
        response.full_clean(validate_unique=False)
        response.save(update_fields=["body", "author", "updated_at"])
    return response
