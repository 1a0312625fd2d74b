"""Settings for egov, read from the environment only.

One file, like healthchecks: every value has a safe default for `make run` (SQLite, local files,
inline background tasks) and is overridden by an environment variable in production. Secrets are
never written here; `EGOV_DEMO=1` is the only thing that relaxes security defaults, and it also
turns on DEBUG so that the demo can never be mistaken for a production set-up.
"""

from __future__ import annotations

import os
import re
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str = "") -> str:
    """A setting from the environment; `NAME_FILE` names a file holding it (for secrets)."""
    file_path = os.environ.get(f"{name}_FILE")
    if file_path:
        return Path(file_path).read_text(encoding="utf-8").strip()
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    value = env(name, "")
    if value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = env(name, "")
    return int(value) if value else default


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


DEMO = env_bool("EGOV_DEMO", False)
DEBUG = env_bool("DEBUG", DEMO)
TESTING = env_bool("EGOV_TESTING", False)

SECRET_KEY = env("SECRET_KEY")
if not SECRET_KEY:
    if not (DEBUG or TESTING):
        raise ImproperlyConfigured("SECRET_KEY must be set outside the demo (DEBUG=0).")
    # Only for the demo and the tests: a key nobody relies on.
    SECRET_KEY = "insecure-demo-key-" + "x" * 40

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if (DEBUG or TESTING) else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "egov.core.admin_site.EgovAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "rest_framework",
    "drf_spectacular",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "egov.core",
    "egov.units",
    "egov.accounts",
    "egov.audit",
    "egov.workcalendar",
    "egov.procedures",
    "egov.dossiers",
    "egov.portal",
    "egov.office",
    "egov.uploads",
    "egov.api",
    "egov.notifications",
    "egov.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "egov.core.middleware.VietnameseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "egov.core.middleware.NFCInputMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "egov.accounts.middleware.AuthenticationMiddleware",  # the user read with the session
    "django_otp.middleware.OTPMiddleware",
    "egov.audit.middleware.AuditContextMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "egov.core.middleware.DomainErrorMiddleware",
    "egov.accounts.middleware.IdleTimeoutMiddleware",
    "egov.accounts.middleware.OfficialTwoFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "egov.urls"
