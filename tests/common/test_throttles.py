"""Throttles: counts in a fixed window, lock-outs, resets, expiry on the clock; the client's address behind proxies."""

import warnings

import pytest
from django.core.cache import CacheKeyWarning

from common.throttles import Throttle, client_address, login_throttle, review_post_throttle

pytestmark = pytest.mark.django_db


def test_throttle_counts_hits_up_to_the_limit():
    throttle = Throttle(scope="test", limit=3, window=60)
    blocked = []
    for _ in range(3):
        blocked.append(throttle.is_blocked("lena"))
        throttle.hit("lena")
    blocked.append(throttle.is_blocked("lena"))
    assert blocked == [False, False, False, True]


def test_throttle_counts_each_key_and_scope_apart():
    posts, logins = Throttle(scope="posts", limit=1, window=60), Throttle(scope="logins", limit=1, window=60)
    posts.hit("lena")
    assert (posts.is_blocked("lena"), posts.is_blocked("maria"), logins.is_blocked("lena")) == (True, False, False)


def test_throttle_is_blocked_when_any_of_the_keys_is():
    throttle = Throttle(scope="test", limit=1, window=60)
    throttle.hit("address:10.0.0.1")
    assert throttle.is_blocked("account:7", "address:10.0.0.1")
    assert not throttle.is_blocked("account:7", "address:10.0.0.2")


def test_throttle_hit_counts_every_key_given():
    throttle = Throttle(scope="test", limit=2, window=60)
    throttle.hit("a", "b")
    throttle.hit("b")
    assert (throttle.is_blocked("a"), throttle.is_blocked("b")) == (False, True)


def test_throttle_window_is_fixed_from_the_first_hit(today, time_machine):
    throttle = Throttle(scope="test", limit=2, window=60)
    throttle.hit("lena")
    time_machine.shift(59)
    throttle.hit("lena")
    assert throttle.is_blocked("lena")
    # The window opened by the first hit ends, and takes the second hit with it.
    time_machine.shift(2)
    assert not throttle.is_blocked("lena")
    throttle.hit("lena")
    assert not throttle.is_blocked("lena")


def test_throttle_lockout_outlasts_the_window(today, time_machine):
    throttle = Throttle(scope="test", limit=3, window=60, lockout=600)
    for _ in range(3):
        throttle.hit("lena")
    time_machine.shift(61)  # the count has expired; the lock has not
    assert throttle.is_blocked("lena")
    time_machine.shift(600 - 61 - 1)
    assert throttle.is_blocked("lena")
    time_machine.shift(2)
    assert not throttle.is_blocked("lena")


def test_throttle_lockout_runs_from_the_hit_that_reached_the_limit(today, time_machine):
    throttle = Throttle(scope="test", limit=2, window=900, lockout=300)
    throttle.hit("lena")
    time_machine.shift(500)
    throttle.hit("lena")  # reaches the limit: locked for 300 s from now, counted until 900 s after the first hit
    time_machine.shift(299)
    assert throttle.is_blocked("lena")
    time_machine.shift(102)  # 901 s after the first hit: the lock and the window are both over
    assert not throttle.is_blocked("lena")


def test_throttle_reset_clears_the_count_and_the_lock_of_those_keys_only():
    throttle = Throttle(scope="test", limit=2, window=60, lockout=600)
    for _ in range(2):
        throttle.hit("lena", "maria")
    throttle.reset("lena")
    assert (throttle.is_blocked("lena"), throttle.is_blocked("maria")) == (False, True)
    throttle.hit("lena")
    assert not throttle.is_blocked("lena")


def test_throttle_keys_are_safe_for_any_cache_whatever_the_identifier():
    throttle = Throttle(scope="test", limit=1, window=60)
    awkward = "Léna Ortiz\t😀 " * 40  # spaces, control characters, non-ASCII, over 250 characters
    with warnings.catch_warnings():
        warnings.simplefilter("error", CacheKeyWarning)
        throttle.hit(awkward)
        assert throttle.is_blocked(awkward)
        throttle.reset(awkward)
        assert not throttle.is_blocked(awkward)


def test_login_throttle_reads_its_limits_from_the_settings(settings):
    settings.LOGIN_FAILURE_LIMIT, settings.LOGIN_FAILURE_WINDOW_SECONDS, settings.LOGIN_LOCKOUT_SECONDS = 4, 30, 90
    assert login_throttle() == Throttle(scope="login", limit=4, window=30, lockout=90)


def test_review_post_throttle_reads_its_limits_from_the_settings(settings):
    settings.REVIEW_POST_LIMIT, settings.REVIEW_POST_WINDOW_SECONDS = 2, 120
    assert review_post_throttle() == Throttle(scope="review-post", limit=2, window=120)


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
    settings.TRUSTED_PROXY_COUNT = proxies
    request = rf.get("/", HTTP_X_FORWARDED_FOR=forwarded, REMOTE_ADDR="10.0.0.1")
    assert client_address(request) == expected


def test_client_address_ignores_empty_entries_and_caps_the_length(rf, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_address(rf.get("/", HTTP_X_FORWARDED_FOR=" , 203.0.113.9 , ", REMOTE_ADDR="10.0.0.1")) == (
        "203.0.113.9"
    )
    assert client_address(rf.get("/", HTTP_X_FORWARDED_FOR="x" * 500)) == "x" * 64


def test_client_address_without_a_remote_address_is_unknown(rf, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_address(rf.get("/", REMOTE_ADDR="")) == "unknown"
