"""Views of the directory: home, search, profile, and the health check."""

from django.db import connection
from django.http import HttpResponse
from django.views.decorators.cache import never_cache
from django.views.generic import DetailView, ListView, TemplateView

from .models import Specialty, Therapist


class HomeView(TemplateView):
    template_name = "therapists/home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["specialties"] = Specialty.objects.all()
        context["therapist_count"] = Therapist.objects.published().count()
        return context


class TherapistListView(ListView):
    template_name = "therapists/therapist_list.html"
    context_object_name = "therapists"
    paginate_by = 20

    def get_queryset(self):
        return Therapist.objects.published().order_by("-score", "pk").prefetch_related("specialties")


class TherapistDetailView(DetailView):
    template_name = "therapists/therapist_detail.html"
    context_object_name = "therapist"

    def get_queryset(self):
        return Therapist.objects.published().prefetch_related(
            "specialties", "languages", "amenities", "focus_areas", "certifications__specialty"
        )


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
