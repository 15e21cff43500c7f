"""Settings shared by every environment, read from the environment (12-factor)."""

from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
# A developer may keep their variables in a git-ignored .env beside manage.py.
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set the SECRET_KEY environment variable (or DEBUG=true for local development)."
        )
    SECRET_KEY = "insecure-development-key-only-used-with-debug"  # noqa: S105 - only with DEBUG on

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])

DJANGO_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
]
THIRD_PARTY_APPS = [
    "django_filters",
    # A second factor (time-based one-time passwords) that staff turn on for the admin.
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
]
LOCAL_APPS = [
    # An app only for its deployment checks (common.checks); it has no models.
    "common",
    "accounts",
    "therapists",
    "reviews",
    "shortlists",
    "appointments",
    # seed_demo; the product never imports it.
    "demo",
]
INSTALLED_APPS = DJANGO_APPS + THIRD_PARTY_APPS + LOCAL_APPS

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "common.middleware.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # The addresses and browsers a profile owner's account uses (hashed), for the reviews' integrity signals.
    "accounts.middleware.FootprintMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Innermost, so their answers still pass every header above. Sessions and the user load lazily,
    # so a NUL is refused before anything reads it; a database error raised by a view becomes a 503.
    "common.middleware.RejectNulMiddleware",
    "common.middleware.DatabaseUnavailableMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "shortlists.context_processors.shortlist",
            ],
        },
    },
]

# The embedded default is a SQLite file in the project folder; DATABASE_URL switches
# to PostgreSQL (postgres://user:pass@host:5432/name) with no code change.
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# How long a SQLite writer waits for another's lock before giving up; the request then answers 503 with
# Retry-After (common.middleware) instead of hanging a worker while a long write holds the database.
SQLITE_BUSY_TIMEOUT_SECONDS = env.float("SQLITE_BUSY_TIMEOUT_SECONDS", default=5.0)
# What a 503 (the database unavailable) tells the client to wait before trying again.
DATABASE_UNAVAILABLE_RETRY_AFTER_SECONDS = env.int("DATABASE_UNAVAILABLE_RETRY_AFTER_SECONDS", default=10)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers run beside the one writer; "immediate" takes the write lock at
    # BEGIN so concurrent writers queue on the busy timeout instead of failing midway.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": SQLITE_BUSY_TIMEOUT_SECONDS,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
FORMS_URLFIELD_ASSUME_HTTPS = True

