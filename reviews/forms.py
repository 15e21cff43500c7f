"""Forms for leaving and editing a review, replying to one and flagging one."""

import datetime
import re

from django import forms
from django.core.exceptions import ValidationError

from therapists.models import Specialty

from .models import (
    APPEAL_MAX_LENGTH,
    BODY_MAX_LENGTH,
    BODY_MIN_LENGTH,
    EARLIEST_VISIT_MONTH,
    FLAG_DETAILS_MAX_LENGTH,
    RESPONSE_MAX_LENGTH,
    RESPONSE_MIN_LENGTH,
    TITLE_MAX_LENGTH,
    TITLE_MIN_LENGTH,
    Review,
    ReviewFlag,
    latest_visit_month,
    validate_visit_month,
)

RATING_CHOICES = [
    (1, "1 – poor"),
    (2, "2 – fair"),
    (3, "3 – good"),
    (4, "4 – very good"),
    (5, "5 – excellent"),
]
YES_NO_CHOICES = [("yes", "Yes"), ("no", "No")]
MONTH_PATTERN = re.compile(r"^\s*(\d{4})-(\d{1,2})(?:-\d{1,2})?\s*$")


class MonthInput(forms.DateInput):
    """A month picker where the browser has one; elsewhere a text box that takes YYYY-MM."""

    input_type = "month"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m")


class MonthField(forms.Field):
    """A month as the first day of it; takes YYYY-MM (what a month picker sends) or YYYY-MM-DD."""

    widget = MonthInput
    default_error_messages = {"invalid": "Enter a month as YYYY-MM, for example 2026-03."}

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, datetime.date):
            return value.replace(day=1)
        match = MONTH_PATTERN.match(str(value))
        if not match:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        try:
            return datetime.date(int(match[1]), int(match[2]), 1)
        except ValueError as error:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from error


def rating_field(label: str, help_text: str = "") -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label,
        help_text=help_text,
        choices=RATING_CHOICES,
        coerce=int,
        widget=forms.RadioSelect(attrs={"class": "rating-choices"}),
        error_messages={"required": "Choose a rating from 1 to 5.", "invalid_choice": "Choose a rating from 1 to 5."},
    )


class ReviewForm(forms.Form):
    """A review on the article's criteria: professionalism, technique and the overall experience."""

    rating = rating_field("Overall experience")
    technique = rating_field("Technique", "Pressure, skill, and whether it helped what you came for.")
    professionalism = rating_field("Professionalism", "Punctuality, respect, boundaries and clear pricing.")
    communication = rating_field("Communication and rapport", "Did they listen and explain what they were doing?")
    cleanliness = rating_field("Clean and professional environment", "The room, linens and products.")
    would_recommend = forms.TypedChoiceField(
        label="Would you recommend them to a friend?",
        choices=YES_NO_CHOICES,
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect(attrs={"class": "inline-choices"}),
        error_messages={"required": "Tell us whether you would recommend them."},
    )
    massage_type = forms.ModelChoiceField(
        label="Type of massage you received",
        queryset=Specialty.objects.all(),
        to_field_name="slug",
        empty_label="Choose a type",
        error_messages={"required": "Choose the type of massage you received."},
    )
    visit_month = MonthField(
        label="Month of your visit",
        help_text="As YYYY-MM, for example 2026-03.",
        validators=[validate_visit_month],
        error_messages={"required": "Tell us the month of your visit."},
    )
    title = forms.CharField(
        label="Title",
        min_length=TITLE_MIN_LENGTH,
        max_length=TITLE_MAX_LENGTH,
        help_text=f"A short summary, up to {TITLE_MAX_LENGTH} characters.",
    )
    body = forms.CharField(
        label="Your review",
        min_length=BODY_MIN_LENGTH,
        max_length=BODY_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=f"What went well, what did not; {BODY_MIN_LENGTH} to {BODY_MAX_LENGTH} characters. "
        "Please leave out health details you would not want public.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["visit_month"].widget.attrs.update(
            {"min": EARLIEST_VISIT_MONTH.strftime("%Y-%m"), "max": latest_visit_month().strftime("%Y-%m")}
        )

    @staticmethod
    def initial_from(content) -> dict:
        """The form's initial values for a review's content (a services.ReviewContent)."""
        initial = {name: getattr(content, name) for name in Review.CONTENT_FIELDS}
        initial["would_recommend"] = "yes" if content.would_recommend else "no"
        return initial


class ReviewResponseForm(forms.Form):
    body = forms.CharField(
        label="Your reply",
        min_length=RESPONSE_MIN_LENGTH,
        max_length=RESPONSE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=f"Shown under the review on your profile; up to {RESPONSE_MAX_LENGTH} characters.",
    )


class ReviewFlagForm(forms.Form):
    reason = forms.ChoiceField(
        label="What is wrong with this review?",
        choices=ReviewFlag.Reason.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose a reason."},
    )
    details = forms.CharField(
        label="Details (optional)",
        required=False,
        max_length=FLAG_DETAILS_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Anything that helps a moderator decide.",
    )


class ReviewAppealForm(forms.Form):
    """The author's one appeal against a removal: what the moderator should look at again."""

    statement = forms.CharField(
        label="Why should the review be shown again?",
        min_length=BODY_MIN_LENGTH,
        max_length=APPEAL_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=f"{BODY_MIN_LENGTH} to {APPEAL_MAX_LENGTH} characters. A moderator reads it beside your review; "
        "you can appeal once.",
    )
