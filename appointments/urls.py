"""Appointment request URLs: the client's request and list, the therapist's inbox and answers."""

from django.urls import path

from . import views

app_name = "appointments"

urlpatterns = [
    path("therapists/<slug:slug>/request/", views.RequestCreateView.as_view(), name="create"),
    path("requests/", views.ClientRequestListView.as_view(), name="mine"),
    path("requests/<int:pk>/cancel/", views.RequestCancelView.as_view(), name="cancel"),
    path("requests/<int:pk>/take/", views.RequestTakeSuggestionView.as_view(), name="take"),
    path("requests/<int:pk>/outcome/", views.ClientOutcomeView.as_view(), name="client_outcome"),
    path("dashboard/requests/", views.InboxView.as_view(), name="inbox"),
    path("dashboard/requests/<int:pk>/", views.AnswerView.as_view(), name="answer"),
    path("dashboard/requests/<int:pk>/outcome/", views.OutcomeView.as_view(), name="outcome"),
]
