"""Password reset: throttled per client address and per account like log-in (an account counts once however it
is named), across processes on the shared cache, and answering alike whether or not the account exists."""

import json
import os
import re
import subprocess
import sys
import time
import uuid
from http import HTTPStatus
from pathlib import Path

import pytest
from django.core import mail
from django.urls import reverse

from ..config.conftest import database_url
from ..factories import UserFactory
from ..servers import redis_or_skip

pytestmark = pytest.mark.django_db

RESET_URL = "/accounts/password/reset/"
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"')
ROOT = Path(__file__).resolve().parents[2]


def _reset(client, email: str, address: str):
    return client.post(RESET_URL, {"email": email}, REMOTE_ADDR=address)


def _page(response) -> str:
    """What the reader sees, without the per-request CSRF token."""
    return CSRF_FIELD.sub("", response.content.decode())


@pytest.fixture
def lena(db):
    """An account reached by its email in any case, or by a username that looks like an email."""
    return UserFactory(username="lena@old-mail.example", email="lena@example.com")


def test_password_reset_url_is_stable():
    assert reverse("password_reset") == RESET_URL


def test_password_reset_counts_an_account_once_however_it_is_named(client, settings, lena):
    settings.PASSWORD_RESET_EMAIL_LIMIT = 3
    names = ["lena@example.com", "LENA@Example.COM", "lena@old-mail.example", "Lena@example.com"]
    statuses = [_reset(client, name, f"10.9.0.{i}").status_code for i, name in enumerate(names)]
    assert statuses == [HTTPStatus.FOUND] * 3 + [HTTPStatus.TOO_MANY_REQUESTS]
    # Two of the three let through named the account by its email: those are the emails sent.
    assert [message.to for message in mail.outbox] == [["lena@example.com"]] * 2


def test_password_reset_limit_of_one_account_leaves_others_alone(client, settings, lena):
    settings.PASSWORD_RESET_EMAIL_LIMIT = 2
    for i in range(3):
        _reset(client, "lena@example.com", f"10.9.1.{i}")
    UserFactory(username="omar", email="omar@example.com")
    assert _reset(client, "omar@example.com", "10.9.1.9").status_code == HTTPStatus.FOUND
    assert mail.outbox[-1].to == ["omar@example.com"]


def test_password_reset_limit_per_address_whatever_the_accounts(client, settings, lena):
    settings.PASSWORD_RESET_ADDRESS_LIMIT = 3
    statuses = [_reset(client, f"someone{i}@example.com", "10.9.2.1").status_code for i in range(3)]
    assert statuses == [HTTPStatus.FOUND] * 3
    refused = _reset(client, "lena@example.com", "10.9.2.1")
    assert refused.status_code == HTTPStatus.TOO_MANY_REQUESTS and mail.outbox == []
    assert _reset(client, "lena@example.com", "10.9.2.2").status_code == HTTPStatus.FOUND
    assert len(mail.outbox) == 1


def test_password_reset_answers_alike_for_an_account_and_for_nobody(client, settings, lena):
    settings.PASSWORD_RESET_EMAIL_LIMIT = 1
    known, unknown = _reset(client, "lena@example.com", "10.9.3.1"), _reset(client, "nobody@example.com", "10.9.3.2")
    assert (
        (known.status_code, known.url)
        == (unknown.status_code, unknown.url)
        == (
            HTTPStatus.FOUND,
            reverse("password_reset_done"),
        )
    )
    assert _page(client.get(known.url)) == _page(client.get(unknown.url))
    assert "If an account uses that address" in _page(client.get(known.url))
    # Refused alike too: the same status and the same words, only the typed address differs.
    known, unknown = _reset(client, "lena@example.com", "10.9.3.3"), _reset(client, "nobody@example.com", "10.9.3.4")
    assert known.status_code == unknown.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert _page(known).replace("lena@example.com", "E") == _page(unknown).replace("nobody@example.com", "E")
    assert "for this account or from your network" in _page(known)
    assert len(mail.outbox) == 1


def test_password_reset_refused_keeps_what_was_typed(client, settings, lena):
    settings.PASSWORD_RESET_ADDRESS_LIMIT = 1
    _reset(client, "a@example.com", "10.9.4.1")
    refused = _reset(client, "typed@example.com", "10.9.4.1")
    assert 'value="typed@example.com"' in refused.content.decode()


def test_password_reset_bad_email_is_a_form_error_and_counts_nothing(client, settings, lena):
    settings.PASSWORD_RESET_ADDRESS_LIMIT = 1
    response = _reset(client, "not an email", "10.9.5.1")
    assert response.status_code == HTTPStatus.OK and response.context["form"].errors["email"]
    assert _reset(client, "lena@example.com", "10.9.5.1").status_code == HTTPStatus.FOUND


# Across processes: two processes (as two gunicorn workers) post resets on the one Redis count, then this one does.

RESETS_IN_ANOTHER_PROCESS = """
import json, os, sys, time
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
import django
django.setup()
from django.core import mail
from django.test import Client
from django.test.utils import override_settings, setup_test_environment
setup_test_environment()
location, prefix, address, start, *emails = sys.argv[1:]
caches = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": location,
                      "KEY_PREFIX": prefix}}
with override_settings(CACHES=caches):
    client = Client()
    time.sleep(max(0.0, float(start) - time.time()))
    statuses = [client.post("/accounts/password/reset/", {"email": e}, REMOTE_ADDR=address).status_code for e in emails]
print(json.dumps({"statuses": statuses, "sent": len(mail.outbox)}))
"""


@pytest.fixture
def reset_redis(settings):
    """The Redis at 127.0.0.1:6379 under a key prefix of this test's own, deleted afterwards (nothing else is
    touched); skipped when no Redis answers, except under CI (CI=true), where it must."""

    location = "redis://127.0.0.1:6379/0"
    server = redis_or_skip(location)
    prefix = f"test-{uuid.uuid4().hex}"
    yield {"location": location, "prefix": prefix}
    for key in server.scan_iter(match=f"{prefix}:*"):
        server.delete(key)
    server.close()


@pytest.mark.django_db(transaction=True)
def test_password_reset_per_account_limit_holds_across_processes(client, settings, reset_redis):
    UserFactory(username="lena@old-mail.example", email="lena@example.com")
    env = {**os.environ, "DATABASE_URL": database_url(), "PASSWORD_RESET_EMAIL_LIMIT": "3"}
    start = str(time.time() + 2)
    forms = [["lena@example.com", "LENA@example.com", "lena@old-mail.example"], ["Lena@Example.com"] * 3]
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", RESETS_IN_ANOTHER_PROCESS, reset_redis["location"], reset_redis["prefix"]]
            + [f"10.9.6.{i}", start, *emails],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            text=True,
        )
        for i, emails in enumerate(forms)
    ]
    results = [json.loads(worker.communicate(timeout=90)[0]) for worker in workers]
    assert [worker.returncode for worker in workers] == [0, 0]
    statuses = sorted(status for result in results for status in result["statuses"])
    assert statuses == [HTTPStatus.FOUND] * 3 + [HTTPStatus.TOO_MANY_REQUESTS] * 3
    # This process, on the same Redis, sees the count the others left.
    settings.PASSWORD_RESET_EMAIL_LIMIT = 3
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": reset_redis["location"],
            "KEY_PREFIX": reset_redis["prefix"],
        }
    }
    assert _reset(client, "lena@example.com", "10.9.6.9").status_code == HTTPStatus.TOO_MANY_REQUESTS
