"""Appointment request views: the client's request and list, the therapist's inbox and answers.

A request is found through the signed-in user's own side of it: a client looks among their own requests, a
therapist among those of the profile they own, so anyone else's request is simply not found (404), never
forbidden, which would reveal that it exists.
"""

from http import HTTPStatus

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.functional import cached_property
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.generic import ListView

from common.views import ServiceFormView
from therapists.dashboard import OwnProfileMixin
from therapists.models import Therapist
from therapists.selectors import own_profile, published_therapists

from . import permissions, selectors, services
from .forms import PREFILL_FIELD, AnswerForm, AppointmentRequestForm, OutcomeForm, PrecautionsPrefillForm
from .models import AppointmentRequest

MINE = reverse_lazy("appointments:mine")
INBOX = reverse_lazy("appointments:inbox")
PER_PAGE = 20
# How each refusal of a write answers: the form (or a short page) with the message, and this status.
REFUSAL_STATUS = {
    "own_profile": HTTPStatus.FORBIDDEN,
    "email_unconfirmed": HTTPStatus.FORBIDDEN,
    "not_client": HTTPStatus.FORBIDDEN,
    "not_therapist": HTTPStatus.FORBIDDEN,
    "not_public": HTTPStatus.CONFLICT,
    "unowned": HTTPStatus.CONFLICT,
    "not_accepting": HTTPStatus.CONFLICT,
    "open_request_exists": HTTPStatus.CONFLICT,
    "not_allowed": HTTPStatus.CONFLICT,
    "past": HTTPStatus.CONFLICT,
    "future": HTTPStatus.CONFLICT,
    "not_asked": HTTPStatus.CONFLICT,
    "throttled": HTTPStatus.TOO_MANY_REQUESTS,
    "honeypot": HTTPStatus.BAD_REQUEST,
}


def refusal_status(error: ValidationError) -> int:
    """The status of a refused write: a refusal's own, else 400 (a field the service found wrong)."""
    codes = [item.code for item in getattr(error, "error_list", [error])] if not hasattr(error, "error_dict") else []
    return next((REFUSAL_STATUS[code] for code in codes if code in REFUSAL_STATUS), HTTPStatus.BAD_REQUEST)


class ClientErrorStatusMixin:
    """A form sent back with errors answers 400 (a refused write, its own 4xx), keeping what was typed."""

    def form_invalid(self, form, status: int = HTTPStatus.BAD_REQUEST):
        return self.render_to_response(self.get_context_data(form=form), status=status)

    def service_error(self, form, error):
        return self.form_invalid(form, status=refusal_status(error))


@method_decorator(never_cache, name="dispatch")
class RequestCreateView(LoginRequiredMixin, ClientErrorStatusMixin, ServiceFormView):
    """A signed-in client's request to a published profile; a refusal is said before anything is typed."""

    form_class = AppointmentRequestForm
    template_name = "appointments/request_form.html"

    @cached_property
    def therapist(self) -> Therapist:
        return get_object_or_404(published_therapists(), slug=self.kwargs["slug"])

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "therapist": self.therapist}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            therapist=self.therapist,
            refusal=permissions.request_refusal(self.request.user, self.therapist),
            open_request=selectors.open_request(client=self.request.user, therapist=self.therapist),
        )
        return context

    def post(self, request, *args, **kwargs):
        if PREFILL_FIELD in request.POST:
            return self.prefill(PrecautionsPrefillForm(request.POST))
        return super().post(request, *args, **kwargs)

    def prefill(self, prefill: PrecautionsPrefillForm):
        """The guided match's button: the request form, unsent, its precautions box filled in from the match for
        the client to edit or remove; nothing is stored. Too much to fill in: the empty form and why (400)."""
        if not prefill.is_valid():
            errors = [error for errors in prefill.errors.values() for error in errors]
            context = self.get_context_data(form=self.form_class(therapist=self.therapist), prefill_errors=errors)
            return self.render_to_response(context, status=HTTPStatus.BAD_REQUEST)
        precautions = prefill.precautions()
        form = self.form_class(therapist=self.therapist, initial={"precautions": precautions})
        return self.render_to_response(self.get_context_data(form=form, prefilled=bool(precautions)))

    def perform(self, form):
        return services.appointment_request_create(
            client=self.request.user,
            therapist=self.therapist,
            details=services.RequestDetails.from_form(form.cleaned_data),
        )

    def get_success_message(self) -> str:
        return f"Your request is sent to {self.therapist.name}. We will email you their answer."

    def get_success_url(self):
        return f"{reverse('appointments:mine')}#request-{self.result.pk}"


