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
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac

from appointments.models import AppointmentRequest
from common.email import send_email
from common.forms import dataclass_from_form
from common.throttles import Throttle, review_address_throttle, review_post_throttle
from therapists.models import Specialty, Therapist
from therapists.services.scoring import compute_score

from . import integrity, permissions
from .models import Review, ReviewFlag, ReviewResponse
from .selectors import compute_aggregates

# updated_at moves too: the search's cached facet counts are keyed on the newest change.
AGGREGATE_FIELDS = [*Therapist.REVIEW_AGGREGATE_FIELDS, "score", "updated_at"]
MODERATION_FIELDS = [
    "is_hidden",
    "hidden_reason",
    "hidden_by",
    "hidden_at",
    "is_held",
    "released_by",
    "released_at",
    "published_at",
]
RATE_LIMIT_MESSAGE = (
    "You have posted %(limit)s reviews in the last %(window)s, the most we accept. "
    "Your review is kept below: please post it again later."
)
ADDRESS_RATE_LIMIT_MESSAGE = (
    "%(limit)s reviews have been posted from your network in the last %(window)s, the most we accept from one "
    "address. Your review is kept below: please post it again later."
)
ADDRESS_HASH_SALT = "reviews.Review.client_address_hash"
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
    """Lock the therapist's row, recompute from its reviews (verified-client count included), store the aggregates
    and the score. Call inside the write's transaction."""
    with transaction.atomic():
        therapist = Therapist.objects.lock(therapist_id)
        for field, value in compute_aggregates(therapist_id).items():
            setattr(therapist, field, value)
        therapist.score = compute_score(therapist)
        therapist.save(update_fields=AGGREGATE_FIELDS)
    return therapist


def duplicate_error(model, constraint_name: str) -> ValidationError:
    constraint = next(c for c in model._meta.constraints if c.name == constraint_name)
    return ValidationError(constraint.violation_error_message, code=constraint.violation_error_code)


def _write_content(review: Review, content: ReviewContent) -> None:
    for name in Review.CONTENT_FIELDS:
        setattr(review, name, getattr(content, name))
    review.visit_month = content.visit_month.replace(day=1)


def client_address_hash(address: str) -> str:
    """What a review keeps of the address it came from: an HMAC keyed on SECRET_KEY, never the address."""
    return salted_hmac(ADDRESS_HASH_SALT, address, algorithm="sha256").hexdigest()


def _window_words(seconds: int) -> str:
    return "hour" if seconds == 3600 else f"{max(1, seconds // 60)} minutes"


def _take_post_places(author: AbstractBaseUser, client_address: str | None) -> list[tuple[Throttle, str]]:
    """Count this post against the per-client and per-address limits, atomically on the shared cache.

    Every limit is counted first and checked after (Throttle.allow), so simultaneous posts in any number of
    processes cannot all slip under a limit. Returns the places taken, to give back should the post not be
    stored; raises "throttled" (and gives them back at once) when a limit is reached.
    """
    places = [(review_post_throttle(), f"user:{author.pk}")]
    if client_address:
        places.append((review_address_throttle(), f"address:{client_address}"))
    refused = [(throttle, key) for throttle, key in places if not throttle.allow(key)]
    if refused:
        _give_back(places)
        throttle, key = refused[0]
        message = RATE_LIMIT_MESSAGE if key.startswith("user:") else ADDRESS_RATE_LIMIT_MESSAGE
        raise ValidationError(
            message, code="throttled", params={"limit": throttle.limit, "window": _window_words(throttle.window)}
        )
    return places


def _give_back(places: list[tuple[Throttle, str]]) -> None:
    for throttle, key in places:
        throttle.release(key)


def hold_reason(*, review: Review, address: str | None = None, device: str | None = None) -> str:
    """Measure a new review's integrity signals into review.signals, and say why it must wait for a moderator's
    check before it is published, or "" to publish it: the one rule table of reviews.integrity, where the rating
    plays no part. Call under the therapist's row lock, so simultaneous posts on one therapist are counted one
    after the other. The address and the device id are compared through keyed hashes and kept nowhere."""
    review.signals = integrity.measure(
        review=review, therapist_owner_id=review.therapist.owner_id, address=address, device=device
    )
    return integrity.hold_reason(review.signals)


def review_create(
    *,
    therapist: Therapist,
    author: AbstractBaseUser,
    content: ReviewContent,
    client_address: str | None = None,
    device: str | None = None,
    visit: AppointmentRequest | None = None,
) -> Review:
    """A client's review of a published profile: published at once, or held for a moderator (see hold_reason).

    One per client and therapist, never of one's own profile, only from an account with a confirmed email
    (permissions.review_refusal); no more than REVIEW_POST_LIMIT new reviews per client and
    REVIEW_POST_ADDRESS_LIMIT per client address (when given) in REVIEW_POST_WINDOW_SECONDS. Only stored
    reviews count towards those limits. The address itself is never stored, only its keyed hash; `device`, the
    browser's id from its cookie (accounts.footprints.device_id), is only compared, as a keyed hash.
    """
    places = _take_post_places(author, client_address)
    stored = False
    review = Review(therapist=therapist, author=author, visit=visit)
    _write_content(review, content)
    if client_address:
        review.client_address_hash = client_address_hash(client_address)
    try:
        with transaction.atomic():
            locked = Therapist.objects.lock(therapist.pk)
            refusal = permissions.review_refusal(author, locked)
            if refusal is not None:
                raise refusal
            review.held_reason = hold_reason(review=review, address=client_address, device=device)
            review.is_held = bool(review.held_reason)
            review.published_at = None if review.is_held else review.created_at
            # Under the lock, this sees every committed review, so a duplicate is a form error here.
            review.full_clean()
            review.save(force_insert=True)
            refresh_aggregates(therapist_id=therapist.pk)
        stored = True
    except IntegrityError as error:
        # A last guard: the database constraint, should a duplicate ever slip past the check.
        if Review.objects.filter(therapist=therapist, author=author).exists():
            raise duplicate_error(Review, "one_review_per_client") from error
        raise
    finally:
        if not stored:
            _give_back(places)
    return review


