"""The therapist's own dashboard: profile, photo, certifications, services, hours, where and payment."""

from django.urls import path

from . import dashboard

app_name = "dashboard"

urlpatterns = [
    path("", dashboard.DashboardView.as_view(), name="home"),
    path("profile/new/", dashboard.ProfileCreateView.as_view(), name="profile_create"),
    path("profile/claim/", dashboard.ProfileClaimView.as_view(), name="profile_claim"),
    path("profile/", dashboard.ProfileUpdateView.as_view(), name="profile_edit"),
    path("profile/publish/", dashboard.ProfilePublishView.as_view(), name="profile_publish"),
    path("profile/accepting/", dashboard.AcceptingConfirmView.as_view(), name="accepting_confirm"),
    path("photo/", dashboard.PhotoUpdateView.as_view(), name="photo"),
    path("photo/remove/", dashboard.PhotoDeleteView.as_view(), name="photo_remove"),
    path("services/", dashboard.ServicesUpdateView.as_view(), name="services"),
    path("hours/", dashboard.HoursUpdateView.as_view(), name="hours"),
    path("practice/", dashboard.PracticeUpdateView.as_view(), name="practice"),
    path("certifications/new/", dashboard.CertificationCreateView.as_view(), name="certification_create"),
    path("certifications/<int:pk>/", dashboard.CertificationUpdateView.as_view(), name="certification_edit"),
    path("certifications/<int:pk>/renew/", dashboard.CertificationRenewView.as_view(), name="certification_renew"),
    path(
        "certifications/<int:pk>/withdraw/",
        dashboard.CertificationWithdrawView.as_view(),
        name="certification_withdraw",
    ),
    path(
        "certifications/<int:pk>/document/",
        dashboard.DocumentView.as_view(),
        name="certification_document",
    ),
    path(
        "certifications/<int:pk>/document/preview/",
        dashboard.DocumentPreviewView.as_view(),
        name="certification_document_preview",
    ),
]
