"""Views of the directory: home, search and profile."""

import hashlib

from django.conf import settings
from django.urls import reverse
from django.utils.translation import ngettext
from django.views.generic import DetailView, TemplateView

from reviews import permissions as review_permissions
from reviews import selectors as review_selectors

from . import selectors, units, vocabulary
from .filters import DAYS, TherapistFilterSet
from .models import STANDARD_SESSION_MINUTES, Therapist


class HomeView(TemplateView):
    template_name = "therapists/home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["specialties"] = vocabulary.vocabulary()["specialty"]
        context["therapist_count"] = selectors.published_therapists().count()
        return context


class TherapistListView(TemplateView):
    """The search page: the FilterSet's results, facets and a result count in a fixed number of queries.

    A value in error is shown beside its field and left out; the rest of the search still runs.
    """

    template_name = "therapists/therapist_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        params = self.request.GET
        wider = [float(km) for km, _ in units.radius_choices()]
        result = selectors.search(params, params.get("page"), settings.SEARCH_PAGE_SIZE, wider_radii_km=wider)
        form = result.filterset.form
        page = SearchPage(params, result)
        units.label_distances(result.page.object_list)
        relaxations = page.relaxations()
        # A search that finds nobody shows its recovery on every page asked for; the recovery then says that the
        # page does not exist (templates/therapists/_search_recovery.html), in place of the list's own notice.
        found_nobody = not result.paginator.count
        context.update(
            filter=result.filterset,
            form=form,
            page_obj=result.page,
            paginator=result.paginator,
            therapists=result.page.object_list,
            origin=result.origin,
            facets=result.facets,
            facet_groups=page.facet_groups(),
            switches=page.switches(),
            offering_switches=page.switches(OFFERING_SWITCHES),
            days_group=page.days_group(),
            chips=page.chips(),
            relaxations=relaxations,
            recovery=page.recovery(relaxations, missing_page=result.page_out_of_range) if found_nobody else None,
            radius_label=units.format_radius(result.filterset.search_radius_km),
            radius_options=page.radius_options(),
            sort_options=page.sort_options(),
            place_suggestions=form.place_suggestions,
            sort_note=form.sort_note,
            link_errors=[form.errors[name][0] for name in ("lat", "lng") if name in form.errors],
            page_out_of_range=None if found_nobody else result.page_out_of_range,
            first_page_href=page.href(page=None),
            last_page_href=page.href(page=str(result.paginator.num_pages)),
            panel_seconds=selectors.FACET_CACHE_SECONDS,
        )
        context["panel_key"] = page.panel_key(context)
        return context


# How each filter reads on a chip and in a relaxation, by parameter ("{}" is the value); a pair of words is
# singular and plural, chosen by the value (ngettext).
FILTER_WORDS = {
    "q": "“{}”",
    "specialty_certified": "Certified in the chosen type",
    "verified": "Verified credentials",
    "min_rating": "Rated {} and up",
    "min_reviews": ("{} review or more", "{} reviews or more"),
    "min_recommend": "{}% or more would recommend",
    "min_communication": "Communication {} and up",
    "min_cleanliness": "Cleanliness {} and up",
    "min_experience": ("{} year in practice or more", "{} years in practice or more"),
    "duration": "{}-minute sessions",
    "max_price": "Up to ${} for {minutes} min",
    "has_prices": "Lists services and prices",
    "accepting": "Accepting new clients",
    "mobile": "Travels to you",
    "hypoallergenic": "Allergy-friendly products",
}
# The checkbox groups: parameter, vocabulary kind, legend and the words for the entries folded away.
VOCABULARY_GROUPS = (
    ("specialty", "specialty", "Type of massage", "More types of massage"),
    ("focus", "focus", "Focus area", "More focus areas"),
    ("language", "language", "Language", "More languages"),
    ("amenity", "amenity", "Amenities (all of)", "More amenities"),
)
# The "true to require" switches, in the order the panel lists them; their words are FILTER_WORDS'.
SWITCHES = ("verified", "specialty_certified", "accepting", "mobile", "hypoallergenic")
# The switches beside the session length and price.
OFFERING_SWITCHES = ("has_prices",)
# The parameters that take several entries of a list.
LIST_PARAMS = ("specialty", "focus", "language", "amenity", "gender", "days")
# The lists whose entries must all hold; the others find any of their entries ("Swedish or Thai").
ALL_OF_PARAMS = ("amenity", "days")
# Removing the place removes what goes with it.
PLACE_PARAMS = ("near", "radius_km", "lat", "lng")


