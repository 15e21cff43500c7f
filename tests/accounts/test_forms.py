"""Account forms: sign-up that keeps a taken email to itself; log-in forms whose throttle counts per source (the
address, and the pair address+account) before the password is checked, in any number of threads."""

import threading
from concurrent.futures import ThreadPoolExecutor
from http import HTTPStatus

import pytest
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.db import connections
from django.test import Client
from django.urls import reverse

from accounts.forms import SignupForm, ThrottledAuthenticationForm, account_throttle_keys

from ..factories import PASSWORD, UserFactory
from ..servers import redis_or_skip

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "another-Good-passw0rd"


def _signup(**overrides) -> SignupForm:
    data = {"username": "maria", "email": "maria@example.com", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    return SignupForm({**data, **overrides})


def test_signup_form_asks_for_username_email_and_password_twice():
    assert list(SignupForm.base_fields) == ["username", "email", "password1", "password2"]


@pytest.mark.parametrize("email", ["", "   "])
def test_signup_form_email_is_required(email):
    form = _signup(email=email)
    assert not form.is_valid()
    assert [error.code for error in form.errors.as_data()["email"]] == ["required"]


def test_signup_form_accepts_an_email_taken_in_another_case_without_saying_so():
    """Changed by the security issue (finding 7): the form no longer says an email has an account; the view
    answers as for a new one and tells the address."""
    UserFactory(email="maria@example.com")
    form = _signup(email="MARIA@Example.com")
    assert form.is_valid(), form.errors
    assert form.cleaned_data["email"] == "MARIA@example.com"


def test_signup_form_still_refuses_a_taken_username():
    UserFactory(username="maria")
    form = _signup()
    assert not form.is_valid()
    assert [error.code for error in form.errors.as_data()["username"]] == ["unique"]


def test_signup_form_normalises_the_emails_domain_to_lower_case():
    form = _signup(email="Maria@EXAMPLE.com")
    assert form.is_valid() and form.cleaned_data["email"] == "Maria@example.com"


def test_account_throttle_keys_name_one_account_whether_typed_as_username_or_email_in_any_case():
    lena = UserFactory(username="lena", email="lena@example.com")
    for typed in ("lena", " lena ", "LENA", "lena@example.com", "LENA@Example.COM"):
        assert account_throttle_keys(typed) == [f"account:{lena.pk}"], typed


def test_account_throttle_keys_for_an_unknown_name_fold_its_case():
    assert account_throttle_keys(" Nobody@Example.com ") == ["account:nobody@example.com"]


def test_account_throttle_keys_count_against_every_account_a_name_could_mean():
    named = UserFactory(username="shared@example.com", email="named@example.com")
    emailed = UserFactory(username="bee", email="shared@example.com")
    assert set(account_throttle_keys("shared@example.com")) == {f"account:{named.pk}", f"account:{emailed.pk}"}


def _log_in(rf, identifier: str, password: str, address: str) -> ThrottledAuthenticationForm:
    request = rf.post("/accounts/login/", REMOTE_ADDR=address)
    form = ThrottledAuthenticationForm(request, data={"username": identifier, "password": password})
    form.is_valid()
    return form


def _codes(form) -> list[str]:
    return [error.code for error in form.errors.as_data().get("__all__", [])]


def test_throttled_authentication_form_refuses_the_pair_after_ten_mixed_failures_from_one_address(rf):
    """Changed by the security issue (finding 5): the lock is on the source, not on the account."""
    lena = UserFactory(username="lena", email="lena@example.com")
    typed = ["lena", "LENA@example.com", "Lena", "lena@EXAMPLE.com", "lena@example.com"] * 2
    assert [_codes(_log_in(rf, name, "wrong", "10.1.0.1")) for name in typed] == [["invalid_login"]] * 10
    refused = _log_in(rf, "lena", PASSWORD, "10.1.0.1")
    (error,) = refused.errors.as_data()["__all__"]
    assert error.code == "throttled" and "wait 15 minutes" in error.message % error.params
    # The owner, elsewhere, still logs in; so does another account from the guesser's address.
    assert _log_in(rf, "lena", PASSWORD, "192.168.0.1").get_user() == lena
    maria = UserFactory(username="maria")
    assert _log_in(rf, "maria", PASSWORD, "10.1.0.1").get_user() == maria


def test_throttled_authentication_form_failures_spread_over_addresses_never_lock_the_owner(rf):
    """Changed by the security issue (finding 5): before, ten failures from anywhere locked the account."""
    lena = UserFactory(username="lena")
    for i in range(40):
        assert _codes(_log_in(rf, "lena", "wrong", f"10.2.0.{i}")) == ["invalid_login"]
    assert _log_in(rf, "lena", PASSWORD, "192.168.0.1").get_user() == lena


def test_throttled_authentication_form_refuses_an_address_spraying_many_accounts(rf, settings):
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 30
    for i in range(30):
        assert _codes(_log_in(rf, f"guess{i}", "wrong", "10.3.0.1")) == ["invalid_login"]
    lena = UserFactory(username="lena")
    assert _codes(_log_in(rf, "lena", PASSWORD, "10.3.0.1")) == ["throttled"]
    assert _log_in(rf, "lena", PASSWORD, "10.3.0.2").get_user() == lena


def test_throttled_authentication_form_a_right_password_does_not_count_against_its_address(rf, settings):
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 3
    UserFactory(username="lena")
    for _ in range(5):
        assert _log_in(rf, "lena", PASSWORD, "10.4.0.1").is_valid()
    assert _codes(_log_in(rf, "nobody", "wrong", "10.4.0.1")) == ["invalid_login"]


def test_throttled_authentication_form_without_a_request_counts_an_unknown_source():
    """Changed by the security issue (finding 5): with no request the source is "unknown", not the account."""
    UserFactory(username="lena")
    for _ in range(10):
        assert not ThrottledAuthenticationForm(data={"username": "lena", "password": "wrong"}).is_valid()
    refused = ThrottledAuthenticationForm(data={"username": "lena", "password": PASSWORD})
    assert not refused.is_valid() and refused.has_error("__all__", code="throttled")


def test_throttled_authentication_form_labels_the_name_username_or_email():
    assert ThrottledAuthenticationForm().fields["username"].label == "Username or email"


GUESSERS = 30


@pytest.fixture
def password_checks():
    """How many log-ins reached the password check, by Django's own signals (failed and succeeded)."""
    seen = []
    lock = threading.Lock()

    def count(**kwargs):
        with lock:
            seen.append(1)

    user_login_failed.connect(count, dispatch_uid="test-password-checks-failed")
    user_logged_in.connect(count, dispatch_uid="test-password-checks-in")
    yield seen
    user_login_failed.disconnect(dispatch_uid="test-password-checks-failed")
    user_logged_in.disconnect(dispatch_uid="test-password-checks-in")


def _guess_together(address: str, guessers: int) -> list[int]:
    """`guessers` threads, each with its own client and connection, post a wrong password at the same moment."""
    start = threading.Barrier(guessers)

    def guess(i):
        try:
            client = Client(REMOTE_ADDR=address)
            start.wait()
            return client.post(reverse("login"), {"username": "lena", "password": f"wrong-{i}"}).status_code
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=guessers) as pool:
        return list(pool.map(guess, range(guessers)))


