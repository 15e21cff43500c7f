"""Counting throttles in the shared cache: failed log-ins per account and per address, posts per user."""

import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache


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

    def _count_one(self, ident: str) -> int:
        """Add one to the key's count and return the new count: one atomic increment on the shared cache."""
        key = self._key("count", ident)
        cache.add(key, 0, self.window)
        try:
            count = cache.incr(key)
        except ValueError:
            # The window ended between add() and incr(): this hit opens a new one.
            cache.set(key, 1, self.window)
            count = 1
        if self.lockout and count >= self.limit:
            cache.set(self._key("lock", ident), True, self.lockout)
        return count

    def hit(self, *idents: str) -> None:
        for ident in idents:
            self._count_one(ident)

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
            if self._count_one(ident) > self.limit or locked:
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


def login_throttle() -> Throttle:
    return Throttle(
        scope="login",
        limit=settings.LOGIN_FAILURE_LIMIT,
        window=settings.LOGIN_FAILURE_WINDOW_SECONDS,
        lockout=settings.LOGIN_LOCKOUT_SECONDS,
    )


def review_post_throttle() -> Throttle:
    return Throttle(scope="review-post", limit=settings.REVIEW_POST_LIMIT, window=settings.REVIEW_POST_WINDOW_SECONDS)


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
