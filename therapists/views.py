"""Views of the directory: home, search, profile, and the health check."""

from django.conf import settings
from django.core.paginator import Paginator
from django.db import connection
from django.http import HttpResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.generic import DetailView, TemplateView

from . import ranking, selectors, services, vocabulary
from .models import Therapist


class HomeView(TemplateView):
    template_name = "therapists/home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["specialties"] = vocabulary.vocabulary()["specialty"]
        context["therapist_count"] = Therapist.objects.published().count()
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
    reviews_per_page = 10

    def get_queryset(self):
        return Therapist.objects.published()

    def get_context_data(self, **kwargs):
        from reviews.models import Review

        context = super().get_context_data(**kwargs)
        therapist = self.object
        selectors.attach_links([therapist], kinds=tuple(selectors.LINKS))
        certifications = list(therapist.certifications.select_related("specialty").order_by("status", "-issued_on"))
        reviews = Review.objects.for_profile().filter(therapist=therapist).order_by("-created_at", "-pk")
        paginator = Paginator(reviews, self.reviews_per_page)
        paginator.count = therapist.review_count
        reviews_page = paginator.get_page(self.request.GET.get("page"))
        user = self.request.user
        context.update(
            certifications=certifications,
            today=timezone.localdate(),
            reviews_page=reviews_page,
            page_obj=reviews_page,
            user_review=(
                Review.objects.filter(therapist=therapist, author=user).first() if user.is_authenticated else None
            ),
            is_owner=user.is_authenticated and therapist.owner_id == user.pk,
            rank_reasons=ranking.explain(services.evidence_for(therapist), services.site_priors()),
            sub_ratings=[
                ("Technique", therapist.technique_avg),
                ("Professionalism", therapist.professionalism_avg),
                ("Communication", therapist.communication_avg),
                ("Cleanliness", therapist.cleanliness_avg),
            ],
        )
        return context


@never_cache
def healthz(request):
    """200 "ok" when the database answers; 503 otherwise."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # noqa: BLE001 - any database failure means "not healthy"
        return HttpResponse("database unavailable", status=503, content_type="text/plain")
    return HttpResponse("ok", content_type="text/plain")
