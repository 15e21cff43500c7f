"""Review URLs: leaving, editing, deleting, replying to and flagging reviews."""

from django.urls import path

from . import views

app_name = "reviews"

urlpatterns = [
    path("therapists/<slug:slug>/reviews/new/", views.ReviewCreateView.as_view(), name="create"),
    path("reviews/mine/", views.MyReviewListView.as_view(), name="mine"),
    path("reviews/<int:pk>/edit/", views.ReviewUpdateView.as_view(), name="update"),
    path("reviews/<int:pk>/delete/", views.ReviewDeleteView.as_view(), name="delete"),
    path("reviews/<int:pk>/reply/", views.ReviewReplyView.as_view(), name="reply"),
    path("reviews/<int:pk>/flag/", views.ReviewFlagView.as_view(), name="flag"),
]
