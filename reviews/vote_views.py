"""Readers' "helpful" votes: one POST to vote, one to withdraw, each back to the review on its profile."""

from http import HTTPStatus

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views import View

from therapists.models import Therapist

from . import votes
from .models import Review

# How each refusal answers: a short page with the message, under this status.
REFUSAL_STATUS = {
    "own_review": HTTPStatus.FORBIDDEN,
    "own_profile": HTTPStatus.FORBIDDEN,
    "duplicate_vote": HTTPStatus.CONFLICT,
    "no_vote": HTTPStatus.CONFLICT,
    "not_shown": HTTPStatus.NOT_FOUND,
}


class VoteView(View):
    """POST only (GET answers 405): a shown review on a published profile, else 404, whoever asks. An anonymous
    reader is sent to log in, then back to the review (not to this URL, which only takes a POST)."""

    http_method_names = ["post"]
    success_message = ""

    def perform(self, review: Review) -> None:
        raise NotImplementedError

    def post(self, request, *args, **kwargs):
        review = get_object_or_404(
            Review.objects.visible().filter(therapist__status=Therapist.Status.PUBLISHED).select_related("therapist"),
            pk=kwargs["pk"],
        )
        back = f"{review.therapist.get_absolute_url()}#review-{review.pk}"
        if not request.user.is_authenticated:
            return redirect_to_login(back)
        try:
            self.perform(review)
        except ValidationError as error:
            return render(
                request,
                "appointments/refused.html",
                {"messages_list": error.messages, "back": back},
                status=REFUSAL_STATUS.get(error.error_list[0].code, HTTPStatus.BAD_REQUEST),
            )
        messages.success(request, self.success_message)
        return redirect(back)


class ReviewHelpfulView(VoteView):
    success_message = "Thank you: you marked this review as helpful."

    def perform(self, review):
        votes.review_vote_helpful(review=review, voter=self.request.user)


class ReviewHelpfulWithdrawView(VoteView):
    success_message = "Your helpful vote is withdrawn."

    def perform(self, review):
        votes.review_vote_withdraw(review=review, voter=self.request.user)