def review_update(*, review: Review, content: ReviewContent) -> Review:
    """The author's edit of their review; a hidden review stays hidden, a held one stays held."""
    with transaction.atomic():
        Therapist.objects.lock(review.therapist_id)
        _write_content(review, content)
        review.edited_at = timezone.now()
        review.full_clean()
        review.save(update_fields=[*Review.CONTENT_FIELDS, "edited_at", "updated_at"])
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


def _set_hidden(
    *,
    review: Review,
    moderator: AbstractBaseUser,
    hidden: bool,
    reason: str = "",
    removal_reason: str = Review.RemovalReason.OTHER,
) -> Review:
    """A moderator's decision on whether a review shows: the aggregates follow, and its open flags are resolved.

    Only a moderator decides (permissions.can_moderate): a therapist can flag a review on their profile, never
    hide it. A removal keeps its reason from Review.RemovalReason (and the moderator's note), and its author is
    emailed why, with a link to their account, where they can appeal once; showing it again clears the reason.
    """
    if not permissions.can_moderate(moderator):
        raise PermissionDenied("Only a moderator can hide or restore a review.")
    with transaction.atomic():
        Therapist.objects.lock(review.therapist_id)
        review.refresh_from_db(fields=[*MODERATION_FIELDS, "removal_reason"])
        if review.is_hidden != hidden:
            review.is_hidden = hidden
            review.hidden_reason = reason.strip() if hidden else ""
            review.removal_reason = removal_reason if hidden else ""
            review.hidden_by = moderator if hidden else None
            review.hidden_at = timezone.now() if hidden else None
            if not hidden and review.published_at is None:
                review.published_at = timezone.now()
            # Hiding a held review is the moderator's "remove": it leaves the held queue, decided.
            review.is_held = False
            review.full_clean()
            review.save(update_fields=[*MODERATION_FIELDS, "removal_reason", "updated_at"])
            refresh_aggregates(therapist_id=review.therapist_id)
            if hidden:
                send_email(to=review.author.email, template="review_removed", context={"review": review})
        _resolve_flags(review=review, moderator=moderator)
    return review


def review_hide(
    *,
    review: Review,
    moderator: AbstractBaseUser,
    reason: str = "",
    removal_reason: str = Review.RemovalReason.OTHER,
) -> Review:
    """Take a review off the profile and out of every aggregate, for a reason its author is told; its open flags
    are resolved. `reason` is the moderator's note, shown to the author beside the reason."""
    return _set_hidden(review=review, moderator=moderator, hidden=True, reason=reason, removal_reason=removal_reason)


def review_restore(*, review: Review, moderator: AbstractBaseUser) -> Review:
    """Show a hidden review again and count it; its removal reason goes, its open flags are resolved."""
    return _set_hidden(review=review, moderator=moderator, hidden=False)


def review_release(*, review: Review, moderator: AbstractBaseUser) -> Review:
    """Publish a held review after a moderator's check: it shows and counts from now on."""
    with transaction.atomic():
        Therapist.objects.lock(review.therapist_id)
        _check_held(review)
        review.is_held = False
        review.released_by = moderator
        review.released_at = review.published_at = timezone.now()
        review.full_clean()
        review.save(update_fields=[*MODERATION_FIELDS, "updated_at"])
        refresh_aggregates(therapist_id=review.therapist_id)
    return review


def review_remove_held(
    *,
    review: Review,
    moderator: AbstractBaseUser,
    reason: str = "",
    removal_reason: str = Review.RemovalReason.OTHER,
) -> Review:
    """Keep a held review off the profile: hidden, for a reason its author is told; it never counted."""
    if not permissions.can_moderate(moderator):
        raise PermissionDenied("Only a moderator can remove a review.")
    with transaction.atomic():
        Therapist.objects.lock(review.therapist_id)
        _check_held(review)
        return _set_hidden(
            review=review, moderator=moderator, hidden=True, reason=reason, removal_reason=removal_reason
        )


def _check_held(review: Review) -> None:
    """Under the therapist's lock: the review still waits for a decision (another moderator may have taken it)."""
    review.refresh_from_db(fields=MODERATION_FIELDS)
    if not review.is_held:
        raise ValidationError("This review is no longer waiting for a moderator's check.", code="not_held")


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
            raise duplicate_error(ReviewFlag, "one_flag_per_reporter") from error
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
