"""Settings for the Nanhai new-resident portal, read from the environment.

Development works with no environment at all. ``PORTAL_ENV=production`` refuses to
start until every variable it needs is set, and names the first one missing.
"""

from __future__ import annotations

import base64
import os
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import dj_database_url
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def envbool(name: str, default: str) -> bool:
    return os.getenv(name, default).strip().lower() in ("1", "true", "yes", "on")


def envint(name: str, default: str) -> int:
    value = os.getenv(name, default)
    try:
        return int(value)
    except ValueError:
        sys.exit(f"{name} must be a whole number, not {value!r}.")


def envlist(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.getenv(name, default).split(",") if item.strip()]


PORTAL_ENV = os.getenv("PORTAL_ENV", "development")
if PORTAL_ENV not in ("development", "test", "production"):
    sys.exit(f"PORTAL_ENV must be development, test or production, not {PORTAL_ENV!r}.")
PRODUCTION = PORTAL_ENV == "production"

# What production cannot guess. Checked in this order; the first one missing stops start-up.
PRODUCTION_REQUIRED = (
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "DATABASE_URL",
    "DATABASE_OWNER_URL",
    "REDIS_URL",
    "PII_ENCRYPTION_KEYS",
    "PII_INDEX_KEY",
    "RESIDENTS_REAL_NAME_VERIFIER",
)
if PRODUCTION:
    for variable in PRODUCTION_REQUIRED:
        if not os.getenv(variable, "").strip():
            sys.exit(f"PORTAL_ENV=production needs the environment variable {variable}; it is not set.")

# Development values: in the source, so known to everyone. Production refuses each of them.
DEV_SECRET_KEY = "dev-only-insecure-key-nanhai-portal-0123456789-abcdefghijklmnop"
DEV_PII_ENCRYPTION_KEY = "-8sMO_G_VRyeojvubBK6gRM3XP3G4XeSBZLi5SKs9EY="
DEV_PII_INDEX_KEY = "dev-only-blind-index-key-nanhai-portal"
DEV_REAL_NAME_VERIFIER = "residents.realname.StructuralVerifier"

SECRET_KEY = os.getenv("SECRET_KEY", DEV_SECRET_KEY)
if PRODUCTION:
    # As Django's security.W009: long, varied, and not a generated "insecure" one.
    if SECRET_KEY == DEV_SECRET_KEY:
        sys.exit("SECRET_KEY is the development key from the source code; set a secret one.")
    if len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5 or SECRET_KEY.startswith("django-insecure-"):
        sys.exit("SECRET_KEY is too weak: use at least 50 characters, with at least 5 different ones.")
DEBUG = envbool("DEBUG", "false" if PRODUCTION else "true")
ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", "")

# --- Database -----------------------------------------------------------------------
# The web and worker processes connect as DATABASE_URL: a role that is not a superuser,
# cannot bypass row-level security and owns no table. Migrations connect as
# DATABASE_OWNER_URL, the role that owns the tables (see nanhai_portal.tenancy).
DEFAULT_DATABASE_URL = "postgres://nanhai_app:nanhai-app-dev@127.0.0.1:5432/nanhai"
DEFAULT_DATABASE_OWNER_URL = "postgres://nanhai_owner:nanhai-owner-dev@127.0.0.1:5432/nanhai"


def parse_database_url(name: str, default: str) -> dict[str, Any]:
    url = os.getenv(name, "").strip() or default
    try:
        config = dict(dj_database_url.parse(url, conn_max_age=envint("DATABASE_CONN_MAX_AGE", "60")))
    except ValueError as error:
        sys.exit(f"{name} is not a usable database URL ({error}).")
    if config.get("ENGINE") != "django.db.backends.postgresql":
        sys.exit(f"{name} must be a PostgreSQL URL (postgres://user:password@host:port/name).")
    if not config.get("NAME"):
        sys.exit(f"{name} names no database (postgres://user:password@host:port/name).")
    return config


