"""Test settings: fast hashing, mail kept in memory, media in a throw-away folder."""

import os
import tempfile

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production")

from .base import *  # noqa: E402,F401,F403
from .base import DATABASE_REPLICAS, DATABASES, MIDDLEWARE, STORAGES  # noqa: E402

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# CI's pass with the production parts runs the suite on Redis (TEST_CACHE_URL=redis://127.0.0.1:6379/3, a database
# of its own: the tests clear it), through the production backend (common.cache): throttles, counts and sessions'
# cache then behave as on a deployment. The process id keeps simultaneous runs' keys apart.
TEST_CACHE_URL = env.str("TEST_CACHE_URL", default="")  # noqa: F405
if TEST_CACHE_URL:
    CACHES = {
        "default": {
            **env.cache_url_config(TEST_CACHE_URL),  # noqa: F405
            "BACKEND": "common.cache.OutageTolerantRedisCache",
            "KEY_PREFIX": f"test-{os.getpid()}",
        }
    }

_media = tempfile.mkdtemp(prefix="therapists-test-media-")
MEDIA_ROOT = os.path.join(_media, "public")
PRIVATE_MEDIA_ROOT = os.path.join(_media, "private")
STORAGES = {
    **STORAGES,
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": MEDIA_ROOT},
    },
    "private": {
        "BACKEND": "common.storage.PrivateStorage",
        "OPTIONS": {"location": PRIVATE_MEDIA_ROOT, "base_url": None},
    },
}

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not SQLite's in-memory database: the concurrency tests write from several threads,
    # each with its own connection, which must all see one database with WAL and immediate
    # transactions as in production. The process id keeps simultaneous runs in one checkout apart;
    # the test runner deletes the file at the end.
    DATABASES["default"]["TEST"] = {
        "NAME": os.path.join(tempfile.gettempdir(), f"therapists-test-{os.getpid()}.sqlite3"),
    }

# A replica alias for the router's tests (tests/common/test_db_router.py): a second connection to the test database.
# The router is off for the rest of the suite, since a second connection cannot see a test's open transaction.
if not DATABASE_REPLICAS:
    DATABASES["replica_1"] = {**DATABASES["default"], "TEST": {"MIRROR": "default"}}
    DATABASE_REPLICAS = ["replica_1"]
DATABASE_ROUTERS = []
MIDDLEWARE = [name for name in MIDDLEWARE if name != "common.db.ReplicaMiddleware"]
