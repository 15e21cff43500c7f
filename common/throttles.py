"""Counting throttles in the shared cache: log-ins, sign-ups, password resets and posts, per address and per target."""

import hashlib
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

from .cache import CacheUnavailable
from .middleware import database_unavailable

logger = logging.getLogger(__name__)


class ThrottleUnavailable(Exception):
    """The shared cache cannot count, so the attempt is refused: throttles fail closed (docs/deploy.md)."""


@dataclass(frozen=True)
class Throttle:
    """At most `limit` hits per `window` seconds for one key; once reached, the key is refused.

    Counts live in the cache (Redis in production) so every app server sees the same numbers. The
    window is fixed from the first hit; `lockout`, when set, refuses for that long from the hit that
    reached the limit, so the last attempts of a window do not buy only a short pause.
    """

    scope: str
    limit: int
    window: int
    lockout: int | None = None

    def _key(self, kind: str, ident: str) -> str:
        # Hashed: usernames and addresses may hold characters memcached keys cannot.
        digest = hashlib.sha256(ident.encode("utf-8", "surrogatepass")).hexdigest()
        return f"throttle:{self.scope}:{kind}:{digest}"

    def is_blocked(self, *idents: str) -> bool:
        for ident in idents:
            if self.lockout and cache.get(self._key("lock", ident)):
                return True
            if cache.get(self._key("count", ident), 0) >= self.limit:
                return True
        return False

    def _count_one(self, ident: str, *, lock_on_refusal: bool = False) -> int:
        """Add one to the key's count and return the new count: one atomic increment on the shared cache.

        The lock-out starts with the hit that reaches the limit, or (`lock_on_refusal`) with the first
        attempt refused: an attempt that was let through may yet succeed, and then nothing is locked."""
        key = self._key("count", ident)
        cache.add(key, 0, self.window)
        try:
            count = cache.incr(key)
        except CacheUnavailable as error:
            # Not counted is not allowed: log-ins, sign-ups, resets and posts wait for the cache to come back.
            raise ThrottleUnavailable(f"{self.scope}: {error}") from error
        except ValueError:
            # The window ended between add() and incr(): this hit opens a new one.
            cache.set(key, 1, self.window)
            count = 1
        if self.lockout and (count == self.limit + 1 if lock_on_refusal else count >= self.limit):
            cache.set(self._key("lock", ident), True, self.lockout)
        return count

    def hit(self, *idents: str) -> None:
        for ident in idents:
            self._count_one(ident)

    def count(self, ident: str) -> int:
        """Count one hit on one key and return the window's count so far, this hit included: each hit sees its
        own number, so "the Nth hit" happens exactly once per window whatever the number of processes."""
        return self._count_one(ident)

    def allow(self, *idents: str) -> bool:
        """Count this attempt for every key, then say whether each stays within its limit.

        Increment first, check after: the increment is atomic on the shared cache, so simultaneous
        attempts in any number of processes each see their own count and at most `limit` get True.
        An attempt that turns out not to count (a write refused for another reason) gives its
        place back with `release`.
        """
        allowed = True
        for ident in idents:
            locked = bool(self.lockout and cache.get(self._key("lock", ident)))
            if self._count_one(ident, lock_on_refusal=True) > self.limit or locked:
                allowed = False
        return allowed

    def release(self, *idents: str) -> None:
        """Give back the place an `allow` took, for an attempt that did not count in the end."""
        for ident in idents:
            try:
                cache.decr(self._key("count", ident))
            except ValueError:
                pass  # the window has ended: nothing left to give back

    def reset(self, *idents: str) -> None:
        for ident in idents:
            cache.delete_many([self._key("count", ident), self._key("lock", ident)])


class ThrottleUnavailableMiddleware:
    """An attempt refused because the throttles cannot count answers 503 with Retry-After ("back in a moment",
    nothing was saved), never a 500. Raised before the attempt writes anything."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, ThrottleUnavailable):
            return None
        logger.warning("Refused %s %s: the throttles cannot count (%s)", request.method, request.path, exception)
        return database_unavailable()


def login_throttle() -> Throttle:
    """Failed log-ins from one address on one account (the pair): the guesser is stopped, not the owner."""
    return Throttle(
        scope="login",
        limit=settings.LOGIN_FAILURE_LIMIT,
        window=settings.LOGIN_FAILURE_WINDOW_SECONDS,
        lockout=settings.LOGIN_LOCKOUT_SECONDS,
    )


def login_address_throttle() -> Throttle:
    """Failed log-ins from one address on any accounts: one source spraying guesses over many accounts."""
    return Throttle(
        scope="login-address",
        limit=settings.LOGIN_ADDRESS_FAILURE_LIMIT,
        window=settings.LOGIN_FAILURE_WINDOW_SECONDS,
        lockout=settings.LOGIN_LOCKOUT_SECONDS,
    )


def login_alert_throttle() -> Throttle:
    """Failed log-ins on one account from anywhere: never refuses, but the owner is told once per window."""
    return Throttle(
        scope="login-account", limit=settings.LOGIN_ALERT_FAILURES, window=settings.LOGIN_FAILURE_WINDOW_SECONDS
    )


def signup_throttle() -> Throttle:
    return Throttle(scope="signup", limit=settings.SIGNUP_LIMIT, window=settings.SIGNUP_WINDOW_SECONDS)


def password_reset_address_throttle() -> Throttle:
    return Throttle(
        scope="password-reset-address",
        limit=settings.PASSWORD_RESET_ADDRESS_LIMIT,
        window=settings.PASSWORD_RESET_WINDOW_SECONDS,
    )


def password_reset_email_throttle() -> Throttle:
    return Throttle(
        scope="password-reset-email",
        limit=settings.PASSWORD_RESET_EMAIL_LIMIT,
        window=settings.PASSWORD_RESET_WINDOW_SECONDS,
    )


def email_confirmation_throttle() -> Throttle:
    return Throttle(
        scope="email-confirmation",
        limit=settings.EMAIL_CONFIRMATION_SEND_LIMIT,
        window=settings.EMAIL_CONFIRMATION_SEND_WINDOW_SECONDS,
    )


def review_post_throttle() -> Throttle:
    return Throttle(scope="review-post", limit=settings.REVIEW_POST_LIMIT, window=settings.REVIEW_POST_WINDOW_SECONDS)


def review_address_throttle() -> Throttle:
    """New reviews from one client address, whichever accounts post them."""
    return Throttle(
        scope="review-post-address",
        limit=settings.REVIEW_POST_ADDRESS_LIMIT,
        window=settings.REVIEW_POST_WINDOW_SECONDS,
    )


def client_address(request) -> str:
    """The client's address. Behind TRUSTED_PROXY_COUNT proxies (load balancers) it is the entry that
    many places from the right of X-Forwarded-For: the one the outermost trusted proxy saw. Entries
    further left are the client's own claims and are never trusted."""
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= proxies:
            return forwarded[-proxies][:64]
    return request.META.get("REMOTE_ADDR") or "unknown"
