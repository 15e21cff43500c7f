"""Account forms: sign-up with an email for password resets, and a log-in form that throttles guessing."""

from django import forms
from django.contrib.auth.forms import AuthenticationForm, UserCreationForm
from django.core.exceptions import ValidationError
from django.db.models import Q

from common.throttles import client_address, login_throttle

from .models import DUPLICATE_EMAIL_MESSAGE, User

THROTTLED_MESSAGE = (
    "Too many failed log-in attempts for this account or from your network. "
    "For your security, please wait %(minutes)s minutes before trying again, or reset your password."
)


def account_throttle_keys(identifier: str) -> list[str]:
    """The log-in throttle's keys for what was typed: each account it names, by username or email in any
    case, so guesses spread over spellings of one account all count against it."""
    identifier = identifier.strip()
    pks = User.objects.filter(Q(username__iexact=identifier) | Q(email__iexact=identifier)).values_list("pk", flat=True)
    return [f"account:{pk}" for pk in pks] or [f"account:{identifier.casefold()}"]


class SignupForm(UserCreationForm):
    email = forms.EmailField(
        label="Email",
        max_length=254,
        help_text="Used only to reset your password; never shown to anyone.",
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ["username", "email"]

    def clean_email(self):
        # The database constraint is the guard; this puts its message on the field, where the person looks.
        email = User.objects.normalize_email(self.cleaned_data["email"])
        if User.objects.with_email(email).exists():
            raise ValidationError(DUPLICATE_EMAIL_MESSAGE, code="duplicate_email")
        return email


class ThrottledAuthenticationForm(AuthenticationForm):
    """Refuses log-ins, right or wrong, once an account or an address has failed too often."""

    username = forms.CharField(
        label="Username or email",
        max_length=254,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )

    def _throttle_keys(self) -> list[str]:
        identifier = (self.data.get("username") or "").strip()
        keys = [f"address:{client_address(self.request)}"] if self.request is not None else []
        if identifier:
            keys += account_throttle_keys(identifier)
        return keys

    def clean(self):
        throttle = login_throttle()
        keys = self._throttle_keys()
        if throttle.is_blocked(*keys):
            raise ValidationError(
                THROTTLED_MESSAGE, code="throttled", params={"minutes": max(1, throttle.lockout // 60)}
            )
        try:
            return super().clean()
        except ValidationError:
            throttle.hit(*keys)
            raise
