"""Review URLs: leaving, editing, deleting, replying to and flagging reviews."""

from django.urls import path

from . import invitation_views, policy_views, views, vote_views

app_name = "reviews"

urlpatterns = [
    path("therapists/<slug:slug>/reviews/new/", views.ReviewCreateView.as_view(), name="create"),
    path("reviews/mine/", views.MyReviewListView.as_view(), name="mine"),
    path("reviews/<int:pk>/edit/", views.ReviewUpdateView.as_view(), name="update"),
    path("reviews/<int:pk>/delete/", views.ReviewDeleteView.as_view(), name="delete"),
    path("reviews/<int:pk>/reply/", views.ReviewReplyView.as_view(), name="reply"),
    path("reviews/<int:pk>/flag/", views.ReviewFlagView.as_view(), name="flag"),
    path("reviews/invite/<str:token>/", invitation_views.InvitationReviewView.as_view(), name="invitation_token"),
    path("reviews/invitations/<int:pk>/", invitation_views.InvitationReviewView.as_view(), name="invitation"),
    path("reviews/<int:pk>/helpful/", vote_views.ReviewHelpfulView.as_view(), name="helpful"),
    path("reviews/<int:pk>/helpful/withdraw/", vote_views.ReviewHelpfulWithdrawView.as_view(), name="helpful_withdraw"),
    path("reviews/<int:pk>/appeal/", policy_views.ReviewAppealView.as_view(), name="appeal"),
    path("reviews/how-we-handle-reviews/", policy_views.HowWeHandleReviewsView.as_view(), name="policy"),
]
