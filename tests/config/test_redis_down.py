"""When Redis goes away (issue 16): pages keep working from the database, throttles refuse with a 503, /readyz says so.

A private redis-server on a free loopback port is started for each test and stopped in the middle of it; the shared
Redis at 6379 is never touched.
"""

import shutil
import subprocess
import time
from http import HTTPStatus

import pytest
import redis
from django.core.cache import cache
from django.urls import reverse

from accounts.models import User
from common.cache import CacheUnavailable, _Outage
from common.throttles import Throttle, ThrottleUnavailable
from common.views import readiness_checks
from reviews.models import Review
from therapists.models import Specialty, Therapist
from therapists.selectors import directory_generation
from therapists.services.profiles import therapists_delete

from ..factories import SpecialtyFactory, TherapistFactory, UserFactory
from ..reviews.helpers import client_account, review_form_data
from ..s3 import free_port
from ..servers import server_missing

pytestmark = pytest.mark.django_db

REDIS_SERVER = shutil.which("redis-server")
PASSWORD = "a-Good-passw0rd-for-tests"


class PrivateRedis:
    """A redis-server of the test's own on loopback, without persistence, which the test may stop and start."""

    def __init__(self):
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> "PrivateRedis":
        self.process = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis.from_url(self.url, socket_connect_timeout=0.5)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                return self
            except redis.exceptions.ConnectionError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    self.stop()
                    raise
                time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None


def private_redis_or_skip() -> PrivateRedis:
    if REDIS_SERVER is None:
        server_missing("redis-server", "not on the PATH")
    return PrivateRedis().start()


@pytest.fixture
def private_redis(settings):
    """The site on a Redis of its own (the production cache backend, cached_db sessions); stop it with .stop()."""
    server = private_redis_or_skip()
    settings.CACHES = {
        "default": {
            "BACKEND": "common.cache.OutageTolerantRedisCache",
            "LOCATION": server.url,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 1.0},
        }
    }
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    settings.CACHE_OUTAGE_RETRY_SECONDS = 0
    yield server
    server.stop()
    _Outage._until.clear()


@pytest.fixture
def therapist(db):
    swedish = Specialty.objects.filter(slug="swedish").first() or SpecialtyFactory(name="Swedish", slug="swedish")
    return TherapistFactory(name="Lena Ortiz", slug="lena-ortiz", specialties=[swedish])


def test_redis_down_reads_are_misses_writes_are_dropped_and_both_work_again_once_it_is_back(private_redis):
    cache.set("kept", "before")
    assert cache.get("kept") == "before"
    private_redis.stop()

    assert cache.get("kept", "missing") == "missing"
    assert cache.get_many(["kept"]) == {}
    assert cache.add("other", 1) is False
    cache.set("other", 1)
    cache.delete("kept")
    assert cache.get_or_set("counted", 7) == 7

    private_redis.start()
    cache.set("kept", "after")
    assert cache.get("kept") == "after"


def test_redis_down_incr_raises_cache_unavailable_a_value_error_never_none(private_redis):
    cache.set("counter", 1)
    private_redis.stop()

    with pytest.raises(CacheUnavailable):
        cache.incr("counter")
    with pytest.raises(ValueError, match="did not answer"):
        cache.decr("counter")


def test_redis_down_a_throttle_refuses_to_count_but_giving_back_and_resetting_pass(private_redis):
    throttle = Throttle(scope="outage-test", limit=5, window=60, lockout=60)
    assert throttle.allow("k")
    private_redis.stop()

    with pytest.raises(ThrottleUnavailable, match="outage-test"):
        throttle.allow("k")
    with pytest.raises(ThrottleUnavailable):
        throttle.count("k")
    throttle.release("k")
    throttle.reset("k")


def test_redis_down_the_outage_pause_leaves_redis_alone_until_a_probe_finds_it_back(private_redis, settings):
    settings.CACHE_OUTAGE_RETRY_SECONDS = 600
    cache.set("kept", "value")
    private_redis.stop()
    assert cache.get("kept") is None
    private_redis.start()
    cache.set("kept", "value")

    # Within the pause nothing is asked of Redis, although it is back.
    assert cache.get("kept") is None
    cache.ping()
    cache.set("kept", "value")
    assert cache.get("kept") == "value"


