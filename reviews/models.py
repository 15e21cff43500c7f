"""Client reviews of therapists, the therapist's replies, and flags for moderation."""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinLengthValidator, MinValueValidator
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from therapists.models import Specialty, Therapist

RATING_VALIDATORS = [MinValueValidator(1), MaxValueValidator(5)]
SUB_RATINGS = ("technique", "professionalism", "communication", "cleanliness")

TITLE_MIN_LENGTH, TITLE_MAX_LENGTH = 3, 120
BODY_MIN_LENGTH, BODY_MAX_LENGTH = 20, 4000
RESPONSE_MIN_LENGTH, RESPONSE_MAX_LENGTH = 2, 2000
FLAG_DETAILS_MAX_LENGTH = 1000
HIDDEN_REASON_MAX_LENGTH = 200
APPEAL_MAX_LENGTH = 2000
EARLIEST_VISIT_MONTH = datetime.date(2000, 1, 1)


def latest_visit_month() -> datetime.date:
    """The latest month a visit can have been in: the current one, wherever on Earth the client is.

    The server's clock is UTC; a client at UTC+14 is already in the next month for up to 14 hours.
    """
    return (timezone.now() + datetime.timedelta(hours=14)).date().replace(day=1)


def validate_visit_month(value: datetime.date) -> None:
    if value.replace(day=1) > latest_visit_month():
        raise ValidationError("The month of your visit cannot be in the future.", code="future_visit")
    if value < EARLIEST_VISIT_MONTH:
        raise ValidationError(
            "Reviews are for visits from %(earliest)s onwards.",
            code="visit_too_old",
            params={"earliest": EARLIEST_VISIT_MONTH.strftime("%B %Y")},
        )


def has_open_flags() -> Exists:
    """True for a review that someone flagged and no moderator has dealt with yet."""
    return Exists(ReviewFlag.objects.open().filter(review=OuterRef("pk")))


class ReviewQuerySet(models.QuerySet):
    def visible(self):
        """Reviews a profile shows and its aggregates count: neither hidden by a moderator nor held for one."""
        return self.filter(is_hidden=False, is_held=False)

    def held(self):
        """Reviews waiting for a moderator's check before they are published."""
        return self.filter(is_held=True)

    def with_open_flags(self):
        return self.filter(has_open_flags())

    def for_profile(self):
        """What a profile's review list reads: author, reply and massage type in the same query."""
        return self.visible().select_related("author", "response", "massage_type", "visit")


