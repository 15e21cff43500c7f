"""gunicorn's settings for the web process, from the environment: `gunicorn -c config/gunicorn.py config.wsgi`.

Every variable is listed, with its default, in docs/deploy.md ("The web process").
"""

import os
from pathlib import Path


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name) or default)


# GUNICORN_BIND wins (e.g. "unix:/run/directory.sock" or "0.0.0.0:8000"); else HOST and PORT, loopback by default.
bind = [os.environ.get("GUNICORN_BIND") or f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"]

# Processes and threads per process. More than one process needs a shared cache (CACHE_URL=redis://...):
# config.settings.production refuses to start otherwise.
workers = _int("WEB_CONCURRENCY", 2)
threads = _int("GUNICORN_THREADS", 1)

# A request running longer than this is killed (and logged by gunicorn); a restart lets running requests finish
# within graceful_timeout. Uploads of photos and scans are the slowest requests.
timeout = _int("GUNICORN_TIMEOUT", 30)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = _int("GUNICORN_KEEPALIVE", 5)

# A worker is replaced after about this many requests (the jitter keeps them from restarting together), which
# bounds any slow growth of its memory. 0 turns it off.
max_requests = _int("GUNICORN_MAX_REQUESTS", 1000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 100)

# The app writes one JSON line per request itself (common.logging), with its id, time and query count.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")

# Which proxies may set X-Forwarded-Proto (the app reads it for HTTPS: SECURE_PROXY_SSL_HEADER). Loopback only by
# default; the load balancers' addresses (comma-separated) in production, "*" only when nothing else can reach it.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# The workers' heartbeat files in memory, not on a disk that may stall (a container's overlay file system).
# gunicorn creates and unlinks them itself, with random names, so the shared folder is safe for them.
SHARED_MEMORY = Path("/dev/shm")  # noqa: S108
if SHARED_MEMORY.is_dir():
    worker_tmp_dir = str(SHARED_MEMORY)

# Load the app before forking: a broken setting stops the start-up at once, with its message, in the master.
preload_app = os.environ.get("GUNICORN_PRELOAD", "true").lower() in ("1", "true", "yes")