@pytest.mark.django_db(transaction=True)
def test_throttled_authentication_form_simultaneous_guesses_reach_the_password_check_at_most_limit_times(
    settings, password_checks
):
    """Finding 4: counted before the check with one atomic increment, so 30 guesses at once give 10 checks."""
    settings.LOGIN_FAILURE_LIMIT = 10
    UserFactory(username="lena")
    statuses = _guess_together("10.5.0.1", GUESSERS)
    assert len(password_checks) == 10
    assert sorted(statuses) == [HTTPStatus.OK] * 10 + [HTTPStatus.TOO_MANY_REQUESTS] * (GUESSERS - 10)


@pytest.fixture
def login_redis_cache(settings):
    """The default cache on the Redis at 127.0.0.1:6379, under a key prefix of this test's own; skipped when no
    Redis answers, except under CI (CI=true), where the shared-cache tests must run."""
    import uuid

    from django.core.cache import cache

    redis_or_skip("redis://127.0.0.1:6379/0").close()
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/0",
            "KEY_PREFIX": f"test-{uuid.uuid4().hex}",
        }
    }
    yield
    cache.clear()


@pytest.mark.django_db(transaction=True)
def test_throttled_authentication_form_on_redis_simultaneous_guesses_reach_the_check_at_most_limit_times(
    settings, password_checks, login_redis_cache
):
    """Finding 4, on the production cache: every client shares the one Redis count."""
    settings.LOGIN_FAILURE_LIMIT = 10
    UserFactory(username="lena")
    statuses = _guess_together("10.6.0.1", GUESSERS)
    assert len(password_checks) == 10
    assert statuses.count(HTTPStatus.TOO_MANY_REQUESTS) == GUESSERS - 10
