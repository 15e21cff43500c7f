"""Forms of the therapist's dashboard: the profile, the photo, certifications and claims; the menu of services,
the opening hours, where they practise and how clients pay."""

import datetime
import re
from collections.abc import Iterable

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils import timezone

from . import uploads
from .hours import Period
from .models import MAX_TRAVEL_RADIUS_KM, SESSION_LENGTHS, Certification, OpeningPeriod, Specialty, Therapist
from .units import KM_PER_MILE, distance_unit, whole_units

UPLOAD_ACCEPT = "image/jpeg,image/png,image/webp"
DOCUMENT_ACCEPT = "application/pdf,.pdf," + UPLOAD_ACCEPT
_PHONE = re.compile(r"^[0-9+()./\- ]{6,30}$")
_PROFILE_ADDRESS = re.compile(r"(?:^|/)therapists/(?P<slug>[-a-zA-Z0-9_]+)/?(?:[?#].*)?$")
_SLUG = re.compile(r"^[-a-zA-Z0-9_]+$")


class TherapistProfileForm(forms.ModelForm):
    """Everything a therapist edits on their own profile; coordinates come from the gazetteer."""

    years_experience = forms.IntegerField(label="Years in practice", min_value=0, max_value=80, initial=0)

    class Meta:
        model = Therapist
        fields = list(Therapist.PROFILE_FIELDS)
        labels = {
            "name": "Your name as clients see it",
            "region": "State or region",
            "postal_code": "Postal code",
            "focus_areas": "Focus areas",
            "amenities": "Your environment",
            "email": "Public email",
        }
        help_texts = {
            "city": "Where you practise; we place you on the map from it.",
            "region": "Two-letter code, e.g. CO. Helps when several cities share a name.",
            "postal_code": "Optional; when given, it sets your position, and it must lie in or near the city above.",
        }
        widgets = {
            "specialties": forms.CheckboxSelectMultiple,
            "focus_areas": forms.CheckboxSelectMultiple,
            "languages": forms.CheckboxSelectMultiple,
            "amenities": forms.CheckboxSelectMultiple,
            "bio": forms.Textarea(attrs={"rows": 8}),
        }

    def clean_phone(self):
        phone = self.cleaned_data["phone"].strip()
        if phone and not _PHONE.match(phone):
            raise ValidationError("Use digits, spaces and + ( ) - . only.", code="phone")
        return phone

    def clean_postal_code(self):
        return self.cleaned_data["postal_code"].strip()

    def clean_region(self):
        return self.cleaned_data["region"].strip().upper()


class PhotoForm(forms.Form):
    photo = forms.FileField(
        label="Profile photo",
        help_text="A JPEG, PNG or WebP image up to 10 MB. We remove location and camera data.",
        widget=forms.FileInput(attrs={"accept": UPLOAD_ACCEPT}),
    )

    def clean_photo(self) -> uploads.ProcessedPhoto:
        return uploads.process_photo(self.cleaned_data["photo"])


