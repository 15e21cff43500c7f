"""How reviews are handled, in public: the rules and the fairness figures; and the author's one appeal."""

from http import HTTPStatus

from django.urls import reverse
from django.utils.functional import cached_property
from django.views.generic import TemplateView

from common.views import ServiceFormView

from . import appeals, permissions, transparency
from .forms import ReviewAppealForm
from .models import Review
from .views import AuthorReviewMixin

# A refusal that no retyping can lift (already appealed, not removed): the request conflicts with the review's state.
CONFLICT_CODES = {"appealed", "not_removed"}


class HowWeHandleReviewsView(TemplateView):
    template_name = "reviews/how_we_handle_reviews.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            figures=transparency.fairness_figures(),
            window_days=transparency.WINDOW_DAYS,
            hold_reasons=Review.HoldReason.choices,
            removal_reasons=Review.RemovalReason.choices,
            **kwargs,
        )


class ReviewAppealView(AuthorReviewMixin, ServiceFormView):
    """The author's one appeal against the removal of their review (the form is also on their account page)."""

    form_class = ReviewAppealForm
    template_name = "reviews/appeal_form.html"
    success_message = "Your appeal is sent. A moderator will look at your review again; we will email you the decision."

    def review_queryset(self):
        return Review.objects.select_related("therapist", "author", "appeal")

    @cached_property
    def refusal(self):
        return permissions.appeal_refusal(self.request.user, self.review)

    def get(self, request, *args, **kwargs):
        if self.refusal is not None:
            return self.render_to_response(self.get_context_data(), status=HTTPStatus.CONFLICT)
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        if self.refusal is not None:
            return self.render_to_response(self.get_context_data(), status=HTTPStatus.CONFLICT)
        return super().post(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(refusal=self.refusal, **kwargs)

    def form_invalid(self, form):
        response = super().form_invalid(form)
        response.status_code = HTTPStatus.BAD_REQUEST
        return response

    def service_error(self, form, error):
        response = self.form_invalid(form)
        if getattr(error, "code", None) in CONFLICT_CODES:
            response.status_code = HTTPStatus.CONFLICT
        return response

    def perform(self, form):
        return appeals.appeal_create(review=self.review, author=self.request.user, **form.cleaned_data)

    def get_success_url(self):
        return reverse("account") + "#removed-reviews-heading"
