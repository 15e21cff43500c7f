"""Throttles: counts in a fixed window, lock-outs, resets, expiry on the clock, atomic counting across threads
and processes (a real Redis); the client's address behind proxies."""

import json
import subprocess
import sys
import threading
import time
import uuid
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.core.cache import CacheKeyWarning

from common.throttles import (
    Throttle,
    client_address,
    email_confirmation_throttle,
    login_address_throttle,
    login_alert_throttle,
    login_throttle,
    password_reset_address_throttle,
    password_reset_email_throttle,
    review_post_throttle,
    signup_throttle,
)

from ..servers import redis_or_skip

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


@pytest.mark.frozen_cache_clock
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


@pytest.mark.frozen_cache_clock
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


@pytest.mark.frozen_cache_clock
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


def test_login_address_and_alert_throttles_read_their_limits_from_the_settings(settings):
    settings.LOGIN_ADDRESS_FAILURE_LIMIT, settings.LOGIN_FAILURE_WINDOW_SECONDS = 7, 30
    settings.LOGIN_LOCKOUT_SECONDS, settings.LOGIN_ALERT_FAILURES = 90, 12
    assert login_address_throttle() == Throttle(scope="login-address", limit=7, window=30, lockout=90)
    assert login_alert_throttle() == Throttle(scope="login-account", limit=12, window=30)


def test_signup_reset_and_confirmation_throttles_read_their_limits_from_the_settings(settings):
    settings.SIGNUP_LIMIT, settings.SIGNUP_WINDOW_SECONDS = 2, 60
    settings.PASSWORD_RESET_EMAIL_LIMIT, settings.PASSWORD_RESET_ADDRESS_LIMIT = 3, 4
    settings.PASSWORD_RESET_WINDOW_SECONDS = 70
    settings.EMAIL_CONFIRMATION_SEND_LIMIT, settings.EMAIL_CONFIRMATION_SEND_WINDOW_SECONDS = 5, 80
    assert signup_throttle() == Throttle(scope="signup", limit=2, window=60)
    assert password_reset_email_throttle() == Throttle(scope="password-reset-email", limit=3, window=70)
    assert password_reset_address_throttle() == Throttle(scope="password-reset-address", limit=4, window=70)
    assert email_confirmation_throttle() == Throttle(scope="email-confirmation", limit=5, window=80)


def test_throttle_allow_lets_the_limit_through_then_refuses():
    throttle = Throttle(scope="test", limit=3, window=60)
    assert [throttle.allow("lena") for _ in range(5)] == [True, True, True, False, False]


@pytest.mark.frozen_cache_clock
def test_throttle_allow_locks_out_from_the_first_refusal_not_from_an_allowed_attempt(today, time_machine):
    throttle = Throttle(scope="test", limit=2, window=60, lockout=600)
    assert [throttle.allow("lena"), throttle.allow("lena")] == [True, True]
    throttle.release("lena")  # the second attempt succeeded: nothing is locked
    assert throttle.allow("lena")
    time_machine.shift(30)
    assert not throttle.allow("lena")  # refused: the lock-out starts now
    time_machine.shift(599)
    assert not throttle.allow("lena")
    time_machine.shift(2)
    assert throttle.allow("lena")


def test_throttle_count_gives_each_hit_its_own_number():
    throttle = Throttle(scope="test", limit=3, window=60)
    assert [throttle.count("lena") for _ in range(4)] == [1, 2, 3, 4]
    assert throttle.count("maria") == 1


def test_throttle_allow_from_simultaneous_threads_lets_exactly_the_limit_through():
    throttle = Throttle(scope="test", limit=5, window=60)
    start = threading.Barrier(20)

    def attempt(_):
        start.wait()
        return throttle.allow("lena")

    with ThreadPoolExecutor(max_workers=20) as pool:
        assert sorted(pool.map(attempt, range(20))) == [False] * 15 + [True] * 5


@pytest.fixture
def throttle_redis_location():
    """The Redis at 127.0.0.1:6379; skipped when none answers, except under CI (CI=true), where it must."""
    location = "redis://127.0.0.1:6379/0"
    redis_or_skip(location).close()
    return location


# Run in a separate Python process: configures the default cache on Redis under the given prefix, waits for the
# start time, then tries `attempts` times and prints how many were allowed.
ATTEMPTS_IN_ANOTHER_PROCESS = """
import json, os, sys, time
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
import django
from django.conf import settings
django.setup()
from django.test.utils import override_settings
location, prefix, attempts, start = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
caches = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": location,
                      "KEY_PREFIX": prefix}}
with override_settings(CACHES=caches):
    from common.throttles import Throttle
    throttle = Throttle(scope="cross-process", limit=10, window=60, lockout=60)
    time.sleep(max(0.0, start - time.time()))
    print(json.dumps([throttle.allow("address:10.0.0.1|account:1") for _ in range(attempts)]))
"""


def test_throttle_allow_in_two_processes_on_redis_lets_exactly_the_limit_through(throttle_redis_location, settings):
    """Finding 4: two processes (as two gunicorn workers) share one count on Redis: 2 x 15 attempts, 10 allowed."""
    prefix = f"test-{uuid.uuid4().hex}"
    start = str(time.time() + 2)
    root = Path(__file__).resolve().parents[2]
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", ATTEMPTS_IN_ANOTHER_PROCESS, throttle_redis_location, prefix, "15", start],
            cwd=root,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    results = [json.loads(worker.communicate(timeout=60)[0]) for worker in workers]
    assert [worker.returncode for worker in workers] == [0, 0]
    assert sum(sum(result) for result in results) == 10
    # And this process, on the same Redis, sees the count the others left.
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": throttle_redis_location,
            "KEY_PREFIX": prefix,
        }
    }
    throttle = Throttle(scope="cross-process", limit=10, window=60, lockout=60)
    assert throttle.is_blocked("address:10.0.0.1|account:1")
    throttle.reset("address:10.0.0.1|account:1")


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
