"""The shared cache when Redis goes away: reads become misses and writes are dropped, so pages keep working.

Everything the site keeps in the cache can be rebuilt from the database (facet counts, vocabularies, priors,
sessions under `cached_db`), except the throttles' counters: `incr` cannot answer without Redis, so it raises
CacheUnavailable and the throttles refuse (common.throttles: they fail closed). After a failed connection the
process leaves Redis alone for CACHE_OUTAGE_RETRY_SECONDS, so an outage costs one timeout, not one per lookup.
"""

import logging
import threading
import time

from django.conf import settings
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

# What a Redis outage raises: the server refused, reset or did not answer in time.
OUTAGE_ERRORS = (RedisConnectionError, RedisTimeoutError, OSError)


class CacheUnavailable(ValueError):
    """The cache could not count: Redis did not answer.

    A ValueError, which is what `incr` raises for a missing key: code that starts a counter afresh on a miss
    (the directory's generation) carries on, its `set` dropped. The throttles catch it first and fail closed.
    """


class _Outage:
    """Per process and per Redis location: until when to leave Redis alone after a failure."""

    _lock = threading.Lock()
    _until: dict[str, float] = {}

    @classmethod
    def ongoing(cls, location: str) -> bool:
        return time.monotonic() < cls._until.get(location, 0.0)

    @classmethod
    def start(cls, location: str, error: Exception, operation: str) -> None:
        retry = settings.CACHE_OUTAGE_RETRY_SECONDS
        with cls._lock:
            first = not cls.ongoing(location)
            cls._until[location] = time.monotonic() + retry
        if first:
            logger.error(
                "Cache unavailable (%s failed: %s); reads are misses and writes are dropped for %ss",
                operation,
                error.__class__.__name__,
                retry,
            )

    @classmethod
    def end(cls, location: str) -> None:
        if cls._until.pop(location, None) is not None:
            logger.warning("Cache available again")


class OutageTolerantRedisCache(RedisCache):
    """Django's RedisCache that degrades instead of raising when Redis does not answer (see the module)."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._location = server if isinstance(server, str) else ",".join(server)

    def _call(self, operation: str, fallback, *args, **kwargs):
        if _Outage.ongoing(self._location):
            return fallback
        try:
            result = getattr(super(), operation)(*args, **kwargs)
        except OUTAGE_ERRORS as error:
            _Outage.start(self._location, error, operation)
            return fallback
        _Outage.end(self._location)
        return result

    def get(self, key, default=None, version=None):
        return self._call("get", default, key, default, version=version)

    def get_many(self, keys, version=None):
        return self._call("get_many", {}, keys, version=version)

    def has_key(self, key, version=None):
        return self._call("has_key", False, key, version=version)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("add", False, key, value, timeout=timeout, version=version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set", None, key, value, timeout=timeout, version=version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set_many", list(data), data, timeout=timeout, version=version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("touch", False, key, timeout=timeout, version=version)

    def delete(self, key, version=None):
        return self._call("delete", False, key, version=version)

    def delete_many(self, keys, version=None):
        return self._call("delete_many", None, keys, version=version)

    def clear(self):
        return self._call("clear", False)

    def incr(self, key, delta=1, version=None):
        unavailable = object()
        result = self._call("incr", unavailable, key, delta=delta, version=version)
        if result is unavailable:
            raise CacheUnavailable("The cache did not answer: nothing can be counted until it is back.")
        return result

    def ping(self) -> None:
        """Ask Redis itself, past the outage pause (the readiness probe): raises when it does not answer."""
        self._cache.get_client(write=True).ping()
        _Outage.end(self._location)
