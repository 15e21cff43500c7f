"""Who may do what with a review; one place, read by the views, the admin and the review list."""

from therapists.models import Therapist

from .models import Review

MODERATE_PERMISSION = "reviews.moderate_review"


def can_review(user, therapist: Therapist) -> bool:
    """May leave a review here; anonymous users are sent to log in first, so they count as able."""
    return not (user.is_authenticated and therapist.owner_id == user.pk)


def can_edit(user, review: Review) -> bool:
    return user.is_authenticated and review.author_id == user.pk


can_delete = can_edit


def can_reply(user, review: Review, therapist: Therapist | None = None) -> bool:
    """The profile's owner replies. Pass the therapist when it is at hand, to spare a query per review."""
    if not user.is_authenticated:
        return False
    owner_id = (therapist or review.therapist).owner_id
    return owner_id is not None and owner_id == user.pk


def can_flag(user, review: Review) -> bool:
    return user.is_authenticated and review.author_id != user.pk and not review.is_hidden


def can_moderate(user) -> bool:
    return user.is_active and user.is_staff and user.has_perm(MODERATE_PERMISSION)
