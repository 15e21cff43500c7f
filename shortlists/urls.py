"""Shortlist URLs: /shortlist/, its buttons, and shared comparisons."""

from django.urls import path

from . import views

app_name = "shortlists"

urlpatterns = [
    path("", views.ShortlistView.as_view(), name="list"),
    path("add/", views.AddView.as_view(), name="add"),
    path("remove/", views.RemoveView.as_view(), name="remove"),
    path("share/", views.ShareView.as_view(), name="share"),
    path("shared/<slug:token>/", views.SharedView.as_view(), name="shared"),
    path("shared/<slug:token>/revoke/", views.RevokeView.as_view(), name="revoke"),
]
