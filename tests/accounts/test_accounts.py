"""Accounts with Django's own auth: sign up, log in and out, password change and reset."""

import os
import re
import time
from http import HTTPStatus

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.cache.backends import locmem
from django.urls import reverse

from ..factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "another-Good-passw0rd"


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


def test_signup_page_labels_every_input(client):
    content = client.get(reverse("signup")).content.decode()
    for name in ("username", "email", "password1", "password2"):
        assert f'<label for="id_{name}"' in content
    assert "csrfmiddlewaretoken" in content


def test_login_and_logout(client):
    user = UserFactory(username="lena")
    response = client.post(reverse("login"), {"username": "lena", "password": PASSWORD})
    assert response.status_code == HTTPStatus.FOUND
    assert client.session["_auth_user_id"] == str(user.pk)
    assert 'action="/accounts/logout/"' in client.get("/").content.decode()
    assert client.post(reverse("logout")).status_code == HTTPStatus.FOUND
    assert "_auth_user_id" not in client.session


def test_login_wrong_password_is_a_form_error(client):
    UserFactory(username="lena")
    response = client.post(reverse("login"), {"username": "lena", "password": "wrong"})
    assert response.status_code == HTTPStatus.OK
    assert response.context["form"].non_field_errors()


def _fail(client, username, times, address="10.0.0.1"):
    for _ in range(times):
        client.post(reverse("login"), {"username": username, "password": "wrong"}, REMOTE_ADDR=address)


def test_login_throttle_refuses_an_account_after_ten_failures_even_with_the_right_password(client):
    UserFactory(username="lena")
    for i in range(10):
        address = f"10.0.0.{i}"  # spread over addresses: the account's own count trips
        _fail(client, "lena", 1, address)
    response = client.post(reverse("login"), {"username": "LENA", "password": PASSWORD}, REMOTE_ADDR="192.168.1.1")
    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert "Too many failed log-in attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


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


def test_login_throttle_lifts_after_the_lockout(client, monkeypatch):
    UserFactory(username="lena")
    _fail(client, "lena", 10)
    refused = client.post(reverse("login"), {"username": "lena", "password": PASSWORD})
    assert refused.status_code == HTTPStatus.TOO_MANY_REQUESTS
    # Move the cache's clock past the window and the lockout (15 minutes each).
    later = time.time() + 15 * 60 + 1
    monkeypatch.setattr(locmem.time, "time", lambda: later)
    response = client.post(reverse("login"), {"username": "lena", "password": PASSWORD}, REMOTE_ADDR="10.0.0.1")
    assert response.status_code == HTTPStatus.FOUND


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


def test_password_reset_for_an_unknown_email_sends_nothing_and_says_the_same(client):
    response = client.post(reverse("password_reset"), {"email": "nobody@example.com"})
    assert response.status_code == HTTPStatus.FOUND and response.url == reverse("password_reset_done")
    assert mail.outbox == []


@pytest.mark.skipif("EMAIL_BACKEND" in os.environ, reason="the environment chooses the mail backend")
def test_mail_goes_to_the_console_by_default():
    from config.settings import base

    assert base.EMAIL_BACKEND == "django.core.mail.backends.console.EmailBackend"


def test_nav_shows_signup_and_login_to_visitors_and_logout_to_members(client):
    content = client.get("/").content.decode()
    assert f'href="{reverse("signup")}"' in content and f'href="{reverse("login")}"' in content
    client.force_login(UserFactory())
    content = client.get("/").content.decode()
    assert f'href="{reverse("password_change")}"' in content and "Log out" in content
    assert f'href="{reverse("signup")}"' not in content


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "6.6.6.6", "10.0.0.1"),  # no proxy: the header is the client's claim, ignored
        (1, "6.6.6.6, 203.0.113.9", "203.0.113.9"),  # one proxy: its view of the client
        (2, "6.6.6.6, 203.0.113.9, 10.0.0.2", "203.0.113.9"),
        (2, "203.0.113.9", "10.0.0.1"),  # fewer entries than proxies: fall back to REMOTE_ADDR
    ],
)
def test_client_address_trusts_only_the_configured_proxies(rf, settings, proxies, forwarded, expected):
    from common.throttles import client_address

    settings.TRUSTED_PROXY_COUNT = proxies
    request = rf.get("/", HTTP_X_FORWARDED_FOR=forwarded, REMOTE_ADDR="10.0.0.1")
    assert client_address(request) == expected
