"""The one FilterSet behind the search page and the API: the article's criteria as parameters."""

import django_filters as filters
from django import forms
from django.conf import settings
from django.db.models import Exists, F, OuterRef, Q
from django.urls import reverse

from common.filters import IntegerFilter, RequireFilter

from . import search, vocabulary
from .models import Certification, Therapist
from .places import Origin, resolve_place, suggest_places, within_radius

MAX_RADIUS_KM = 500


def rating_floor(field_name: str, label: str) -> filters.NumberFilter:
    """A "at least N of 5" filter on one of the denormalised rating averages."""
    return filters.NumberFilter(
        field_name=field_name, lookup_expr="gte", min_value=1, max_value=5, max_digits=3, decimal_places=2, label=label
    )


# What a field's error says, in plain words, in place of Django's ("Ensure that there are no more than 4 digits
# before the decimal point"): numbers by their range, lists by the choice that was not understood.
PLAIN_ERRORS = {
    "radius_km": f"Choose a distance from the list (up to {MAX_RADIUS_KM} km).",
    "min_rating": "Choose a rating from 1 to 5.",
    "min_communication": "Choose a rating from 1 to 5.",
    "min_cleanliness": "Choose a rating from 1 to 5.",
    "min_reviews": "Enter a whole number of reviews, like 10.",
    "min_recommend": "Enter a percentage from 0 to 100.",
    "min_experience": "Enter a whole number of years from 0 to 80.",
    "max_price": "Enter a whole dollar amount, like 80.",
    "sort": "Choose an order from the list.",
    "lat": "The map position in the link is not valid (lat runs from -90 to 90).",
    "lng": "The map position in the link is not valid (lng runs from -180 to 180).",
}
# Django's own error codes, whose messages speak of digits and choices rather than of the search.
DJANGO_CODES = {"invalid", "max_digits", "max_decimal_places", "max_whole_digits", "min_value", "max_value",
                "invalid_choice", "invalid_list", "max_length", "required"}  # fmt: skip


class SearchForm(forms.Form):
    """Cross-field rules: where the search is centred, and sorts that need a place.

    A field in error drops out of `cleaned_data`, so the rest of the search still runs: a place that cannot be
    found leaves the results unlimited by place, and the page says so beside the field.
    """

    place_suggestions: list = []
    sort_note: str = ""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # static/js/place-autocomplete.js binds to this attribute; without JavaScript it is a plain text box.
        self.fields["near"].widget.attrs["data-place-autocomplete"] = reverse("therapists:place-autocomplete")

    def full_clean(self):
        super().full_clean()
        for name, errors in list(self._errors.items()):
            if name not in self.fields:
                continue
            if any(e.code in DJANGO_CODES for e in errors.as_data()):
                self._errors[name] = self.error_class([self._plain_error(name, errors.as_data())])
            # The error is read with its field (templates/therapists/_search_field.html gives it this id).
            self.fields[name].widget.attrs.update({"aria-invalid": "true", "aria-describedby": f"id_{name}-errors"})

    def _plain_error(self, name, errors) -> str:
        if name in PLAIN_ERRORS:
            return PLAIN_ERRORS[name]
        field = self.fields[name]
        if isinstance(field, forms.MultipleChoiceField):
            unknown = next((e.params["value"] for e in errors if e.params and "value" in e.params), None)
            if unknown is not None:
                return f"We have no {field.label.lower()} called “{unknown}”. Choose from the list."
            return "Choose from the list."
        if isinstance(field, forms.CharField) and field.max_length:
            return f"Keep this to {field.max_length} characters or fewer."
        return "We could not understand this value."

    def clean(self):
        cleaned = super().clean()
        near, lat, lng = cleaned.get("near"), cleaned.get("lat"), cleaned.get("lng")
        origin = None
        self.place_suggestions = []
        if "lat" in self.errors or "lng" in self.errors:
            pass
        elif (lat is None) != (lng is None):
            self.add_error("lat" if lat is None else "lng", "Give both lat and lng, or neither.")
        elif lat is not None and lng is not None:
            origin = Origin(latitude=float(lat), longitude=float(lng), label=f"{lat:.4f}, {lng:.4f}")
        elif near:
            origin = resolve_place(near)
            if origin is None:
                self.place_suggestions = suggest_places(near)
                self.add_error("near", f"We could not find “{near}”, so the results are not limited to a place.")
        cleaned["origin"] = origin
        if cleaned.get("sort") == "distance" and origin is None:
            # Not an error that hides the results: the best match, and a word on why.
            cleaned["sort"] = "best"
            self.sort_note = "Nearest first needs a place: showing the best match. Enter a city or ZIP code."
        return cleaned


