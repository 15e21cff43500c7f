"""Readers' "helpful" votes on reviews: who may vote, and the writes that keep each review's helpful_count exact."""

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from . import permissions
from .models import Review, ReviewVote
from .services import duplicate_error

NO_VOTE = "You have not marked this review as helpful, so there is no vote to withdraw."
NOT_SHOWN = "This review is not shown on the profile, so it cannot be voted on."


def _locked_shown_review(review: Review) -> Review:
    """The review's row, locked until the transaction ends, with its therapist; refused unless the profile shows it.

    Voters on one review queue on this lock, so each recount sees every vote committed before it. Only the
    review's row is locked (`of`): votes never wait on writes to the therapist or its other reviews.
    """
    locked = Review.objects.select_related("therapist").select_for_update(of=("self",)).filter(pk=review.pk).first()
    if locked is None or not locked.is_visible() or not locked.therapist.is_public:
        raise ValidationError(NOT_SHOWN, code="not_shown")
    return locked


def _store_count(review: Review, locked: Review) -> None:
    """Recount the review's votes under its lock and store the count, without touching updated_at."""
    count = ReviewVote.objects.filter(review=locked).count()
    Review.objects.filter(pk=locked.pk).update(helpful_count=count)
    review.helpful_count = count


def review_vote_helpful(*, review: Review, voter: AbstractBaseUser) -> ReviewVote:
    """A signed-in reader marks a shown review helpful: once per reader, never on their own review or profile."""
    try:
        with transaction.atomic():
            locked = _locked_shown_review(review)
            refusal = permissions.vote_refusal(voter, locked, locked.therapist)
            if refusal is not None:
                raise refusal
            # Under the review's lock this sees every committed vote: a double vote is refused here.
            if ReviewVote.objects.filter(review=locked, voter=voter).exists():
                raise duplicate_error(ReviewVote, "one_vote_per_reader")
            vote = ReviewVote(review=locked, voter=voter)
            vote.full_clean(validate_constraints=False)
            vote.save(force_insert=True)
            _store_count(review, locked)
    except IntegrityError as error:
        # A last guard: the database constraint, should a double vote ever slip past the check.
        if ReviewVote.objects.filter(review=review, voter=voter).exists():
            raise duplicate_error(ReviewVote, "one_vote_per_reader") from error
        raise
    return vote


def review_vote_withdraw(*, review: Review, voter: AbstractBaseUser) -> None:
    """The reader takes back their "helpful" vote on a shown review."""
    if not voter.is_authenticated:
        raise ValidationError("Log in to withdraw a vote.", code="anonymous")
    with transaction.atomic():
        locked = _locked_shown_review(review)
        deleted, _ = ReviewVote.objects.filter(review=locked, voter=voter).delete()
        if not deleted:
            raise ValidationError(NO_VOTE, code="no_vote")
        _store_count(review, locked)
