"""Appointment requests: a client asks a therapist for a visit, the therapist answers; the record of the visit.

A request is also the record the honest-reviews work builds on: who asked, which therapist, the agreed date and
time (`agreed_at`) and the outcome (`status`: held or no show once the time has passed).
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from common.models import LockingQuerySet
from therapists.models import Specialty, Therapist

MESSAGE_MAX_LENGTH = 2000
PRECAUTIONS_MAX_LENGTH = 1000
NOTE_MAX_LENGTH = 1000
TIMES_NOTE_MAX_LENGTH = 200


class Weekday(models.TextChoices):
    MONDAY = "mon", "Monday"
    TUESDAY = "tue", "Tuesday"
    WEDNESDAY = "wed", "Wednesday"
    THURSDAY = "thu", "Thursday"
    FRIDAY = "fri", "Friday"
    SATURDAY = "sat", "Saturday"
    SUNDAY = "sun", "Sunday"


class DayPart(models.TextChoices):
    MORNING = "morning", "Morning (before noon)"
    AFTERNOON = "afternoon", "Afternoon (noon to 5 pm)"
    EVENING = "evening", "Evening (after 5 pm)"


def _check_codes(value, choices: type[models.TextChoices]) -> None:
    """A list of distinct codes of `choices`: what a tampered form could otherwise store in a JSON column."""
    if not isinstance(value, list) or any(code not in choices.values for code in value):
        raise ValidationError("Choose from the list.", code="invalid_choice")
    if len(set(value)) != len(value):
        raise ValidationError("Each choice counts once.", code="duplicate")


def validate_weekdays(value) -> None:
    _check_codes(value, Weekday)


def validate_day_parts(value) -> None:
    _check_codes(value, DayPart)


class OutcomeSource(models.TextChoices):
    THERAPIST = "therapist", "The therapist"
    CLIENT = "client", "The client"


class AppointmentRequestQuerySet(LockingQuerySet):
    def open(self):
        """Requests still waiting for someone: the therapist's answer, or the client's word on a suggested time."""
        return self.filter(status__in=AppointmentRequest.OPEN_STATUSES)

    def unanswered(self):
        return self.filter(status=AppointmentRequest.Status.PENDING)


class AppointmentRequest(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for an answer"
        ACCEPTED = "accepted", "Accepted"
        SUGGESTED = "suggested", "Another time suggested"
        DECLINED = "declined", "Declined"
        CANCELLED = "cancelled", "Cancelled by the client"
        HELD = "held", "Visit held"
        NO_SHOW = "no_show", "Visit did not take place"

    class DeclineReason(models.TextChoices):
        FULLY_BOOKED = "fully_booked", "Fully booked at those times"
        NOT_OFFERED = "not_offered", "I do not offer what was asked"
        SEE_PROFESSIONAL = "see_professional", "Please see a healthcare professional first"
        OUT_OF_AREA = "out_of_area", "Too far from where I work"
        OTHER = "other", "Another reason (see the note)"

    client = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="appointment_requests")
    therapist = models.ForeignKey(Therapist, on_delete=models.CASCADE, related_name="appointment_requests")
    specialty = models.ForeignKey(
        Specialty,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="kind of massage",
    )
    # When suits the client: weekday codes (Weekday) and parts of the day (DayPart), and a free line.
    preferred_days = models.JSONField(default=list, blank=True, validators=[validate_weekdays])
    preferred_times = models.JSONField(default=list, blank=True, validators=[validate_day_parts])
    preferred_note = models.CharField("other times", max_length=TIMES_NOTE_MAX_LENGTH, blank=True)
    message = models.TextField(
        blank=True, max_length=MESSAGE_MAX_LENGTH, validators=[MaxLengthValidator(MESSAGE_MAX_LENGTH)]
    )
    # Only what the client chooses to share with this therapist (pregnancy, allergies, an injury...).
    precautions = models.TextField(
        blank=True, max_length=PRECAUTIONS_MAX_LENGTH, validators=[MaxLengthValidator(PRECAUTIONS_MAX_LENGTH)]
    )

    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING, db_index=True)
    proposed_at = models.DateTimeField("time the therapist suggests", null=True, blank=True)
    agreed_at = models.DateTimeField("agreed date and time", null=True, blank=True)
    decline_reason = models.CharField(max_length=20, choices=DeclineReason.choices, blank=True)
    therapist_note = models.TextField(
        "note from the therapist",
        blank=True,
        max_length=NOTE_MAX_LENGTH,
        validators=[MaxLengthValidator(NOTE_MAX_LENGTH)],
    )

    created_at = models.DateTimeField(default=timezone.now)
    answered_at = models.DateTimeField("first answered at", null=True, blank=True)
    closed_at = models.DateTimeField("cancelled or outcome recorded at", null=True, blank=True)
    # Who said whether the visit took place: the therapist, or the client when the site asked them after the
    # therapist left it unanswered (outcome_asked_at: when the site asked).
    outcome_recorded_by = models.CharField(max_length=10, choices=OutcomeSource.choices, blank=True)
    outcome_asked_at = models.DateTimeField("client asked about the visit at", null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = AppointmentRequestQuerySet.as_manager()

    OPEN_STATUSES = (Status.PENDING, Status.SUGGESTED)
    # Statuses in which a time has been agreed: the visit is booked, happened, or was missed.
    AGREED_STATUSES = (Status.ACCEPTED, Status.HELD, Status.NO_SHOW)
    ANSWERED_STATUSES = (Status.ACCEPTED, Status.SUGGESTED, Status.DECLINED, Status.HELD, Status.NO_SHOW)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["client", "therapist"],
                condition=Q(status__in=["pending", "suggested"]),
                name="one_open_request_per_pair",
                violation_error_code="open_request_exists",
                violation_error_message="You already have an open request with this therapist.",
            ),
            models.CheckConstraint(
                condition=Q(
                    status__in=["pending", "accepted", "suggested", "declined", "cancelled", "held", "no_show"]
                ),
                name="appointment_status_known",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["accepted", "held", "no_show"]) | Q(agreed_at__isnull=False),
                name="appointment_agreed_has_time",
                violation_error_message="An accepted request has an agreed date and time.",
            ),
            models.CheckConstraint(
                condition=~Q(status="suggested") | Q(proposed_at__isnull=False),
                name="appointment_suggested_has_time",
                violation_error_message="A suggestion names the time suggested.",
            ),
            models.CheckConstraint(
                condition=(Q(status="declined") & ~Q(decline_reason=""))
                | (~Q(status="declined") & Q(decline_reason="")),
                name="appointment_declined_has_reason",
                violation_error_message="A declined request says why, and only a declined one.",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["accepted", "suggested", "declined", "held", "no_show"])
                | Q(answered_at__isnull=False),
                name="appointment_answer_has_time",
                violation_error_message="An answered request says when it was answered.",
            ),
        ]
        indexes = [
            models.Index(fields=["therapist", "-created_at"], name="appointment_inbox"),
            models.Index(fields=["client", "-created_at"], name="appointment_client_list"),
        ]

    def __str__(self):
        return f"{self.therapist} ← {self.client} ({self.get_status_display()})"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    @property
    def is_unanswered(self) -> bool:
        return self.status == self.Status.PENDING

    def preferred_days_display(self) -> list[str]:
        labels = dict(Weekday.choices)
        return [labels[code] for code in self.preferred_days if code in labels]

    def preferred_times_display(self) -> list[str]:
        labels = dict(DayPart.choices)
        return [labels[code] for code in self.preferred_times if code in labels]
