"""Test settings: fast hashing, mail kept in memory, media in a throw-away folder."""

import os
import tempfile

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production")

from .base import *  # noqa: E402,F401,F403
from .base import DATABASES, STORAGES  # noqa: E402

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

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
