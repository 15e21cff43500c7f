"""Where accounts are used from, kept only as keyed hashes: the browser's "device" cookie and the footprints that
log-ins and profile owners' dashboard writes leave, which the review integrity signals compare a new review with.

A footprint is an address or a browser an account was used from: `footprint_hash(kind, value)`, an HMAC under
SECRET_KEY, never the address or the cookie itself, and neither is ever logged. The device cookie is a random
256-bit value set at log-in (HttpOnly, SameSite=Lax, Secure where the session cookie is), so a browser is known
again across sessions and accounts. A footprint is written at most once an hour per account, kind and value
(a key in the shared cache), and footprints older than FOOTPRINT_MAX_AGE are never read.
"""

import datetime
import re

from django.contrib.auth.models import AbstractBaseUser
from django.core.cache import cache
from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.crypto import salted_hmac

from .models import AccountFootprint

DEVICE_COOKIE = "device"
# 400 days: the longest lifetime browsers keep a cookie for.
DEVICE_COOKIE_MAX_AGE = 400 * 24 * 60 * 60
# secrets.token_urlsafe(32): 256 random bits in 43 URL-safe characters. Anything else in the cookie is ignored.
DEVICE_ID_PATTERN = re.compile(r"[A-Za-z0-9_-]{43}")
RECORD_INTERVAL_SECONDS = 60 * 60
FOOTPRINT_MAX_AGE = datetime.timedelta(days=90)


def footprint_hash(kind: str, value: str) -> str:
    """What is kept of an address or a device id: an HMAC keyed on SECRET_KEY, one key per kind."""
    return salted_hmac(f"accounts.AccountFootprint.{kind}", value, algorithm="sha256").hexdigest()


def device_id(request: HttpRequest) -> str | None:
    """The browser's device id from its cookie, or None when it has none (or something that is not one)."""
    value = request.COOKIES.get(DEVICE_COOKIE, "")
    return value if DEVICE_ID_PATTERN.fullmatch(value) else None


def footprint_hashes(*, address: str | None, device: str | None) -> dict[str, str]:
    """The footprints one request leaves, by kind: {"address": hash, "device": hash}, each when known."""
    hashes = {}
    if address:
        hashes[AccountFootprint.Kind.ADDRESS] = footprint_hash(AccountFootprint.Kind.ADDRESS, address)
    if device:
        hashes[AccountFootprint.Kind.DEVICE] = footprint_hash(AccountFootprint.Kind.DEVICE, device)
    return hashes


def footprints_used(*, user_id: int, hashes: dict[str, str], since: datetime.datetime) -> set[str]:
    """The kinds among `hashes` that this account was seen with since `since` (no older than FOOTPRINT_MAX_AGE):
    one query, none when there is nothing to compare."""
    if not hashes:
        return set()
    since = max(since, timezone.now() - FOOTPRINT_MAX_AGE)
    matches = Q()
    for kind, value_hash in hashes.items():
        matches |= Q(kind=kind, value_hash=value_hash)
    return set(
        AccountFootprint.objects.filter(matches, user_id=user_id, last_seen__gte=since).values_list("kind", flat=True)
    )


def _cache_key(user_id: int, kind: str, value_hash: str) -> str:
    return f"footprint:{user_id}:{kind}:{value_hash}"


def footprint_record(*, user: AbstractBaseUser, hashes: dict[str, str]) -> int:
    """Note that this account was used with these footprints now; returns how many rows were written.

    Once an hour at most per account, kind and value: the cache remembers the last write (a footprint's
    last_seen is read in days, so an hour late does not matter)."""
    written = 0
    now = timezone.now()
    for kind, value_hash in hashes.items():
        key = _cache_key(user.pk, kind, value_hash)
        if not cache.add(key, True, RECORD_INTERVAL_SECONDS):
            continue
        try:
            _upsert(user_id=user.pk, kind=kind, value_hash=value_hash, now=now)
        except DatabaseError:
            cache.delete(key)  # not written: the next request tries again
            raise
        written += 1
    return written


def _upsert(*, user_id: int, kind: str, value_hash: str, now: datetime.datetime) -> None:
    existing = AccountFootprint.objects.filter(user_id=user_id, kind=kind, value_hash=value_hash)
    if existing.update(last_seen=now):
        return
    try:
        with transaction.atomic():
            AccountFootprint.objects.create(
                user_id=user_id, kind=kind, value_hash=value_hash, first_seen=now, last_seen=now
            )
    except IntegrityError:
        # Another request wrote it first: it exists now.
        existing.update(last_seen=now)
