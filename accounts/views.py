"""Account views: sign-up and the confirmed email, log-in, password reset (throttled), the account page and
the second factor for staff. Log-out and password change are Django's own views."""

from http import HTTPStatus

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import LoginRequiredMixin, UserPassesTestMixin
from django.core.exceptions import ValidationError
from django.forms.forms import NON_FIELD_ERRORS
from django.shortcuts import redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View
from django.views.generic import FormView, TemplateView
from django_otp import login as otp_login

from common.forms import add_service_error
from common.throttles import (
    client_address,
    email_confirmation_throttle,
    password_reset_address_throttle,
    password_reset_email_throttle,
    signup_throttle,
)

from . import selectors, services
from .forms import (
    PublicNameForm,
    SignupForm,
    ThrottledAuthenticationForm,
    TwoFactorCodeForm,
    account_throttle_keys,
)

SIGNUP_THROTTLED_MESSAGE = "Too many accounts were created from your network recently. Please try again in an hour."
RESET_THROTTLED_MESSAGE = (
    "Too many password reset emails were asked for, for this account or from your network. "
    "Check your inbox (and spam folder) for the last one, or try again in an hour."
)
# The session remembers who signed up in this browser, so following the link here also logs them in.
SIGNUP_SESSION_KEY = "signup_pending"


def _safe_next(request) -> str | None:
    candidate = request.POST.get("next") or request.GET.get("next")
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return None


def _too_many(view, form, message: str):
    form.add_error(None, ValidationError(message, code="throttled"))
    response = view.form_invalid(form)
    response.status_code = HTTPStatus.TOO_MANY_REQUESTS
    return response


class SignupView(FormView):
    """Create an account, or (email already known) tell that address: both answer "check your inbox"."""

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
        throttle, address = signup_throttle(), f"address:{client_address(self.request)}"
        if not throttle.allow(address):
            return _too_many(self, form, SIGNUP_THROTTLED_MESSAGE)
        try:
            user = services.account_sign_up(
                username=form.cleaned_data["username"],
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password1"],
            )
        except ValidationError as error:
            throttle.release(address)
            add_service_error(form, error)
            return self.form_invalid(form)
        # Written in both cases, so the two answers look alike down to the session cookie.
        self.request.session[SIGNUP_SESSION_KEY] = {
            "user": user.pk if user else None,
            "next": _safe_next(self.request) or "",
        }
        return redirect("signup_done")


class SignupDoneView(TemplateView):
    template_name = "registration/signup_done.html"


class EmailConfirmView(View):
    """GET shows the link's state and a button (mail scanners that open links confirm nothing); POST confirms."""

    def get(self, request, token):
        try:
            payload_user = services.email_confirmation_check(token=token)
        except services.EmailConfirmationError as error:
            return self._problem(request, error)
        return render(request, "accounts/email_confirm.html", {"confirm_user": payload_user, "token": token})

    def post(self, request, token):
        try:
            user = services.email_confirm(token=token)
        except services.EmailConfirmationError as error:
            return self._problem(request, error)
        pending = request.session.pop(SIGNUP_SESSION_KEY, None) or {}
        if not request.user.is_authenticated and pending.get("user") == user.pk:
            login(request, user, backend="accounts.backends.UsernameOrEmailBackend")
            messages.success(request, f"Welcome, {user.get_username()}. Your email is confirmed: you are all set.")
            return redirect(pending.get("next") or resolve_url(settings.LOGIN_REDIRECT_URL))
        messages.success(request, "Your email is confirmed.")
        return redirect("account" if request.user.is_authenticated else "login")

    def _problem(self, request, error):
        status = HTTPStatus.BAD_REQUEST if error.problem == services.ConfirmationProblem.INVALID else HTTPStatus.GONE
        return render(request, "accounts/email_confirm_problem.html", {"problem": error.problem.value}, status=status)


