"""One JSON log line per request (id, method, path, status, duration, query count, user), and the JSON formatter.

The path is logged without its query string (a search's terms may be personal), and the secret parts of a path (a
password-reset or confirmation token, a shared shortlist's token) are replaced. Any other line logged while a
request runs carries its request id, so an error can be matched to the request that met it.
"""

import contextlib
import contextvars
import datetime
import json
import logging
import re
import sys
import time
import uuid

from django.contrib.auth import SESSION_KEY
from django.core.signals import got_request_exception
from django.db import connections
from django.dispatch import receiver
from django.utils.functional import empty

logger = logging.getLogger("access")

REQUEST_ID_HEADER = "X-Request-ID"
# An id a load balancer or a client sent is kept when it is a plain token; anything else is replaced.
SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
# URL arguments that are secrets (anyone holding them may act): never written to a log.
SECRET_URL_KWARGS = frozenset({"token", "uidb64"})
REDACTED = "[redacted]"

current_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)

# The attributes every LogRecord has; anything else on a record came from `extra=` and goes into the JSON, except
# the request Django's own loggers attach (django.security, django.server): its text holds the query string.
_RECORD_ATTRIBUTES = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}
_LEFT_OUT = _RECORD_ATTRIBUTES | {"request"}


class JsonFormatter(logging.Formatter):
    """A log record as one line of JSON: time, level, logger, message, the record's extra fields, the current
    request's id, and a traceback field when the record carries an exception."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.datetime.fromtimestamp(record.created, tz=datetime.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name, value in vars(record).items():
            if name not in _LEFT_OUT and not name.startswith("_"):
                entry[name] = value
        request_id = current_request_id.get()
        if request_id and "request_id" not in entry:
            entry["request_id"] = request_id
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


class _QueryCounter:
    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def request_id_for(request) -> str:
    given = request.headers.get(REQUEST_ID_HEADER, "")
    return given if SAFE_REQUEST_ID.fullmatch(given) else uuid.uuid4().hex


def logged_path(request) -> str:
    path = request.path
    match = getattr(request, "resolver_match", None)
    if match is not None:
        for name in SECRET_URL_KWARGS & match.kwargs.keys():
            path = path.replace(str(match.kwargs[name]), REDACTED)
    return path


def user_id_of(request) -> int | None:
    """The signed-in user's id, when the request already looked (no query is made for the log line)."""
    user = getattr(request, "user", None)
    wrapped = getattr(user, "_wrapped", user)
    if wrapped is None or wrapped is empty:  # no user, or a lazy one nothing read
        session = getattr(request, "session", None)
        if session is not None and getattr(session, "_session_cache", None) is not None:
            return _as_int(session.get(SESSION_KEY))
        return None
    return wrapped.pk if getattr(wrapped, "is_authenticated", False) else None


def _as_int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@receiver(got_request_exception)
def _keep_exception(sender, request=None, **kwargs):
    """Django turns an exception anywhere in the request into a 500 before the outermost middleware sees it:
    keep it on the request, for the request's log line to carry its traceback."""
    if request is not None:
        request._logged_exception = sys.exc_info()


class RequestLogMiddleware:
    """Outermost: times the whole request, counts its database queries on every connection, and logs one line.

    Responses carry the request id (X-Request-ID), so a person reporting a problem can quote it.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = request_id_for(request)
        request.request_id = request_id
        token = current_request_id.set(request_id)
        counter = _QueryCounter()
        started = time.perf_counter()
        try:
            with contextlib.ExitStack() as stack:
                for connection in connections.all():
                    stack.enter_context(connection.execute_wrapper(counter))
                response = self.get_response(request)
            response[REQUEST_ID_HEADER] = request_id
            self._log(request, response.status_code, started, counter.count)
            return response
        finally:
            current_request_id.reset(token)

    @staticmethod
    def _log(request, status: int, started: float, queries: int) -> None:
        exc_info = getattr(request, "_logged_exception", None)
        level = logging.ERROR if status >= 500 else logging.WARNING if status >= 400 else logging.INFO
        logger.log(
            level,
            "%s %s %s",
            request.method,
            logged_path(request),
            status,
            exc_info=exc_info,
            extra={
                "request_id": request.request_id,
                "method": request.method,
                "path": logged_path(request),
                "status": status,
                "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                "queries": queries,
                "user_id": user_id_of(request),
            },
        )