DATABASES = {"default": parse_database_url("DATABASE_URL", DEFAULT_DATABASE_URL)}
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
_owner = parse_database_url("DATABASE_OWNER_URL", os.getenv("DATABASE_URL", "").strip() or DEFAULT_DATABASE_OWNER_URL)
# Only the credentials differ: the owner connects to the same database.
DATABASE_OWNER_CREDENTIALS = {"USER": _owner["USER"], "PASSWORD": _owner["PASSWORD"]}
DATABASE_APP_ROLE = DATABASES["default"]["USER"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Personal data (nanhai_portal.pii) -----------------------------------------------
# Fernet keys, newest first: the first encrypts, every one decrypts (key rotation).
PII_ENCRYPTION_KEYS = envlist("PII_ENCRYPTION_KEYS", "") or [DEV_PII_ENCRYPTION_KEY]  # development and tests
for _index, _key in enumerate(PII_ENCRYPTION_KEYS, start=1):
    try:
        if len(base64.urlsafe_b64decode(_key.encode())) != 32:
            raise ValueError
    except ValueError:
        sys.exit(f"PII_ENCRYPTION_KEYS: key {_index} is not a Fernet key (32 bytes, URL-safe base64).")
# The blind index's HMAC key (its own key: it never decrypts anything).
PII_INDEX_KEY = os.getenv("PII_INDEX_KEY", "").strip() or DEV_PII_INDEX_KEY
if PRODUCTION:
    if DEV_PII_ENCRYPTION_KEY in PII_ENCRYPTION_KEYS:
        sys.exit("PII_ENCRYPTION_KEYS holds the development key from the source code; remove it.")
    if PII_INDEX_KEY == DEV_PII_INDEX_KEY:
        sys.exit("PII_INDEX_KEY is the development key from the source code; set a secret one.")
    if len(PII_INDEX_KEY) < 32:
        sys.exit("PII_INDEX_KEY is too short: use at least 32 characters.")

# Real-name verification (实名核验): the structural check is for development only.
RESIDENTS_REAL_NAME_VERIFIER = os.getenv("RESIDENTS_REAL_NAME_VERIFIER", "").strip() or DEV_REAL_NAME_VERIFIER
if PRODUCTION and RESIDENTS_REAL_NAME_VERIFIER == DEV_REAL_NAME_VERIFIER:
    sys.exit(
        "RESIDENTS_REAL_NAME_VERIFIER is the structural development check; "
        "name the public-security verification client."
    )
DEFAULT_EXCEPTION_REPORTER_FILTER = "nanhai_portal.pii.reporting.PIIScrubbingExceptionReporterFilter"

# Rentals (出租屋): risk classes for 分类管理 and their inspection intervals, the rule that
# assigns one (first match wins; the last class is the fallback), and hazard deadlines by
# severity with the second deadline after which the district sees an overdue hazard.
# Read only through rentals.conf; policy, not environment.
RENTALS_RISK_CLASSES = {
    "key": {"inspect_every_days": 30},
    "ordinary": {"inspect_every_days": 90},
}
RENTALS_RISK_RULES = [
    {"risk_class": "key", "min_tenants": 10},
    {"risk_class": "key", "building_types": ["mixed_use"]},
    {"risk_class": "ordinary"},
]
RENTALS_HAZARD_DEADLINES = {"major": {"hours": 24}, "general": {"days": 7}}
RENTALS_ESCALATION_SECOND_DEADLINE = {"days": 7}
RENTALS_SYNC_MAX_BATCH = envint("RENTALS_SYNC_MAX_BATCH", "100")
# The rectification notice's CJK font, embedded in the PDF (Debian's fonts-wqy-microhei).
RENTALS_NOTICE_FONT = os.getenv("RENTALS_NOTICE_FONT", "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")

# --- Redis, cache and Celery --------------------------------------------------------
REDIS_URL = os.getenv("REDIS_URL", "").strip() or "redis://127.0.0.1:6379/0"
if urlsplit(REDIS_URL).scheme not in ("redis", "rediss", "unix", "redis+socket"):
    sys.exit("REDIS_URL must be a redis://, rediss:// or unix:// URL.")


def celery_url(url: str) -> str:
    """Kombu names a Unix socket ``redis+socket://``; redis-py names it ``unix://``."""
    return "redis+socket://" + url.removeprefix("unix://").split("?")[0] if url.startswith("unix://") else url


def redis_py_url(url: str) -> str:
    return "unix://" + url.removeprefix("redis+socket://") if url.startswith("redis+socket://") else url


CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": redis_py_url(REDIS_URL),
        # CACHE_KEY_PREFIX: a namespace of one's own on a shared Redis (a test run's own server).
        "KEY_PREFIX": os.getenv("CACHE_KEY_PREFIX", "").strip() or f"nanhai:{PORTAL_ENV}",
        "TIMEOUT": 300,
    }
}

