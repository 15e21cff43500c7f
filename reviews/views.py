"""Review views: leave, edit and delete a review; the owner's reply; flags; the client's own reviews."""

from http import HTTPStatus

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.views.generic import FormView, ListView, TemplateView

from accounts.throttling import review_post_throttle
from therapists.models import Therapist

from . import permissions, services
from .forms import ReviewFlagForm, ReviewForm, ReviewResponseForm, add_validation_error
from .models import Review, ReviewResponse

RATE_LIMIT_MESSAGE = (
    "You have posted %(limit)s reviews in the last hour, the most we accept. "
    "Your review is kept below: please post it again later."
)


def _review_url(review: Review) -> str:
    """Where to show a review after a change: on its profile when public, else in the author's list."""
    if review.therapist.is_public and not review.is_hidden:
        return f"{review.therapist.get_absolute_url()}#review-{review.pk}"
    return reverse("reviews:mine")


class ReviewCreateView(LoginRequiredMixin, FormView):
    form_class = ReviewForm
    template_name = "reviews/review_form.html"

    @cached_property
    def therapist(self) -> Therapist:
        return get_object_or_404(Therapist.objects.published(), slug=self.kwargs["slug"])

    @cached_property
    def existing_review(self) -> Review | None:
        return Review.objects.filter(therapist=self.therapist, author=self.request.user).first()

    def get(self, request, *args, **kwargs):
        if self.existing_review is not None:
            messages.info(request, f"You have already reviewed {self.therapist.name}; you can edit your review here.")
            return redirect("reviews:update", pk=self.existing_review.pk)
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            therapist=self.therapist,
            is_own_profile=not permissions.can_review(self.request.user, self.therapist),
            existing_review=self.existing_review,
        )
        return context

    def form_valid(self, form):
        throttle = review_post_throttle()
        user_key = f"user:{self.request.user.pk}"
        if throttle.is_blocked(user_key):
            form.add_error(
                None, ValidationError(RATE_LIMIT_MESSAGE, code="throttled", params={"limit": throttle.limit})
            )
            return self.render_to_response(self.get_context_data(form=form), status=HTTPStatus.TOO_MANY_REQUESTS)
        try:
            review = services.review_create(therapist=self.therapist, author=self.request.user, **form.cleaned_data)
        except ValidationError as error:
            add_validation_error(form, error)
            return self.form_invalid(form)
        throttle.hit(user_key)
        messages.success(self.request, "Thank you: your review is published.")
        return redirect(_review_url(review))


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


class AuthorReviewMixin(ReviewAccessMixin):
    """The review named in the URL, for its author only."""

    denied_message = "Only the author can change this review."

    def review_queryset(self):
        return Review.objects.select_related("therapist", "massage_type")

    def allowed(self, review: Review) -> bool:
        return permissions.can_edit(self.request.user, review)


class ReviewUpdateView(AuthorReviewMixin, FormView):
    form_class = ReviewForm
    template_name = "reviews/review_form.html"

    def get_initial(self):
        return ReviewForm.initial_from(self.review)

    def form_valid(self, form):
        try:
            services.review_update(review=self.review, **form.cleaned_data)
        except ValidationError as error:
            add_validation_error(form, error)
            return self.form_invalid(form)
        messages.success(self.request, "Your review is updated.")
        return redirect(_review_url(self.review))


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
        return Review.objects.visible().filter(therapist__status=Therapist.Status.PUBLISHED).select_related("therapist")


class ReviewReplyView(VisibleReviewMixin, FormView):
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

    def form_valid(self, form):
        try:
            if self.response is None:
                services.review_response_create(review=self.review, author=self.request.user, **form.cleaned_data)
            else:
                services.review_response_update(response=self.response, author=self.request.user, **form.cleaned_data)
        except ValidationError as error:
            add_validation_error(form, error)
            return self.form_invalid(form)
        messages.success(
            self.request, "Your reply is published." if self.response is None else "Your reply is updated."
        )
        return redirect(_review_url(self.review))


class ReviewFlagView(VisibleReviewMixin, FormView):
    form_class = ReviewFlagForm
    template_name = "reviews/review_flag_form.html"

    def allowed(self, review):
        return permissions.can_flag(self.request.user, review)

    def form_valid(self, form):
        try:
            services.review_flag(review=self.review, reporter=self.request.user, **form.cleaned_data)
        except ValidationError as error:
            add_validation_error(form, error)
            return self.form_invalid(form)
        messages.success(self.request, "Thank you. A moderator will look at this review.")
        return redirect(_review_url(self.review))


class MyReviewListView(LoginRequiredMixin, ListView):
    template_name = "reviews/my_reviews.html"
    context_object_name = "reviews"
    paginate_by = 20

    def get_queryset(self):
        return (
            Review.objects.filter(author=self.request.user)
            .select_related("therapist", "response", "massage_type")
            .order_by("-created_at", "-pk")
        )