class TherapistFilterSet(filters.FilterSet):
    SORTS = [
        ("best", "Best match"),
        ("rating", "Highest rated"),
        ("reviews", "Most reviewed"),
        ("experience", "Most experienced"),
        ("price", "Lowest price"),
        ("distance", "Nearest"),
        ("newest", "Newest"),
    ]
    SORT_ORDER = {
        "best": [F("score").desc(), "pk"],
        "rating": [F("rating_sort").desc(), F("review_count").desc(), "pk"],
        "reviews": [F("review_count").desc(), F("score").desc(), "pk"],
        "experience": [F("years_experience").desc(), F("score").desc(), "pk"],
        "price": [F("price_sort").asc(), F("score").desc(), "pk"],
        "distance": [F("distance_km").asc(), "pk"],
        "newest": [F("created_at").desc(), "pk"],
    }
    # Facets are counted under every active filter but their own.
    LINK_FACETS = ("specialty", "language", "focus", "amenity")
    # Any-of facets are counted without their own filter; an all-of facet (amenity) under all of them.
    ANY_OF = ("specialty", "language", "focus")

    q = filters.CharFilter(method="filter_text", max_length=100, label="Name, city or keyword")
    specialty = filters.MultipleChoiceFilter(method="filter_specialty", label="Type of massage")
    specialty_certified = RequireFilter(method="filter_specialty_certified", label="Certified in that type")
    verified = RequireFilter(method="filter_verified", label="Verified credentials")
    near = filters.CharFilter(method="filter_noop", max_length=100, label="City or ZIP code")
    radius_km = filters.NumberFilter(
        method="filter_noop", label="Within", min_value=1, max_value=MAX_RADIUS_KM, max_digits=6, decimal_places=2
    )
    lat = filters.NumberFilter(
        method="filter_noop", label="Latitude", min_value=-90, max_value=90, max_digits=10, decimal_places=7
    )
    lng = filters.NumberFilter(
        method="filter_noop", label="Longitude", min_value=-180, max_value=180, max_digits=11, decimal_places=7
    )
    min_rating = rating_floor("rating_avg", "Minimum rating")
    min_reviews = IntegerFilter(
        field_name="review_count", lookup_expr="gte", min_value=0, max_value=1_000_000, label="Minimum reviews"
    )
    min_recommend = filters.NumberFilter(
        field_name="recommend_pct",
        lookup_expr="gte",
        min_value=0,
        max_value=100,
        max_digits=5,
        decimal_places=2,
        label="Would recommend (at least %)",
    )
    min_communication = rating_floor("communication_avg", "Communication at least")
    min_cleanliness = rating_floor("cleanliness_avg", "Cleanliness at least")
    min_experience = IntegerFilter(
        field_name="years_experience", lookup_expr="gte", min_value=0, max_value=80, label="Years in practice"
    )
    language = filters.MultipleChoiceFilter(method="filter_language", label="Language")
    # distinct=False: a column filter never duplicates rows, so no DISTINCT over the whole search.
    gender = filters.MultipleChoiceFilter(
        field_name="gender", choices=Therapist.Gender.choices, label="Gender", distinct=False
    )
    focus = filters.MultipleChoiceFilter(method="filter_focus", label="Focus area")
    amenity = filters.MultipleChoiceFilter(method="filter_amenity", label="Amenities (all of)")
    max_price = IntegerFilter(
        field_name="price_60", lookup_expr="lte", min_value=0, max_value=100_000, label="Max price (60 min)"
    )
    accepting = RequireFilter(field_name="accepting_new_clients", label="Accepting new clients")
    mobile = RequireFilter(field_name="travels_to_client", label="Travels to you")
    hypoallergenic = RequireFilter(field_name="hypoallergenic_products", label="Allergy-friendly products")
    sort = filters.ChoiceFilter(method="filter_noop", choices=SORTS, empty_label=None, label="Sort by")

    class Meta:
        model = Therapist
        form = SearchForm
        # Every filter is declared above, by its public name; none is generated from the model.
        fields: list[str] = []

    def __init__(self, data=None, *args, **kwargs):
        super().__init__(data, *args, **kwargs)
        terms = vocabulary.vocabulary()
        for name, kind in (("specialty", "specialty"), ("language", "language"), ("focus", "focus"),
                           ("amenity", "amenity")):  # fmt: skip
            self.filters[name].extra["choices"] = [(t.slug, t.name) for t in terms[kind]]

    # --- what the search is centred on ---

    @property
    def honoured(self) -> dict:
        """The values the search can use: every field but those in error (see SearchForm)."""
        self.is_valid()
        return self.form.cleaned_data

    @property
    def origin(self) -> Origin | None:
        return self.honoured.get("origin")

    @property
    def sort_order(self) -> str:
        return self.honoured.get("sort") or "best"

    def filter_noop(self, queryset, name, value):
        # Place, radius and sort act through `origin` and `sort_order`, where the whole form is known.
        return queryset

    # --- text ---

    def filter_text(self, queryset, name, value):
        value = " ".join(value.split())
        if not value:
            return queryset
        # Every facet re-applies the filters; find the specialties the text names once per search.
        if getattr(self, "_named", (None,))[0] != value:
            self._named = (value, search.specialties_named(value))
        return search.matching_text(queryset, value, self._named[1])

    # --- to-many filters, through Exists so no row is duplicated ---

    @staticmethod
    def _linked(kind: str, ids):
        through, column = vocabulary.LINKS[kind]
        return Exists(through.objects.filter(therapist_id=OuterRef("pk"), **{f"{column}__in": ids}))

    def _ids(self, kind, slugs):
        terms = vocabulary.by_slug(kind)
        return [terms[slug].id for slug in slugs if slug in terms]

    def filter_specialty(self, queryset, name, value):
        return queryset.filter(self._linked("specialty", self._ids("specialty", value))) if value else queryset

    def filter_language(self, queryset, name, value):
        return queryset.filter(self._linked("language", self._ids("language", value))) if value else queryset

    def filter_focus(self, queryset, name, value):
        return queryset.filter(self._linked("focus", self._ids("focus", value))) if value else queryset

    def filter_amenity(self, queryset, name, value):
        for amenity_id in self._ids("amenity", value):
            queryset = queryset.filter(self._linked("amenity", [amenity_id]))
        return queryset

    def filter_verified(self, queryset, name, value):
        return queryset.verified() if value else queryset

    def filter_specialty_certified(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(self.specialty_certified_condition())

    def specialty_certified_condition(self) -> Q:
        """Certified in every chosen specialty (TherapistQuerySet.certified_in), or in at least one when none is
        chosen: a condition on each row, so a count under it reads only the rows that pass the other filters."""
        current = Certification.objects.currently_verified()
        chosen = self._ids("specialty", self.form.cleaned_data.get("specialty") or [])
        if not chosen:
            return Q(Exists(current.filter(therapist=OuterRef("pk"), specialty__isnull=False)))
        condition = Q()
        for specialty_id in chosen:
            condition &= Q(Exists(current.filter(therapist=OuterRef("pk"), specialty_id=specialty_id)))
        return condition

    # --- the whole search ---

    def filter_queryset(self, queryset, exclude=(), radius_km: float | None = None):
        """The queryset under every honoured filter but those excluded ("near" leaves the place out);
        `radius_km` widens or narrows the place's radius."""
        for name, value in self.honoured.items():
            if name in self.filters and name not in exclude:
                queryset = self.filters[name].filter(queryset, value)
        if "near" in exclude or self.origin is None:
            return queryset
        return within_radius(queryset, self.origin, radius_km or self.search_radius_km)

    @property
    def search_radius_km(self) -> float:
        return float(self.honoured.get("radius_km") or settings.SEARCH_DEFAULT_RADIUS_KM)

    def results(self):
        """The filtered, sorted queryset under every value that could be honoured."""
        return self.filter_queryset(self.queryset.all()).order_by(*self.SORT_ORDER[self.sort_order])
