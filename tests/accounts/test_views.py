"""Account pages: sign up, log in (by username or email) and out, the log-in throttle, password change and reset."""

import datetime
import re
from http import HTTPStatus

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
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


@pytest.fixture
def mailing(django_capture_on_commit_callbacks):
    """Run one request, then the emails its writes left for after the commit (the test's transaction never
    commits)."""

    def run(call, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return call(*args, **kwargs)

    return run


SIGNUP = {"username": "maria", "email": "maria@example.com", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}


def _confirmation_path(message) -> str:
    return re.search(r"http://localhost:8000(/accounts/email/confirm/\S+/)", message.body)[1]


def test_signup_creates_an_unconfirmed_account_and_sends_the_confirmation_link(client, mailing):
    """Changed by the security issue (findings 3 and 7): sign-up answers "check your inbox" and logs in only once
    the link is followed."""
    response = mailing(client.post, reverse("signup"), SIGNUP)
    assert response.status_code == HTTPStatus.FOUND and response.url == reverse("signup_done")
    user = get_user_model().objects.get(username="maria")
    assert user.email == "maria@example.com" and user.check_password(NEW_PASSWORD)
    assert not user.has_confirmed_email and "_auth_user_id" not in client.session
    (message,) = mail.outbox
    assert message.to == ["maria@example.com"] and message.subject == "Confirm your email for Therapist Directory"
    assert "Check your email" in client.get(response.url).content.decode()


def test_signup_following_the_link_in_the_same_browser_confirms_logs_in_and_goes_on(client, mailing):
    mailing(client.post, reverse("signup") + "?next=/therapists/", {**SIGNUP, "next": "/therapists/"})
    path = _confirmation_path(mail.outbox[-1])
    page = client.get(path)
    assert page.status_code == HTTPStatus.OK and "Confirm my email" in page.content.decode()
    response = client.post(path)
    assert response.status_code == HTTPStatus.FOUND and response.url == "/therapists/"
    user = get_user_model().objects.get(username="maria")
    assert user.has_confirmed_email and client.session["_auth_user_id"] == str(user.pk)


def test_signup_following_the_link_in_another_browser_confirms_without_logging_in(client, mailing):
    mailing(client.post, reverse("signup"), SIGNUP)
    other = Client()
    response = other.post(_confirmation_path(mail.outbox[-1]))
    assert response.status_code == HTTPStatus.FOUND and response.url == reverse("login")
    assert get_user_model().objects.get(username="maria").has_confirmed_email
    assert "_auth_user_id" not in other.session


def test_signup_follows_a_safe_next_only(client, mailing):
    mailing(client.post, reverse("signup") + "?next=https://evil.example/", SIGNUP)
    assert client.post(_confirmation_path(mail.outbox[-1])).url == "/"
    client.logout()
    data = {**SIGNUP, "username": "maria2", "email": "m2@example.com", "next": "/therapists/"}
    mailing(client.post, reverse("signup"), data)
    assert client.post(_confirmation_path(mail.outbox[-1])).url == "/therapists/"


@pytest.mark.parametrize(
    "overrides",
    [
        {"email": ""},
        {"email": "not-an-email"},
        {"password2": "different-Passw0rd"},
        {"password1": "123", "password2": "123"},
        {"username": "taken"},
    ],
)
def test_signup_bad_input_is_a_form_error_that_keeps_the_input(client, overrides, mailing):
    UserFactory(username="taken", email="taken@example.com")
    data = {**SIGNUP, **overrides}
    response = mailing(client.post, reverse("signup"), data)
    assert response.status_code == HTTPStatus.OK and response.context["form"].errors
    assert f'value="{data["username"]}"' in response.content.decode()
    assert get_user_model().objects.count() == 1
    assert mail.outbox == []


def test_signup_with_a_taken_email_answers_as_for_a_new_one_and_tells_the_address(client, mailing):
    """Changed by the security issue (finding 7): before, the page said "An account with this email already
    exists", which let anyone test addresses."""
    UserFactory(username="taken", email="taken@example.com")
    new = mailing(Client().post, reverse("signup"), {**SIGNUP, "email": "new@example.com"})
    taken = mailing(client.post, reverse("signup"), {**SIGNUP, "username": "maria2", "email": "Taken@Example.COM"})
    assert (taken.status_code, taken.url) == (new.status_code, new.url) == (HTTPStatus.FOUND, reverse("signup_done"))
    assert set(taken.cookies) == set(new.cookies)
    assert not get_user_model().objects.filter(username="maria2").exists()
    told = mail.outbox[-1]
    assert told.to == ["taken@example.com"] and "tried to sign up" in told.subject
    assert "no new account was created" in told.body
    assert re.search(r"http://localhost:8000/accounts/reset/\S+/\S+/", told.body)


def test_signup_is_throttled_per_address(client, settings, mailing):
    settings.SIGNUP_LIMIT = 2
    for i in range(2):
        data = {**SIGNUP, "username": f"sock{i}", "email": f"sock{i}@example.com"}
        assert mailing(client.post, reverse("signup"), data, REMOTE_ADDR="10.7.0.1").status_code == HTTPStatus.FOUND
    data = {**SIGNUP, "username": "sock2", "email": "sock2@example.com"}
    refused = mailing(client.post, reverse("signup"), data, REMOTE_ADDR="10.7.0.1")
    assert refused.status_code == HTTPStatus.TOO_MANY_REQUESTS
    content = refused.content.decode()
    assert "Too many accounts were created from your network" in content and 'value="sock2"' in content
    assert not get_user_model().objects.filter(username="sock2").exists()
    # Another address is not affected.
    assert mailing(client.post, reverse("signup"), data, REMOTE_ADDR="10.7.0.2").status_code == HTTPStatus.FOUND


def test_signup_a_taken_email_counts_against_the_address_too(client, settings, mailing):
    settings.SIGNUP_LIMIT = 1
    UserFactory(username="taken", email="taken@example.com")
    mailing(client.post, reverse("signup"), {**SIGNUP, "email": "taken@example.com"}, REMOTE_ADDR="10.7.1.1")
    refused = mailing(client.post, reverse("signup"), SIGNUP, REMOTE_ADDR="10.7.1.1")
    assert refused.status_code == HTTPStatus.TOO_MANY_REQUESTS


@pytest.mark.parametrize(
    ("token", "status", "heading"),
    [("not-a-token", HTTPStatus.BAD_REQUEST, "This link is not valid"), ("", HTTPStatus.NOT_FOUND, "")],
)
def test_email_confirm_a_forged_link_is_a_clear_4xx(client, token, status, heading):
    url = f"/accounts/email/confirm/{token}/"
    for response in (client.get(url), client.post(url)):
        assert response.status_code == status
        assert heading in response.content.decode()


def test_email_confirm_a_used_link_says_so(client, mailing):
    mailing(client.post, reverse("signup"), SIGNUP)
    path = _confirmation_path(mail.outbox[-1])
    client.post(path)
    for response in (client.get(path), client.post(path)):
        assert response.status_code == HTTPStatus.GONE
        assert "This link has been used" in response.content.decode()


def test_email_confirm_an_expired_link_says_so(client, today, time_machine, settings, mailing):
    mailing(client.post, reverse("signup"), SIGNUP)
    path = _confirmation_path(mail.outbox[-1])
    time_machine.shift(datetime.timedelta(seconds=settings.EMAIL_CONFIRMATION_MAX_AGE_SECONDS + 1))
    response = client.post(path)
    assert response.status_code == HTTPStatus.GONE and "This link has expired" in response.content.decode()
    assert not get_user_model().objects.get(username="maria").has_confirmed_email


def test_email_confirm_a_link_for_an_email_the_account_no_longer_has_is_refused(client, mailing):
    mailing(client.post, reverse("signup"), SIGNUP)
    path = _confirmation_path(mail.outbox[-1])
    get_user_model().objects.filter(username="maria").update(email="other@example.com")
    assert client.post(path).status_code == HTTPStatus.BAD_REQUEST
    assert not get_user_model().objects.get(username="maria").has_confirmed_email


def test_email_confirm_send_sends_a_new_link_a_few_times_an_hour(client, settings, mailing):
    settings.EMAIL_CONFIRMATION_SEND_LIMIT = 2
    user = UserFactory(username="lena")
    client.force_login(user)
    page = client.get(reverse("account")).content.decode()
    assert "not confirmed yet" in page and 'action="/accounts/email/confirm/"' in page
    for _ in range(3):
        assert mailing(client.post, reverse("email_confirm_send")).url == reverse("account")
    assert len(mail.outbox) == 2
    assert "We have sent several links already" in client.get(reverse("account")).content.decode()
    client.post(_confirmation_path(mail.outbox[0]))
    user.refresh_from_db()
    assert user.has_confirmed_email
    assert "not confirmed yet" not in client.get(reverse("account")).content.decode()


def test_email_confirm_send_needs_login(client, mailing):
    response = mailing(client.post, reverse("email_confirm_send"))
    assert response.status_code == HTTPStatus.FOUND and response.url.startswith(reverse("login"))
    assert mail.outbox == []


def test_account_page_sets_the_public_name(client):
    user = UserFactory(username="lena")
    client.force_login(user)
    response = client.post(reverse("account"), {"display_name": "Lena from Denver", "first_name": "", "last_name": ""})
    assert response.status_code == HTTPStatus.FOUND
    user.refresh_from_db()
    assert user.public_name == "Lena from Denver"
    assert "Lena from Denver" in client.get(reverse("account")).content.decode()


def test_account_page_needs_login(client):
    response = client.get(reverse("account"))
    assert response.status_code == HTTPStatus.FOUND and response.url.startswith(reverse("login"))


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


def test_login_throttle_refuses_the_guessers_address_not_the_owner(client, mailing):
    """Changed by the security issue (finding 5): before, ten failures from anywhere locked the account for
    everyone, its owner included; now the source is refused and the owner at another address logs in."""
    user = UserFactory(username="lena")
    for _ in range(10):
        _fail(client, "lena", 1, "10.0.0.9")
    response = client.post(reverse("login"), {"username": "LENA", "password": PASSWORD}, REMOTE_ADDR="10.0.0.9")
    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert "Too many failed log-in attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session
    owner = Client()
    assert _log_in(owner, "lena", address="192.168.1.1").status_code == HTTPStatus.FOUND
    assert owner.session["_auth_user_id"] == str(user.pk)


def test_login_throttle_counts_failures_by_username_and_by_email_against_one_pair(client):
    UserFactory(username="lena", email="lena@example.com")
    typed = ["lena", "lena@example.com", "LENA", "Lena@Example.com", "LENA@EXAMPLE.COM"] * 2
    for identifier in typed:
        _fail(client, identifier, 1, "10.0.1.1")
    for identifier in ("lena", "lena@example.com"):
        response = _log_in(client, identifier, address="10.0.1.1")
        assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert "_auth_user_id" not in client.session


def test_login_throttle_failures_from_many_addresses_never_lock_the_owner_and_email_them_once(
    client, mailing, settings
):
    """Finding 5: a stranger's 60 guesses spread over addresses leave the account open to its owner; the owner
    is told once, at LOGIN_ALERT_FAILURES."""
    settings.LOGIN_ALERT_FAILURES = 20
    UserFactory(username="lena", email="lena@example.com")
    for i in range(60):
        mailing(_log_in, client, "lena", "wrong", f"10.0.2.{i}")
    (alert,) = mail.outbox
    assert alert.to == ["lena@example.com"] and "Failed log-in attempts" in alert.subject
    assert "20 failed attempts" in alert.body and "not locked" in alert.body
    assert _log_in(client, "lena@example.com", address="192.168.1.1").status_code == HTTPStatus.FOUND


def test_login_throttle_allows_nine_mixed_failures(client):
    UserFactory(username="lena", email="lena@example.com")
    for identifier in ["lena", "LENA@example.com", "Lena"] * 3:
        _fail(client, identifier, 1, "10.0.2.1")
    assert _log_in(client, "lena@example.com", address="10.0.2.1").status_code == HTTPStatus.FOUND


def test_login_throttle_refuses_an_address_spraying_guesses_over_accounts(client, settings):
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 30
    UserFactory(username="lena")
    for i in range(30):
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


@pytest.mark.frozen_cache_clock
def test_login_throttle_lifts_after_the_lockout(client, today, time_machine, settings):
    UserFactory(username="lena")
    _fail(client, "lena", 10)
    assert _log_in(client, "lena", address="10.0.0.1").status_code == HTTPStatus.TOO_MANY_REQUESTS
    # The first refusal starts the lockout; one second before it ends, still refused; then let in.
    time_machine.shift(datetime.timedelta(seconds=settings.LOGIN_LOCKOUT_SECONDS - 1))
    assert _log_in(client, "lena", address="10.0.0.1").status_code == HTTPStatus.TOO_MANY_REQUESTS
    time_machine.shift(datetime.timedelta(seconds=settings.LOGIN_FAILURE_WINDOW_SECONDS + 1))
    response = client.post(reverse("login"), {"username": "lena", "password": PASSWORD}, REMOTE_ADDR="10.0.0.1")
    assert response.status_code == HTTPStatus.FOUND


def test_login_success_clears_the_pairs_count(client):
    UserFactory(username="lena", email="lena@example.com")
    _fail(client, "lena", 9, "10.0.3.1")
    assert _log_in(client, "lena@example.com", address="10.0.3.1").status_code == HTTPStatus.FOUND
    client.logout()
    _fail(client, "LENA", 9, "10.0.3.1")
    assert _log_in(client, "lena", address="10.0.3.1").status_code == HTTPStatus.FOUND


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


def test_password_reset_by_email_sets_a_new_password(client):
    user = UserFactory(username="lena", email="lena@example.com")
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


@pytest.mark.parametrize("known", [True, False])
def test_password_reset_is_throttled_per_email_alike_for_known_and_unknown_addresses(client, settings, known):
    """Finding 8: 25 requests for one address sent 25 emails; now PASSWORD_RESET_EMAIL_LIMIT, known or not."""
    settings.PASSWORD_RESET_EMAIL_LIMIT = 3
    if known:
        UserFactory(username="lena", email="lena@example.com")
    statuses = [
        client.post(reverse("password_reset"), {"email": "LENA@example.com"}, REMOTE_ADDR=f"10.8.0.{i}").status_code
        for i in range(5)
    ]
    assert statuses == [HTTPStatus.FOUND] * 3 + [HTTPStatus.TOO_MANY_REQUESTS] * 2
    assert len(mail.outbox) == (3 if known else 0)
    refused = client.post(reverse("password_reset"), {"email": "lena@example.com"}, REMOTE_ADDR="10.8.1.1")
    assert "Too many password reset emails" in refused.content.decode()
    assert 'value="lena@example.com"' in refused.content.decode()


def test_password_reset_is_throttled_per_client_address(client, settings):
    settings.PASSWORD_RESET_ADDRESS_LIMIT = 4
    for i in range(4):
        response = client.post(reverse("password_reset"), {"email": f"u{i}@example.com"}, REMOTE_ADDR="10.8.2.1")
        assert response.status_code == HTTPStatus.FOUND
    refused = client.post(reverse("password_reset"), {"email": "u9@example.com"}, REMOTE_ADDR="10.8.2.1")
    assert refused.status_code == HTTPStatus.TOO_MANY_REQUESTS
    other = client.post(reverse("password_reset"), {"email": "u9@example.com"}, REMOTE_ADDR="10.8.2.2")
    assert other.status_code == HTTPStatus.FOUND


def test_nav_shows_signup_and_login_to_visitors_and_logout_to_members(client):
    content = client.get("/").content.decode()
    assert f'href="{reverse("signup")}"' in content and f'href="{reverse("login")}"' in content
    client.force_login(UserFactory())
    content = client.get("/").content.decode()
    assert f'href="{reverse("account")}"' in content and "Log out" in content
    assert f'href="{reverse("signup")}"' not in content
