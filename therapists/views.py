"""Views of the directory: home, search and profile."""

from django.conf import settings
from django.views.generic import DetailView, TemplateView

from reviews import selectors as review_selectors

from . import selectors, vocabulary
from .models import Therapist


class HomeView(TemplateView):
    template_name = "therapists/home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["specialties"] = vocabulary.vocabulary()["specialty"]
        context["therapist_count"] = selectors.published_therapists().count()
        return context


class TherapistListView(TemplateView):
    """The search page: the FilterSet's results, facets and a result count in a fixed number of queries."""

    template_name = "therapists/therapist_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        result = selectors.search(self.request.GET, self.request.GET.get("page"), settings.SEARCH_PAGE_SIZE)
        context.update(
            filter=result.filterset,
            form=result.filterset.form,
            page_obj=result.page,
            paginator=result.paginator,
            therapists=result.page.object_list,
            origin=result.origin,
            facets=result.facets,
            facet_groups=facet_groups(result),
            vocabulary=vocabulary.vocabulary(),
            radius_km=(result.filterset.is_valid() and result.filterset.form.cleaned_data.get("radius_km"))
            or settings.SEARCH_DEFAULT_RADIUS_KM,
        )
        return context


def facet_groups(result) -> list[dict]:
    """The filter options with their counts, as the template lists them."""
    if not result.facets:
        return []
    form = result.filterset.form
    terms = vocabulary.vocabulary()
    groups = []
    for name, kind, label in (("specialty", "specialty", "Type of massage"), ("focus", "focus", "Focus area"),
                              ("language", "language", "Language")):  # fmt: skip
        chosen = set(form.cleaned_data.get(name) or [])
        counts = result.facets.get(kind, {})
        groups.append({"name": name, "label": label, "options": [
            {"value": t.slug, "label": t.name, "count": counts.get(t.id, 0), "checked": t.slug in chosen}
            for t in terms[kind]]})  # fmt: skip
    chosen_genders = set(form.cleaned_data.get("gender") or [])
    groups.append({"name": "gender", "label": "Gender", "options": [
        {"value": value, "label": label, "count": result.facets["gender"].get(value, 0),
         "checked": value in chosen_genders} for value, label in Therapist.Gender.choices]})  # fmt: skip
    return groups


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
        reviews_page = review_selectors.profile_reviews(therapist=self.object, page_number=self.request.GET.get("page"))
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
            user_review=review_selectors.review_by(author=user, therapist=self.object),
            is_owner=user.is_authenticated and self.object.owner_id == user.pk,
        )
        return context
