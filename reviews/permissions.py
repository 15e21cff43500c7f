"""Who may do what with a review; one place, read by the services, the views, the admin and the review list.

Where a service needs to say why not, the rule returns the refusal (`*_refusal`); `can_*` is its yes or no.
"""

from django.core.exceptions import ValidationError

from therapists.models import Therapist

from .models import Review

MODERATE_PERMISSION = "reviews.moderate_review"
EMAIL_UNCONFIRMED_MESSAGE = (
    "Confirm your email address before you post a review: follow the link in the email we sent you. "
    "You can ask for a new link from your account page."
)


def review_refusal(user, therapist: Therapist) -> ValidationError | None:
    """Why this user may not review this therapist, or None. Anonymous visitors get None: they log in first."""
    if user.is_authenticated and therapist.owner_id == user.pk:
        return ValidationError("You cannot review your own profile.", code="own_profile")
    if not therapist.is_public:
        return ValidationError("This profile is not open for reviews.", code="not_public")
    # A confirmed address costs a sock puppet a working mailbox, and tells us where to reach the reviewer.
    if user.is_authenticated and not user.has_confirmed_email:
        return ValidationError(EMAIL_UNCONFIRMED_MESSAGE, code="email_unconfirmed")
    return None


def can_review(user, therapist: Therapist) -> bool:
    """May leave a review here; anonymous users are sent to log in first, so they count as able."""
    return review_refusal(user, therapist) is None


def can_edit(user, review: Review) -> bool:
    return user.is_authenticated and review.author_id == user.pk


can_delete = can_edit


def reply_refusal(user, review: Review, therapist: Therapist | None = None) -> ValidationError | None:
    """The profile's owner replies. Pass the therapist when it is at hand, to spare a query per review."""
    owner_id = (therapist or review.therapist).owner_id
    if not user.is_authenticated or owner_id is None or owner_id != user.pk:
        return ValidationError("Only the therapist who owns this profile can reply.", code="not_owner")
    return None


def can_reply(user, review: Review, therapist: Therapist | None = None) -> bool:
    return reply_refusal(user, review, therapist) is None


def flag_refusal(user, review: Review) -> ValidationError | None:
    if not user.is_authenticated:
        return ValidationError("Log in to report a review.", code="anonymous")
    if review.author_id == user.pk:
        return ValidationError("You cannot flag your own review; you can edit or delete it.", code="own_review")
    if review.is_hidden:
        return ValidationError("This review has already been taken down.", code="hidden")
    if review.is_held:
        return ValidationError("This review is waiting for a moderator's check.", code="held")
    return None


def can_flag(user, review: Review) -> bool:
    return flag_refusal(user, review) is None


def can_moderate(user) -> bool:
    return user.is_active and user.is_staff and user.has_perm(MODERATE_PERMISSION)


def appeal_refusal(user, review: Review) -> ValidationError | None:
    """Why this user may not appeal this review's removal, or None: its author, once, while it is removed.

    Reads `review.appeal`; select it with the review (select_related("appeal")) to spare a query.
    """
    if not user.is_authenticated or review.author_id != user.pk:
        return ValidationError("Only the review's author can appeal its removal.", code="not_author")
    if not review.is_hidden:
        return ValidationError("Only a removed review can be appealed; this one is not removed.", code="not_removed")
    if hasattr(review, "appeal"):
        return ValidationError("You have already appealed this removal; a review is appealed once.", code="appealed")
    return None


def can_appeal(user, review: Review) -> bool:
    return appeal_refusal(user, review) is None


def vote_refusal(user, review: Review, therapist: Therapist | None = None) -> ValidationError | None:
    """Why this user may not mark this review helpful, or None. Pass the therapist when it is at hand, to spare a
    query per review. Signed-in readers vote; the review's author and the reviewed profile's owner do not."""
    if not user.is_authenticated:
        return ValidationError("Log in to mark a review as helpful.", code="anonymous")
    if review.author_id == user.pk:
        return ValidationError("You cannot mark your own review as helpful.", code="own_review")
    if (therapist or review.therapist).owner_id == user.pk:
        return ValidationError("You cannot vote on the reviews of your own profile.", code="own_profile")
    return None
