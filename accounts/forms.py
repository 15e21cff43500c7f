"""Account forms: sign-up with an email for password resets, and a log-in form that throttles guessing."""

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm, UserCreationForm
from django.core.exceptions import ValidationError

from .throttling import client_address, login_throttle

THROTTLED_MESSAGE = (
    "Too many failed log-in attempts for this account or from your network. "
    "For your security, please wait %(minutes)s minutes before trying again, or reset your password."
)


class SignupForm(UserCreationForm):
    email = forms.EmailField(
        label="Email",
        max_length=254,
        help_text="Used only to reset your password; never shown to anyone.",
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    class Meta(UserCreationForm.Meta):
        model = get_user_model()
        fields = ["username", "email"]

    def clean_email(self):
        email = get_user_model().objects.normalize_email(self.cleaned_data["email"])
        if get_user_model().objects.filter(email__iexact=email).exists():
            raise ValidationError(
                "An account with this email already exists. Log in, or reset your password.", code="duplicate_email"
            )
        return email


class ThrottledAuthenticationForm(AuthenticationForm):
    """Refuses log-ins, right or wrong, once an account or an address has failed too often."""

    def _throttle_keys(self) -> list[str]:
        username = (self.data.get("username") or "").strip().casefold()
        keys = [f"address:{client_address(self.request)}"] if self.request is not None else []
        if username:
            keys.append(f"account:{username}")
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
