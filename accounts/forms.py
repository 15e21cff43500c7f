"""Account forms: sign-up that never tells whether an email has an account; log-in forms (the site's and the
admin's) that throttle guessing per source, and ask staff who set up a second factor for its code."""

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm, UserCreationForm
from django.core.exceptions import ValidationError
from django.db.models import Q

from common.throttles import client_address, login_address_throttle, login_throttle

from . import selectors, services
from .models import User

THROTTLED_MESSAGE = (
    "Too many failed log-in attempts from your network. "
    "For your security, please wait %(minutes)s minutes before trying again, or reset your password."
)
CODE_REQUIRED_MESSAGE = "Enter the 6-digit code from your authenticator app, or one of your backup codes."
CODE_INVALID_MESSAGE = "That code is not right, or has been used. Enter a current code from your authenticator app."


def account_throttle_keys(identifier: str) -> list[str]:
    """The log-in throttle's keys for what was typed: each account it names, by username or email in any
    case, so guesses spread over spellings of one account all count against it."""
    identifier = identifier.strip()
    pks = User.objects.filter(Q(username__iexact=identifier) | Q(email__iexact=identifier)).values_list("pk", flat=True)
    return [f"account:{pk}" for pk in pks] or [f"account:{identifier.casefold()}"]


class SignupForm(UserCreationForm):
    """Username, email and password. A taken email is not an error here: the view answers as for a new one
    and the address is told (finding 7 of the security issue); the database constraint stays the guard."""

    email = forms.EmailField(
        label="Email",
        max_length=254,
        help_text="We send a link to confirm it; used for password resets, never shown to anyone.",
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ["username", "email"]

    def clean_email(self):
        return User.objects.normalize_email(self.cleaned_data["email"])

    def _get_validation_exclusions(self):
        # The email's uniqueness is answered by the view without a form error, so the model's constraints on
        # it are not run here; `services.account_sign_up` meets them in the database.
        exclusions = super()._get_validation_exclusions()
        exclusions.add("email")
        return exclusions


class ThrottledLoginMixin:
    """Counts each attempt before the password is checked, per source: the address on any account, and the
    pair (address, account). Refused sources never reach the password check; an account is never locked for
    its owner elsewhere (finding 5), who is emailed instead when failures pile up on it."""

    def _throttle_keys(self) -> tuple[list[str], list[str]]:
        address = client_address(self.request) if self.request is not None else "unknown"
        identifier = (self.data.get("username") or "").strip()
        accounts = account_throttle_keys(identifier) if identifier else []
        return [f"address:{address}"], [f"{address}|{account}" for account in accounts]

    def clean(self):
        addresses, pairs = self._throttle_keys()
        by_address, by_pair = login_address_throttle(), login_throttle()
        # Both are counted whatever the first says: an atomic increment each, then the check.
        allowed = by_address.allow(*addresses)
        allowed = by_pair.allow(*pairs) and allowed
        if not allowed:
            lockout = max(by_address.lockout or 0, by_pair.lockout or 0)
            raise ValidationError(THROTTLED_MESSAGE, code="throttled", params={"minutes": max(1, lockout // 60)})
        try:
            cleaned = super().clean()
        except ValidationError:
            identifier = (self.data.get("username") or "").strip()
            if identifier:
                services.login_failure_record(identifier=identifier)
            raise
        # A right password (and code) does not count against its source, and the pair starts afresh.
        by_address.release(*addresses)
        by_pair.reset(*pairs)
        return cleaned


class ThrottledAuthenticationForm(ThrottledLoginMixin, AuthenticationForm):
    username = forms.CharField(
        label="Username or email",
        max_length=254,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )


class AdminLoginForm(ThrottledLoginMixin, AdminAuthenticationForm):
    """The admin's log-in: the same throttle as the site's, then the second factor for whoever has one (and,
    with STAFF_TWO_FACTOR_REQUIRED, the admin sends staff without one to set it up)."""

    username = forms.CharField(
        label="Username or email",
        max_length=254,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )
    otp_token = forms.CharField(
        label="Authentication code",
        required=False,
        max_length=32,
        help_text="Only if you have turned on two-factor authentication.",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if not selectors.two_factor_enabled(user):
            return
        token = (self.cleaned_data.get("otp_token") or "").strip()
        if not token:
            raise ValidationError(CODE_REQUIRED_MESSAGE, code="token_required")
        device = services.two_factor_verify(user=user, token=token)
        if device is None:
            raise ValidationError(CODE_INVALID_MESSAGE, code="invalid_token")
        # django-otp marks the session verified when the user logs in carrying the device that matched.
        user.otp_device = device


class TwoFactorCodeForm(forms.Form):
    token = forms.CharField(
        label="Code",
        max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )

    def __init__(self, *args, user, device=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user, self.device = user, device

    def clean_token(self):
        token = self.cleaned_data["token"].strip()
        if self.device is not None:
            matched = self.device if services.two_factor_check(device=self.device, token=token) else None
        else:
            matched = services.two_factor_verify(user=self.user, token=token)
        if matched is None:
            raise ValidationError(CODE_INVALID_MESSAGE, code="invalid_token")
        self.matched_device = matched
        return token


class PublicNameForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["display_name", "first_name", "last_name"]
