"""Review views: leave, edit and delete a review; the owner's reply; flags; the client's own reviews."""

from http import HTTPStatus

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.views.generic import ListView, TemplateView

from accounts import footprints
from common import throttles
from common.views import ServiceFormView
from therapists.models import Therapist
from therapists.selectors import published_therapists

from . import permissions, selectors, services
from .forms import ReviewFlagForm, ReviewForm, ReviewResponseForm
from .models import Review, ReviewResponse


def _review_url(review: Review) -> str:
    """Where to show a review after a change: on its profile when public, else in the author's list."""
    if review.therapist.is_public and review.is_visible():
        return f"{review.therapist.get_absolute_url()}#review-{review.pk}"
    return reverse("reviews:mine")


class ReviewCreateView(LoginRequiredMixin, ServiceFormView):
    form_class = ReviewForm
    template_name = "reviews/review_form.html"

    @cached_property
    def therapist(self) -> Therapist:
        return get_object_or_404(published_therapists(), slug=self.kwargs["slug"])

    @cached_property
    def existing_review(self) -> Review | None:
        return selectors.review_by(author=self.request.user, therapist=self.therapist)

    def get(self, request, *args, **kwargs):
        if self.existing_review is not None:
            messages.info(request, f"You have already reviewed {self.therapist.name}; you can edit your review here.")
            return redirect("reviews:update", pk=self.existing_review.pk)
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            therapist=self.therapist,
            refusal=permissions.review_refusal(self.request.user, self.therapist),
            existing_review=self.existing_review,
        )
        return context

    def perform(self, form):
        return services.review_create(
            therapist=self.therapist,
            author=self.request.user,
            content=services.ReviewContent.from_form(form.cleaned_data),
            client_address=throttles.client_address(self.request),
            device=footprints.device_id(self.request),
        )

    def get_success_message(self) -> str:
        if self.result.is_held:
            return "Thank you: your review is held for a moderator's check before it is published."
        return "Thank you: your review is published."

    def service_error(self, form, error):
        if getattr(error, "code", None) == "throttled":
            return self.render_to_response(self.get_context_data(form=form), status=HTTPStatus.TOO_MANY_REQUESTS)
        return super().service_error(form, error)

    def get_success_url(self):
        return _review_url(self.result)


class ReviewAccessMixin(LoginRequiredMixin):
    """The review named in the URL, for the users `allowed` admits; checked before any handler runs."""

    denied_message = ""

    def review_queryset(self):
        raise NotImplementedError

    def allowed(self, review: Review) -> bool:
        raise NotImplementedError

    @cached_property
    def review(self) -> Review:
        review = get_object_or_404(self.review_queryset(), pk=self.kwargs["pk"])
        if not self.allowed(review):
            raise PermissionDenied(self.denied_message)
        return review

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.review  # noqa: B018 - checks permission before any handler runs
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(review=self.review, therapist=self.review.therapist)
        return context

    def get_success_url(self):
        return _review_url(self.review)


class AuthorReviewMixin(ReviewAccessMixin):
    """The review named in the URL, for its author only."""

    denied_message = "Only the author can change this review."

    def review_queryset(self):
        return Review.objects.select_related("therapist", "author", "massage_type")

    def allowed(self, review: Review) -> bool:
        return permissions.can_edit(self.request.user, review)


class ReviewUpdateView(AuthorReviewMixin, ServiceFormView):
    form_class = ReviewForm
    template_name = "reviews/review_form.html"
    success_message = "Your review is updated."

    def get_initial(self):
        return ReviewForm.initial_from(services.ReviewContent.of(self.review))

    def perform(self, form):
        return services.review_update(review=self.review, content=services.ReviewContent.from_form(form.cleaned_data))


class ReviewDeleteView(AuthorReviewMixin, TemplateView):
    template_name = "reviews/review_confirm_delete.html"

    def post(self, request, *args, **kwargs):
        therapist = self.review.therapist
        services.review_delete(review=self.review)
        messages.success(request, f"Your review of {therapist.name} is deleted.")
        return redirect(therapist.get_absolute_url() if therapist.is_public else reverse("reviews:mine"))


class VisibleReviewMixin(ReviewAccessMixin):
    """A review shown on a public profile; `allowed` says who may act on it."""

    def review_queryset(self):
        return (
            Review.objects.visible()
            .filter(therapist__status=Therapist.Status.PUBLISHED)
            .select_related("therapist", "author")
        )


class ReviewReplyView(VisibleReviewMixin, ServiceFormView):
    """The profile owner's one reply: written the first time, edited after."""

    form_class = ReviewResponseForm
    template_name = "reviews/review_reply_form.html"

    def allowed(self, review):
        return permissions.can_reply(self.request.user, review)

    @cached_property
    def response(self) -> ReviewResponse | None:
        return ReviewResponse.objects.filter(review=self.review).first()

    def get_initial(self):
        return {"body": self.response.body} if self.response else {}

    def get_context_data(self, **kwargs):
        return super().get_context_data(response=self.response, **kwargs)

    def perform(self, form):
        if self.response is None:
            return services.review_response_create(review=self.review, author=self.request.user, **form.cleaned_data)
        return services.review_response_update(response=self.response, author=self.request.user, **form.cleaned_data)

    def get_success_message(self) -> str:
        return "Your reply is published." if self.response is None else "Your reply is updated."


class ReviewFlagView(VisibleReviewMixin, ServiceFormView):
    form_class = ReviewFlagForm
    template_name = "reviews/review_flag_form.html"
    success_message = "Thank you. A moderator will look at this review."

    def allowed(self, review):
        return permissions.can_flag(self.request.user, review)

    def perform(self, form):
        return services.review_flag(review=self.review, reporter=self.request.user, **form.cleaned_data)


class MyReviewListView(LoginRequiredMixin, ListView):
    template_name = "reviews/my_reviews.html"
    context_object_name = "reviews"
    paginate_by = 20

    def get_queryset(self):
        return selectors.reviews_by(author=self.request.user)
