"""Client reviews of therapists, the therapist's replies, and flags for moderation."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinLengthValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from therapists.models import Specialty, Therapist

RATING_VALIDATORS = [MinValueValidator(1), MaxValueValidator(5)]
SUB_RATINGS = ("technique", "professionalism", "communication", "cleanliness")


class ReviewQuerySet(models.QuerySet):
    def visible(self):
        return self.filter(is_hidden=False)


class Review(models.Model):
    therapist = models.ForeignKey(Therapist, on_delete=models.CASCADE, related_name="reviews")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reviews")
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
    visit_month = models.DateField(help_text="The first day of the month of the visit.")
    title = models.CharField(max_length=120, validators=[MinLengthValidator(3)])
    body = models.TextField(max_length=4000, validators=[MinLengthValidator(20)])

    is_hidden = models.BooleanField(default=False, db_index=True)
    hidden_reason = models.CharField(max_length=200, blank=True)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    hidden_at = models.DateTimeField(null=True, blank=True)

    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ReviewQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["therapist", "author"], name="one_review_per_client"),
            *[
                models.CheckConstraint(condition=Q(**{f"{field}__range": (1, 5)}), name=f"review_{field}_range")
                for field in ("rating", *SUB_RATINGS)
            ],
        ]
        indexes = [
            models.Index(fields=["therapist", "is_hidden", "-created_at"], name="review_profile_list"),
        ]

    def __str__(self):
        return f"{self.rating}★ {self.title} — {self.therapist}"


class ReviewResponse(models.Model):
    """The profile owner's one reply to a review."""

    review = models.OneToOneField(Review, on_delete=models.CASCADE, related_name="response")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    body = models.TextField(max_length=2000, validators=[MinLengthValidator(2)])
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"Reply to {self.review_id}"


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
    details = models.TextField(blank=True, max_length=1000)
    is_resolved = models.BooleanField(default=False, db_index=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["review", "reporter"], name="one_flag_per_reporter")]

    def __str__(self):
        return f"{self.get_reason_display()} — review {self.review_id}"
