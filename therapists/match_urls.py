"""The guided match: /match/."""

from django.urls import path

from .match_views import MatchView

app_name = "match"

urlpatterns = [
    path("", MatchView.as_view(), name="match"),
]
