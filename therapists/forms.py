"""Forms of the therapist's dashboard: the profile, the photo, certifications and claims."""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from . import uploads
from .models import Certification, Therapist

UPLOAD_ACCEPT = "image/jpeg,image/png,image/webp"
DOCUMENT_ACCEPT = "application/pdf,.pdf," + UPLOAD_ACCEPT
_PHONE = re.compile(r"^[0-9+()./\- ]{6,30}$")
_PROFILE_ADDRESS = re.compile(r"(?:^|/)therapists/(?P<slug>[-a-zA-Z0-9_]+)/?(?:[?#].*)?$")
_SLUG = re.compile(r"^[-a-zA-Z0-9_]+$")


class TherapistProfileForm(forms.ModelForm):
    """Everything a therapist edits on their own profile; coordinates come from the gazetteer."""

    years_experience = forms.IntegerField(label="Years in practice", min_value=0, max_value=80, initial=0)
    price_60 = forms.IntegerField(
        label="Price of a 60-minute session",
        min_value=0,
        max_value=10_000,
        required=False,
        help_text="Whole currency units. Leave empty to show “Ask”.",
    )

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