# Throttles and cached counts live here. The default, local memory, is per process: right for `make run`,
# wrong for several workers, each of which would count alone. Production names a shared cache with atomic
# increments, CACHE_URL=redis://host:6379/1 (Django's RedisCache); config.settings.production refuses to
# start with a per-process cache unless WEB_CONCURRENCY=1, and `check --deploy` warns of one (common.checks).
CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://")}
# Keeps this site's keys apart when several sites (or test runs) share one Redis.
CACHES["default"].setdefault("KEY_PREFIX", env.str("CACHE_KEY_PREFIX", default=""))

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTH_USER_MODEL = "accounts.User"
# Log in with a username or an email address.
AUTHENTICATION_BACKENDS = ["accounts.backends.UsernameOrEmailBackend"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"
# Log-in throttle: after this many failures on one account from one address (the pair), or this many
# from one address on any accounts, within the window, that source is refused for the lockout. An
# account is never locked for everyone: its owner is emailed after LOGIN_ALERT_FAILURES failures in a
# window instead. Counts live in the cache (shared with CACHE_URL) and are counted before the password
# check, atomically, so the limits hold across processes.
LOGIN_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=10)
LOGIN_ADDRESS_FAILURE_LIMIT = env.int("LOGIN_ADDRESS_FAILURE_LIMIT", default=30)
LOGIN_FAILURE_WINDOW_SECONDS = env.int("LOGIN_FAILURE_WINDOW_SECONDS", default=15 * 60)
LOGIN_LOCKOUT_SECONDS = env.int("LOGIN_LOCKOUT_SECONDS", default=15 * 60)
LOGIN_ALERT_FAILURES = env.int("LOGIN_ALERT_FAILURES", default=20)
# Sign-ups per address per window (each sends an email, whether or not the address has an account).
SIGNUP_LIMIT = env.int("SIGNUP_LIMIT", default=5)
SIGNUP_WINDOW_SECONDS = env.int("SIGNUP_WINDOW_SECONDS", default=60 * 60)
# Password-reset emails per target address and requests per client address, per window.
PASSWORD_RESET_EMAIL_LIMIT = env.int("PASSWORD_RESET_EMAIL_LIMIT", default=3)
PASSWORD_RESET_ADDRESS_LIMIT = env.int("PASSWORD_RESET_ADDRESS_LIMIT", default=10)
PASSWORD_RESET_WINDOW_SECONDS = env.int("PASSWORD_RESET_WINDOW_SECONDS", default=60 * 60)
# The email-confirmation link: how long it works, and how many a person may ask for per window.
EMAIL_CONFIRMATION_MAX_AGE_SECONDS = env.int("EMAIL_CONFIRMATION_MAX_AGE_SECONDS", default=3 * 24 * 60 * 60)
EMAIL_CONFIRMATION_SEND_LIMIT = env.int("EMAIL_CONFIRMATION_SEND_LIMIT", default=3)
EMAIL_CONFIRMATION_SEND_WINDOW_SECONDS = env.int("EMAIL_CONFIRMATION_SEND_WINDOW_SECONDS", default=60 * 60)
# A second factor (TOTP, with backup codes) for the admin: required at the admin's log-in for anyone who
# has set one up; with STAFF_TWO_FACTOR_REQUIRED, for every staff member (those without one set it up first).
STAFF_TWO_FACTOR_REQUIRED = env.bool("STAFF_TWO_FACTOR_REQUIRED", default=False)
OTP_TOTP_ISSUER = "Therapist Directory"
# How many proxies (load balancers) stand in front of the app and append to X-Forwarded-For.
# 0 (the default, and right for `make run`): the client's address is REMOTE_ADDR.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
# New reviews per user, and per client address across accounts, per window (counted in the shared cache).
REVIEW_POST_LIMIT = env.int("REVIEW_POST_LIMIT", default=5)
REVIEW_POST_ADDRESS_LIMIT = env.int("REVIEW_POST_ADDRESS_LIMIT", default=10)
REVIEW_POST_WINDOW_SECONDS = env.int("REVIEW_POST_WINDOW_SECONDS", default=60 * 60)
# The thresholds of the rules that hold a review for a moderator, whatever its rating (reviews.integrity.RULES).
# An account younger than REVIEW_NEW_ACCOUNT_DAYS is new; REVIEW_CLUSTER_SIZE reviews of one therapist from new
# accounts within REVIEW_CLUSTER_HOURS, this one included, are a cluster (the same window for a shared address).
REVIEW_NEW_ACCOUNT_DAYS = env.int("REVIEW_NEW_ACCOUNT_DAYS", default=7)
REVIEW_CLUSTER_SIZE = env.int("REVIEW_CLUSTER_SIZE", default=3)
REVIEW_CLUSTER_HOURS = env.int("REVIEW_CLUSTER_HOURS", default=24)
# A new account that already posted this many reviews in the day before is busy.
REVIEW_BUSY_ACCOUNT_REVIEWS = env.int("REVIEW_BUSY_ACCOUNT_REVIEWS", default=2)
# How recent a footprint (address or browser) of the therapist's own account must be to count.
REVIEW_FOOTPRINT_DAYS = env.int("REVIEW_FOOTPRINT_DAYS", default=30)
# A burst: at least REVIEW_BURST_MIN_REVIEWS reviews within REVIEW_BURST_HOURS, and at least REVIEW_BURST_FACTOR
# times the therapist's usual number in that many hours (over the REVIEW_BURST_BASELINE_DAYS before).
REVIEW_BURST_HOURS = env.int("REVIEW_BURST_HOURS", default=24)
REVIEW_BURST_MIN_REVIEWS = env.int("REVIEW_BURST_MIN_REVIEWS", default=6)
REVIEW_BURST_FACTOR = env.float("REVIEW_BURST_FACTOR", default=4)
REVIEW_BURST_BASELINE_DAYS = env.int("REVIEW_BURST_BASELINE_DAYS", default=60)
# Near-duplicates: how far back, how many recent reviews at most, how alike (Jaccard of three-word shingles).
REVIEW_NEAR_DUPLICATE_DAYS = env.int("REVIEW_NEAR_DUPLICATE_DAYS", default=90)
REVIEW_NEAR_DUPLICATE_SCAN = env.int("REVIEW_NEAR_DUPLICATE_SCAN", default=500)
REVIEW_NEAR_DUPLICATE_SIMILARITY = env.float("REVIEW_NEAR_DUPLICATE_SIMILARITY", default=0.8)

LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]

# Public media (profile photos) is served under MEDIA_URL. Certification documents hold
# personal data: they live in PRIVATE_MEDIA_ROOT, which no URL maps to, and are sent
# only through a permission-checked view.
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
PRIVATE_MEDIA_ROOT = env.path("PRIVATE_MEDIA_ROOT", default=BASE_DIR / "private_media")

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "private": {
        "BACKEND": "common.storage.PrivateStorage",
        "OPTIONS": {"location": str(PRIVATE_MEDIA_ROOT), "base_url": None},
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Uploads larger than this are written to a temporary file, never held whole in memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_NUMBER_FIELDS = 400
# The capped handler keeps at most 10 MB + 1 byte of any file, so an enormous upload cannot
# fill the disk; forms then refuse the file as too large (therapists.uploads).
FILE_UPLOAD_HANDLERS = [
    "common.uploads.CappedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
# Photos and scans decoded at once per process (each may take ~100 MB while decoded), and how long an upload
# waits for a free slot before the form says "busy, try again" (therapists.uploads.image_processing_slot).
UPLOAD_IMAGE_CONCURRENCY = env.int("UPLOAD_IMAGE_CONCURRENCY", default=2)
UPLOAD_IMAGE_WAIT_SECONDS = env.float("UPLOAD_IMAGE_WAIT_SECONDS", default=5.0)

EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Therapist Directory <noreply@localhost>")
# Links in emails are absolute: the address the site is reached at, without a trailing slash.
SITE_URL = env.str("SITE_URL", default="http://localhost:8000")

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# django-csp's middleware sends this on every response that has no policy of its own (the document views
# set a stricter one). No 'unsafe-inline' anywhere: the site has no inline script or style by design, and
# the admin's scripts are files too. Browser features are denied by common.middleware.PermissionsPolicyMiddleware.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

# Product settings.
SEARCH_PAGE_SIZE = 20
SEARCH_DEFAULT_RADIUS_KM = 25
# The site's home country (ISO 3166-1 alpha-2): its places come first when a typed place is resolved or suggested.
SITE_COUNTRY = env.str("SITE_COUNTRY", default="US").upper()
# How distances and the radius are shown ("mi" or "km"); the URL keeps `radius_km` whatever the unit.
DISTANCE_UNIT = env.str("DISTANCE_UNIT", default="mi" if SITE_COUNTRY == "US" else "km")
# Where a profile's "Get directions" link leads (a link the phone's map app opens; nothing is loaded from it).
DIRECTIONS_URL = env.str("DIRECTIONS_URL", default="https://www.google.com/maps/dir/?api=1")

# ---------------------------------------------------------------------------------------------------------------
# Production parts (issue 16). Each block below may override anything above; the defaults keep `make run` as it is.

# -- Web process: sessions in the cache, one JSON log line per request, health and readiness probes. --

# With Redis (CACHE_URL=redis://...): a backend that turns an outage into cache misses and dropped writes, so pages
# keep working from the database, while the throttles refuse (they cannot count: common.cache, common.throttles).
# Short socket timeouts: a Redis that does not answer costs a request at most this long, once per retry period.
CACHE_OUTAGE_RETRY_SECONDS = env.float("CACHE_OUTAGE_RETRY_SECONDS", default=5.0)
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    CACHES["default"]["BACKEND"] = "common.cache.OutageTolerantRedisCache"
    CACHES["default"].setdefault("OPTIONS", {}).update(
        {
            "socket_connect_timeout": env.float("CACHE_CONNECT_TIMEOUT_SECONDS", default=0.5),
            "socket_timeout": env.float("CACHE_TIMEOUT_SECONDS", default=1.0),
        }
    )
    # Sessions read from Redis and fall back to (and are always written to) the database: a Redis restart
    # logs nobody out.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

# Outermost, so the request's line covers every middleware: its time, its queries, its final status.
MIDDLEWARE = [
    "common.logging.RequestLogMiddleware",
    *MIDDLEWARE,
    # Beside the database's 503: an attempt the throttles cannot count is refused with a 503, not a 500.
    "common.throttles.ThrottleUnavailableMiddleware",
]
# LOG_FORMAT=json writes one JSON object a line, for a log collector (the default without DEBUG); "text" is for a
# person's terminal (the default with DEBUG, `make run`).
LOG_FORMAT = env.str("LOG_FORMAT", default="text" if DEBUG else "json")
if LOG_FORMAT not in ("json", "text"):
    raise ImproperlyConfigured(f'LOG_FORMAT is "{LOG_FORMAT}": it must be "json" or "text".')
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "common.logging.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # The request's own line (common.logging) says the status and carries the traceback: not twice.
        "django.request": {"level": "CRITICAL"},
        "django.server": {"level": "WARNING"},
    },
}
# /readyz asks the broker only when one is named (the background jobs' CELERY_BROKER_URL); seconds to wait for each.
READINESS_TIMEOUT_SECONDS = env.float("READINESS_TIMEOUT_SECONDS", default=2.0)