class Review(models.Model):
    class HoldReason(models.TextChoices):
        NEW_ACCOUNT_CLUSTER = "new_account_cluster", "One of several reviews from new accounts on this therapist"
        SHARED_ADDRESS = "shared_address", "Another account reviewed this therapist from the same address"
        THERAPIST_FOOTPRINT = "therapist_footprint", "Posted from an address or browser the therapist's account used"
        BUSY_NEW_ACCOUNT = "busy_new_account", "A new account that posted several reviews within a day"
        BURST = "burst", "One of a burst of reviews for this therapist"
        NEAR_DUPLICATE = "near_duplicate", "Nearly the same words as another review"

    class RemovalReason(models.TextChoices):
        FAKE = "fake", "Not a genuine client's experience"
        CONFLICT = "conflict", "Written by someone connected to the therapist"
        OFFENSIVE = "offensive", "Offensive or abusive"
        PRIVATE = "private", "Shares private information"
        OFF_TOPIC = "off_topic", "Not about this therapist"
        OTHER = "other", "Another reason (see the note)"

    therapist = models.ForeignKey(Therapist, on_delete=models.CASCADE, related_name="reviews")
    # PROTECT: deleting an account must not drop reviews behind the aggregates' back; staff remove
    # its reviews first (through the moderation services), then the account.
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="reviews")
    rating = models.PositiveSmallIntegerField("overall rating", validators=RATING_VALIDATORS)
    technique = models.PositiveSmallIntegerField(validators=RATING_VALIDATORS)
    professionalism = models.PositiveSmallIntegerField(validators=RATING_VALIDATORS)
    communication = models.PositiveSmallIntegerField(validators=RATING_VALIDATORS)
    cleanliness = models.PositiveSmallIntegerField(validators=RATING_VALIDATORS)
    would_recommend = models.BooleanField("would recommend")
    massage_type = models.ForeignKey(
        Specialty,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="type of massage received",
    )
    visit_month = models.DateField(
        help_text="The first day of the month of the visit.", validators=[validate_visit_month]
    )
    title = models.CharField(max_length=TITLE_MAX_LENGTH, validators=[MinLengthValidator(TITLE_MIN_LENGTH)])
    # A TextField's max_length only sizes the widget; the validators enforce it on every write.
    body = models.TextField(
        max_length=BODY_MAX_LENGTH,
        validators=[MinLengthValidator(BODY_MIN_LENGTH), MaxLengthValidator(BODY_MAX_LENGTH)],
    )

    is_hidden = models.BooleanField(default=False, db_index=True)
    hidden_reason = models.CharField(max_length=HIDDEN_REASON_MAX_LENGTH, blank=True)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    hidden_at = models.DateTimeField(null=True, blank=True)

    # Held: kept off the profile and out of every aggregate until a moderator releases or removes it.
    # held_reason stays after the decision, for the record and the held-review queue.
    is_held = models.BooleanField(default=False, db_index=True)
    held_reason = models.CharField(max_length=24, choices=HoldReason.choices, blank=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    released_at = models.DateTimeField(null=True, blank=True)
    # A keyed hash (HMAC under SECRET_KEY) of the address the review was posted from: it tells whether two
    # accounts posted from one address, and cannot be turned back into the address without the key.
    client_address_hash = models.CharField(max_length=64, blank=True, editable=False)
    # The visit on this site the review was written about, through its invitation: "Verified client". Null for
    # a review written without one (still allowed, labelled plainly).
    visit = models.OneToOneField(
        "appointments.AppointmentRequest",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="review",
        editable=False,
    )
    # The integrity signals measured when the review was posted (reviews.integrity), for the moderators' queue.
    signals = models.JSONField(default=dict, blank=True, editable=False)
    # Why a moderator removed it (hidden, or a held review not released), as its author is told.
    removal_reason = models.CharField(max_length=12, choices=RemovalReason.choices, blank=True)
    # When it first showed on the profile: when posted, or when a moderator released or restored it; null while it
    # never has (held, or removed before it showed). Kept when it is hidden later.
    published_at = models.DateTimeField(null=True, blank=True, db_index=True)
    # When its author last changed what it says (not a moderator's decision): the "edited" mark.
    edited_at = models.DateTimeField(null=True, blank=True)
    # Kept exact by the vote services in the same transaction as each vote.
    helpful_count = models.PositiveIntegerField(default=0)

    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ReviewQuerySet.as_manager()

    # What the client wrote, in the order the form asks it: one list for the form, the service and the admin.
    CONTENT_FIELDS = (
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
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        permissions = [("moderate_review", "Can hide or restore reviews and resolve their flags")]
        constraints = [
            models.UniqueConstraint(
                fields=["therapist", "author"],
                name="one_review_per_client",
                violation_error_code="duplicate_review",
                violation_error_message="You have already reviewed this therapist; you can edit your review instead.",
            ),
            *[
                models.CheckConstraint(condition=Q(**{f"{field}__range": (1, 5)}), name=f"review_{field}_range")
                for field in ("rating", *SUB_RATINGS)
            ],
            models.CheckConstraint(
                condition=Q(is_held=False) | ~Q(held_reason=""),
                name="review_held_has_reason",
                violation_error_message="A held review says why it is held.",
            ),
            models.CheckConstraint(
                condition=~Q(is_held=True, is_hidden=True),
                name="review_held_or_hidden",
                violation_error_message="A review waits for a moderator or has been hidden by one, not both.",
            ),
            models.CheckConstraint(
                condition=Q(visit_month__day=1),
                name="review_visit_month_first_day",
                violation_error_message="The visit month is stored as the first day of that month.",
            ),
        ]
        indexes = [
            models.Index(fields=["therapist", "is_hidden", "is_held", "-created_at"], name="review_profile_list"),
            # The integrity check's near-duplicate scan reads the newest reviews of the whole site (reviews.integrity).
            models.Index(fields=["-created_at", "-id"], name="review_newest"),
        ]

    def __str__(self):
        return f"{self.rating}★ {self.title} — {self.therapist}"

    def is_visible(self) -> bool:
        """Shown on the profile and counted: the one-row form of ReviewQuerySet.visible()."""
        return not self.is_hidden and not self.is_held


class OpenFlagsManager(models.Manager.from_queryset(ReviewQuerySet)):
    """Reviews someone flagged that no moderator has dealt with yet."""

    def get_queryset(self):
        return super().get_queryset().with_open_flags()


class FlaggedReview(Review):
    """Reviews with open flags: the moderators' queue in the admin."""

    objects = OpenFlagsManager()

    class Meta:
        proxy = True
        verbose_name = "flagged review"
        verbose_name_plural = "flagged reviews"


class EverHeldManager(models.Manager.from_queryset(ReviewQuerySet)):
    """Reviews that were ever held, whether still waiting or decided."""

    def get_queryset(self):
        return super().get_queryset().exclude(held_reason="")


class HeldReview(Review):
    """Reviews ever held for a moderator's check, waiting or decided: the held-review queue in the admin."""

    objects = EverHeldManager()

    class Meta:
        proxy = True
        verbose_name = "held review"
        verbose_name_plural = "held reviews"


class ReviewResponse(models.Model):
    """The profile owner's one reply to a review."""

    review = models.OneToOneField(Review, on_delete=models.CASCADE, related_name="response")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    body = models.TextField(
        max_length=RESPONSE_MAX_LENGTH,
        validators=[MinLengthValidator(RESPONSE_MIN_LENGTH), MaxLengthValidator(RESPONSE_MAX_LENGTH)],
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"Reply to {self.review_id}"


class ReviewFlagQuerySet(models.QuerySet):
    def open(self):
        return self.filter(is_resolved=False)


class ReviewFlag(models.Model):
    class Reason(models.TextChoices):
        FAKE = "fake", "Looks fake or not a real client"
        OFFENSIVE = "offensive", "Offensive or abusive"
        PRIVATE = "private", "Shares private information"
        OFF_TOPIC = "off_topic", "Not about this therapist"
        OTHER = "other", "Something else"

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="flags")
    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(max_length=12, choices=Reason.choices)
    details = models.TextField(
        blank=True, max_length=FLAG_DETAILS_MAX_LENGTH, validators=[MaxLengthValidator(FLAG_DETAILS_MAX_LENGTH)]
    )
    is_resolved = models.BooleanField(default=False, db_index=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = ReviewFlagQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["review", "reporter"],
                name="one_flag_per_reporter",
                violation_error_code="duplicate_flag",
                violation_error_message="You have already flagged this review; a moderator will look at it.",
            )
        ]

    def __str__(self):
        return f"{self.get_reason_display()} — review {self.review_id}"


class ReviewVote(models.Model):
    """A signed-in reader's "helpful" vote on a review: one per reader, withdrawable."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="votes")
    voter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["review", "voter"],
                name="one_vote_per_reader",
                violation_error_code="duplicate_vote",
                violation_error_message="You have already marked this review as helpful.",
            )
        ]

    def __str__(self):
        return f"Helpful: review {self.review_id}"


class ReviewInvitation(models.Model):
    """One review for one visit that took place: a single-use token, kept only as its hash."""

    # SHA-256 of the token (at least 128 random bits); the token itself is only in the client's link.
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    visit = models.OneToOneField(
        "appointments.AppointmentRequest", on_delete=models.CASCADE, related_name="review_invitation"
    )
    client = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="review_invitations")
    therapist = models.ForeignKey(Therapist, on_delete=models.CASCADE, related_name="review_invitations")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["client", "used_at", "expires_at"], name="invitation_client_open")]

    def __str__(self):
        return f"Invitation to review {self.therapist} ({self.client})"


class ReviewAppeal(models.Model):
    """A removed review's author asks once for another look; a moderator decides."""

    class Outcome(models.TextChoices):
        PENDING = "pending", "Waiting for a moderator"
        UPHELD = "upheld", "Removal upheld"
        REINSTATED = "reinstated", "Review reinstated"

    review = models.OneToOneField(Review, on_delete=models.CASCADE, related_name="appeal")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    statement = models.TextField(
        max_length=APPEAL_MAX_LENGTH,
        validators=[MinLengthValidator(BODY_MIN_LENGTH), MaxLengthValidator(APPEAL_MAX_LENGTH)],
    )
    outcome = models.CharField(max_length=12, choices=Outcome.choices, default=Outcome.PENDING, db_index=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(
        blank=True, max_length=HIDDEN_REASON_MAX_LENGTH, validators=[MaxLengthValidator(HIDDEN_REASON_MAX_LENGTH)]
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(outcome="pending", decided_at__isnull=True)
                | (~Q(outcome="pending") & Q(decided_at__isnull=False)),
                name="appeal_decided_has_time",
            )
        ]

    def __str__(self):
        return f"Appeal on review {self.review_id} ({self.get_outcome_display()})"
