"""common.db: which database each read and write goes to, with a replica alias (replica_1 mirrors the test database)."""

import datetime
import json
import subprocess
from http import HTTPStatus

import pytest
from django.db import DEFAULT_DB_ALIAS, connections, router, transaction
from django.http import HttpResponse
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from common.db import RECENT_WRITE_COOKIE, ReplicaMiddleware, ReplicaRouter
from therapists.models import Therapist

from ..config.test_project import _settings_probe
from ..factories import TherapistFactory, UserFactory

REPLICA = "replica_1"


@pytest.fixture
def replicas(settings):
    """The router and its middleware on, as config.settings.base turns them on when DATABASE_REPLICA_URLS is set."""
    settings.DATABASE_REPLICAS = [REPLICA]
    settings.DATABASE_ROUTERS = ["common.db.ReplicaRouter"]
    settings.REPLICA_STICKY_SECONDS = 10
    settings.MIDDLEWARE = [
        settings.MIDDLEWARE[0],
        "common.db.ReplicaMiddleware",
        *settings.MIDDLEWARE[1:],
    ]
    return settings


def _route(request, during=lambda: None):
    """Where the request's reads go (before and after `during` runs inside it), and the response."""
    seen = {}

    def view(request):
        seen["before"] = router.db_for_read(Therapist)
        during()
        seen["after"] = router.db_for_read(Therapist)
        return HttpResponse("ok")

    response = ReplicaMiddleware(view)(request)
    return seen, response


def _recent_write_cookie(settings, rf) -> str:
    """The cookie a write request leaves, as the browser sends it back."""
    _seen, response = _route(rf.post("/shortlist/add/"))
    return response.cookies[RECENT_WRITE_COOKIE].value


# --- routing decisions ---


@pytest.mark.parametrize("method", ["get", "head"])
def test_router_sends_the_reads_of_a_safe_request_to_the_replica(replicas, rf, method):
    seen, response = _route(getattr(rf, method)("/therapists/"))
    assert seen == {"before": REPLICA, "after": REPLICA}
    assert RECENT_WRITE_COOKIE not in response.cookies


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete", "options"])
def test_router_sends_every_query_of_a_write_request_to_the_primary(replicas, rf, method):
    seen, response = _route(getattr(rf, method)("/shortlist/add/"))
    assert seen == {"before": DEFAULT_DB_ALIAS, "after": DEFAULT_DB_ALIAS}
    assert RECENT_WRITE_COOKIE in response.cookies


def test_router_marks_a_writer_with_a_signed_short_lived_cookie(replicas, rf):
    replicas.SESSION_COOKIE_SECURE = True
    _seen, response = _route(rf.post("/reviews/1/edit/"))
    cookie = response.cookies[RECENT_WRITE_COOKIE]
    assert cookie["max-age"] == 10 and cookie["httponly"] and cookie["secure"] and cookie["samesite"] == "Lax"
    assert cookie.value != "1", "the value is signed, with the time it was made"


def test_router_keeps_a_recent_writer_on_the_primary(replicas, rf, time_machine):
    time_machine.move_to(datetime.datetime(2026, 6, 15, 12, 0, tzinfo=datetime.UTC), tick=False)
    rf.cookies[RECENT_WRITE_COOKIE] = _recent_write_cookie(replicas, rf)
    time_machine.move_to(datetime.datetime(2026, 6, 15, 12, 0, 9, tzinfo=datetime.UTC), tick=False)
    seen, response = _route(rf.get("/therapists/"))
    assert seen["before"] == seen["after"] == DEFAULT_DB_ALIAS
    assert RECENT_WRITE_COOKIE not in response.cookies, "a read does not extend the window"


def test_router_sends_a_writer_back_to_the_replica_after_the_window(replicas, rf, time_machine):
    time_machine.move_to(datetime.datetime(2026, 6, 15, 12, 0, tzinfo=datetime.UTC), tick=False)
    rf.cookies[RECENT_WRITE_COOKIE] = _recent_write_cookie(replicas, rf)
    time_machine.move_to(datetime.datetime(2026, 6, 15, 12, 0, 11, tzinfo=datetime.UTC), tick=False)
    seen, _response = _route(rf.get("/therapists/"))
    assert seen["before"] == REPLICA


@pytest.mark.parametrize("value", ["1", "1:forged:signature", ""])
def test_router_ignores_a_cookie_it_did_not_sign(replicas, rf, value):
    rf.cookies[RECENT_WRITE_COOKIE] = value
    seen, _response = _route(rf.get("/therapists/"))
    assert seen["before"] == REPLICA


def test_router_sends_the_rest_of_a_request_that_wrote_to_the_primary(replicas, rf):
    written = {}
    seen, response = _route(rf.get("/therapists/"), during=lambda: written.update(db=router.db_for_write(Therapist)))
    assert seen["before"] == REPLICA and written["db"] == DEFAULT_DB_ALIAS and seen["after"] == DEFAULT_DB_ALIAS
    assert RECENT_WRITE_COOKIE in response.cookies, "a write in a GET counts as the person's write too"


@pytest.mark.django_db(transaction=True)
def test_router_reads_inside_a_transaction_from_the_primary(replicas, rf):
    inside = {}

    def read_in_transaction():
        with transaction.atomic():
            inside["db"] = router.db_for_read(Therapist)

    seen, _response = _route(rf.get("/therapists/"), during=read_in_transaction)
    assert inside["db"] == DEFAULT_DB_ALIAS and seen["after"] == REPLICA


