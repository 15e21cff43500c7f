"""Root URLs: each app's urls are included under its namespace."""

from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path
from django.views.generic import TemplateView

from common.views import healthz
from therapists import views as therapist_views

urlpatterns = [
    path("", therapist_views.HomeView.as_view(), name="home"),
    path("healthz", healthz, name="healthz"),
    path("about/", TemplateView.as_view(template_name="about.html"), name="about"),
    path("therapists/", include("therapists.urls")),
    path("", include("reviews.urls")),
    path("accounts/", include("accounts.urls")),
    path("dashboard/", include("therapists.dashboard_urls")),
    path("admin/", admin.site.urls),
]

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

admin.site.site_header = "Therapist Directory administration"
admin.site.site_title = "Therapist Directory admin"
admin.site.index_title = "Directory, credentials and reviews"
