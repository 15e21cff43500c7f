"""Account services: sign-up (a taken email tells its owner; one account under a race), the confirmation link,
the owner's alert on failed log-ins, the second factor's devices."""

import base64
import datetime
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connections
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import services
from accounts.models import User

from ..factories import UserFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "another-Good-passw0rd"


def test_account_sign_up_creates_the_account_and_queues_its_confirmation(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        user = services.account_sign_up(username="maria", email="maria@example.com", password=NEW_PASSWORD)
    assert user.check_password(NEW_PASSWORD) and user.email_confirmed_at is None
    (message,) = mail.outbox
    assert message.to == ["maria@example.com"] and "/accounts/email/confirm/" in message.body


def test_account_sign_up_with_a_taken_email_creates_nothing_and_tells_the_owner(django_capture_on_commit_callbacks):
    owner = UserFactory(username="lena", email="lena@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        assert services.account_sign_up(username="maria", email="LENA@example.com", password=NEW_PASSWORD) is None
    assert list(User.objects.all()) == [owner]
    (message,) = mail.outbox
    assert message.to == ["lena@example.com"] and "/accounts/reset/" in message.body


def test_account_sign_up_refuses_a_taken_username_as_a_validation_error():
    UserFactory(username="maria")
    with pytest.raises(ValidationError) as excinfo:
        services.account_sign_up(username="maria", email="other@example.com", password=NEW_PASSWORD)
    assert "username" in excinfo.value.error_dict


@pytest.mark.django_db(transaction=True)
def test_account_sign_up_simultaneous_sign_ups_with_one_email_give_one_account():
    """Finding 7's race: the constraint holds, and no sign-up fails with a server error."""
    start = threading.Barrier(8)

    def sign_up(i):
        try:
            start.wait()
            user = services.account_sign_up(username=f"maria{i}", email="Maria@example.com", password=NEW_PASSWORD)
            return user is not None
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=8) as pool:
        created = list(pool.map(sign_up, range(8)))
    assert created.count(True) == 1
    assert User.objects.with_email("maria@example.com").count() == 1


def test_email_confirm_sets_the_time_once(today):
    user = UserFactory(username="lena")
    token = services.email_confirmation_token(user)
    assert services.email_confirmation_check(token=token) == user
    confirmed = services.email_confirm(token=token)
    assert confirmed.has_confirmed_email and confirmed.email_confirmed_at.date() == today
    with pytest.raises(services.EmailConfirmationError) as excinfo:
        services.email_confirm(token=token)
    assert excinfo.value.problem == services.ConfirmationProblem.USED


@pytest.mark.parametrize(
    ("tamper", "problem"),
    [
        (lambda token: token + "x", services.ConfirmationProblem.INVALID),
        (lambda token: "", services.ConfirmationProblem.INVALID),
        (lambda token: token.replace(":", "", 1), services.ConfirmationProblem.INVALID),
    ],
)
def test_email_confirm_refuses_a_tampered_token(tamper, problem):
    user = UserFactory(username="lena")
    with pytest.raises(services.EmailConfirmationError) as excinfo:
        services.email_confirm(token=tamper(services.email_confirmation_token(user)))
    assert excinfo.value.problem == problem
    user.refresh_from_db()
    assert not user.has_confirmed_email


def test_email_confirm_expires(today, time_machine, settings):
    token = services.email_confirmation_token(UserFactory(username="lena"))
    time_machine.shift(datetime.timedelta(seconds=settings.EMAIL_CONFIRMATION_MAX_AGE_SECONDS - 1))
    services.email_confirmation_check(token=token)
    time_machine.shift(datetime.timedelta(seconds=2))
    with pytest.raises(services.EmailConfirmationError) as excinfo:
        services.email_confirm(token=token)
    assert excinfo.value.problem == services.ConfirmationProblem.EXPIRED


def test_email_confirm_a_token_for_another_email_is_invalid():
    user = UserFactory(username="lena")
    token = services.email_confirmation_token(user)
    User.objects.filter(pk=user.pk).update(email="new@example.com")
    with pytest.raises(services.EmailConfirmationError) as excinfo:
        services.email_confirm(token=token)
    assert excinfo.value.problem == services.ConfirmationProblem.INVALID


def test_login_failure_record_emails_the_owner_once_per_window(settings, django_capture_on_commit_callbacks):
    settings.LOGIN_ALERT_FAILURES = 3
    UserFactory(username="lena", email="lena@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(7):
            services.login_failure_record(identifier="LENA@example.com")
        services.login_failure_record(identifier="nobody")
    (alert,) = mail.outbox
    assert alert.to == ["lena@example.com"] and "3 failed attempts" in alert.body


def test_two_factor_confirm_turns_on_the_device_with_ten_backup_codes():
    user = UserFactory(username="staffer", is_staff=True)
    device = services.two_factor_start(user=user)
    assert services.two_factor_start(user=user) == device  # the one waiting for its first code
    codes = services.two_factor_confirm(user=user, device=device)
    assert len(set(codes)) == 10
    assert TOTPDevice.objects.get(pk=device.pk).confirmed
    assert StaticDevice.objects.get(user=user).token_set.count() == 10


def test_two_factor_verify_tries_only_the_device_the_code_is_for(today, time_machine):
    user = UserFactory(username="staffer", is_staff=True)
    device = services.two_factor_start(user=user)
    codes = services.two_factor_confirm(user=user, device=device)
    code = f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"
    assert services.two_factor_verify(user=user, token=code) == device
    assert services.two_factor_verify(user=user, token="zzzzzzzz") is None
    # The wrong backup code was held against the backup codes only, never against the authenticator.
    assert TOTPDevice.objects.get(pk=device.pk).throttling_failure_count == 0
    time_machine.shift(datetime.timedelta(seconds=2))  # django-otp's delay after the wrong code
    backup = services.two_factor_verify(user=user, token=services.backup_code_display(codes[0]).upper())
    assert isinstance(backup, StaticDevice)


def test_two_factor_disable_removes_every_device():
    user = UserFactory(username="staffer", is_staff=True)
    device = services.two_factor_start(user=user)
    services.two_factor_confirm(user=user, device=device)
    services.two_factor_disable(user=user)
    assert not TOTPDevice.objects.filter(user=user).exists() and not StaticDevice.objects.filter(user=user).exists()


def test_two_factor_secret_is_the_devices_key_in_base32_groups():
    device = services.two_factor_start(user=UserFactory(username="staffer", is_staff=True))
    secret = services.two_factor_secret(device)
    assert base64.b32decode(secret.replace(" ", "")) == device.bin_key