class EmailConfirmSendView(LoginRequiredMixin, View):
    """A new confirmation link on request, a few per hour at most."""

    def post(self, request):
        user = request.user
        if user.has_confirmed_email:
            messages.info(request, "Your email is already confirmed.")
        elif not email_confirmation_throttle().allow(f"user:{user.pk}"):
            messages.error(request, "We have sent several links already. Check your inbox, or try again in an hour.")
        else:
            services.email_confirmation_send(user=user)
            messages.success(request, f"We have sent a new link to {user.email}.")
        return redirect("account")


class AccountView(LoginRequiredMixin, FormView):
    """The account page: email and its confirmation, the public name, the password, the second factor."""

    template_name = "accounts/account.html"
    form_class = PublicNameForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.request.user}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["two_factor_enabled"] = selectors.two_factor_enabled(self.request.user)
        return context

    def form_valid(self, form):
        form.save()
        messages.success(self.request, "Your public name is saved.")
        return redirect("account")


class LoginView(auth_views.LoginView):
    form_class = ThrottledAuthenticationForm
    redirect_authenticated_user = True

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if form.has_error(NON_FIELD_ERRORS, code="throttled"):
            response.status_code = HTTPStatus.TOO_MANY_REQUESTS
        return response


class PasswordResetView(auth_views.PasswordResetView):
    """Django's reset, counted per client address and per account like log-in: an account counts once however
    it is named (its email in any case, or a username typed here), an unknown email by itself. The answer is
    the same whether or not the email has an account: the limits apply to every email alike, and both reach the
    same "check your email" page, or the same refusal."""

    def form_valid(self, form):
        by_address, by_account = password_reset_address_throttle(), password_reset_email_throttle()
        allowed = by_address.allow(f"address:{client_address(self.request)}")
        allowed = by_account.allow(*account_throttle_keys(form.cleaned_data["email"])) and allowed
        if not allowed:
            return _too_many(self, form, RESET_THROTTLED_MESSAGE)
        return super().form_valid(form)


class StaffRequiredMixin(LoginRequiredMixin, UserPassesTestMixin):
    def test_func(self):
        return self.request.user.is_staff


class TwoFactorView(StaffRequiredMixin, View):
    """Staff turn on a second factor (an authenticator app, with backup codes), or off with a code."""

    template_name = "accounts/two_factor.html"

    def get(self, request):
        return self._render(request, TwoFactorCodeForm(user=request.user))

    def post(self, request):
        user = request.user
        if selectors.two_factor_enabled(user):
            form = TwoFactorCodeForm(request.POST, user=user)
            if not form.is_valid():
                return self._render(request, form, status=HTTPStatus.BAD_REQUEST)
            services.two_factor_disable(user=user)
            messages.success(request, "Two-factor authentication is off. The admin no longer asks for a code.")
            return redirect("two_factor")
        device = services.two_factor_start(user=user)
        form = TwoFactorCodeForm(request.POST, user=user, device=device)
        if not form.is_valid():
            return self._render(request, form, status=HTTPStatus.BAD_REQUEST)
        codes = services.two_factor_confirm(user=user, device=device)
        otp_login(request, device)  # this session has just proved the code
        return render(
            request,
            "accounts/two_factor_backup_codes.html",
            {"codes": [services.backup_code_display(code) for code in codes], "next": _safe_next(request) or ""},
        )

    def _render(self, request, form, status=HTTPStatus.OK):
        user = request.user
        context = {"form": form, "enabled": selectors.two_factor_enabled(user), "next": _safe_next(request) or ""}
        if not context["enabled"]:
            device = services.two_factor_start(user=user)
            context["secret"] = services.two_factor_secret(device)
            context["qr_svg"] = segno.make(device.config_url, error="m").svg_inline(scale=4, title="QR code")
        else:
            context["backup_codes_left"] = selectors.two_factor_backup_codes_left(user)
        return render(request, self.template_name, context, status=status)
