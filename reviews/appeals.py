"""Appeals: the author of a removed review asks once for another look; a moderator upholds or reinstates."""

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from common.email import send_email
from therapists.models import Therapist

from . import permissions, services
from .models import Review, ReviewAppeal

DUPLICATE_APPEAL = "You have already appealed this removal; a review is appealed once."


def _refuse_unless_allowed(author: AbstractBaseUser, review: Review) -> None:
    refusal = permissions.appeal_refusal(author, review)
    if refusal is not None:
        raise refusal


def appeal_create(*, review: Review, author: AbstractBaseUser, statement: str) -> ReviewAppeal:
    """The author's one appeal on their removed review, for a moderator to decide."""
    _refuse_unless_allowed(author, review)
    appeal = ReviewAppeal(review=review, author=author, statement=statement.strip())
    try:
        with transaction.atomic():
            Therapist.objects.lock(review.therapist_id)
            # Under the lock: a moderator may have restored it, or another tab appealed, since the page was read.
            current = Review.objects.select_related("appeal").get(pk=review.pk)
            _refuse_unless_allowed(author, current)
            appeal.full_clean()
            appeal.save(force_insert=True)
    except IntegrityError as error:
        # Two appeals posted at once: the one-to-one column lets only the first in.
        if ReviewAppeal.objects.filter(review=review).exists():
            raise ValidationError(DUPLICATE_APPEAL, code="appealed") from error
        raise
    return appeal


def appeal_decide(*, appeal: ReviewAppeal, moderator: AbstractBaseUser, outcome: str, note: str = "") -> ReviewAppeal:
    """A moderator's decision on a pending appeal: the removal upheld (with a note saying why), or the review
    reinstated through reviews.services.review_restore, so the aggregates follow. The author is emailed."""
    if not permissions.can_moderate(moderator):
        raise PermissionDenied("Only a moderator can decide an appeal.")
    if outcome not in (ReviewAppeal.Outcome.UPHELD, ReviewAppeal.Outcome.REINSTATED):
        raise ValidationError("Choose to uphold the removal or to reinstate the review.", code="invalid_outcome")
    note = note.strip()
    if outcome == ReviewAppeal.Outcome.UPHELD and not note:
        raise ValidationError("Say why the removal is upheld: the author is told.", code="note_required")
    with transaction.atomic():
        Therapist.objects.lock(appeal.review.therapist_id)
        appeal.refresh_from_db(fields=["outcome", "decided_by", "decided_at", "decision_note"])
        if appeal.outcome != ReviewAppeal.Outcome.PENDING:
            raise ValidationError("This appeal has already been decided.", code="decided")
        review = appeal.review
        review.refresh_from_db(fields=["is_hidden"])
        if outcome == ReviewAppeal.Outcome.UPHELD and not review.is_hidden:
            raise ValidationError(
                "The review is shown again already: reinstate it instead of upholding the removal.", code="not_removed"
            )
        if outcome == ReviewAppeal.Outcome.REINSTATED:
            services.review_restore(review=review, moderator=moderator)
        appeal.outcome = outcome
        appeal.decided_by = moderator
        appeal.decided_at = timezone.now()
        appeal.decision_note = note
        appeal.full_clean()
        appeal.save(update_fields=["outcome", "decided_by", "decided_at", "decision_note"])
        send_email(to=review.author.email, template="review_appeal_decided", context={"appeal": appeal})
    return appeal
