"""System checks of the deployment: a cache every process shares, so that throttles and cached counts hold."""

from django.conf import settings
from django.core.checks import Warning as CheckWarning

# Caches that live inside one process: each worker would count log-in failures, review posts and the
# directory's generation on its own, so N workers allow N times every limit and show stale counts.
PER_PROCESS_CACHE_BACKENDS = frozenset(
    {
        "django.core.cache.backends.locmem.LocMemCache",
        "django.core.cache.backends.dummy.DummyCache",
    }
)
SHARED_CACHE_HINT = "Set CACHE_URL to a shared cache with atomic increments, e.g. CACHE_URL=redis://127.0.0.1:6379/1."


def per_process_cache(caches: dict) -> str | None:
    """The backend of the default cache when it lives inside one process, else None."""
    backend = caches.get("default", {}).get("BACKEND", "")
    return backend if backend in PER_PROCESS_CACHE_BACKENDS else None


def check_cache_is_shared(app_configs=None, **kwargs):
    """`check --deploy` (registered by common.apps): warn when the default cache is per process."""
    backend = per_process_cache(settings.CACHES)
    if backend is None:
        return []
    return [
        CheckWarning(
            f"The default cache is per process ({backend}): with more than one worker, each counts log-in "
            "failures, review posts and the directory's generation alone, so the limits do not hold.",
            hint=SHARED_CACHE_HINT,
            id="common.W001",
        )
    ]