class CertificationForm(forms.ModelForm):
    """A credential and its document; the document is required when the credential is new."""

    document = forms.FileField(
        label="Document",
        help_text="A PDF, or a JPEG, PNG or WebP scan, up to 10 MB. Only you and our verifiers can open it.",
        widget=forms.FileInput(attrs={"accept": DOCUMENT_ACCEPT}),
    )

    class Meta:
        model = Certification
        fields = list(Certification.DETAIL_FIELDS)
        labels = {
            "kind": "Type",
            "region": "Issuing state",
            "credential_number": "License or certificate number",
            "issued_on": "Issued on",
            "expires_on": "Expires on",
        }
        help_texts = {
            "region": "Two-letter code, e.g. CO. Required for a state license: only a license from the state where "
            "you practise earns the Verified badge.",
            "specialty": "Required for a specialty certificate.",
            "expires_on": "Leave empty if it never expires.",
        }
        widgets = {
            "issued_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "expires_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def __init__(self, *args, practice_region: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        # A new credential is most likely the license of the state where the therapist practises.
        if not self.instance.pk and practice_region:
            self.fields["region"].initial = practice_region
        if self.instance.pk:
            self.fields["document"].required = False
            self.fields["document"].label = "Replace the document"
            self.fields["document"].help_text += " Leave empty to keep the current one."

    def clean_region(self) -> str:
        return self.cleaned_data["region"].strip().upper()

    def clean_document(self) -> uploads.CleanDocument | None:
        upload = self.cleaned_data.get("document")
        return uploads.clean_document(upload) if upload else None

    def clean(self):
        cleaned = super().clean()
        kind, specialty = cleaned.get("kind"), cleaned.get("specialty")
        issued_on, expires_on = cleaned.get("issued_on"), cleaned.get("expires_on")
        today = timezone.localdate()
        if kind == Certification.Kind.SPECIALTY and not specialty and "specialty" not in self.errors:
            self.add_error("specialty", "Choose the specialty this certificate covers.")
        if kind == Certification.Kind.LICENSE and not cleaned.get("region") and "region" not in self.errors:
            self.add_error("region", "Name the state that issued this license.")
        if issued_on and issued_on > today:
            self.add_error("issued_on", "The issue date cannot be in the future.")
        if issued_on and expires_on and expires_on <= issued_on:
            self.add_error("expires_on", "The expiry date must come after the issue date.")
        elif expires_on and expires_on < today and "expires_on" in self.changed_data:
            self.add_error("expires_on", "This date has passed: the certification has expired.")
        return cleaned


class ProfileClaimForm(forms.Form):
    profile = forms.CharField(
        label="Address of your profile",
        max_length=300,
        help_text="Paste the address of the listed profile, e.g. https://example.com/therapists/ana-lopez/.",
    )
    message = forms.CharField(
        label="How can we confirm it is you?",
        min_length=20,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="For example your license number and the phone number of your practice. Staff check it.",
    )

    def clean_profile(self) -> Therapist:
        text = self.cleaned_data["profile"].strip()
        found = _PROFILE_ADDRESS.search(text)
        slug = found["slug"] if found else text.strip("/")
        therapist = Therapist.objects.published().filter(slug=slug).first() if _SLUG.match(slug) else None
        if therapist is None:
            raise ValidationError("We could not find a listed profile at this address.", code="unknown")
        if therapist.owner_id is not None:
            raise ValidationError("This profile already has an owner.", code="owned")
        return therapist


# --- what a practice offers, when, where and how clients pay (issue 13) ---

MAX_SERVICE_LINES = 50
EXTRA_SERVICE_LINES = 3


class ServiceLineForm(forms.Form):
    """One line of the menu. The checks of a whole menu (lengths, prices, one price per type and length) are the
    service's (offerings.check_services), shown beside these fields by the formset."""

    specialty = forms.TypedChoiceField(
        label="Type of massage",
        coerce=int,
        error_messages={
            "required": "Choose a type of massage, or tick “Remove this line”.",
            "invalid_choice": "Choose one of your types of massage; add more on your profile page.",
        },
    )
    minutes = forms.IntegerField(
        label="Length",
        widget=forms.Select(choices=[("", "Choose a length"), *((m, f"{m} minutes") for m in SESSION_LENGTHS)]),
        error_messages={"required": "Choose a length.", "invalid": "Choose a length from the list."},
    )
    price = forms.IntegerField(
        label="Price in dollars",
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "step": 1, "min": 0}),
        error_messages={"required": "Give a price in whole dollars.", "invalid": "Give whole dollars, e.g. 95."},
    )

    def __init__(self, *args, specialties: Iterable[Specialty] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["specialty"].choices = [("", "Choose a type"), *((s.pk, s.name) for s in specialties)]


class BaseServiceMenuFormSet(forms.BaseFormSet):
    """The whole menu, one form a line, for one therapist: the types of massage offered are theirs only, read once.

    A service's errors come back as "Line N" errors (offerings.therapist_set_services): `add_error` puts each
    beside the field of its line, so the page shows them where they belong and keeps what was typed.
    """

    default_error_messages = {
        "missing_management_form": "This form arrived incomplete. Reload the page and try again.",
        "too_many_forms": f"A menu has at most {MAX_SERVICE_LINES} lines.",
        "too_few_forms": "This form arrived incomplete. Reload the page and try again.",
    }

    def __init__(self, *args, therapist: Therapist, **kwargs):
        self.therapist = therapist
        self.specialties = {s.pk: s for s in therapist.specialties.all()}
        super().__init__(*args, form_kwargs={"specialties": self.specialties.values()}, **kwargs)

    def menu_lines(self) -> list[tuple[int, Specialty, int, int]]:
        """(line number as shown, type, minutes, price) of each line to save: not removed, not left empty."""
        return [
            (
                number,
                self.specialties[form.cleaned_data["specialty"]],
                form.cleaned_data["minutes"],
                form.cleaned_data["price"],
            )
            for number, form in enumerate(self.forms, start=1)
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]

    def add_error(self, field, error: ValidationError) -> None:
        """A service's error: beside the field of its line when it names one, else above the menu."""
        for item in error.error_list:
            params = item.params or {}
            line, name = params.get("line"), params.get("field")
            if line and name and 1 <= line <= len(self.forms) and name in self.forms[line - 1].fields:
                self.forms[line - 1].add_error(name, params["message"])
            else:
                self._non_form_errors.append(item.message % params if params else item.message)


ServiceMenuFormSet = forms.formset_factory(
    ServiceLineForm,
    formset=BaseServiceMenuFormSet,
    extra=EXTRA_SERVICE_LINES,
    can_delete=True,
    can_delete_extra=False,
    max_num=MAX_SERVICE_LINES,
    validate_max=True,
    absolute_max=MAX_SERVICE_LINES,
)


PERIODS_PER_DAY = 2  # a day with a break: morning and afternoon


def period_field_names(weekday: int, number: int) -> tuple[str, str]:
    return f"day{weekday}_opens_{number}", f"day{weekday}_closes_{number}"


def _time_field(label: str) -> forms.TimeField:
    return forms.TimeField(
        label=label,
        required=False,
        input_formats=["%H:%M", "%H:%M:%S"],
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        error_messages={"invalid": "Give a time such as 09:00 or 17:30."},
    )


class OpeningHoursForm(forms.Form):
    """The week: per weekday up to two periods (a break between them), and "by appointment only".

    Half a period is this form's error; inverted and overlapping periods are the service's
    (offerings.check_hours), which `add_error` puts beside the day they concern.
    """

    by_appointment = forms.BooleanField(
        label="By appointment only",
        required=False,
        help_text="Tick it if you see clients only at times agreed beforehand; you may still give hours.",
    )

    def __init__(self, *args, periods: Iterable = (), **kwargs):
        super().__init__(*args, **kwargs)
        for weekday, _ in OpeningPeriod.Weekday.choices:
            for number in range(1, PERIODS_PER_DAY + 1):
                opens, closes = period_field_names(weekday, number)
                self.fields[opens] = _time_field("Opens" if number == 1 else "Opens again")
                self.fields[closes] = _time_field("Closes")
        by_day: dict[int, list] = {}
        for period in sorted(periods, key=lambda p: (p.weekday, p.opens)):
            by_day.setdefault(period.weekday, []).append(period)
        for weekday, day_periods in by_day.items():
            for number, period in enumerate(day_periods[:PERIODS_PER_DAY], start=1):
                opens, closes = period_field_names(weekday, number)
                self.initial.setdefault(opens, period.opens)
                self.initial.setdefault(closes, period.closes)

    def days(self) -> list[dict]:
        """Each weekday with its bound fields, for the template: a fieldset a day, periods side by side."""
        return [
            {
                "label": label,
                "weekday": weekday,
                "periods": [
                    [self[name] for name in period_field_names(weekday, number)]
                    for number in range(1, PERIODS_PER_DAY + 1)
                ],
            }
            for weekday, label in OpeningPeriod.Weekday.choices
        ]

    def clean(self):
        cleaned = super().clean()
        for weekday, _ in OpeningPeriod.Weekday.choices:
            for number in range(1, PERIODS_PER_DAY + 1):
                opens, closes = period_field_names(weekday, number)
                if opens in self.errors or closes in self.errors:
                    continue
                if cleaned.get(opens) and not cleaned.get(closes):
                    self.add_error(closes, "Give the closing time too, or clear the opening time.")
                elif cleaned.get(closes) and not cleaned.get(opens):
                    self.add_error(opens, "Give the opening time too, or clear the closing time.")
        return cleaned

    def periods(self) -> list[Period]:
        found = []
        for weekday, _ in OpeningPeriod.Weekday.choices:
            for number in range(1, PERIODS_PER_DAY + 1):
                opens, closes = (self.cleaned_data.get(name) for name in period_field_names(weekday, number))
                if isinstance(opens, datetime.time) and isinstance(closes, datetime.time):
                    found.append(Period(weekday, opens, closes))
        return found

    def add_error(self, field, error):
        """A service's error about one weekday goes beside that day's first period; others as given."""
        if field is None and isinstance(error, ValidationError) and not hasattr(error, "error_dict"):
            for item in error.error_list:
                weekday = (item.params or {}).get("weekday")
                if weekday in dict(OpeningPeriod.Weekday.choices):
                    super().add_error(period_field_names(weekday, 1)[0], item.params["message"])
                else:
                    super().add_error(NON_FIELD_ERRORS, item)
            return
        super().add_error(field, error)


def travel_radius_limit() -> int:
    """The largest radius a therapist may give, in the site's unit (the model stores at most 200 km)."""
    return int(MAX_TRAVEL_RADIUS_KM / KM_PER_MILE) if distance_unit() == "mi" else MAX_TRAVEL_RADIUS_KM


class PracticeForm(forms.Form):
    """Where the therapist sees clients and how clients pay. The radius is asked in the site's unit (miles on a
    US site) and carried in kilometres, as the model stores it; the service checks the address against the
    profile's place and the rules between the fields."""

    street_address = forms.CharField(
        label="Street address",
        max_length=200,
        required=False,
        help_text="Only the street, e.g. 1420 Larimer St, Suite 200. Your city, state and postal code come from "
        "your profile.",
    )
    show_address = forms.BooleanField(
        label="Show the street address on my profile",
        required=False,
        help_text="Leave it unticked to show only your area, e.g. if you work from home.",
    )
    travels_to_client = forms.BooleanField(label="I travel to clients", required=False)
    travel_radius = forms.IntegerField(
        required=False,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "step": 1}),
        error_messages={"invalid": "Give a whole number."},
    )
    accepts_cash = forms.BooleanField(label="Cash", required=False)
    accepts_card = forms.BooleanField(label="Credit or debit card", required=False)
    accepts_hsa_fsa = forms.BooleanField(label="HSA or FSA card", required=False)
    gives_hsa_receipts = forms.BooleanField(
        label="I give itemised receipts for HSA/FSA claims",
        required=False,
    )
    sells_gift_cards = forms.BooleanField(label="I sell gift cards", required=False)
    cancellation_policy = forms.CharField(
        label="Cancellation policy",
        max_length=200,
        required=False,
        help_text="In one line, e.g. “Free cancellation up to 24 hours before.”",
    )

    PAYMENT_FIELDS = ("accepts_cash", "accepts_card", "accepts_hsa_fsa", "gives_hsa_receipts", "sells_gift_cards")

    def __init__(self, *args, therapist: Therapist, **kwargs):
        super().__init__(*args, **kwargs)
        self.unit = distance_unit()
        limit, unit_name = travel_radius_limit(), "miles" if self.unit == "mi" else "km"
        radius = self.fields["travel_radius"]
        radius.label = f"How far you travel, in {unit_name}"
        within = f"Give a distance between 1 and {limit} {unit_name}."
        radius.validators += [MinValueValidator(1, message=within), MaxValueValidator(limit, message=within)]
        radius.widget.attrs.update({"min": 1, "max": limit})
        radius.help_text = "Required when you travel to clients."
        for name in self.fields:
            if name != "travel_radius":
                self.initial.setdefault(name, getattr(therapist, name))
        if therapist.travel_radius_km is not None:
            self.initial.setdefault("travel_radius", self.from_km(therapist.travel_radius_km))

    def from_km(self, km: int) -> int:
        return whole_units(km, self.unit)

    def to_km(self, value: int) -> int:
        return min(MAX_TRAVEL_RADIUS_KM, round(value * KM_PER_MILE)) if self.unit == "mi" else value

    def clean_street_address(self) -> str:
        return self.cleaned_data["street_address"].strip()

    def clean_cancellation_policy(self) -> str:
        return self.cleaned_data["cancellation_policy"].strip()

    def practice_data(self) -> dict:
        """The page's answers as the service's PracticeDetails names them: the radius in kilometres."""
        data = {name: value for name, value in self.cleaned_data.items() if name != "travel_radius"}
        radius = self.cleaned_data.get("travel_radius")
        data["travel_radius_km"] = None if radius is None else self.to_km(radius)
        return data
