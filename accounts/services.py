"""Account writes: sign-up and the confirmed email, the owner's alert on failed log-ins, the second factor."""

import base64
import enum

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from common.email import send_email
from common.throttles import login_alert_throttle

from .models import User

EMAIL_CONFIRMATION_SALT = "accounts.email-confirmation"
BACKUP_CODE_COUNT = 10
USERNAME_TAKEN_MESSAGE = "A user with that username already exists."


class ConfirmationProblem(enum.StrEnum):
    """Why a confirmation link did not confirm: each has its own page, none is a server error."""

    INVALID = "invalid"
    EXPIRED = "expired"
    USED = "used"


class EmailConfirmationError(Exception):
    def __init__(self, problem: ConfirmationProblem, user: User | None = None):
        super().__init__(problem.value)
        self.problem, self.user = problem, user


def _password_reset_link(user: User) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    return reverse("password_reset_confirm", kwargs={"uidb64": uid, "token": default_token_generator.make_token(user)})


def account_sign_up(*, username: str, email: str, password: str) -> User | None:
    """Create an account and send its confirmation link; or, when the email already has an account, create
    nothing and tell that address instead. The caller answers both the same way, so a sign-up never says
    whether an address is known. Returns the new account, or None."""
    existing = User.objects.with_email(email).first()
    if existing is None:
        user = User(username=username, email=email)
        user.set_password(password)
        user.full_clean(exclude=["password"], validate_constraints=False)
        try:
            with transaction.atomic():
                user.save()
                email_confirmation_send(user=user)
            return user
        except IntegrityError:
            # A simultaneous sign-up took the email or the username between the check and the insert.
            existing = User.objects.with_email(email).first()
            if existing is None:
                raise ValidationError({"username": USERNAME_TAKEN_MESSAGE}, code="unique") from None
    else:
        # Hash anyway, so a known email takes as long to answer as a new account.
        User().set_password(password)
    send_email(
        to=existing.email,
        template="account_signup_existing",
        context={"user": existing, "reset_link": _password_reset_link(existing)},
    )
    return None


def email_confirmation_token(user: User) -> str:
    """A signed, timestamped token naming the account and its current email: a changed email voids it."""
    return signing.dumps({"user": user.pk, "email": user.email.casefold()}, salt=EMAIL_CONFIRMATION_SALT)


def email_confirmation_send(*, user: User) -> None:
    """Email the one-time link that confirms the account's address (the console shows it in development)."""
    link = reverse("email_confirm", kwargs={"token": email_confirmation_token(user)})
    days = max(1, settings.EMAIL_CONFIRMATION_MAX_AGE_SECONDS // 86400)
    send_email(to=user.email, template="account_confirm_email", context={"user": user, "link": link, "days": days})


def _confirmation_payload(token: str) -> dict:
    try:
        payload = signing.loads(
            token, salt=EMAIL_CONFIRMATION_SALT, max_age=settings.EMAIL_CONFIRMATION_MAX_AGE_SECONDS
        )
    except signing.SignatureExpired:
        raise EmailConfirmationError(ConfirmationProblem.EXPIRED) from None
    except signing.BadSignature:
        raise EmailConfirmationError(ConfirmationProblem.INVALID) from None
    if not isinstance(payload, dict) or not isinstance(payload.get("user"), int):
        raise EmailConfirmationError(ConfirmationProblem.INVALID)
    return payload


def _confirmable(user: User | None, payload: dict) -> User:
    if user is None or user.email.casefold() != payload.get("email"):
        raise EmailConfirmationError(ConfirmationProblem.INVALID)
    if user.has_confirmed_email:
        raise EmailConfirmationError(ConfirmationProblem.USED, user)
    return user


def email_confirmation_check(*, token: str) -> User:
    """The account a confirmation link would confirm; raises EmailConfirmationError as `email_confirm` does."""
    payload = _confirmation_payload(token)
    return _confirmable(User.objects.filter(pk=payload["user"]).first(), payload)


def email_confirm(*, token: str) -> User:
    """Follow a confirmation link: set `email_confirmed_at` once. Raises EmailConfirmationError when the link
    is forged, expired, already used, or names an email the account no longer has."""
    payload = _confirmation_payload(token)
    with transaction.atomic():
        user = _confirmable(User.objects.select_for_update().filter(pk=payload["user"]).first(), payload)
        user.email_confirmed_at = timezone.now()
        user.save(update_fields=["email_confirmed_at"])
    return user


def login_failure_record(*, identifier: str) -> None:
    """Count a failed log-in against the account it names. The account is never locked by it (anyone could
    lock anyone out); at LOGIN_ALERT_FAILURES in a window its owner is emailed once."""
    user = User.objects.for_login(identifier)
    if user is None:
        return
    if login_alert_throttle().count(f"account:{user.pk}") == settings.LOGIN_ALERT_FAILURES:
        send_email(
            to=user.email,
            template="account_login_failures",
            context={
                "user": user,
                "failures": settings.LOGIN_ALERT_FAILURES,
                "minutes": settings.LOGIN_FAILURE_WINDOW_SECONDS // 60,
                "reset_path": reverse("password_reset"),
            },
        )


def _device_for(user: User, token: str):
    """The device a code is meant for: six digits are the authenticator's, anything else a backup code. Only
    that device is tried, so a wrong code never counts against (and throttles) the other."""
    model = TOTPDevice if token.isdigit() and len(token) == 6 else StaticDevice
    return model.objects.filter(user=user, confirmed=True).first()


def two_factor_check(*, device, token: str) -> bool:
    """Verify a code on one device. django-otp's own throttling (a growing delay after each wrong code, in the
    database) applies, besides the log-in throttle's."""
    token = token.strip().replace(" ", "").lower()
    with transaction.atomic():
        device = type(device).objects.select_for_update().get(pk=device.pk)
        return device.verify_token(token)


def two_factor_verify(*, user: User, token: str):
    """The confirmed device that accepts this code, or None."""
    token = token.strip().replace(" ", "").lower()
    device = _device_for(user, token)
    if device is None or not two_factor_check(device=device, token=token):
        return None
    return device


def two_factor_start(*, user: User) -> TOTPDevice:
    """The authenticator being set up (a new secret unless one is already waiting for its first code)."""
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).first()
        device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
        if device is None:
            device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)
    return device


def two_factor_confirm(*, user: User, device: TOTPDevice) -> list[str]:
    """Turn the second factor on once a code from the new authenticator was right; returns the backup codes,
    shown once. Any earlier authenticator and backup codes are replaced."""
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).first()
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        StaticDevice.objects.filter(user=user).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        backup = StaticDevice.objects.create(user=user, name="Backup codes", confirmed=True)
        codes = [StaticToken.random_token() for _ in range(BACKUP_CODE_COUNT)]
        StaticToken.objects.bulk_create([StaticToken(device=backup, token=code) for code in codes])
    return codes


def two_factor_disable(*, user: User) -> None:
    """Turn the second factor off: every authenticator and backup code of the account goes."""
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()


def two_factor_secret(device: TOTPDevice) -> str:
    """The authenticator's secret as apps ask for it when typed in by hand (base32, in groups of four)."""
    secret = base64.b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def backup_code_display(code: str) -> str:
    """Backup codes in two groups, easier to copy by hand; typing them either way works."""
    return f"{code[:4]} {code[4:]}" if len(code) > 4 else code