WSGI_APPLICATION = "egov.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "egov" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Data -------------------------------------------------------------------------------------
VAR_DIR = Path(env("EGOV_VAR_DIR", str(BASE_DIR / "var")))
DATABASE_URL = env("DATABASE_URL", f"sqlite:///{VAR_DIR / 'egov.sqlite3'}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=600)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        # WAL and a busy timeout let the web server and a management command share the file.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
else:
    # Django's PostgreSQL backend, whose health check asks the server only when the connection's
    # socket has something to say (egov/core/postgresql/base.py).
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        DATABASES["default"]["ENGINE"] = "egov.core.postgresql"
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # Parameters bound by the server, and the hot statements whose plan cannot depend on their
    # values (a row by its key, fixed INSERTs and UPDATEs) prepared on each connection and planned
    # once: egov/core/prepared.py says which and why not the others. Off (EGOV_PG_PREPARED=0)
    # behind a pooler in transaction mode, which cannot keep prepared statements (docs/deploy.md).
    if env_bool("EGOV_PG_PREPARED", True):
        DATABASES["default"]["OPTIONS"] = {"server_side_binding": True, "prepare_threshold": 5}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Background work: Celery on Redis, inline when no Redis is configured (the embedded default).
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TIMEZONE = "Asia/Ho_Chi_Minh"
# What a task prints (the console SMS and e-mail backends) goes to the worker's own output, not
# through the logger as a WARNING line per message.
CELERY_WORKER_REDIRECT_STDOUTS = False
# Celery's Django fixup closes the database connection before and after every task unless told
# to reuse it: each task then paid for a new PostgreSQL backend (fork, authentication, cold
# catalogue caches), more than its own statements. egov.celery closes connections as a request
# does instead (unusable, broken or older than CONN_MAX_AGE), so the fixup's count never ends.
CELERY_DB_REUSE_MAX = 2**62
from celery.schedules import crontab  # noqa: E402

CELERY_BEAT_SCHEDULE = {
    # The outbox sweeper: retries that are due, and messages whose worker died mid-way.
    "notifications-retry-due": {
        "task": "egov.notifications.tasks.retry_due_notifications",
        "schedule": 60.0,
    },
    # Catalogue versions dated today take effect (and rescissions), just after midnight.
    "procedures-versions-take-effect": {
        "task": "egov.procedures.tasks.versions_take_effect",
        "schedule": crontab(hour=0, minute=5),
    },
}

# Files: local folder by default; any Django storage backend (e.g. django-storages S3) by setting
# EGOV_STORAGE_BACKEND and its own options.
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = "/media/"
STORAGES = {
    "default": {
        "BACKEND": env("EGOV_STORAGE_BACKEND", "django.core.files.storage.FileSystemStorage")
    },
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if (DEBUG or TESTING)
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
if STORAGES["default"]["BACKEND"] == "storages.backends.s3.S3Storage":
    # S3-compatible object storage (pip install ".[s3]"); private objects, signed URLs.
    STORAGES["default"]["OPTIONS"] = {
        "bucket_name": env("EGOV_S3_BUCKET"),
        "endpoint_url": env("EGOV_S3_ENDPOINT_URL") or None,
        "region_name": env("EGOV_S3_REGION") or None,
        "access_key": env("EGOV_S3_ACCESS_KEY") or None,
        "secret_key": env("EGOV_S3_SECRET_KEY") or None,
        "default_acl": None,
        "querystring_auth": True,
        "file_overwrite": False,
    }
    if not STORAGES["default"]["OPTIONS"]["bucket_name"]:
        raise ImproperlyConfigured("EGOV_S3_BUCKET must be set with the S3 storage backend.")
# In the demo and the tests WhiteNoise serves straight from the app folders (no collectstatic).
WHITENOISE_USE_FINDERS = DEBUG or TESTING
WHITENOISE_AUTOREFRESH = DEBUG or TESTING
STATIC_URL = "/static/"
STATIC_ROOT = Path(env("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "egov" / "static"]

# Upload limits: nothing user-supplied larger than this is read into memory.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("EGOV_MAX_REQUEST_BYTES", 5 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2000
# Dossier files (egov.uploads): the largest file kept, and the virus scanner that must pass each
# one (empty: no scan). The scanner reads the file on stdin; exit 0 clean, 1 infected, else error.
EGOV_UPLOAD_MAX_BYTES = env_int("EGOV_UPLOAD_MAX_BYTES", 20 * 1024 * 1024)
EGOV_VIRUS_SCAN_COMMAND = env("EGOV_VIRUS_SCAN_COMMAND")
EGOV_VIRUS_SCAN_TIMEOUT = env_int("EGOV_VIRUS_SCAN_TIMEOUT", 60)

# --- E-mail -----------------------------------------------------------------------------------
EMAIL_URL_HOST = env("EMAIL_HOST")
if EMAIL_URL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = EMAIL_URL_HOST
    EMAIL_PORT = env_int("EMAIL_PORT", 587)
    EMAIL_HOST_USER = env("EMAIL_HOST_USER")
    EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "egov@localhost")
# A silent SMTP server must not hold a worker forever (Django's default is no timeout).
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30)

# --- Notifications (egov.notifications: the outbox) -------------------------------------------
EGOV_NOTIFY_MAX_ATTEMPTS = max(env_int("EGOV_NOTIFY_MAX_ATTEMPTS", 5), 1)
EGOV_NOTIFY_RETRY_SECONDS = max(env_int("EGOV_NOTIFY_RETRY_SECONDS", 60), 1)
# How long a sender may hold a message before it is presumed dead; above every send timeout.
EGOV_NOTIFY_SENDING_TIMEOUT = max(env_int("EGOV_NOTIFY_SENDING_TIMEOUT", 600), 60)
EGOV_SMS_BACKEND = env("EGOV_SMS_BACKEND", "egov.notifications.backends.ConsoleSmsBackend")
EGOV_SMS_URL = env("EGOV_SMS_URL")
EGOV_SMS_TOKEN = env("EGOV_SMS_TOKEN")
EGOV_SMS_TIMEOUT = env_int("EGOV_SMS_TIMEOUT", 10)

# --- Accounts and security --------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if TESTING:
    # Argon2 stays first in production; the suite creates hundreds of users.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "egov.accounts.backends.ModelBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "portal:home"

# Lockout after 5 failures in a row, counted per account and, separately, per client address.
AXES_FAILURE_LIMIT = env_int("EGOV_LOGIN_FAILURE_LIMIT", 5)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_COOLOFF_TIME = timedelta(minutes=env_int("EGOV_LOCKOUT_MINUTES", 30))
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "egov.accounts.views.lockout_response"
AXES_USERNAME_FORM_FIELD = "username"
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_IPWARE_PROXY_COUNT = env_int("EGOV_PROXY_COUNT", 0) or None
AXES_VERBOSE = False

# Two-factor login (TOTP) for officials: required unless explicitly relaxed (the demo relaxes it).
EGOV_OFFICIAL_2FA_REQUIRED = env_bool("EGOV_OFFICIAL_2FA_REQUIRED", not DEMO)
OTP_TOTP_ISSUER = "egov"
# Idle timeouts in minutes (security level 3: officials 15 minutes by default).
EGOV_OFFICIAL_IDLE_MINUTES = env_int("EGOV_OFFICIAL_IDLE_MINUTES", 15)
EGOV_CITIZEN_IDLE_MINUTES = env_int("EGOV_CITIZEN_IDLE_MINUTES", 30)
SESSION_ENGINE = "egov.accounts.sessions"  # database sessions read with their user, one query
SESSION_COOKIE_AGE = 12 * 3600
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

SECURE = env_bool("EGOV_SECURE", not (DEBUG or TESTING))
SESSION_COOKIE_SECURE = SECURE
CSRF_COOKIE_SECURE = SECURE
SECURE_SSL_REDIRECT = SECURE and env_bool("EGOV_SSL_REDIRECT", True)
# Load balancers probe the health check over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz/$"]
SECURE_HSTS_SECONDS = 31536000 if SECURE else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE
SECURE_HSTS_PRELOAD = SECURE
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("EGOV_BEHIND_TLS_PROXY", False) else None
)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# The portal's public address, for links that leave the site: the QR code on the receipt (form 01).
# Seconds an anonymous visitor's copy of a public page is served from memory before its state is
# read again (egov.portal.page_cache). The suite reads it on every visit.
EGOV_PUBLIC_PAGE_TTL = env_int("EGOV_PUBLIC_PAGE_TTL", 0 if TESTING else 5)
if EGOV_PUBLIC_PAGE_TTL < 0:
    raise ImproperlyConfigured("EGOV_PUBLIC_PAGE_TTL must be 0 or more seconds.")
EGOV_PUBLIC_URL = env("EGOV_PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/")
if not EGOV_PUBLIC_URL.startswith(("http://", "https://")):
    raise ImproperlyConfigured("EGOV_PUBLIC_URL must start with http:// or https://.")

# Baseline views for the HTTP benchmarks (bench/): "ok" and one unit by id. Off unless asked for.
EGOV_BENCH_ENDPOINTS = env_bool("EGOV_BENCH_ENDPOINTS", False)

# Audit events are kept at least this long (security level 3 asks for 12 months).
EGOV_AUDIT_RETENTION_DAYS = max(env_int("EGOV_AUDIT_RETENTION_DAYS", 400), 366)

# --- Language and time ------------------------------------------------------------------------
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Tiếng Việt")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "egov" / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_TZ = True

# --- API --------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "egov.api.parsers.NFCJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "EXCEPTION_HANDLER": "egov.api.problems.problem_exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
# Public dossier lookups (code + lookup code) per client address: "<n>/<s|min|hour|day>".
EGOV_LOOKUP_RATE = env("EGOV_LOOKUP_RATE", "20/min")
if not re.fullmatch(r"[1-9][0-9]{0,6}/(s|sec|m|min|h|hour|d|day)", EGOV_LOOKUP_RATE):
    raise ImproperlyConfigured("EGOV_LOOKUP_RATE must look like 20/min (n/s, n/min, n/hour, n/day)")
SPECTACULAR_SETTINGS = {
    "TITLE": "egov API",
    "DESCRIPTION": "API v1 của nền tảng chính quyền số egov / egov platform API v1",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "WARNING")},
}