# -- Background jobs (Celery): emails after commit with retries, the daily scans as periodic tasks. --
# CELERY_BROKER_URL names the broker (redis://host:6379/2, or amqp://user:pass@host:5672// for RabbitMQ); the
# worker and the scheduler are started by `make worker` (or `celery -A config worker` and `celery -A config beat`).
# Unset, there is no broker and no worker: tasks run in the process that asks for them, so `make run` needs no
# server; emails are then sent after commit inside the request, and the daily jobs run from cron as commands.
from celery.schedules import crontab  # noqa: E402 - kept in this block

CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="") or "memory://"
CELERY_TASK_ALWAYS_EAGER = CELERY_BROKER_URL == "memory://"
# Tasks write what they do in the database or send it; nobody waits for a result.
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
# Kept in the broker until done: a task whose worker dies midway runs again (every task here is idempotent).
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=10 * 60)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=15 * 60)
# Several sites (or test runs) sharing a broker keep apart by queue name.
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_QUEUE", default="celery")
# Redis hands an unacknowledged task to another worker after this long: longer than any task, retry or countdown.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=6 * 60 * 60)}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_TIMEZONE = TIME_ZONE
# Celery's own scheduler with its file (no tables): one scheduler per deployment, whatever the number of workers.
CELERY_BEAT_SCHEDULE_FILENAME = env.str("CELERY_BEAT_SCHEDULE_FILENAME", default=str(BASE_DIR / "celerybeat-schedule"))
CELERY_BEAT_SCHEDULE = {
    # After midnight: a credential past its expiry date stops counting, and the site averages move.
    "refresh-scores": {"task": "therapists.tasks.refresh_scores", "schedule": crontab(hour=2, minute=10)},
    "remind-expiring-certifications": {
        "task": "therapists.tasks.remind_expiring_certifications",
        "schedule": crontab(hour=9, minute=0),
    },
    "ask-about-visits": {"task": "appointments.tasks.ask_about_visits", "schedule": crontab(hour=10, minute=0)},
}
# An email task tries this many times more when the mail server cannot be reached, waiting about 1, 2, 4 ... minutes
# (with jitter, at most EMAIL_RETRY_MAX_SECONDS); then it gives up with an error in the log.
EMAIL_RETRY_LIMIT = env.int("EMAIL_RETRY_LIMIT", default=6)
EMAIL_RETRY_BACKOFF_SECONDS = env.int("EMAIL_RETRY_BACKOFF_SECONDS", default=60)
EMAIL_RETRY_MAX_SECONDS = env.int("EMAIL_RETRY_MAX_SECONDS", default=60 * 60)
# An email sent is remembered this long under its key, so that a task delivered twice sends it once.
EMAIL_SENT_MEMORY_SECONDS = env.int("EMAIL_SENT_MEMORY_SECONDS", default=7 * 24 * 60 * 60)
# How long a connection to the mail server may hang before it counts as a failure (Django waits forever by default).
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
# Django's file backend (EMAIL_BACKEND=django.core.mail.backends.filebased.EmailBackend) writes here.
EMAIL_FILE_PATH = env.str("EMAIL_FILE_PATH", default=str(BASE_DIR / "var" / "sent-emails"))