class SearchPage:
    """What the search page shows of a search: its options with counts, chips, relaxations and their links."""

    def __init__(self, params, result):
        self.params = params
        self.result = result
        self.form = result.filterset.form
        self.honoured = result.filterset.honoured
        self.facets = result.facets

    @staticmethod
    def _url(query) -> str:
        text = query.urlencode()
        return reverse("therapists:list") + (f"?{text}" if text else "")

    def href(self, **changes) -> str:
        """This search's URL with parameters replaced (a value of None removes the parameter)."""
        query = self.params.copy()
        for name, value in changes.items():
            query.pop(name, None)
            if value is not None:
                query[name] = value
        return self._url(query)

    def _without(self, *names: str, value: str | None = None) -> str:
        """This search without the filters named (`value`: only that entry of a list), from its first page."""
        query = self.params.copy()
        query.pop("page", None)
        for name in names:
            if name == "near":
                for param in PLACE_PARAMS:
                    query.pop(param, None)
                if query.get("sort") == "distance":
                    query.pop("sort")
            elif value is None:
                query.pop(name, None)
            else:
                query.setlist(name, [v for v in query.getlist(name) if v != value])
        return self._url(query)

    def _term_names(self, name: str) -> dict[str, str]:
        if name == "gender":
            return dict(Therapist.Gender.choices)
        if name == "days":
            return dict(DAYS)
        return {t.slug: t.name for t in vocabulary.vocabulary()[name]}

    def _words(self, name: str, value) -> str:
        # A price is for the length searched, or for the 60 minutes the contract's `max_price` means.
        minutes = self.honoured.get("duration") or STANDARD_SESSION_MINUTES
        shown = value if not hasattr(value, "normalize") else f"{value.normalize():f}"
        words = FILTER_WORDS[name]
        if isinstance(words, tuple):
            words = ngettext(*words, value)
        return words.format(shown, minutes=minutes)

    def chips(self) -> list[dict]:
        """Every active filter as a link that removes it (one chip per chosen entry of a list); a zero is a filter
        too (`max_price=0`), a value that cannot narrow the search is none (selectors.is_active)."""
        chips = []
        if self.result.origin is not None:
            chips.append({"label": f"Within {units.format_radius(self.result.filterset.search_radius_km)} of "
                                   f"{self.result.origin.label}", "href": self._without("near")})  # fmt: skip
        for name, value in self.honoured.items():
            if name in LIST_PARAMS:
                names = self._term_names(name)
                chips += [{"label": names.get(v, v), "href": self._without(name, value=v)} for v in value or []]
            elif name in FILTER_WORDS and selectors.is_active(name, value):
                chips.append({"label": self._words(name, value), "href": self._without(name)})
        return chips

    def panel_key(self, context: dict) -> str:
        """A digest of everything the filters panel shows, which keys its rendered HTML in the cache
        (therapist_list.html): the search as typed but its page, every error, the place, the options and their
        counts. Whatever changes what the panel shows changes the key, so a cached panel never outlives what it
        shows; and rendering it (a third of a warm search page) is spared for the same search and its other pages.
        """
        shown = (
            sorted((name, self.params.getlist(name)) for name in self.params if name != "page"),
            {name: [str(error) for error in errors] for name, errors in self.form.errors.items()},
            self.result.origin,
            context["place_suggestions"],
            len(context["chips"]),
            context["facet_groups"],
            context["days_group"],
            [(switch["label"], switch["count"]) for switch in context["switches"] + context["offering_switches"]],
            context["radius_options"],
            context["sort_options"],
            self.form.uses_map_position,
            self.form.default_radius,
        )
        return hashlib.sha256(repr(shown).encode()).hexdigest()

    def facet_groups(self) -> list[dict]:
        """The checkbox groups with their counts; entries nobody in the results offers are folded away,
        chosen ones always shown."""
        terms = vocabulary.vocabulary()
        groups = []
        for name, kind, label, more in VOCABULARY_GROUPS:
            chosen = set(self.honoured.get(name) or [])
            counts = self.facets.get(kind, {})
            options = [{"value": t.slug, "label": t.name, "count": counts.get(t.id, 0), "checked": t.slug in chosen}
                       for t in terms[kind]]  # fmt: skip
            groups.append(self._group(name, label, more, options))
        chosen_genders = set(self.honoured.get("gender") or [])
        genders = self.facets.get("gender", {})
        options = [{"value": value, "label": label, "count": genders.get(value, 0), "checked": value in chosen_genders}
                   for value, label in Therapist.Gender.choices]  # fmt: skip
        groups.append(self._group("gender", "Gender", "More", options))
        return groups

    def _group(self, name, label, more, options) -> dict:
        return {
            "name": name,
            "label": label,
            "more": more,
            "error": self.form.errors.get(name),
            "options": [o for o in options if o["count"] or o["checked"]],
            "folded": [o for o in options if not (o["count"] or o["checked"])],
        }

    def days_group(self) -> dict:
        """The day checkboxes ("Open weekends", ...) with the results each would leave; both always shown (two
        entries are not worth folding away, and a zero says that nobody here is open then)."""
        chosen = set(self.honoured.get("days") or [])
        counts = self.facets.get("days", {})
        options = [{"value": value, "label": label, "count": counts.get(value, 0), "checked": value in chosen}
                   for value, label in DAYS]  # fmt: skip
        return {**self._group("days", "Days and times", "", options), "options": options, "folded": []}

    def switches(self, names=SWITCHES) -> list[dict]:
        counts = self.facets.get("switches", {})
        return [{"field": self.form[name], "label": FILTER_WORDS[name],
                 "count": self.facets.get("verified", 0) if name == "verified" else counts.get(name, 0)}
                for name in names]  # fmt: skip

    def radius_options(self) -> list[dict]:
        current = self.result.filterset.search_radius_km
        return [{"value": km, "label": label, "selected": abs(float(km) - current) < 0.005}
                for km, label in units.radius_choices(current)]  # fmt: skip

    def sort_options(self) -> list[dict]:
        """The orders on offer: "Nearest" only once the search has a place."""
        current = self.result.filterset.sort_order
        return [{"value": value, "label": label, "selected": value == current}
                for value, label in TherapistFilterSet.SORTS
                if value != "distance" or self.result.origin is not None]  # fmt: skip

    def relaxations(self) -> list[dict]:
        """For a search that finds nobody: the ways out (selectors._relaxations), each a link that keeps every other
        filter, with what it would find."""
        links = []
        for relaxation in self.result.relaxations:
            words = ""
            if relaxation.param == "radius_km":
                label = f"Within {units.format_radius(relaxation.radius_km)}"
                href = self.href(radius_km=f"{relaxation.radius_km:.2f}".rstrip("0").rstrip("."), page=None)
            elif relaxation.params == ("near",):
                label = f"Anywhere, not only near {self.result.origin.label}"
                href = self._without("near")
            else:
                # The place reads last: "Remove Thai and the place (Denver, CO)".
                words = " and ".join(self._relaxed_words(name) for name in sorted(relaxation.params, key="near".__eq__))
                label = f"Remove {words}"
                href = self._without(*relaxation.params)
            links.append({"label": label, "words": words, "count": relaxation.count, "href": href,
                          "param": relaxation.param, "params": relaxation.params,
                          "pair": relaxation.is_pair})  # fmt: skip
        return links

    def recovery(self, relaxations: list[dict], missing_page: str | None = None) -> dict:
        """What a search that found nobody says: why (`note`, true whichever filters are to blame) and the ways out
        that find someone (`offers`); `missing_page`, a page asked for that does not exist."""
        offers = [link for link in relaxations if link["count"]]
        singles = [link for link in offers if not link["pair"]]
        filters = [link for link in singles if link["param"] not in ("radius_km", "near")]
        place = [link for link in singles if link["param"] in ("radius_km", "near")]
        blamed = [link["words"] for link in filters] + ([self._relaxed_words("near")] if place else [])
        if not relaxations:
            note = ""
        elif len(blamed) > 1:
            note = f"Removing any one of these finds therapists: {', '.join(blamed)}."
        elif filters:
            count = filters[0]["count"]
            note = f"The filter that empties the list: {filters[0]['words']}. " + ngettext(
                "Without it, {} therapist matches.", "Without it, {} therapists match.", count
            ).format(count)
        elif place and place[0]["param"] == "radius_km":
            count = place[0]["count"]
            note = f"The radius empties the list: {place[0]['label'].lower()} finds " + ngettext(
                "{} therapist.", "{} therapists.", count
            ).format(count)
        elif place:
            count = place[0]["count"]
            note = "The place empties the list: anywhere, " + ngettext(
                "{} therapist matches.", "{} therapists match.", count
            ).format(count)
        elif offers:
            note = (
                "No single filter is to blame: even without any one of them nobody matches. "
                "Removing two at once finds therapists:"
            )
        else:
            considered = len(selectors.active_filters(self.result.filterset)) + (self.result.origin is not None)
            # Pairs are drawn from the first PAIRED_FILTERS filters only: say so rather than claim them all.
            tried = (
                "any two"
                if considered <= selectors.PAIRED_FILTERS
                else f"any two of the first {selectors.PAIRED_FILTERS}"
            )
            note = f"No single filter is to blame, nor {tried} together: even without them nobody matches."
        return {"note": note, "offers": offers, "missing_page": missing_page}

    def _relaxed_words(self, name: str) -> str:
        if name == "near":
            return f"the place ({self.result.origin.label})"
        value = self.honoured.get(name)
        if name in LIST_PARAMS:
            names = self._term_names(name)
            return (" and " if name in ALL_OF_PARAMS else " or ").join(names.get(v, v) for v in value)
        return self._words(name, value)


