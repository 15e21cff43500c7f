"""Production settings: secrets and hosts only from the environment, HTTPS enforced."""

from django.core.exceptions import ImproperlyConfigured

from common.checks import SHARED_CACHE_HINT, per_process_cache

from .base import *  # noqa: F401,F403
from .base import DEBUG, env

if DEBUG:
    raise ImproperlyConfigured("DEBUG must be off in production.")

# No default: a production start-up without ALLOWED_HOSTS is an error.
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
# Load balancers probe over plain HTTP; the health check answers them instead of redirecting.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True

STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Throttles and cached counts must be shared by every worker: several workers (gunicorn reads
# WEB_CONCURRENCY) with a per-process cache would each count alone, so refuse to start. A server
# started with `gunicorn -w 4` does not say how many workers it runs, so a per-process cache is
# refused unless WEB_CONCURRENCY=1 declares that this process serves alone.
WEB_CONCURRENCY = env.int("WEB_CONCURRENCY", default=None)
if per_process_cache(CACHES) and WEB_CONCURRENCY != 1:  # noqa: F405
    workers = f"WEB_CONCURRENCY is {WEB_CONCURRENCY}" if WEB_CONCURRENCY else "WEB_CONCURRENCY is not set"
    raise ImproperlyConfigured(
        f"{workers} but the cache is per process ({per_process_cache(CACHES)}): each worker "  # noqa: F405
        f"would count throttles alone. {SHARED_CACHE_HINT} With one process only, set WEB_CONCURRENCY=1."
    )
