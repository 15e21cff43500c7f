"""Account reads: whether a person has a second factor, and which devices hold it."""

from django_otp import devices_for_user, user_has_device
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice


def two_factor_enabled(user) -> bool:
    """A confirmed authenticator app (or backup codes) on the account: the admin asks for a code."""
    return user.is_authenticated and user_has_device(user, confirmed=True)


def two_factor_pending_device(user) -> TOTPDevice | None:
    """The authenticator being set up: shown as a QR code until a code from it confirms it."""
    return TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()


def two_factor_backup_codes_left(user) -> int:
    device = StaticDevice.objects.filter(user=user, confirmed=True).first()
    return device.token_set.count() if device else 0


def two_factor_devices(user) -> list:
    return list(devices_for_user(user, confirmed=True))
