"""Forms for requesting an appointment and for the therapist's answer."""

import datetime
import zoneinfo

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from therapists.models import Specialty, Therapist

from .models import (
    MESSAGE_MAX_LENGTH,
    NOTE_MAX_LENGTH,
    PRECAUTIONS_MAX_LENGTH,
    TIMES_NOTE_MAX_LENGTH,
    AppointmentRequest,
    DayPart,
    Weekday,
)

HONEYPOT_FIELD = "website"
DATETIME_INPUT_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"]


class AppointmentRequestForm(forms.Form):
    """What a client tells the therapist: the kind of massage, when suits them, a message, and, if they choose,
    the precautions that matter. `website` is a honeypot: hidden from people, filled in by bots."""

    specialty = forms.ModelChoiceField(
        label="Kind of massage",
        queryset=Specialty.objects.none(),
        to_field_name="slug",
        required=False,
        empty_label="Not sure yet",
        error_messages={"invalid_choice": "Choose one of the kinds of massage this therapist offers."},
    )
    preferred_days = forms.MultipleChoiceField(
        label="Days that suit you",
        choices=Weekday.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "inline-choices"}),
        error_messages={"invalid_choice": "Choose days from the list."},
    )
    preferred_times = forms.MultipleChoiceField(
        label="Times of day that suit you",
        choices=DayPart.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "inline-choices"}),
        error_messages={"invalid_choice": "Choose times of day from the list."},
    )
    preferred_note = forms.CharField(
        label="Or say it in your own words (optional)",
        required=False,
        max_length=TIMES_NOTE_MAX_LENGTH,
        help_text='For example "Any weekday after 6 pm" or "Next week if possible".',
    )
    message = forms.CharField(
        label="Message to the therapist (optional)",
        required=False,
        max_length=MESSAGE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=f"What you would like help with; up to {MESSAGE_MAX_LENGTH} characters.",
    )
    precautions = forms.CharField(
        label="Health notes you choose to share (optional)",
        required=False,
        max_length=PRECAUTIONS_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Pregnancy, allergies to oils or lotions, a recent injury, a medical condition: only this "
        "therapist sees it.",
    )
    website = forms.CharField(label="Leave this empty", required=False)

    def __init__(self, *args, therapist: Therapist, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["specialty"].queryset = therapist.specialties.order_by("name")
        self.fields[HONEYPOT_FIELD].widget.attrs.update({"tabindex": "-1", "autocomplete": "off"})

    def clean(self):
        cleaned = super().clean()
        if cleaned.get(HONEYPOT_FIELD):
            # Said plainly and without detail: a person never sees the field; a bot learns nothing from it.
            raise ValidationError("We could not send this request. Please try again.", code="honeypot")
        return cleaned


PREFILL_FIELD = "prefill"
PREFILL_MAX_LINES = 20
PREFILL_TOO_LONG = (
    f"The precautions from the guided match are longer than a request takes ({PRECAUTIONS_MAX_LENGTH} characters): "
    "write the ones that matter below."
)


class PrecautionLinesField(forms.Field):
    """Repeated hidden inputs, one sentence each, as the guided match sends them; blank ones are dropped."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value) -> list[str]:
        values = value if isinstance(value, list | tuple) else [value] if value else []
        return [line for line in (" ".join(str(one).split()) for one in values) if line]

    def validate(self, value):
        super().validate(value)
        if len(value) > PREFILL_MAX_LINES or len("\n".join(value)) > PRECAUTIONS_MAX_LENGTH:
            raise ValidationError(PREFILL_TOO_LONG, code="too_long")


class PrecautionsPrefillForm(forms.Form):
    """What the guided match's "Request an appointment" button posts (therapists/match_request.html): the
    precautions derived from the client's answers, to fill in the request form's box and nothing more. Nothing is
    stored from it: the client reads, edits or removes them, then sends the request form itself."""

    prefill = forms.ChoiceField(choices=[("precautions", "precautions")])
    precaution = PrecautionLinesField(required=False)

    def precautions(self) -> str:
        return "\n".join(self.cleaned_data["precaution"])


class LocalDateTimeField(forms.DateTimeField):
    """A date and time typed in the practice's own time zone (a datetime-local input), made aware in it."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")

    def __init__(self, *args, zone: zoneinfo.ZoneInfo | None = None, **kwargs):
        kwargs.setdefault("input_formats", DATETIME_INPUT_FORMATS)
        super().__init__(*args, **kwargs)
        self.zone = zone

    def to_python(self, value):
        moment = super().to_python(value)
        if moment is None or self.zone is None:
            return moment
        return timezone.make_naive(moment).replace(tzinfo=self.zone) if timezone.is_aware(moment) else moment


class AnswerForm(forms.Form):
    """The therapist's answer: accept at a time, suggest another time, or decline with a reason."""

    ACCEPT, SUGGEST, DECLINE = "accept", "suggest", "decline"

    answer = forms.ChoiceField(
        label="Your answer",
        choices=[
            (ACCEPT, "Accept, at the time below"),
            (SUGGEST, "Suggest another time (below)"),
            (DECLINE, "Decline"),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose your answer.", "invalid_choice": "Choose your answer from the list."},
    )
    moment = LocalDateTimeField(
        label="Date and time",
        required=False,
        help_text="In your practice's local time. Needed to accept or to suggest a time.",
        error_messages={"invalid": "Enter a date and time, for example 2026-07-01 14:30."},
    )
    decline_reason = forms.ChoiceField(
        label="Reason for declining",
        required=False,
        choices=[("", "Choose a reason"), *AppointmentRequest.DeclineReason.choices],
        error_messages={"invalid_choice": "Choose a reason from the list."},
    )
    note = forms.CharField(
        label="Note to the client (optional)",
        required=False,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Where to come, what to bring, or why not.",
    )

    def __init__(self, *args, zone: zoneinfo.ZoneInfo, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["moment"].zone = zone
        self.zone = zone

    def clean(self):
        cleaned = super().clean()
        answer = cleaned.get("answer")
        if answer in (self.ACCEPT, self.SUGGEST) and "moment" not in self.errors:
            moment = cleaned.get("moment")
            if moment is None:
                self.add_error("moment", "Choose a date and time.")
            elif moment <= timezone.now():
                self.add_error("moment", "Choose a date and time in the future.")
        if answer == self.DECLINE and "decline_reason" not in self.errors and not cleaned.get("decline_reason"):
            self.add_error("decline_reason", "Choose a reason for declining.")
        return cleaned

    def initial_moment_min(self) -> str:
        return datetime.datetime.now(self.zone).strftime("%Y-%m-%dT%H:%M")


class OutcomeForm(forms.Form):
    outcome = forms.ChoiceField(
        choices=[("held", "The visit took place"), ("no_show", "The visit did not take place")],
        error_messages={
            "required": "Choose whether the visit took place or not.",
            "invalid_choice": "Choose whether the visit took place or not.",
        },
    )
