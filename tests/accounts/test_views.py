"""Account pages: sign up, log in (by username or email) and out, the log-in throttle, password change and reset."""

import datetime
import re
from http import HTTPStatus

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

from ..factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "another-Good-passw0rd"


def _log_in(client, identifier: str, password: str = PASSWORD, address: str = "10.0.0.1"):
    return client.post(reverse("login"), {"username": identifier, "password": password}, REMOTE_ADDR=address)


def _fail(client, identifier, times, address="10.0.0.1"):
    for _ in range(times):
        _log_in(client, identifier, "wrong", address)


def _reset_password(client, email: str) -> None:
    """Ask for a reset link by email, follow it and choose NEW_PASSWORD."""
    response = client.post(reverse("password_reset"), {"email": email})
    assert response.status_code == HTTPStatus.FOUND and response.url == reverse("password_reset_done")
    link = re.search(r"http://testserver(/accounts/reset/\S+/)", mail.outbox[-1].body)[1]
    form_page = client.get(link, follow=True)
    assert form_page.status_code == HTTPStatus.OK and "Choose a new password" in form_page.content.decode()
    response = client.post(
        form_page.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert response.status_code == HTTPStatus.FOUND and response.url == reverse("password_reset_complete")


def test_signup_creates_an_account_and_logs_in(client):
    response = client.post(
        reverse("signup"),
        {"username": "maria", "email": "maria@example.com", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == HTTPStatus.FOUND and response.url == "/"
    user = get_user_model().objects.get(username="maria")
    assert user.email == "maria@example.com" and user.check_password(NEW_PASSWORD)
    assert client.session["_auth_user_id"] == str(user.pk)


def test_signup_follows_a_safe_next_only(client):
    data = {"username": "maria", "email": "m@example.com", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    response = client.post(reverse("signup") + "?next=https://evil.example/", data)
    assert response.url == "/"
    client.logout()
    data.update(username="maria2", email="m2@example.com", next="/therapists/")
    assert client.post(reverse("signup"), data).url == "/therapists/"


@pytest.mark.parametrize(
    "overrides",
    [
        {"email": ""},
        {"email": "not-an-email"},
        {"password2": "different-Passw0rd"},
        {"password1": "123", "password2": "123"},
        {"username": "taken"},
        {"email": "TAKEN@example.com"},
    ],
)
def test_signup_bad_input_is_a_form_error_that_keeps_the_input(client, overrides):
    UserFactory(username="taken", email="taken@example.com")
    data = {"username": "maria", "email": "maria@example.com", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    data.update(overrides)
    response = client.post(reverse("signup"), data)
    assert response.status_code == HTTPStatus.OK and response.context["form"].errors
    assert f'value="{data["username"]}"' in response.content.decode()
    assert get_user_model().objects.count() == 1


def test_signup_with_a_taken_email_in_another_case_says_so_on_the_email_field(client):
    UserFactory(username="taken", email="taken@example.com")
    data = {"username": "maria", "email": "Taken@Example.COM", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    response = client.post(reverse("signup"), data)
    assert response.status_code == HTTPStatus.OK
    assert response.context["form"].errors["email"] == [
        "An account with this email already exists. Log in, or reset your password."
    ]
    assert "An account with this email already exists." in response.content.decode()


def test_signup_page_labels_every_input(client):
    content = client.get(reverse("signup")).content.decode()
    for name in ("username", "email", "password1", "password2"):
        assert f'<label for="id_{name}"' in content
    assert "csrfmiddlewaretoken" in content


def test_signup_page_sends_a_signed_in_user_on(client):
    client.force_login(UserFactory())
    response = client.get(reverse("signup"), {"next": "/therapists/"})
    assert response.status_code == HTTPStatus.FOUND and response.url == "/therapists/"


def test_login_and_logout(client):
    user = UserFactory(username="lena")
    response = client.post(reverse("login"), {"username": "lena", "password": PASSWORD})
    assert response.status_code == HTTPStatus.FOUND
    assert client.session["_auth_user_id"] == str(user.pk)
    assert 'action="/accounts/logout/"' in client.get("/").content.decode()
    assert client.post(reverse("logout")).status_code == HTTPStatus.FOUND
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("typed", ["lena@example.com", "LENA@EXAMPLE.COM", "Lena@Example.com", " lena@example.com "])
def test_login_by_email_in_any_case(client, typed):
    user = UserFactory(username="lena", email="lena@example.com")
    response = _log_in(client, typed)
    assert response.status_code == HTTPStatus.FOUND
    assert client.session["_auth_user_id"] == str(user.pk)


def test_login_form_asks_for_username_or_email(client):
    content = client.get(reverse("login")).content.decode()
    assert "Username or email" in content


def test_login_wrong_password_is_a_form_error(client):
    UserFactory(username="lena")
    response = client.post(reverse("login"), {"username": "lena", "password": "wrong"})
    assert response.status_code == HTTPStatus.OK
    assert response.context["form"].non_field_errors()


def test_login_wrong_password_by_email_is_a_form_error(client):
    UserFactory(username="lena", email="lena@example.com")
    response = _log_in(client, "LENA@example.com", "wrong")
    assert response.status_code == HTTPStatus.OK
    assert response.context["form"].non_field_errors().as_data()[0].code == "invalid_login"
    assert "_auth_user_id" not in client.session


def test_login_throttle_refuses_an_account_after_ten_failures_even_with_the_right_password(client):
    UserFactory(username="lena")
    for i in range(10):
        address = f"10.0.0.{i}"  # spread over addresses: the account's own count trips
        _fail(client, "lena", 1, address)
    response = client.post(reverse("login"), {"username": "LENA", "password": PASSWORD}, REMOTE_ADDR="192.168.1.1")
    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert "Too many failed log-in attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_login_throttle_counts_failures_by_username_and_by_email_against_one_account(client):
    UserFactory(username="lena", email="lena@example.com")
    typed = ["lena", "lena@example.com", "LENA", "Lena@Example.com", "LENA@EXAMPLE.COM"] * 2
    for i, identifier in enumerate(typed):
        _fail(client, identifier, 1, f"10.0.1.{i}")  # spread over addresses: only the account's count trips
    for identifier in ("lena", "lena@example.com"):
        response = _log_in(client, identifier, address="192.168.1.1")
        assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert "_auth_user_id" not in client.session


def test_login_throttle_allows_nine_mixed_failures(client):
    UserFactory(username="lena", email="lena@example.com")
    for i, identifier in enumerate(["lena", "LENA@example.com", "Lena"] * 3):
        _fail(client, identifier, 1, f"10.0.2.{i}")
    assert _log_in(client, "lena@example.com", address="192.168.1.1").status_code == HTTPStatus.FOUND


def test_login_throttle_refuses_an_address_after_ten_failures(client):
    UserFactory(username="lena")
    for i in range(10):
        _fail(client, f"guess{i}", 1, "10.9.9.9")
    response = client.post(reverse("login"), {"username": "lena", "password": PASSWORD}, REMOTE_ADDR="10.9.9.9")
    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
    # The same account from another address still logs in.
    response = client.post(reverse("login"), {"username": "lena", "password": PASSWORD}, REMOTE_ADDR="10.1.1.1")
    assert response.status_code == HTTPStatus.FOUND


def test_login_throttle_allows_nine_failures(client):
    UserFactory(username="lena")
    _fail(client, "lena", 9)
    response = client.post(reverse("login"), {"username": "lena", "password": PASSWORD}, REMOTE_ADDR="10.0.0.1")
    assert response.status_code == HTTPStatus.FOUND


def test_login_throttle_lifts_after_the_lockout(client, today, time_machine, settings):
    UserFactory(username="lena")
    _fail(client, "lena", 10)
    refused = client.post(reverse("login"), {"username": "lena", "password": PASSWORD})
    assert refused.status_code == HTTPStatus.TOO_MANY_REQUESTS
    # One second before the window and the lockout (15 minutes each) end, still refused; then let in.
    lockout = max(settings.LOGIN_FAILURE_WINDOW_SECONDS, settings.LOGIN_LOCKOUT_SECONDS)
    time_machine.shift(datetime.timedelta(seconds=lockout - 1))
    assert _log_in(client, "lena", address="10.0.0.1").status_code == HTTPStatus.TOO_MANY_REQUESTS
    time_machine.shift(datetime.timedelta(seconds=2))
    response = client.post(reverse("login"), {"username": "lena", "password": PASSWORD}, REMOTE_ADDR="10.0.0.1")
    assert response.status_code == HTTPStatus.FOUND


def test_login_success_clears_the_accounts_count(client):
    UserFactory(username="lena", email="lena@example.com")
    for i in range(9):
        _fail(client, "lena", 1, f"10.0.3.{i}")
    assert _log_in(client, "lena@example.com", address="10.0.4.1").status_code == HTTPStatus.FOUND
    client.logout()
    for i in range(9):
        _fail(client, "LENA", 1, f"10.0.5.{i}")
    assert _log_in(client, "lena", address="10.0.4.2").status_code == HTTPStatus.FOUND


def test_password_change(client):
    user = UserFactory(username="lena")
    client.force_login(user)
    assert client.get(reverse("password_change")).status_code == HTTPStatus.OK
    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == HTTPStatus.FOUND and response.url == reverse("password_change_done")
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)


def test_password_change_needs_login(client):
    response = client.get(reverse("password_change"))
    assert response.status_code == HTTPStatus.FOUND and response.url.startswith(reverse("login"))


def test_password_reset_by_email_sets_a_new_password_and_lifts_a_lockout(client):
    user = UserFactory(username="lena", email="lena@example.com")
    _fail(client, "lena", 10)
    response = client.post(reverse("password_reset"), {"email": "lena@example.com"})
    assert response.status_code == HTTPStatus.FOUND and response.url == reverse("password_reset_done")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["lena@example.com"] and "Reset your Therapist Directory password" in message.subject
    link = re.search(r"http://testserver(/accounts/reset/\S+/)", message.body)[1]
    form_page = client.get(link, follow=True)
    assert form_page.status_code == HTTPStatus.OK and "Choose a new password" in form_page.content.decode()
    response = client.post(
        form_page.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert response.status_code == HTTPStatus.FOUND and response.url == reverse("password_reset_complete")
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    response = client.post(reverse("login"), {"username": "lena", "password": NEW_PASSWORD}, REMOTE_ADDR="10.5.5.5")
    assert response.status_code == HTTPStatus.FOUND


def test_password_reset_lifts_a_lockout_built_from_mixed_failures(client):
    UserFactory(username="lena", email="lena@example.com")
    for i, identifier in enumerate(["lena", "Lena@Example.com"] * 5):
        _fail(client, identifier, 1, f"10.0.6.{i}")
    assert _log_in(client, "lena", address="10.5.5.4").status_code == HTTPStatus.TOO_MANY_REQUESTS
    _reset_password(client, "LENA@example.com")
    for identifier in ("lena", "LENA@EXAMPLE.COM"):
        client.logout()
        assert _log_in(client, identifier, NEW_PASSWORD, address="10.5.5.5").status_code == HTTPStatus.FOUND


def test_password_reset_for_an_unknown_email_sends_nothing_and_says_the_same(client):
    response = client.post(reverse("password_reset"), {"email": "nobody@example.com"})
    assert response.status_code == HTTPStatus.FOUND and response.url == reverse("password_reset_done")
    assert mail.outbox == []


def test_nav_shows_signup_and_login_to_visitors_and_logout_to_members(client):
    content = client.get("/").content.decode()
    assert f'href="{reverse("signup")}"' in content and f'href="{reverse("login")}"' in content
    client.force_login(UserFactory())
    content = client.get("/").content.decode()
    assert f'href="{reverse("password_change")}"' in content and "Log out" in content
    assert f'href="{reverse("signup")}"' not in content
