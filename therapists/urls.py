"""URLs of the directory: search and profiles."""

from django.urls import path

from . import place_views, views

app_name = "therapists"

urlpatterns = [
    path("", views.TherapistListView.as_view(), name="list"),
    path("places/", place_views.PlaceAutocompleteView.as_view(), name="place-autocomplete"),
    path("<slug:slug>/", views.TherapistDetailView.as_view(), name="detail"),
]
