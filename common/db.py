"""Read replicas: which database each query of a request goes to (DATABASE_REPLICA_URLS, config.settings.base).

A replica may lag the primary by a moment, so it only serves what cannot tell: the reads of a GET or HEAD request
by someone who has not written recently. Everything else reads the primary:
- every query of a write request (POST, PUT, PATCH, DELETE, ...), and every write anywhere;
- for REPLICA_STICKY_SECONDS after a person's own write request, their reads (a signed cookie says when they
  last wrote), so a review they just posted never seems to vanish;
- the rest of a request once it has written anything, and every read inside a transaction;
- everything outside a request: management commands, migrations, background jobs, the shell.
"""

import contextvars
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

SAFE_METHODS = frozenset({"GET", "HEAD"})
RECENT_WRITE_COOKIE = "recent_write"
_COOKIE_SALT = "common.db.recent-write"


@dataclass
class _RequestReads:
    """Where one request's reads go: a replica chosen for the whole request, until the request writes."""

    replica: str | None
    wrote: bool = False


_reads: contextvars.ContextVar[_RequestReads | None] = contextvars.ContextVar("replica_reads", default=None)


def replica_aliases() -> list[str]:
    return list(getattr(settings, "DATABASE_REPLICAS", []))


class ReplicaRouter:
    """Reads to the replica the current request was given, if any; writes and migrations to the primary only."""

    def db_for_read(self, model, **hints):
        reads = _reads.get()
        if reads is None or reads.replica is None or connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return DEFAULT_DB_ALIAS
        return reads.replica

    def db_for_write(self, model, **hints):
        reads = _reads.get()
        if reads is not None:
            # Whatever the request reads after its first write must see that write.
            reads.replica = None
            reads.wrote = True
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        # The primary and its replicas hold the same rows: an object read from one may point at one from another.
        same_database = {DEFAULT_DB_ALIAS, *replica_aliases()}
        if obj1._state.db in same_database and obj2._state.db in same_database:
            return True
        return None

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        # A replica follows the primary's schema by replication; nothing migrates it directly.
        return False if db in replica_aliases() else None


def wrote_recently(request) -> bool:
    """Whether the request comes from someone whose own write is younger than REPLICA_STICKY_SECONDS."""
    value = request.get_signed_cookie(
        RECENT_WRITE_COOKIE, default=None, salt=_COOKIE_SALT, max_age=settings.REPLICA_STICKY_SECONDS
    )
    return value is not None


def reads_replica(request) -> str | None:
    """The replica a request's reads go to, or None for the primary."""
    replicas = replica_aliases()
    if not replicas or request.method not in SAFE_METHODS or wrote_recently(request):
        return None
    return secrets.choice(replicas)


class ReplicaMiddleware:
    """Gives each request its database for reads (reads_replica), and marks a writer's next requests as recent."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        reads = _RequestReads(replica=reads_replica(request))
        token = _reads.set(reads)
        try:
            response = self.get_response(request)
        finally:
            _reads.reset(token)
        if request.method not in SAFE_METHODS or reads.wrote:
            response.set_signed_cookie(
                RECENT_WRITE_COOKIE,
                "1",
                salt=_COOKIE_SALT,
                max_age=settings.REPLICA_STICKY_SECONDS,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response