def test_router_reads_from_the_primary_outside_a_request(replicas):
    # Management commands, migrations, background jobs and the shell.
    assert router.db_for_read(Therapist) == DEFAULT_DB_ALIAS


def test_router_reads_from_the_primary_when_no_replica_is_configured(replicas, rf):
    replicas.DATABASE_REPLICAS = []
    seen, _response = _route(rf.get("/therapists/"))
    assert seen["before"] == DEFAULT_DB_ALIAS


def test_router_migrates_the_primary_only():
    assert ReplicaRouter().allow_migrate(REPLICA, "therapists") is False
    assert ReplicaRouter().allow_migrate(DEFAULT_DB_ALIAS, "therapists") is None


def test_router_allows_relations_between_the_primary_and_its_replicas():
    on_primary, on_replica, elsewhere = Therapist(), Therapist(), Therapist()
    on_primary._state.db, on_replica._state.db, elsewhere._state.db = DEFAULT_DB_ALIAS, REPLICA, "archive"
    assert ReplicaRouter().allow_relation(on_primary, on_replica) is True
    assert ReplicaRouter().allow_relation(on_replica, on_replica) is True
    assert ReplicaRouter().allow_relation(on_primary, elsewhere) is None


# --- the whole stack, with the replica alias as a second connection ---


@pytest.mark.django_db(transaction=True, databases=[DEFAULT_DB_ALIAS, REPLICA])
def test_public_page_reads_run_on_the_replica(client, replicas):
    therapist = TherapistFactory(name="Rita Replica")
    client.get(therapist.get_absolute_url())  # warms the vocabularies and counts kept in the cache
    with (
        CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as on_primary,
        CaptureQueriesContext(connections[REPLICA]) as on_replica,
    ):
        response = client.get(therapist.get_absolute_url())
    assert response.status_code == HTTPStatus.OK and b"Rita Replica" in response.content
    assert len(on_primary) == 0
    assert len(on_replica) == 4


@pytest.mark.django_db(transaction=True, databases=[DEFAULT_DB_ALIAS, REPLICA])
def test_own_write_then_reads_stick_to_the_primary(client, replicas):
    therapist = TherapistFactory(name="Paula Primary")
    user = UserFactory(username="shortlister")
    client.force_login(user)
    with CaptureQueriesContext(connections[REPLICA]) as on_replica:
        response = client.post(reverse("shortlists:add"), {"therapist": therapist.slug})
        assert response.status_code == HTTPStatus.FOUND and RECENT_WRITE_COOKIE in response.cookies
        page = client.get(reverse("shortlists:list"))
    assert page.status_code == HTTPStatus.OK and b"Paula Primary" in page.content
    assert len(on_replica) == 0


# --- the settings: DATABASE_REPLICA_URLS ---


def _settings_with(**environment) -> subprocess.CompletedProcess:
    """The replica part of the settings a process started with this environment has."""
    expression = (
        "__import__('json').dumps({'databases': settings.DATABASES, 'replicas': settings.DATABASE_REPLICAS, "
        "'routers': settings.DATABASE_ROUTERS, 'middleware': settings.MIDDLEWARE}, default=str)"
    )
    return _settings_probe({"DEBUG": "true", "DATABASE_REPLICA_URLS": "", **environment}, expression)


def test_settings_add_an_alias_per_replica_url_with_the_primarys_options():
    result = _settings_with(
        DATABASE_URL="postgres://app@10.0.0.1:5432/site",
        DATABASE_REPLICA_URLS="postgres://app@10.0.0.2:5432/site,postgres://app@10.0.0.3:5432/site",
    )
    assert result.returncode == 0, result.stderr
    loaded = json.loads(result.stdout)
    databases = loaded["databases"]
    assert loaded["replicas"] == ["replica_1", "replica_2"]
    assert [databases["replica_1"]["HOST"], databases["replica_2"]["HOST"]] == ["10.0.0.2", "10.0.0.3"]
    for alias in loaded["replicas"]:
        assert databases[alias]["ENGINE"] == databases["default"]["ENGINE"]
        assert databases[alias]["CONN_MAX_AGE"] == databases["default"]["CONN_MAX_AGE"]
        assert databases[alias]["TEST"]["MIRROR"] == "default"
    assert loaded["routers"] == ["common.db.ReplicaRouter"]
    middleware = loaded["middleware"]
    assert middleware.index("common.db.ReplicaMiddleware") < middleware.index(
        "django.contrib.sessions.middleware.SessionMiddleware"
    )


def test_settings_without_replica_urls_have_no_router():
    result = _settings_with(DATABASE_URL="postgres://app@10.0.0.1:5432/site")
    assert result.returncode == 0, result.stderr
    loaded = json.loads(result.stdout)
    assert loaded["replicas"] == [] and loaded["routers"] == [] and list(loaded["databases"]) == ["default"]
    assert "common.db.ReplicaMiddleware" not in loaded["middleware"]


def test_settings_refuse_a_replica_of_another_engine():
    result = _settings_with(
        DATABASE_URL="postgres://app@10.0.0.1:5432/site", DATABASE_REPLICA_URLS="sqlite:////tmp/replica.sqlite3"
    )
    assert result.returncode != 0
    assert "Replica 1 of DATABASE_REPLICA_URLS is not of DATABASE_URL's engine" in result.stderr