@method_decorator(never_cache, name="dispatch")
class ClientRequestListView(LoginRequiredMixin, ListView):
    """Every request the client sent, and its state, newest first."""

    template_name = "appointments/my_requests.html"
    context_object_name = "appointments"
    paginate_by = PER_PAGE

    def get_queryset(self):
        return selectors.client_requests(client=self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if context["appointments"]:  # the page's own query: the navigation learns it has something to link to
            selectors.remember_has_requests(self.request.user.pk)
        return context


class ClientActionView(LoginRequiredMixin, View):
    """POST only: one of the client's own requests (404 for anyone else's), through one service."""

    http_method_names = ["post"]
    success_message = ""

    def perform(self, appointment: AppointmentRequest):
        raise NotImplementedError

    def post(self, request, *args, **kwargs):
        appointment = selectors.client_request(client=request.user, pk=self.kwargs["pk"])
        if appointment is None:
            raise Http404("No such request.")
        try:
            self.perform(appointment)
        except ValidationError as error:
            return refused(request, error, back=MINE)
        messages.success(request, self.success_message)
        return redirect(f"{MINE}#request-{appointment.pk}")


class RequestCancelView(ClientActionView):
    success_message = "Your request is cancelled. The therapist is told."

    def perform(self, appointment):
        return services.appointment_cancel(appointment=appointment, client=self.request.user)


class RequestTakeSuggestionView(ClientActionView):
    success_message = "The suggested time is agreed. The therapist is told."

    def perform(self, appointment):
        return services.appointment_take_suggestion(appointment=appointment, client=self.request.user)


def refused(request, error: ValidationError, *, back: str):
    """A short page saying why a one-button action was refused, with the way back, under its 4xx status."""
    return render(
        request,
        "appointments/refused.html",
        {"messages_list": error.messages, "back": back},
        status=refusal_status(error),
    )


@method_decorator(never_cache, name="dispatch")
class InboxView(OwnProfileMixin, ListView):
    """The requests the therapist's profile received, newest first, unanswered marked."""

    template_name = "appointments/inbox.html"
    context_object_name = "appointments"
    paginate_by = PER_PAGE

    def get_queryset(self):
        return selectors.inbox(therapist=self.therapist)

    def get_context_data(self, **kwargs):
        # The dashboard's count, afresh: it heals a flushed cache for the dashboard home.
        selectors.remember_unanswered_count(self.therapist.pk)
        return super().get_context_data(**kwargs)


class TherapistRequestMixin(LoginRequiredMixin):
    """One request to the signed-in user's own profile as `self.appointment`; 404 for everyone else."""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.therapist = own_profile(request.user)
        found = selectors.therapist_request(therapist=self.therapist, pk=self.kwargs["pk"]) if self.therapist else None
        if found is None:
            raise Http404("No such request.")
        self.appointment = found
        return super().dispatch(request, *args, **kwargs)


def on_moment(error: ValidationError) -> ValidationError:
    """The services name the time by what it becomes (agreed_at, proposed_at); the answer form has one field."""
    if not hasattr(error, "error_dict"):
        return error
    renamed = {
        ("moment" if name in ("agreed_at", "proposed_at") else name): errors
        for name, errors in error.error_dict.items()
    }
    return ValidationError(renamed)


@method_decorator(never_cache, name="dispatch")
class AnswerView(TherapistRequestMixin, ClientErrorStatusMixin, ServiceFormView):
    """The request in full, and the therapist's answer: accept at a time, suggest another, or decline."""

    form_class = AnswerForm
    template_name = "appointments/answer.html"
    success_url = INBOX

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "zone": selectors.practice_zone(self.therapist)}

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            appointment=self.appointment, therapist=self.therapist, outcome_form=OutcomeForm(), **kwargs
        )

    def perform(self, form):
        try:
            return self._answer(form.cleaned_data)
        except ValidationError as error:
            raise on_moment(error) from error

    def _answer(self, data: dict) -> AppointmentRequest:
        common = {"appointment": self.appointment, "therapist_user": self.request.user, "note": data["note"]}
        if data["answer"] == AnswerForm.ACCEPT:
            return services.appointment_accept(agreed_at=data["moment"], **common)
        if data["answer"] == AnswerForm.SUGGEST:
            return services.appointment_suggest(proposed_at=data["moment"], **common)
        return services.appointment_decline(reason=data["decline_reason"], **common)

    def get_success_message(self) -> str:
        return {
            AppointmentRequest.Status.ACCEPTED: "Accepted. The client is told the time.",
            AppointmentRequest.Status.SUGGESTED: "Your suggested time is sent to the client.",
            AppointmentRequest.Status.DECLINED: "Declined. The client is told why.",
        }[self.result.status]


class OutcomeView(TherapistRequestMixin, View):
    """POST only: after the agreed time, whether the visit took place."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        back = reverse("appointments:answer", args=[self.appointment.pk])
        form = OutcomeForm(request.POST)
        if not form.is_valid():
            return refused(request, ValidationError("Choose how the visit went.", code="invalid"), back=back)
        try:
            services.appointment_record_outcome(
                appointment=self.appointment, therapist_user=request.user, outcome=form.cleaned_data["outcome"]
            )
        except ValidationError as error:
            return refused(request, error, back=back)
        messages.success(request, "The visit's outcome is recorded.")
        return redirect(INBOX)


class ClientOutcomeView(ClientActionView):
    """POST only: once the site asked them, the client says whether the visit took place."""

    success_message = (
        "Thank you: your answer is recorded. If the visit took place, your invitation to review it is under your "
        "account."
    )

    def perform(self, appointment):
        form = OutcomeForm(self.request.POST)
        if not form.is_valid():
            raise ValidationError("Choose whether the visit took place or not.", code="invalid")
        return services.appointment_client_outcome(
            appointment=appointment, client=self.request.user, outcome=form.cleaned_data["outcome"]
        )
