"""Views and view parts every app uses: forms whose data goes to a service, the health and readiness probes."""

import functools
import logging
import time
import uuid

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import connections
from django.http import HttpResponse, HttpResponseRedirect, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.generic import FormView
from kombu import Connection

from .forms import add_service_error
from .storage import private_storage


class ServiceFormView(FormView):
    """A form whose valid data goes to a service; a service's ValidationError re-renders the form as typed.

    Subclasses implement `perform(form)` (call one service; its return value is kept as `self.result`)
    and may set `success_message`, or override `get_success_url`, which can read `self.result`.
    """

    success_message = ""
    result = None

    def form_valid(self, form):
        try:
            self.result = self.perform(form)
        except ValidationError as error:
            add_service_error(form, error)
            return self.service_error(form, error)
        if self.get_success_message():
            messages.success(self.request, self.get_success_message())
        return HttpResponseRedirect(self.get_success_url())

    def service_error(self, form, error: ValidationError):
        return self.form_invalid(form)

    def get_success_message(self) -> str:
        return self.success_message

    def perform(self, form):
        raise NotImplementedError


@never_cache
def healthz(request):
    """200 "ok" when the database answers; 503 otherwise."""
    try:
        _database_ready("default")
    except Exception:  # noqa: BLE001 - any database failure means "not healthy"
        return HttpResponse("database unavailable", status=503, content_type="text/plain")
    return HttpResponse("ok", content_type="text/plain")


logger = logging.getLogger(__name__)


def _database_ready(alias: str) -> None:
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _cache_ready() -> None:
    ping = getattr(cache, "ping", None)
    if ping is not None:
        ping()  # Redis itself, past the backend's outage pause (common.cache)
        return
    key, token = f"readyz:{uuid.uuid4().hex}", uuid.uuid4().hex
    cache.set(key, token, 10)
    if cache.get(key) != token:
        raise RuntimeError("the cache did not keep a value")
    cache.delete(key)


def _storage_ready() -> None:
    # A lookup, not a write: load balancers probe every few seconds, and object storage bills each PUT. Both the
    # photos' storage and the documents' (a bucket or key of its own may be the one that is wrong).
    default_storage.exists("readyz-probe")
    private_storage().exists("readyz-probe")


def _broker_ready() -> None:
    timeout = settings.READINESS_TIMEOUT_SECONDS
    with Connection(settings.CELERY_BROKER_URL, connect_timeout=timeout) as broker:
        broker.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=timeout)


def readiness_checks() -> dict:
    """Each dependency by name: the databases (the primary is "database"), the cache, the storage of uploads,
    and the Celery broker when CELERY_BROKER_URL names one."""
    checks = {
        ("database" if alias == "default" else f"database:{alias}"): functools.partial(_database_ready, alias)
        for alias in connections
    }
    checks.update(cache=_cache_ready, storage=_storage_ready)
    if getattr(settings, "CELERY_BROKER_URL", "") not in ("", "memory://"):  # memory://: tasks run in-process
        checks["broker"] = _broker_ready
    return checks


@never_cache
def readyz(request):
    """200 {"status": "ok", "checks": {...}} when every dependency answers; 503 naming those that did not.

    For the load balancer (send traffic here?) and the person on call. The answer names the failing kind of
    error only; the details go to the log.
    """
    results = {}
    for name, check in readiness_checks().items():
        started = time.perf_counter()
        try:
            check()
        except Exception as error:  # noqa: BLE001 - whatever failed, this dependency is not ready
            logger.warning("Readiness: %s is not ready", name, exc_info=error)
            results[name] = {"ok": False, "error": type(error).__name__}
        else:
            results[name] = {"ok": True}
        results[name]["ms"] = round((time.perf_counter() - started) * 1000, 1)
    ready = all(result["ok"] for result in results.values())
    return JsonResponse({"status": "ok" if ready else "unavailable", "checks": results}, status=200 if ready else 503)
