"""Root URLs: each app's urls are included under its namespace."""

from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.templatetags.static import static as static_url
from django.urls import include, path
from django.utils.functional import lazy
from django.views.generic import RedirectView, TemplateView

from accounts.admin_site import StaffAdminSite
from common.views import healthz, readyz
from therapists import views as therapist_views

# The admin's log-in goes through the site's throttle and asks for the second factor (django-otp documents
# this swap for its OTPAdminSite): every app keeps registering on admin.site. Before the URLs: they bind
# the site's views.
admin.site.__class__ = StaffAdminSite

urlpatterns = [
    path("", therapist_views.HomeView.as_view(), name="home"),
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    # Browsers ask for /favicon.ico whatever a page links to: sent on to the icon base.html names. Looked up per
    # request (production's hashed name needs collectstatic's manifest, absent when the URLs are first imported),
    # and not a permanent redirect, since that hashed name changes with the icon.
    path("favicon.ico", RedirectView.as_view(url=lazy(static_url, str)("favicon.svg"), permanent=False)),
    path("about/", TemplateView.as_view(template_name="about.html"), name="about"),
    path("therapists/", include("therapists.urls")),
    path("", include("reviews.urls")),
    path("accounts/", include("accounts.urls")),
    path("dashboard/", include("therapists.dashboard_urls")),
    path("match/", include("therapists.match_urls")),
    path("shortlist/", include("shortlists.urls")),
    path("", include("appointments.urls")),
    path("admin/", admin.site.urls),
]

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

# A database error outside a view (the session saved after it) is an outage too: 503, not 500.
handler500 = "common.middleware.server_error"

admin.site.site_header = "Therapist Directory administration"
admin.site.site_title = "Therapist Directory admin"
admin.site.index_title = "Directory, credentials and reviews"
