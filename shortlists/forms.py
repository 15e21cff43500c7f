"""Forms of the shortlist: the add/remove button, which therapists to compare or share, and where from."""

from django import forms

from therapists.places import MAP_POSITION_LABEL, Origin, cached_resolve_place

from .models import MAX_COMPARED

TOO_MANY = f"Choose at most {MAX_COMPARED} therapists to compare side by side."


class TherapistButtonForm(forms.Form):
    """What a shortlist button posts: the therapist's slug, and the page to return to."""

    therapist = forms.SlugField(max_length=140, error_messages={"required": "Say which therapist."})
    next = forms.CharField(required=False, max_length=2000)


class ChosenForm(forms.Form):
    """Therapists chosen among those on the shortlist (`choices`: slug, name), at most MAX_COMPARED."""

    compare = forms.MultipleChoiceField(
        label="Compare", required=False, widget=forms.CheckboxSelectMultiple, error_messages={
            "invalid_choice": "Choose therapists from your shortlist.",
            "required": "Choose at least one therapist.",
        },
    )  # fmt: skip

    def __init__(self, *args, choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["compare"].choices = list(choices)

    def clean_compare(self):
        chosen = self.cleaned_data["compare"]
        if len(chosen) > MAX_COMPARED:
            raise forms.ValidationError(TOO_MANY, code="too_many")
        return chosen


class ShareForm(ChosenForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["compare"].required = True


class CompareForm(ChosenForm):
    """The compare table's choices, and the place distances are measured from: a place typed, or a position."""

    near = forms.CharField(
        label="Distance from", required=False, max_length=200, help_text="A city or a ZIP code, e.g. Denver, CO."
    )
    lat = forms.FloatField(required=False, min_value=-90, max_value=90, widget=forms.HiddenInput)
    lng = forms.FloatField(required=False, min_value=-180, max_value=180, widget=forms.HiddenInput)

    origin: Origin | None = None

    def clean(self):
        cleaned = super().clean()
        lat, lng, near = cleaned.get("lat"), cleaned.get("lng"), (cleaned.get("near") or "").strip()
        # The search page's rule: a typed place wins over the position in the link.
        if near:
            self.origin = cached_resolve_place(near)
            if self.origin is None:
                self.add_error("near", f"We could not find “{near}”. Try a city and state, or a ZIP code.")
        elif "lat" in self.errors or "lng" in self.errors or (lat is None) != (lng is None):
            self.add_error("near", "The position in the link is not valid: type a place instead.")
        elif lat is not None:
            self.origin = Origin(lat, lng, MAP_POSITION_LABEL)
        return cleaned