CELERY_BROKER_URL = celery_url(REDIS_URL)
CELERY_RESULT_BACKEND = celery_url(REDIS_URL)
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_EXPIRES = timedelta(hours=6)
# A task is acknowledged only when it has run, and given back when its worker dies.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Longer than any countdown or retry delay we use, or Redis redelivers the task.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 6 * 3600}
CELERY_TASK_ALWAYS_EAGER = envbool("CELERY_TASK_ALWAYS_EAGER", "false")
CELERY_TASK_DEFAULT_QUEUE = os.getenv("CELERY_QUEUE", "nanhai")
CELERY_BEAT_SCHEDULE_FILENAME = str(BASE_DIR / ".var" / "celerybeat-schedule")
# The kernel's periodic tasks; an app declares its own (nanhai_portal.periodic), and the
# Celery app adds them when a worker or beat starts.
CELERY_BEAT_SCHEDULE: dict[str, Any] = {
    # Work whose process died: outbox rows and fan-out chunks stuck or lost, imports whose lease ran out.
    "notifications.sweep_outbox": {"task": "notifications.sweep_outbox", "schedule": 60.0},
    "notifications.sweep_fanouts": {"task": "notifications.sweep_fanouts", "schedule": 60.0},
    "jobs.reclaim_stalled": {"task": "jobs.reclaim_stalled", "schedule": float(envint("JOB_RECLAIM_SECONDS", "5"))},
    # Idempotency-Key answers are kept for 24 hours.
    "api.expire_idempotency_keys": {"task": "api.expire_idempotency_keys", "schedule": crontab(minute=17)},
}

# --- Applications -------------------------------------------------------------------
INSTALLED_APPS = [
    # Kernel apps first: nanhai_portal.tenancy overrides `migrate` to run as the owner.
    "nanhai_portal.tenancy",
    "nanhai_portal.pii",
    "nanhai_portal.areas",
    "nanhai_portal.accounts",
    "nanhai_portal.audit",
    "nanhai_portal.notifications",
    "nanhai_portal.jobs",
    "nanhai_portal.api",
    "residents",
    "rentals",
    "education",
    "governance",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "guardian",
    "axes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "nanhai_portal.requestid.RequestIdMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # Before anything reads the body: a body over the URL's limit is refused from its length.
    "nanhai_portal.bodylimit.RequestBodyLimitMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "nanhai_portal.accounts.tokens.BearerTokenMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
    # Near the end, so that the whole view runs in the town's transaction.
    "nanhai_portal.tenancy.middleware.TownMiddleware",
    # The portal's 404 in development too (not Django's technical page), in the town's transaction.
    "nanhai_portal.notfound.NotFoundMiddleware",
]

ROOT_URLCONF = "nanhai_portal.urls"
WSGI_APPLICATION = "nanhai_portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
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

# --- Accounts and sign-in -----------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # Axes first: it refuses a locked account before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "nanhai_portal.accounts.backends.MobileNumberBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if PORTAL_ENV == "test":
    # Hashing speed is not what the tests are about.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Repeated failures lock the account *from that client address* (username and address
# together): a guesser is stopped, while the owner, and the thousands of residents behind
# the same carrier-grade NAT address, still sign in from elsewhere; nobody can lock an
# officer out from their own machine. Per-address throttles (THROTTLE_RATES) stop one
# address from trying a few passwords on every account.
AXES_FAILURE_LIMIT = envint("LOGIN_FAILURE_LIMIT", "5")
AXES_COOLOFF_TIME = timedelta(minutes=envint("LOGIN_LOCKOUT_MINUTES", "15"))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_CALLABLE = "nanhai_portal.accounts.backends.canonical_username"
AXES_CLIENT_IP_CALLABLE = "nanhai_portal.throttling.client_address"
AXES_LOCKOUT_CALLABLE = "nanhai_portal.accounts.lockout.lockout_response"
AXES_VERBOSE = False
# axes keeps the request's form data with each failed attempt: never the typed username (a
# mobile or ID number) in clear; the canonical one above is what it counts by.
AXES_SENSITIVE_PARAMETERS = ["username", "password"]

# Request limits on the Redis cache (nanhai_portal/throttling.py): "<count>/<second|minute|hour|day>".
THROTTLE_RATES = {
    # Sign-in (the token API and the page), per client address.
    "signin.address": os.getenv("THROTTLE_SIGNIN_PER_ADDRESS", "30/minute"),
    # Sign-up: per client address, per mobile number, and for the whole district.
    "signup.address": os.getenv("THROTTLE_SIGNUP_PER_ADDRESS", "10/hour"),
    "signup.mobile": os.getenv("THROTTLE_SIGNUP_PER_MOBILE", "3/hour"),
    "signup.global": os.getenv("THROTTLE_SIGNUP_GLOBAL", "300/minute"),
    # Typing the sign-up code, per client address (each sign-up allows 5 tries on its own).
    "signup_verify.address": os.getenv("THROTTLE_SIGNUP_VERIFY_PER_ADDRESS", "30/minute"),
}