def test_redis_down_pages_and_a_signed_in_session_keep_working_from_the_database(private_redis, client, therapist):
    user = UserFactory(username="maria")
    client.force_login(user)
    assert client.get(reverse("home")).status_code == HTTPStatus.OK
    private_redis.stop()

    for url in (reverse("home"), reverse("therapists:list"), therapist.get_absolute_url()):
        response = client.get(url)
        assert response.status_code == HTTPStatus.OK, url
        assert response.wsgi_request.user == user


def test_redis_down_a_deletion_still_commits_and_the_generation_reads_as_zero(private_redis, therapist):
    private_redis.stop()

    assert therapists_delete(queryset=Therapist.objects.filter(pk=therapist.pk)) >= 1
    assert not Therapist.objects.filter(pk=therapist.pk).exists()
    assert directory_generation() == 0


def _refused(response) -> None:
    assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert response["Retry-After"] == "10"
    assert "try again in a few seconds" in response.content.decode()


def test_redis_down_log_in_fails_closed_with_a_503_and_the_right_password_does_not_get_in(private_redis, client):
    UserFactory(username="maria", password=PASSWORD)
    private_redis.stop()

    response = client.post(reverse("login"), {"username": "maria", "password": PASSWORD})

    _refused(response)
    assert "_auth_user_id" not in client.session


def test_redis_down_sign_up_fails_closed_and_creates_no_account(private_redis, client):
    private_redis.stop()
    data = {"username": "newcomer", "email": "newcomer@example.com", "password1": PASSWORD, "password2": PASSWORD}

    _refused(client.post(reverse("signup"), data))
    assert not User.objects.filter(username="newcomer").exists()


def test_redis_down_password_reset_fails_closed_and_sends_nothing(private_redis, client, mailoutbox):
    UserFactory(username="maria", email="maria@example.com")
    private_redis.stop()

    _refused(client.post(reverse("password_reset"), {"email": "maria@example.com"}))
    assert mailoutbox == []


def test_redis_down_a_review_fails_closed_and_nothing_is_stored(private_redis, client, therapist):
    client.force_login(client_account(username="reviewer"))
    private_redis.stop()

    _refused(client.post(reverse("reviews:create", kwargs={"slug": therapist.slug}), review_form_data()))
    assert not Review.objects.exists()


def test_redis_up_the_same_review_is_stored(private_redis, client, therapist):
    # The other half of the test above: with Redis answering, the same post goes through.
    client.force_login(client_account(username="reviewer"))

    response = client.post(reverse("reviews:create", kwargs={"slug": therapist.slug}), review_form_data())

    assert response.status_code == HTTPStatus.FOUND
    assert Review.objects.count() == 1


# Every database alias is probed, replicas too: a committed test, since a replica alias is a second connection that
# cannot read through the open transaction of a test.
@pytest.mark.django_db(transaction=True, databases="__all__")
def test_readyz_names_the_cache_and_broker_when_redis_is_down_while_healthz_still_answers(
    private_redis, client, settings
):
    settings.CELERY_BROKER_URL = private_redis.url
    ready = client.get(reverse("readyz"))
    assert ready.status_code == HTTPStatus.OK
    assert ready.json()["status"] == "ok"
    checks = ready.json()["checks"]
    # Every database alias is named too (database:replica_1, ... when DATABASE_REPLICA_URLS gives them).
    assert {"database", "cache", "storage", "broker"} <= checks.keys()
    assert all(check["ok"] for check in checks.values())
    private_redis.stop()

    ready = client.get(reverse("readyz"))
    healthz = client.get(reverse("healthz"))

    assert ready.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert ready.json()["status"] == "unavailable"
    failing = {name: check["error"] for name, check in ready.json()["checks"].items() if not check["ok"]}
    assert failing == {"cache": "ConnectionError", "broker": "OperationalError"}
    assert (healthz.status_code, healthz.content) == (HTTPStatus.OK, b"ok")


@pytest.mark.parametrize(("broker", "asked"), [("", False), ("memory://", False), ("redis://127.0.0.1:6379/2", True)])
def test_readyz_asks_the_broker_only_when_one_is_named(settings, broker, asked):
    # memory:// is the background jobs' "no broker": tasks run in the process that asks for them.
    settings.CELERY_BROKER_URL = broker
    assert ("broker" in readiness_checks()) is asked