# -- Object storage (django-storages, S3 API) and read replicas (DATABASE_REPLICA_URLS). --
# Uploads stay on the file system (MEDIA_ROOT, PRIVATE_MEDIA_ROOT) unless a bucket is named. With one, photos are
# public objects under `public/` and certification documents private objects under `private/`, in the same bucket
# or in AWS_PRIVATE_STORAGE_BUCKET_NAME; the classes in common.storage hold the rules (no URL for a document, ever).
# One shared bucket must be public for `public/*` only (a bucket policy); two buckets are simpler to get right.
AWS_STORAGE_BUCKET_NAME = env.str("AWS_STORAGE_BUCKET_NAME", default="")
if AWS_STORAGE_BUCKET_NAME:
    AWS_PRIVATE_STORAGE_BUCKET_NAME = env.str("AWS_PRIVATE_STORAGE_BUCKET_NAME", default=AWS_STORAGE_BUCKET_NAME)
    # Empty: Amazon S3 itself, its region, and the keys of the machine's role or environment (boto3's own lookup).
    AWS_S3_ENDPOINT_URL = env.str("AWS_S3_ENDPOINT_URL", default="") or None
    AWS_S3_REGION_NAME = env.str("AWS_S3_REGION_NAME", default="") or None
    AWS_ACCESS_KEY_ID = env.str("AWS_ACCESS_KEY_ID", default="") or None
    AWS_SECRET_ACCESS_KEY = env.str("AWS_SECRET_ACCESS_KEY", default="") or None
    # Where browsers fetch photos from (a CDN or the bucket's public host name), without a scheme; empty: the
    # endpoint itself, https://<endpoint>/<bucket>/public/...
    AWS_S3_CUSTOM_DOMAIN = env.str("AWS_S3_CUSTOM_DOMAIN", default="") or None
    AWS_DEFAULT_ACL = env.str("AWS_DEFAULT_ACL", default="") or None
    STORAGES = {
        **STORAGES,
        "default": {"BACKEND": "common.storage.PublicMediaStorage"},
        "private": {"BACKEND": "common.storage.PrivateMediaStorage"},
    }
    # The pages show photos from the bucket's host: the policy allows images from there, and nothing else.
    if AWS_S3_CUSTOM_DOMAIN:
        _media_origin = f"https://{AWS_S3_CUSTOM_DOMAIN}"
    elif AWS_S3_ENDPOINT_URL:
        _media_origin = AWS_S3_ENDPOINT_URL.rstrip("/")
    else:
        _media_origin = f"https://{AWS_STORAGE_BUCKET_NAME}.s3.amazonaws.com"
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["img-src"] = [
        *CONTENT_SECURITY_POLICY["DIRECTIVES"]["img-src"],
        _media_origin,
    ]

# Read replicas: DATABASE_REPLICA_URLS (comma-separated database URLs, same engine as DATABASE_URL) adds the aliases
# replica_1, replica_2, ...; common.db sends the reads of GET and HEAD requests there, except for a person who wrote
# within REPLICA_STICKY_SECONDS. Writes, transactions, migrations, commands and background jobs use the primary.
REPLICA_STICKY_SECONDS = env.int("REPLICA_STICKY_SECONDS", default=10)
DATABASE_REPLICAS = []
for _number, _url in enumerate(env.list("DATABASE_REPLICA_URLS", default=[]), start=1):
    _replica = environ.Env.db_url_config(_url)
    if _replica["ENGINE"] != DATABASES["default"]["ENGINE"]:
        raise ImproperlyConfigured(f"Replica {_number} of DATABASE_REPLICA_URLS is not of DATABASE_URL's engine.")
    for _key in ("ATOMIC_REQUESTS", "CONN_MAX_AGE", "CONN_HEALTH_CHECKS"):
        if _key in DATABASES["default"]:
            _replica.setdefault(_key, DATABASES["default"][_key])
    _replica["OPTIONS"] = {**DATABASES["default"].get("OPTIONS", {}), **_replica.get("OPTIONS", {})}
    # The tests have no replica of their own: the alias reads the test database through a second connection.
    _replica["TEST"] = {"MIRROR": "default"}
    DATABASES[f"replica_{_number}"] = _replica
    DATABASE_REPLICAS.append(f"replica_{_number}")
if DATABASE_REPLICAS:
    DATABASE_ROUTERS = ["common.db.ReplicaRouter"]
    # Before anything that may read (sessions, the user): each request's reads are routed from its start.
    MIDDLEWARE = [
        *MIDDLEWARE[: MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1],
        "common.db.ReplicaMiddleware",
        *MIDDLEWARE[MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1 :],
    ]