class TherapistDetailView(DetailView):
    """The profile: the article's criteria answered at a glance, then the reviews."""

    template_name = "therapists/therapist_detail.html"
    context_object_name = "therapist"

    def get_queryset(self):
        return selectors.published_therapists()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        profile = selectors.therapist_profile(self.object)
        review_options = review_selectors.ReviewListOptions.from_params(self.request.GET)
        histogram = review_selectors.star_histogram(therapist=self.object)
        reviews_page = review_selectors.profile_reviews(
            therapist=self.object,
            page_number=self.request.GET.get("page"),
            options=review_options,
            viewer=user,
            count=None if review_options.stars is None else histogram.count(review_options.stars),
        )
        for review in reviews_page:
            review.vote_refusal = review_permissions.vote_refusal(user, review, self.object)
        context.update(
            profile=profile,
            certifications=profile.certifications,
            # Which listed credentials earn the Verified badge, so the profile can say why it shows.
            badge_credential_ids={
                cert.pk for cert in profile.certifications if cert.earns_verified_badge(self.object.region)
            },
            rank_reasons=profile.rank_reasons,
            sub_ratings=profile.sub_ratings,
            reviews_page=reviews_page,
            page_obj=reviews_page,
            review_options=review_options,
            review_sorts=review_selectors.ReviewSort.choices,
            histogram=histogram,
            user_review=review_selectors.review_by(author=user, therapist=self.object),
            is_owner=user.is_authenticated and self.object.owner_id == user.pk,
        )
        return context
