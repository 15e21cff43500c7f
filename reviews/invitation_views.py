"""Review invitations: the link from the email (`/reviews/invite/<token>/`) and the one under the client's account
(`/reviews/invitations/<id>/`), each showing the review form for the visit's therapist, or why not under its 4xx."""

from http import HTTPStatus

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.utils.decorators import method_decorator
from django.utils.functional import cached_property
from django.views.decorators.cache import never_cache

from accounts import footprints
from common import throttles
from common.views import ServiceFormView

from . import invitations, permissions, selectors, services
from .forms import ReviewForm
from .models import Review, ReviewInvitation
from .views import _review_url

# Why an invitation cannot be used, as a status: unknown or forged 404, another account's 403, valid once 410.
REFUSAL_STATUS = {
    "unknown": HTTPStatus.NOT_FOUND,
    "not_yours": HTTPStatus.FORBIDDEN,
    "used": HTTPStatus.GONE,
    "expired": HTTPStatus.GONE,
    "throttled": HTTPStatus.TOO_MANY_REQUESTS,
    "email_unconfirmed": HTTPStatus.FORBIDDEN,
    "not_public": HTTPStatus.CONFLICT,
}
INVITATION_REFUSALS = ("unknown", "not_yours", "used", "expired")


class InvitedReviewForm(ReviewForm):
    """The review form without the month: an invited review is about its visit, whose month the site knows."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["visit_month"]


def _code(error: ValidationError) -> str | None:
    return None if hasattr(error, "error_dict") else error.error_list[0].code


@method_decorator(never_cache, name="dispatch")
class InvitationReviewView(LoginRequiredMixin, ServiceFormView):
    """GET: the review form for the invitation's therapist (prefilled with the client's earlier review, if any);
    POST: the review, through reviews.invitations. A link that cannot be used answers with its reason and status."""

    form_class = InvitedReviewForm
    template_name = "reviews/invitation_form.html"

    def find(self) -> ReviewInvitation:
        """The invitation the URL names, usable by the signed-in user; raises the refusal otherwise."""
        if "token" in self.kwargs:
            return invitations.invitation_for_token(token=self.kwargs["token"], user=self.request.user)
        return invitations.invitation_for_client(client=self.request.user, pk=self.kwargs["pk"])

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        try:
            self.invitation = self.find()
        except ValidationError as error:
            return refused(request, error)
        return super().dispatch(request, *args, **kwargs)

    @cached_property
    def existing_review(self) -> Review | None:
        return selectors.review_by(author=self.request.user, therapist=self.invitation.therapist)

    def get_initial(self):
        if self.existing_review is None:
            return {}
        return ReviewForm.initial_from(services.ReviewContent.of(self.existing_review))

    def get_context_data(self, **kwargs):
        therapist = self.invitation.therapist
        return super().get_context_data(
            invitation=self.invitation,
            therapist=therapist,
            visit_month=invitations.visit_month(self.invitation.visit, self.invitation.therapist),
            existing_review=self.existing_review,
            refusal=permissions.review_refusal(self.request.user, therapist),
            **kwargs,
        )

    def perform(self, form):
        data = {
            **form.cleaned_data,
            "visit_month": invitations.visit_month(self.invitation.visit, self.invitation.therapist),
        }
        return invitations.review_create_from_invitation(
            invitation=self.invitation,
            author=self.request.user,
            content=services.ReviewContent.from_form(data),
            client_address=throttles.client_address(self.request),
            device=footprints.device_id(self.request),
        )

    def service_error(self, form, error):
        code = _code(error)
        if code in INVITATION_REFUSALS:
            return refused(self.request, error)
        status = REFUSAL_STATUS.get(code, HTTPStatus.BAD_REQUEST)
        return self.render_to_response(self.get_context_data(form=form), status=status)

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form), status=HTTPStatus.BAD_REQUEST)

    def get_success_message(self) -> str:
        if self.result.is_held:
            return "Thank you: your review is held for a moderator's check before it is published."
        return "Thank you: your review is published, marked as from a verified client."

    def get_success_url(self):
        return _review_url(self.result)


def refused(request, error: ValidationError):
    """Why an invitation cannot be used, and what the client can do instead, under its 4xx status."""
    return render(
        request,
        "reviews/invitation_refused.html",
        {"messages_list": error.messages, "code": _code(error)},
        status=REFUSAL_STATUS.get(_code(error), HTTPStatus.BAD_REQUEST),
    )
