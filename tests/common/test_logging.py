"""One JSON log line per request (common.logging): its fields, what it leaves out, and errors with their traceback."""

import json
import logging
import re
from http import HTTPStatus

import pytest
from django.db import connection
from django.http import HttpResponse
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import path, reverse

from common.logging import JsonFormatter

from ..factories import UserFactory

pytestmark = pytest.mark.django_db

HEX_ID = re.compile(r"[0-9a-f]{32}")


def _broken_view(request):
    logging.getLogger("tests.broken").warning("about to fail")
    raise RuntimeError("the view broke")


def _quiet_view(request):
    return HttpResponse("quiet")


# The URLs of the error tests (pytest.mark.urls): one view that raises, one that reads nothing.
urlpatterns = [path("broken/", _broken_view), path("quiet/", _quiet_view)]


@pytest.fixture
def request_lines(caplog):
    """The request lines logged so far, as the JSON the production formatter writes."""
    caplog.set_level(logging.INFO, logger="access")
    formatter = JsonFormatter()

    def lines() -> list[dict]:
        return [json.loads(formatter.format(record)) for record in caplog.records if record.name == "access"]

    return lines


def test_request_log_one_line_with_id_method_path_status_duration_queries_and_no_user(client, request_lines):
    response = client.get(reverse("healthz"))

    [line] = request_lines()
    assert {key: line[key] for key in ("level", "method", "path", "status", "queries", "user_id")} == {
        "level": "INFO",
        "method": "GET",
        "path": "/healthz",
        "status": 200,
        "queries": 1,  # the health check's SELECT 1, counted with DEBUG off
        "user_id": None,
    }
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    assert HEX_ID.fullmatch(line["request_id"])
    assert response["X-Request-ID"] == line["request_id"]


def test_request_log_counts_every_query_of_the_request(client, request_lines):
    client.get(reverse("home"))
    with CaptureQueriesContext(connection) as captured:
        client.get(reverse("home"))

    assert request_lines()[1]["queries"] == len(captured) > 0


def test_request_log_names_the_signed_in_user(client, request_lines):
    user = UserFactory(username="maria")
    client.force_login(user)

    client.get(reverse("home"))

    assert request_lines()[0]["user_id"] == user.pk


@pytest.mark.urls(__name__)
def test_request_log_user_unread_by_the_view_is_null_and_costs_no_query(client, request_lines):
    client.force_login(UserFactory(username="maria"))

    client.get("/quiet/")

    assert (request_lines()[0]["user_id"], request_lines()[0]["queries"]) == (None, 0)


def test_request_log_leaves_out_the_query_string(client, request_lines, caplog):
    client.get(reverse("therapists:list"), {"q": "lower back pain after surgery"})

    [line] = request_lines()
    assert line["path"] == "/therapists/"
    assert "surgery" not in caplog.text and "surgery" not in json.dumps(line)


def test_request_log_replaces_the_token_of_a_password_reset_link(client, request_lines):
    url = reverse("password_reset_confirm", kwargs={"uidb64": "MTIz", "token": "c0ffee-5ecret7oken"})

    client.get(url)

    line = json.dumps(request_lines()[0])
    assert "5ecret7oken" not in line and "MTIz" not in line
    assert request_lines()[0]["path"] == "/accounts/reset/[redacted]/[redacted]/"


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("lb-3f2a9c.17", True),
        ("0af7651916cd43dd8448eb211c80319c", True),
        ("has spaces in it", False),
        ('quote"and{json}', False),
        ("x" * 129, False),
        ("", False),
    ],
)
def test_request_log_keeps_a_safe_request_id_from_the_header_and_replaces_any_other(client, request_lines, given, kept):
    response = client.get(reverse("healthz"), headers={"X-Request-ID": given})

    logged = request_lines()[0]["request_id"]
    assert response["X-Request-ID"] == logged
    if kept:
        assert logged == given
    else:
        assert HEX_ID.fullmatch(logged)


def test_request_log_a_missing_page_is_a_warning(client, request_lines):
    client.get("/no-such-page/")

    assert {key: request_lines()[0][key] for key in ("level", "status")} == {"level": "WARNING", "status": 404}


class _Written(logging.Handler):
    """What a console handler with the production formatter writes, line by line, as it is written."""

    def __init__(self):
        super().__init__(logging.INFO)
        self.setFormatter(JsonFormatter())
        self.lines: list[dict] = []

    def emit(self, record):
        self.lines.append(json.loads(self.format(record)))


@pytest.fixture
def written():
    handler = _Written()
    root = logging.getLogger()
    root.addHandler(handler)
    yield handler.lines
    root.removeHandler(handler)


@pytest.mark.urls(__name__)
def test_request_log_an_error_carries_its_traceback_and_other_lines_carry_the_request_id(written):
    response = Client(raise_request_exception=False).get("/broken/", headers={"X-Request-ID": "incident-42"})

    assert response.status_code == HTTPStatus.INTERNAL_SERVER_ERROR
    assert [(line["logger"], line["request_id"]) for line in written] == [
        ("tests.broken", "incident-42"),
        ("access", "incident-42"),
    ]
    # Django's own "Internal Server Error" line is not written a second time: the request's line has it all.
    line = written[1]
    assert (line["level"], line["status"], line["path"]) == ("ERROR", 500, "/broken/")
    assert "Traceback" in line["exception"] and "RuntimeError: the view broke" in line["exception"]


def test_json_formatter_writes_one_line_with_the_extra_fields():
    record = logging.LogRecord("app", logging.INFO, __file__, 1, "saved %s\nrows", (3,), None)
    record.therapist_id = 7

    text = JsonFormatter().format(record)

    assert "\n" not in text
    entry = json.loads(text)
    assert {key: entry[key] for key in ("level", "logger", "message", "therapist_id")} == {
        "level": "INFO",
        "logger": "app",
        "message": "saved 3\nrows",
        "therapist_id": 7,
    }
    assert "request_id" not in entry


def test_json_formatter_leaves_out_the_request_django_attaches_with_its_query_string(rf):
    # django.security.* and django.server log with extra={"request": request}; its text is "<WSGIRequest: GET '/?q=…'>".
    record = logging.LogRecord("django.security.DisallowedHost", logging.ERROR, __file__, 1, "Invalid host", (), None)
    record.request = rf.get("/therapists/", {"q": "pelvic pain"})
    record.status_code = 400

    entry = json.loads(JsonFormatter().format(record))

    assert "request" not in entry and "pelvic" not in json.dumps(entry)
    assert entry["status_code"] == 400
