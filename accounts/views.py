"""Account views: sign-up here; log-in, log-out and passwords are Django's own views."""

from http import HTTPStatus

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.forms.forms import NON_FIELD_ERRORS
from django.shortcuts import redirect, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.generic import CreateView

from common.throttles import login_throttle

from .forms import SignupForm, ThrottledAuthenticationForm


def _safe_next(request) -> str | None:
    candidate = request.POST.get("next") or request.GET.get("next")
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return None


class SignupView(CreateView):
    form_class = SignupForm
    template_name = "registration/signup.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            return redirect(_safe_next(request) or resolve_url(settings.LOGIN_REDIRECT_URL))
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["next"] = _safe_next(self.request) or ""
        return context

    def form_valid(self, form):
        user = form.save()
        login(self.request, user, backend="accounts.backends.UsernameOrEmailBackend")
        messages.success(self.request, f"Welcome, {user.get_username()}. Your account is ready.")
        return redirect(_safe_next(self.request) or resolve_url(settings.LOGIN_REDIRECT_URL))


class LoginView(auth_views.LoginView):
    form_class = ThrottledAuthenticationForm
    redirect_authenticated_user = True

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if form.has_error(NON_FIELD_ERRORS, code="throttled"):
            response.status_code = HTTPStatus.TOO_MANY_REQUESTS
        return response

    def form_valid(self, form):
        # A correct password clears the account's count; the address keeps its own.
        login_throttle().reset(f"account:{form.get_user().pk}")
        return super().form_valid(form)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    def form_valid(self, form):
        # Proving control of the mailbox lifts a lock-out on the account.
        login_throttle().reset(f"account:{form.user.pk}")
        return super().form_valid(form)
