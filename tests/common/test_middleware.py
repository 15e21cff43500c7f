"""The middleware every request passes: NUL characters refused (finding 13), browser features denied and framing
(finding 11), a database outage answered 503 with Retry-After (finding 14)."""

import contextlib
import os
import socket
import sqlite3
import subprocess
import sys
from http import HTTPStatus
from pathlib import Path

import botocore.exceptions
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, InterfaceError, OperationalError, connection
from django.urls import reverse

from common.middleware import (
    DENIED_FEATURES,
    NUL_REFUSED_MESSAGE,
    DatabaseUnavailableMiddleware,
    server_error,
)
from reviews.models import ReviewFlag

from ..factories import ReviewFactory, TherapistFactory, UserFactory

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db


@pytest.fixture
def unused_tcp_port() -> int:
    """A local port nothing listens on: connections to it are refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _refused_for_nul(response) -> bool:
    return (
        response.status_code == HTTPStatus.BAD_REQUEST
        and response["Content-Type"].startswith("text/plain")
        and response.content.decode() == NUL_REFUSED_MESSAGE
    )


# --- RejectNulMiddleware (finding 13: a NUL in an admin filter was a DataError, a 500, on PostgreSQL) ---


@pytest.mark.parametrize(
    "query",
    [
        {"status__exact": "\x00"},  # an admin filter, the attack's own URL
        {"q": "\x00"},  # the admin's search
        {"q": "mass\x00age"},
        {"specialties__id__exact": "1\x00"},
    ],
)
def test_reject_nul_middleware_refuses_a_nul_in_the_admin_changelist(client, superuser, query):
    TherapistFactory()
    client.force_login(superuser)
    response = client.get(reverse("admin:therapists_therapist_changelist"), query)
    assert _refused_for_nul(response)


@pytest.mark.parametrize("query", ["q=%00", "near=%00", "specialty=swedish%00", "sort=best%00", "%00=1", "q=a%00b"])
def test_reject_nul_middleware_refuses_a_nul_in_the_public_search(client, query):
    response = client.get(f"{reverse('therapists:list')}?{query}")
    assert _refused_for_nul(response)


def test_reject_nul_middleware_lets_a_search_without_nul_through(client):
    TherapistFactory(name="Ada Stone")
    response = client.get(reverse("therapists:list"), {"q": "Ada %00 Stone"})  # "%00" typed as text, not a NUL
    assert response.status_code == HTTPStatus.OK


def test_reject_nul_middleware_refuses_a_nul_in_a_posted_field_and_writes_nothing(client):
    therapist = TherapistFactory(owner=UserFactory())
    client.force_login(therapist.owner)
    response = client.post(reverse("dashboard:profile_edit"), {"name": "New\x00name", "bio": "x"})
    assert _refused_for_nul(response)
    therapist.refresh_from_db()
    assert therapist.name != "New\x00name"


def test_reject_nul_middleware_refuses_a_nul_in_a_posted_field_name(client):
    response = client.post(reverse("login"), {"username\x00": "someone", "password": "x"})
    assert _refused_for_nul(response)


def test_reject_nul_middleware_refuses_a_nul_in_a_multipart_field(client):
    upload = SimpleUploadedFile("scan.pdf", b"%PDF-1.4\n", content_type="application/pdf")
    response = client.post(reverse("login"), {"username": "some\x00one", "password": "x", "document": upload})
    assert _refused_for_nul(response)


def test_reject_nul_middleware_leaves_uploaded_file_contents_alone(client):
    # Binary files are full of NUL bytes: only the fields are looked at, so the form answers as usual.
    upload = SimpleUploadedFile("scan.pdf", b"%PDF-1.4\n\x00\x00\x00binary", content_type="application/pdf")
    response = client.post(reverse("login"), {"username": "someone", "password": "x", "document": upload})
    assert response.status_code == HTTPStatus.OK
    assert response.context["form"].errors


def test_reject_nul_middleware_refuses_a_nul_in_a_cookie(client):
    # A quoted cookie's octal escape decodes to a NUL, which would reach the session lookup.
    response = client.get(reverse("home"), HTTP_COOKIE='sessionid="\\000abcdefghijklmnop"')
    assert _refused_for_nul(response)


def test_reject_nul_middleware_refuses_a_nul_in_the_path(client):
    response = client.get("/therapists/%00/")
    assert _refused_for_nul(response)


# --- PermissionsPolicyMiddleware (finding 11) ---


@pytest.mark.parametrize("path", ["/", "/therapists/", "/no-such-page/", "/therapists/?q=%00", "/healthz"])
def test_permissions_policy_middleware_denies_unused_features_on_every_response(client, path):
    response = client.get(path)
    policy = dict(part.strip().split("=", 1) for part in response["Permissions-Policy"].split(","))
    assert {"camera", "microphone", "geolocation", "payment", "usb"} <= set(policy)
    assert set(policy) == set(DENIED_FEATURES)
    assert set(policy.values()) == {"()"}


# --- DatabaseUnavailableMiddleware and the 500 handler (finding 14) ---


@pytest.fixture
def sqlite_write_lock(transactional_db):
    """Take SQLite's write lock from another connection, as a long write elsewhere would, for the `with` block.

    The app's connection waits a short busy timeout for it (SQLITE_BUSY_TIMEOUT_SECONDS's job, shortened
    here so the test does not wait seconds). Skipped on PostgreSQL, whose outage is tested as a refused
    connection below.
    """
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's write lock; PostgreSQL's outage is tested as a refused connection")
    options = connection.settings_dict["OPTIONS"]
    configured = options["timeout"]
    options["timeout"] = 0.2
    connection.close()

    @contextlib.contextmanager
    def held():
        holder = sqlite3.connect(connection.settings_dict["NAME"], timeout=0.2, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            holder.execute("ROLLBACK")
            holder.close()

    yield held
    options["timeout"] = configured
    connection.close()


def _unavailable(response) -> bool:
    return (
        response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
        and response["Retry-After"] == "10"
        and b"We are back in a moment" in response.content
    )


@pytest.mark.django_db(transaction=True)
def test_database_unavailable_middleware_answers_503_to_a_write_while_sqlite_is_locked(client, sqlite_write_lock):
    review = ReviewFactory()
    client.force_login(UserFactory())
    url = reverse("reviews:flag", kwargs={"pk": review.pk})
    with sqlite_write_lock():
        response = client.post(url, {"reason": "fake", "details": "Never a client."})
        assert client.get(review.therapist.get_absolute_url()).status_code == HTTPStatus.OK  # reads go on
    assert _unavailable(response)
    assert response["Content-Security-Policy"] and response["Permissions-Policy"]
    assert not ReviewFlag.objects.exists()
    # Once the lock is gone, the same post goes through.
    assert client.post(url, {"reason": "fake", "details": "Never a client."}).status_code == HTTPStatus.FOUND
    assert ReviewFlag.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_database_unavailable_middleware_keeps_the_session_when_logging_out_fails(client, sqlite_write_lock):
    user = UserFactory()
    client.force_login(user)
    with sqlite_write_lock():
        response = client.post(reverse("logout"))
    assert _unavailable(response)
    assert client.get(reverse("home")).context["user"] == user


# The same outage on PostgreSQL: the server restarting refuses connections. A fresh process points
# DATABASE_URL at a port nothing listens on and asks for a page, a write and the health check.
REFUSED_DATABASE_PROBE = """
from django.test import Client
from django.test.utils import setup_test_environment
setup_test_environment()
client = Client(raise_request_exception=False)
for method, path in [("get", "/therapists/"), ("get", "/"), ("post", "/accounts/login/"), ("get", "/healthz")]:
    response = getattr(client, method)(path, {"username": "someone", "password": "x"} if method == "post" else {})
    print(path, response.status_code, response.get("Retry-After"), response.content.decode().split("<h1>")[-1][:40])
