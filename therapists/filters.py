"""The one FilterSet behind the search page and the API: the article's criteria as parameters."""

import django_filters as filters
from django import forms
from django.conf import settings
from django.db.models import Exists, F, OuterRef, Q, Subquery
from django.db.models.lookups import Exact, GreaterThan
from django.urls import reverse
from django.utils import timezone

from common.filters import IntegerFilter, RequireFilter, TolerantChoiceFilter, TolerantMultipleChoiceFilter

from . import search, term_bits, units, vocabulary
from .models import SESSION_LENGTHS, Certification, Service, Therapist, accepting_confirmed_q
from .places import MAP_POSITION_LABEL, Origin, cached_resolve_place, suggest_places, within_radius

MAX_RADIUS_KM = 500
LENGTHS_IN_WORDS = f"{', '.join(map(str, SESSION_LENGTHS[:-1]))} or {SESSION_LENGTHS[-1]}"  # "30, 45, ... or 120"
# The `days` filter's values: the times of the week a client who works office hours looks for.
DAYS = [("weekends", "Open weekends"), ("evenings", "Open evenings (after 5 pm)")]


def rating_floor(field_name: str, label: str) -> filters.NumberFilter:
    """A "at least N of 5" filter on one of the denormalised rating averages."""
    return filters.NumberFilter(
        field_name=field_name, lookup_expr="gte", min_value=1, max_value=5, max_digits=3, decimal_places=2, label=label
    )


# What a field's error says, in plain words, in place of Django's ("Ensure that there are no more than 4 digits
# before the decimal point"): numbers by their range. A list's unknown entries are named by its field
# (common.filters.TolerantMultipleChoiceField); the radius speaks the site's unit (SearchForm._plain_error).
PLAIN_ERRORS = {
    "min_rating": "Choose a rating from 1 to 5.",
    "min_communication": "Choose a rating from 1 to 5.",
    "min_cleanliness": "Choose a rating from 1 to 5.",
    "min_reviews": "Enter a whole number of reviews, like 10.",
    "min_recommend": "Enter a percentage from 0 to 100.",
    "min_experience": "Enter a whole number of years from 0 to 80.",
    "max_price": "Enter a whole dollar amount, like 80.",
    "duration": f"Choose a session length: {LENGTHS_IN_WORDS} minutes.",
    "sort": "Choose an order from the list.",
    "lat": "The map position in the link is not valid (lat runs from -90 to 90).",
    "lng": "The map position in the link is not valid (lng runs from -180 to 180).",
}
# Django's own error codes, whose messages speak of digits and choices rather than of the search.
DJANGO_CODES = {"invalid", "max_digits", "max_decimal_places", "max_whole_digits", "min_value", "max_value",
                "invalid_choice", "invalid_list", "max_length", "required"}  # fmt: skip


# The fields of the search box, always in sight: their errors sit beside them and nowhere else. Every other field is
# in the filters panel, behind "Filters" on a phone, so its error is also named above the results.
SEARCH_BOX = ("q", "near")
# Parameters only a link carries (no field on the page): their errors are said above the results, unlinked.
LINK_ONLY = ("lat", "lng")