API_TOKEN_TTL = timedelta(hours=envint("API_TOKEN_TTL_HOURS", "12"))

# guardian: no anonymous user row, and object permissions live in direct FK tables.
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = False

# --- REST API -----------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "nanhai_portal.accounts.tokens.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "nanhai_portal.api.pagination.PagePagination",
    "DEFAULT_SCHEMA_CLASS": "nanhai_portal.api.schema.PortalAutoSchema",
    "EXCEPTION_HANDLER": "nanhai_portal.api.errors.exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"]
    + (["rest_framework.renderers.BrowsableAPIRenderer"] if DEBUG else []),
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    # Throttles are per view (nanhai_portal/throttling.py), with THROTTLE_RATES.
}
SPECTACULAR_SETTINGS = {
    "TITLE": "南海区新市民服务平台 API (Nanhai new-resident portal)",
    "DESCRIPTION": "Residence registration and permits, rental-house fire safety, points admission and "
    "community participation. Authenticate with `POST /api/auth/token/` and send "
    '`Authorization: Bearer <token>`. Errors are `{"error": {"code", "message", "fields"}}`.',
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    # Several models have a field called "kind": name each set of choices after its model.
    "ENUM_NAME_OVERRIDES": {
        "ApplicationKindEnum": "residents.models.Application.Kind",
        "ApplicationStatusEnum": "residents.models.Application.Status",
        "DocumentKindEnum": "residents.models.Document.Kind",
        "CommunityKindEnum": "nanhai_portal.areas.models.Community.Kind",
        "HazardSeverityEnum": "rentals.models.Severity",
        "HazardStateEnum": "rentals.models.Hazard.State",
        "AdmissionApplicationStatusEnum": "education.models.ApplicationStatus",
        "AdmissionRoundPhaseEnum": "education.models.AdmissionRound.Phase",
        "ObjectionStateEnum": "education.models.Objection.State",
        "FactStateEnum": "education.models.Fact.State",
        "SchoolStageEnum": "education.models.Stage",
        "GradeEnum": "education.models.Grade",
        "OfferStateEnum": "education.models.Offer.State",
        "AllocationStateEnum": "education.models.Allocation.State",
        "CommitteePostEnum": "governance.models.Post",
    },
}

# SMS that notify() may write in a day, district-wide (nanhai_portal/notifications/budget.py).
NOTIFICATION_DAILY_BUDGETS = {"sms": envint("SMS_DAILY_BUDGET", "50000")}

# --- Language, time -----------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static files -------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / ".var" / "static"
STATICFILES_DIRS = [BASE_DIR / "nanhai_portal" / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Files a browser asks for at the site's root (/favicon.ico), served by whitenoise.
WHITENOISE_ROOT = BASE_DIR / "nanhai_portal" / "static" / "root"
MEDIA_ROOT = Path(os.getenv("MEDIA_ROOT", str(BASE_DIR / ".var" / "media")))

# --- Security -----------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 8 * 3600
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", "true")
    SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", str(365 * 24 * 3600))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    # /healthz is probed over plain HTTP by the load balancer.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# Every line any process writes passes the personal-data filter. It sits on the root logger's
# one handler, and every other logger writes through that handler: naming "django", "celery",
# gunicorn's loggers and redis-py's "push_response" here takes away the handlers of their own
# that Django's defaults, gunicorn and redis-py (when the logger does not exist yet) would give
# them, which would write without the filter. gunicorn loads this dictionary
# too (nanhai_portal/gunicorn_conf.py); Celery's worker and beat put the filter on the root
# handler they install instead (nanhai_portal/celery.py).
LOG_LEVEL = os.getenv("LOG_LEVEL", "INFO")
LOGGING: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "filters": {"scrub_pii": {"()": "nanhai_portal.pii.logs.ScrubPIIFilter"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["scrub_pii"]},
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django": {"handlers": [], "level": LOG_LEVEL, "propagate": True},
        "celery": {"handlers": [], "level": LOG_LEVEL, "propagate": True},
        "gunicorn.error": {"handlers": [], "level": LOG_LEVEL, "propagate": True},
        "gunicorn.access": {"handlers": [], "level": "INFO", "propagate": True},
        "axes": {"handlers": [], "level": "WARNING", "propagate": True},
        "push_response": {"handlers": [], "level": LOG_LEVEL, "propagate": True},
    },
}