"""


def test_database_unavailable_middleware_answers_503_when_postgresql_refuses_connections(unused_tcp_port):
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "DATABASE_URL", "CACHE_URL"}}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.local",
        SECRET_KEY="refused-database-test-secret-" + "r" * 30,
        DATABASE_URL=f"postgres://postgres@127.0.0.1:{unused_tcp_port}/directory",
    )
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()\n" + REFUSED_DATABASE_PROBE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert [line.split()[:3] for line in lines] == [
        ["/therapists/", "503", "10"],
        ["/", "503", "10"],
        ["/accounts/login/", "503", "10"],
        ["/healthz", "503", "None"],
    ]
    assert "We are back in a moment" in lines[0]
    assert "database unavailable" in lines[3]


def test_database_unavailable_middleware_leaves_other_errors_to_the_500_page(rf):
    middleware = DatabaseUnavailableMiddleware(lambda request: None)
    request = rf.get("/")
    assert middleware.process_exception(request, ValueError("a bug")) is None
    assert middleware.process_exception(request, IntegrityError("a constraint")) is None
    assert middleware.process_exception(request, InterfaceError("connection already closed")).status_code == 503


def test_server_error_answers_503_for_a_database_error_outside_a_view(rf):
    try:
        raise OperationalError("database is locked")
    except OperationalError:
        response = server_error(rf.get("/"))
    assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert response["Retry-After"] == "10"


def test_server_error_keeps_the_500_page_for_any_other_error(rf):
    try:
        raise ValueError("a bug")
    except ValueError:
        response = server_error(rf.get("/"))
    assert response.status_code == HTTPStatus.INTERNAL_SERVER_ERROR
    assert b"Something went wrong" in response.content


@pytest.mark.parametrize(
    "error",
    [
        botocore.exceptions.EndpointConnectionError(endpoint_url="http://127.0.0.1:1"),
        botocore.exceptions.ClientError({"Error": {"Code": "AccessDenied", "Message": "Access Denied"}}, "PutObject"),
    ],
    ids=["storage unreachable", "storage refuses"],
)
def test_object_storage_that_fails_is_a_503_with_retry_after_not_a_500(rf, error):
    """An upload or a document read that object storage could not serve: nothing was stored, try again shortly."""
    response = DatabaseUnavailableMiddleware(lambda request: None).process_exception(
        rf.post("/dashboard/photo/"), error
    )
    assert response.status_code == 503
    assert response["Retry-After"] and response["Cache-Control"] == "no-store"


def test_other_errors_still_reach_the_500_handler(rf):
    assert DatabaseUnavailableMiddleware(lambda request: None).process_exception(rf.get("/"), ValueError("x")) is None
