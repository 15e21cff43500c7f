"""UsernameOrEmailBackend: log in with a username, or with an email in any case; a username wins a tie."""

import pytest
from django.contrib.auth import authenticate

from ..factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

OTHER_PASSWORD = "another-Good-passw0rd"


def test_username_or_email_backend_is_the_only_backend(settings):
    assert settings.AUTHENTICATION_BACKENDS == ["accounts.backends.UsernameOrEmailBackend"]


def test_username_or_email_backend_logs_in_by_username():
    lena = UserFactory(username="lena")
    assert authenticate(username="lena", password=PASSWORD) == lena


@pytest.mark.parametrize("typed", ["lena@example.com", "LENA@EXAMPLE.COM", "Lena@example.Com", "  lena@example.com"])
def test_username_or_email_backend_logs_in_by_email_in_any_case(typed):
    lena = UserFactory(username="lena", email="lena@example.com")
    assert authenticate(username=typed, password=PASSWORD) == lena


def test_username_or_email_backend_refuses_a_wrong_password_by_email_or_username():
    UserFactory(username="lena", email="lena@example.com")
    assert authenticate(username="LENA@example.com", password="wrong") is None
    assert authenticate(username="lena", password="wrong") is None


def test_username_or_email_backend_a_username_equal_to_another_accounts_email_logs_in_its_owner():
    named = UserFactory(username="shared@example.com", email="named@example.com")
    emailed = UserFactory(username="bee", email="shared@example.com", password=OTHER_PASSWORD)
    assert authenticate(username="shared@example.com", password=PASSWORD) == named
    # The name is the username's: the other account's password does not open it, and that account logs in
    # by its own username instead.
    assert authenticate(username="shared@example.com", password=OTHER_PASSWORD) is None
    assert authenticate(username="bee", password=OTHER_PASSWORD) == emailed


def test_username_or_email_backend_refuses_inactive_unknown_and_incomplete_log_ins():
    UserFactory(username="gone", email="gone@example.com", is_active=False)
    assert authenticate(username="gone@example.com", password=PASSWORD) is None
    assert authenticate(username="nobody@example.com", password=PASSWORD) is None
    assert authenticate(username="gone") is None
    assert authenticate(password=PASSWORD) is None