class SearchForm(forms.Form):
    """Cross-field rules: where the search is centred, and sorts that need a place.

    A field in error drops out of `cleaned_data`, so the rest of the search still runs: a place that cannot be
    found leaves the results unlimited by place, and the page says so beside the field. A list keeps its known
    entries beside the error that names the unknown ones. A typed place (`near`) wins over `lat` and `lng`, which
    count only without one.
    """

    place_suggestions: list = []
    sort_note: str = ""
    uses_map_position: bool = False

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
        if name == "radius_km":
            # Read when the error is made: the unit is a setting, and kilometres mean nothing to a US reader.
            return f"Choose a distance from the list (up to {units.limit_in_words(MAX_RADIUS_KM)})."
        if name in PLAIN_ERRORS:
            return PLAIN_ERRORS[name]
        field = self.fields[name]
        if isinstance(field, forms.MultipleChoiceField):
            return "Choose from the list."
        if isinstance(field, forms.CharField) and field.max_length:
            return f"Keep this to {field.max_length} characters or fewer."
        return "We could not understand this value."

    @property
    def default_radius(self) -> str:
        """The radius a search without `radius_km` uses, as the URL carries it: static/js/search.js leaves it out."""
        return units.default_radius_value()

    def filter_errors(self) -> list[dict]:
        """The errors of the filters panel's fields, each with the id of the element its link leads to (the
        group's fieldset for a list of checkboxes, else the field), for the notice above the results."""
        found = []
        for name, errors in self.errors.items():
            if name in self.fields and name not in SEARCH_BOX + LINK_ONLY:
                field = self.fields[name]
                anchor = f"f-{name}" if isinstance(field, forms.MultipleChoiceField) else self[name].id_for_label
                found += [{"anchor": anchor, "label": field.label, "message": message} for message in errors]
        return found

    def clean(self):
        cleaned = super().clean()
        # A list with an unknown entry still searches by its known ones (common.filters.TolerantMultipleChoiceField).
        for name, errors in self._errors.items():
            kept = [e.params["kept"] for e in errors.as_data() if e.code == "unknown_choice" and e.params["kept"]]
            if kept:
                cleaned[name] = kept[0]
        near, lat, lng = cleaned.get("near"), cleaned.get("lat"), cleaned.get("lng")
        origin = None
        self.place_suggestions = []
        self.uses_map_position = False
        if near:
            # A place the person typed wins: lat and lng are what an earlier search left in the link (the page's
            # hidden inputs), so they are neither used nor worth an error.
            for name in ("lat", "lng"):
                self._errors.pop(name, None)
                cleaned.pop(name, None)
            origin = cached_resolve_place(near)
            if origin is None:
                self.place_suggestions = suggest_places(near)
                self.add_error("near", f"We could not find “{near}”, so the results are not limited to a place.")
        elif "lat" in self._errors or "lng" in self._errors:
            pass
        elif (lat is None) != (lng is None):
            self.add_error("lat" if lat is None else "lng", "Give both lat and lng, or neither.")
        elif lat is not None and lng is not None:
            # Never the coordinates in the page's words: the position is the reader's (or their link's).
            origin = Origin(latitude=float(lat), longitude=float(lng), label=MAP_POSITION_LABEL)
            self.uses_map_position = True
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
    specialty = TolerantMultipleChoiceFilter(method="filter_specialty", label="Type of massage", noun="type of massage")
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
    language = TolerantMultipleChoiceFilter(method="filter_language", label="Language", noun="language")
    # distinct=False: a column filter never duplicates rows, so no DISTINCT over the whole search.
    gender = TolerantMultipleChoiceFilter(
        field_name="gender", choices=Therapist.Gender.choices, label="Gender", distinct=False, noun="gender option"
    )
    focus = TolerantMultipleChoiceFilter(method="filter_focus", label="Focus area", noun="focus area")
    amenity = TolerantMultipleChoiceFilter(method="filter_amenity", label="Amenities (all of)", noun="amenity")
    # Length and price act together (offering_condition): a price is the price of a session of the chosen length.
    duration = filters.TypedChoiceFilter(
        method="filter_noop",
        choices=[("", "Any"), *((str(m), f"{m} min") for m in SESSION_LENGTHS)],
        coerce=int,
        empty_value=None,
        label="Session length",
    )
    max_price = IntegerFilter(
        method="filter_noop", min_value=0, max_value=100_000, label="Max price (60 min, or the length chosen)"
    )
    has_prices = RequireFilter(method="filter_has_prices", label="Lists services and prices")
    days = TolerantMultipleChoiceFilter(method="filter_days", choices=DAYS, label="Days", noun="day or time")
    accepting = RequireFilter(method="filter_accepting", label="Accepting new clients")
    mobile = RequireFilter(field_name="travels_to_client", label="Travels to you")
    hypoallergenic = RequireFilter(field_name="hypoallergenic_products", label="Allergy-friendly products")
    sort = TolerantChoiceFilter(method="filter_noop", choices=SORTS, empty_label=None, label="Sort by")

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
        # Place, radius and sort act through `origin` and `sort_order`, length and price through
        # `offering_condition`: where the whole form is known.
        return queryset

    # --- text ---

    def filter_text(self, queryset, name, value):
        value = " ".join(value.split())
        if not value:
            return queryset
        return search.matching_text(queryset, value)

    # --- to-many filters: conditions on the links' bits (term_bits), which the facet index covers, so a filter and
    # the counts under it read no link row and never duplicate a therapist ---

    @staticmethod
    def _linked(kind: str, slugs, every: bool = False):
        """Linked to any of the terms named by the slugs, or with `every` to all of them: Therapist.<kind>_bits."""
        terms = vocabulary.by_slug(kind)
        mask = sum(term_bits.mask(terms[slug].bit) for slug in set(slugs) if slug in terms)
        held = F(term_bits.BITS_COLUMNS[kind]).bitand(mask)
        return Exact(held, mask) if every else GreaterThan(held, 0)

    def _ids(self, kind, slugs):
        terms = vocabulary.by_slug(kind)
        return [terms[slug].id for slug in slugs if slug in terms]

    def filter_specialty(self, queryset, name, value):
        return queryset.filter(self._linked("specialty", value)) if value else queryset

    def filter_language(self, queryset, name, value):
        return queryset.filter(self._linked("language", value)) if value else queryset

    def filter_focus(self, queryset, name, value):
        return queryset.filter(self._linked("focus", value)) if value else queryset

    def filter_amenity(self, queryset, name, value):
        return queryset.filter(self._linked("amenity", value, every=True)) if value else queryset

    def filter_verified(self, queryset, name, value):
        return queryset.verified() if value else queryset

    def filter_specialty_certified(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(self.specialty_certified_condition())

    def specialty_certified_condition(self, per_row: bool = False) -> Q:
        """Certified in every chosen specialty (TherapistQuerySet.certified_in), or in at least one when none is
        chosen: a condition on each row, so a count under it reads only the rows that pass the other filters.

        With no type chosen it is a column, Therapist.certified_until, compared with today: the count reads the
        facet index, as the other switches do (reading every current certification cost ~150 ms a cold search
        at 100,000 therapists, however few rows passed). With types chosen, each test is `pk IN (uncorrelated
        subquery)` over that type's certifications, which both databases evaluate once (SQLite into a temporary
        index, PostgreSQL as a hashed subplan): a correlated EXISTS costs one probe per row, about 250 ms over
        100,000 therapists on a cold search. Near a place it is that EXISTS, since only the rows in the place's box
        are tested; and with `per_row`, for a page read in the sort order (`results`).
        """
        chosen = self._ids("specialty", self.form.cleaned_data.get("specialty") or [])
        if not chosen:
            return Q(certified_until__gte=timezone.localdate())
        current = Certification.objects.currently_verified().order_by()
        per_row = per_row or self.origin is not None
        condition = Q()
        for specialty_id in chosen:
            certified = current.filter(specialty_id=specialty_id)
            if per_row:
                # Near a place, only the rows in its box are tested: a probe each costs less than reading every
                # certification of the type (6 ms against 18 for the counts near Houston at 100,000 therapists).
                condition &= Q(Exists(certified.filter(therapist=OuterRef("pk"))))
            else:
                condition &= Q(pk__in=certified.values("therapist_id"))
        return condition

    # --- what a practice offers and when (issue 13): length and price a `pk IN (uncorrelated subquery)`, as
    # above; "lists prices" and the days columns that the offerings services keep ---

    def offering_condition(self, exclude=()) -> Q:
        """`duration` and `max_price` together, each unless excluded. Without a length, the price is the
        60-minute price (`price_60`, the contract); with one, the therapist offers that length, of a chosen type
        when types are chosen, and its cheapest such service is within the price. Read through the index
        service_length_price (minutes, price, therapist)."""
        data = self.honoured
        minutes = None if "duration" in exclude else data.get("duration")
        max_price = None if "max_price" in exclude else data.get("max_price")
        if minutes is None:
            return Q() if max_price is None else Q(price_60__lte=max_price)
        services = self.services_at(minutes, exclude)
        if max_price is not None:
            services = services.filter(price__lte=max_price)
        return Q(pk__in=services.values("therapist_id"))

    def services_at(self, minutes: int, exclude=()):
        """The services of that length, of the chosen types when types are chosen (and not excluded)."""
        services = Service.objects.filter(minutes=minutes).order_by()
        chosen = [] if "specialty" in exclude else self._ids("specialty", self.honoured.get("specialty") or [])
        return services.filter(specialty_id__in=chosen) if chosen else services

    @property
    def quoted_length(self) -> int | None:
        """The session length the search is about (the cards quote its price), or None for the standard one."""
        return self.honoured.get("duration")

    @staticmethod
    def has_prices_condition() -> Q:
        """Lists at least one service: the menu, not `price_60`, which a menu without 60 minutes leaves empty.
        A column the menu's service keeps (Therapist.lists_prices), so the count reads the facet index."""
        return Q(lists_prices=True)

    def filter_has_prices(self, queryset, name, value):
        return queryset.filter(self.has_prices_condition()) if value else queryset

    # The columns services.offerings keeps from the week (hours.opens_weekends, hours.opens_evenings).
    DAY_COLUMNS = {"weekends": "open_weekends", "evenings": "open_evenings"}

    @classmethod
    def day_condition(cls, day: str) -> Q:
        """Open on Saturday or Sunday, or open after 17:00 on some day (a period that closes later)."""
        return Q(**{cls.DAY_COLUMNS[day]: True})

    def filter_days(self, queryset, name, value):
        # Several days: each must hold ("weekends" and "evenings" is open at weekends and open some evening).
        for day in value or []:
            queryset = queryset.filter(self.day_condition(day))
        return queryset

    # --- accepting new clients: only as confirmed within ACCEPTING_CONFIRMATION_DAYS ---

    @staticmethod
    def accepting_condition() -> Q:
        """Accepting new clients and confirmed recently (models.accepting_confirmed_q), compared with now when the
        search runs: the filter and its count in the facets' one aggregate read this one condition."""
        return accepting_confirmed_q()

    def filter_accepting(self, queryset, name, value):
        return queryset.filter(self.accepting_condition()) if value else queryset

    # --- the whole search ---

    def filter_queryset(self, queryset, exclude=(), radius_km: float | None = None):
        """The queryset under every honoured filter but those excluded ("near" leaves the place out);
        `radius_km` widens or narrows the place's radius."""
        for name, value in self.honoured.items():
            if name in self.filters and name not in exclude:
                queryset = self.filters[name].filter(queryset, value)
        queryset = queryset.filter(self.offering_condition(exclude))
        if "near" in exclude or self.origin is None:
            return queryset
        return within_radius(queryset, self.origin, radius_km or self.search_radius_km)

    @property
    def search_radius_km(self) -> float:
        return float(self.honoured.get("radius_km") or settings.SEARCH_DEFAULT_RADIUS_KM)

    # A search that finds more than this many therapists reads its page in the sort order (see `results`).
    WALK_SORT_ORDER_FROM = 1000

    def results(self, expected: int | None = None):
        """The filtered, sorted queryset under every value that could be honoured.

        `expected`: how many therapists the search finds, when known (the cached counts). A page of a search that
        finds many is read in the sort order until it is full, so "certified in the chosen types" is then tested
        row by row (a correlated EXISTS, specialty_certified_condition's `per_row`), and so is the text's match
        (search.matching_text's `in_sort_order`): `pk IN (subquery)`, right for the counts and for a search that
        finds few, lets SQLite drive from every certification of the type, or every match of a word, and sort
        them all (about 30 ms for Prenatal certified, or for "listen", at 100,000 therapists, against 7 and 2).
        """
        walk = expected is not None and expected > self.WALK_SORT_ORDER_FROM
        certified = walk and bool(self.honoured.get("specialty_certified"))
        text = " ".join((self.honoured.get("q") or "").split()) if walk else ""
        exclude = {name for name, used in (("specialty_certified", certified), ("q", text)) if used}
        queryset = self.filter_queryset(self.queryset.all(), exclude=exclude)
        if certified:
            queryset = queryset.filter(self.specialty_certified_condition(per_row=True))
        if text:
            queryset = search.matching_text(queryset, text, in_sort_order=True)
        if self.sort_order == "price" and self.quoted_length is not None:
            # The price at the chosen length is per row: read only for this sort (every listed row has one).
            cheapest = self.services_at(self.quoted_length).filter(therapist_id=OuterRef("pk")).order_by("price")
            queryset = queryset.annotate(length_price=Subquery(cheapest.values("price")[:1]))
            return queryset.order_by(F("length_price").asc(), "pk")
        return queryset.order_by(*self.SORT_ORDER[self.sort_order])
