"""Settings shared by every environment; each value can be set from the environment.

The defaults need no server at all: SQLite, a filesystem Celery broker under ``var/`` and email
printed to the console, so ``make run`` works on a fresh machine.
"""

import json
import os
import zoneinfo
from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(environ.Env().str("RAPPORT_VAR_DIR", default=str(BASE_DIR / "var")))

env = environ.Env()

SECRET_KEY = env.str("SECRET_KEY", default="insecure-development-key-change-me-0123456789abcdef")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://localhost:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "crispy_forms",
    "crispy_bootstrap5",
    "csp",
    "django_htmx",
    "anymail",  # email services' backends (EMAIL_BACKEND); the app adds its settings checks
    "common",  # shared mechanics, the lowest layer (its template filters: {% load numbers %})
    "accounts",
    "courses",
    "interviews",
    "notifications",
    "lti_tool",  # django-lti: platform registrations, deployments, keys, launch records
    "lti",  # LTI 1.3 launches from an LMS, above interviews
    "ops",  # /readyz/, /metrics/, request ids in logs: the top layer, reads every app's rows
]

MIDDLEWARE = [
    # First: refuses an oversized body before sessions or CSRF read it (config/limits.py).
    "config.limits.RequestBodyLimitMiddleware",
    # Every other response carries the request id its log lines carry; the latency histogram
    # times everything inside (ops/requestid.py, ops/metrics.py).
    "ops.requestid.RequestIdMiddleware",
    "ops.metrics.RequestMetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    # Inside csp (sets frame-ancestors) and outside sessions (their cookie's SameSite) for a
    # session that came through an LMS launch (lti/middleware.py).
    "lti.middleware.EmbeddedLaunchMiddleware",
    "config.headers.PrivacyHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.htmx: whether the page's htmx asked (HX-Request), instead of reading headers.
    "django_htmx.middleware.HtmxMiddleware",
    "accounts.middleware.UserTimezoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "accounts.admin_mfa.StaffMFARequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
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
                "notifications.context_processors.unread_notifications",
            ],
        },
    }
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'rapport.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web process read while the worker writes; IMMEDIATE avoids
    # "database is locked" upgrades when two processes write at once.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    # A file cache is shared by the web process and the worker, so rate limits and
    # import progress work without a server.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "courses:mine"

# allauth: email is the login; verification is mandatory unless an environment relaxes it.
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = env.str("ACCOUNT_EMAIL_VERIFICATION", default="mandatory")
ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED = False
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_EMAIL_NOTIFICATIONS = True
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_SIGNUP_FORM_CLASS = "accounts.forms.SignupProfileForm"
ACCOUNT_DEFAULT_HTTP_PROTOCOL = env.str("ACCOUNT_DEFAULT_HTTP_PROTOCOL", default="http")
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Rapport] "
ACCOUNT_RATE_LIMITS = {
    # allauth's defaults, spelt out so operators see them in one place.
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "confirm_email": "1/3m/key",
    "reset_password": "20/m/ip,5/m/key",
    "change_password": "5/m/user",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Rapport"
# Staff without an authenticator app are sent to set one up before the admin opens; production
# turns this on (accounts/admin_mfa.py).
STAFF_REQUIRE_MFA = env.bool("STAFF_REQUIRE_MFA", default=False)

LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
zoneinfo.ZoneInfo(TIME_ZONE)  # fail at start-up on a misspelt zone
USE_I18N = True
# Rapport's English wording for allauth (sentence case); the compiled .mo is committed.
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns on a missing directory
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# Uploads live outside the web root and are only served through permission-checked views.
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
ROSTER_IMPORT_MAX_BYTES = 10 * 1024 * 1024
# Largest file a student may attach to a write-up, in bytes.
ATTACHMENT_MAX_BYTES = env.int("ATTACHMENT_MAX_BYTES", default=10 * 1024 * 1024)
# Largest request body, files included: the largest upload plus room for the form around it.
# A longer declared Content-Length gets 413 before anything reads the body, and the upload
# handler stops a body that grows past it while parsed (config/limits.py). Set the reverse
# proxy's limit (nginx client_max_body_size) to the same value.
REQUEST_MAX_BYTES = env.int(
    "REQUEST_MAX_BYTES", default=max(ATTACHMENT_MAX_BYTES, ROSTER_IMPORT_MAX_BYTES) + 1024 * 1024
)
FILE_UPLOAD_HANDLERS = [
    "config.limits.BodyLimitUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Any Django email backend: SMTP (the EMAIL_HOST... settings below), the console, or an email
# service's API through django-anymail, e.g. "anymail.backends.amazon_ses.EmailBackend" with its
# keys in ANYMAIL (README, "Email"). Reminders go through it too (notifications/delivery.py).
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Rapport <rapport@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# django-anymail's settings: every ANYMAIL_<NAME> variable of the environment becomes
# ANYMAIL["<NAME>"], e.g. ANYMAIL_POSTMARK_SERVER_TOKEN; "true", "false" and JSON objects
# ({"region_name": "eu-west-1"}) are decoded, anything else is kept as a string.
ANYMAIL = {
    name.removeprefix("ANYMAIL_"): (
        json.loads(value) if value in ("true", "false") or value.startswith("{") else value
    )
    for name, value in os.environ.items()
    if name.startswith("ANYMAIL_")
}

# Celery: Redis when REDIS_URL/CELERY_BROKER_URL is set, otherwise kombu's filesystem
# transport so a worker runs with no broker server.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "filesystem://")
if CELERY_BROKER_URL == "filesystem://":
    _broker_dir = VAR_DIR / "broker"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "out"),
        "data_folder_out": str(_broker_dir / "out"),
        "processed_folder": str(_broker_dir / "processed"),
        # Exchange bindings (worker control, broadcasts); kombu's default is ./control in
        # whatever directory the process was started from.
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
    for _sub in ("out", "processed", "control"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
CELERY_TIMEZONE = "UTC"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE_FILENAME = env.str(
    "CELERY_BEAT_SCHEDULE_FILENAME", default=str(VAR_DIR / "celerybeat-schedule")
)
# Processes per worker; unset, one per CPU (Celery's default).
CELERY_WORKER_CONCURRENCY = env.int("CELERY_WORKER_CONCURRENCY", default=None)
# The beat schedule is declared here and only here.
CELERY_BEAT_SCHEDULE = {
    # The reminder engine's heartbeat: hand every due reminder to a delivery task. A missed
    # minute is caught up by the next tick, because due rows stay pending until claimed.
    "notifications-tick": {"task": "notifications.tasks.tick", "schedule": 60.0},
    # Grade passback to the LMS (AGS): sends due scores and retries those the LMS could not take
    # yet. The outbox rows are the record, so a missed minute is caught up by the next one.
    "lti-send-scores": {"task": "lti.tasks.send_scores", "schedule": 60.0},
    # Safety net of grade passback: grades released before their assignment was placed in the
    # LMS, or before their student first came from it, are planned here within the hour.
    "lti-plan-scores": {"task": "lti.tasks.plan_scores", "schedule": 3600.0},
    # Roster sync from the LMS (NRPS) for every linked course, beside the sync each launch
    # asks for: drops and role changes in the LMS reach courses nobody opened lately.
    "lti-sync-rosters": {"task": "lti.tasks.sync_all_rosters", "schedule": 6 * 3600.0},
    # Staff digests are planned when each person's local digest hour has come; running every
    # 15 minutes catches up a missed run the same morning.
    "interviews-grading-digests": {
        "task": "interviews.tasks.grading_digests",
        "schedule": 900.0,
    },
    # Safety net: re-plan everything nightly so a lost replan trigger converges.
    "interviews-replan-everything": {
        "task": "interviews.tasks.replan_everything",
        "schedule": crontab(hour=3, minute=30),
    },
    # Roster uploads keep names and emails only until they are imported or abandoned;
    # hourly is often enough to bound how long that personal data lingers.
    "purge-stale-roster-imports": {
        "task": "courses.tasks.purge_stale_roster_imports",
        "schedule": 3600.0,
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "ops.requestid.RequestIdFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"}
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Sent on every response by django-csp (csp.middleware.CSPMiddleware) unless the view set its own,
# as attachment downloads do (interviews/downloads.py). Only same-origin scripts and styles run, so
# user text that slips through as markup stays inert. No page has an inline script; one that needs
# it adds csp.constants.NONCE to script-src and writes nonce="{{ request.csp_nonce }}".
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
# Browser features no page uses, turned off for every page (config/headers.py); each name is one
# Chromium recognises (tests/test_security_headers.py).
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer", "autoplay", "browsing-topics", "camera", "display-capture",
        "encrypted-media", "geolocation", "gyroscope", "hid", "idle-detection", "magnetometer",
        "microphone", "midi", "payment", "serial", "usb", "xr-spatial-tracking",
    )
)  # fmt: skip

INVITATION_VALID_DAYS = env.int("INVITATION_VALID_DAYS", default=14)
# Who may create courses (courses/permissions.py): "anyone" signed in; "domains": a verified
# address in ALLOWED_COURSE_CREATOR_DOMAINS (exact domains, e.g. example.edu); "approved": only
# accounts granted courses.add_course in the admin (that permission also admits in "domains").
COURSE_CREATORS = env.str("COURSE_CREATORS", default="domains")
ALLOWED_COURSE_CREATOR_DOMAINS = env.list("ALLOWED_COURSE_CREATOR_DOMAINS", default=[])
# Wrong join codes tried before /join/ refuses every code for the rest of the window: per account,
# and per client address (higher: a classroom shares one address behind NAT).
JOIN_CODE_FAILURES_PER_USER = env.int("JOIN_CODE_FAILURES_PER_USER", default=10)
JOIN_CODE_FAILURES_PER_IP = env.int("JOIN_CODE_FAILURES_PER_IP", default=50)
JOIN_CODE_FAILURE_WINDOW_MINUTES = env.int("JOIN_CODE_FAILURE_WINDOW_MINUTES", default=15)
# Proxies in front that append to X-Forwarded-For: the client address of these limits and of
# allauth's. With 0 every request behind a proxy counts as the proxy's address.
ALLAUTH_TRUSTED_PROXY_COUNT = env.int("ALLAUTH_TRUSTED_PROXY_COUNT", default=0)
# Invitations are email sent from the platform's own address: bounded so a course cannot be
# used as a spam relay. Each is counted over the last 24 hours of Invitation rows (resends count).
INVITATIONS_PER_INVITER_PER_DAY = env.int("INVITATIONS_PER_INVITER_PER_DAY", default=200)
INVITATIONS_PER_COURSE_PER_DAY = env.int("INVITATIONS_PER_COURSE_PER_DAY", default=300)
# A course nobody but its creator has joined, created by someone who has never taught a course
# anyone joined, may invite at most this many different addresses until the first person joins.
NEW_COURSE_INVITATIONS_BEFORE_FIRST_ACCEPT = env.int(
    "NEW_COURSE_INVITATIONS_BEFORE_FIRST_ACCEPT", default=10
)

# Reminders: no email between these local hours of the recipient (start, end).
NOTIFICATION_QUIET_HOURS = (
    env.int("NOTIFICATION_QUIET_START", default=21),
    env.int("NOTIFICATION_QUIET_END", default=8),
)
NOTIFICATION_DIGEST_HOUR = env.int("NOTIFICATION_DIGEST_HOUR", default=8)
NOTIFICATION_MESSAGE_ID_DOMAIN = env.str("NOTIFICATION_MESSAGE_ID_DOMAIN", default="rapport.local")
# Reminder emails per second across all workers together (0: no limit), counted in the shared
# cache (notifications/ratelimit.py): set it to the email service's sending rate (Amazon SES
# starts accounts at 14 a second).
NOTIFICATION_EMAILS_PER_SECOND = env.int("NOTIFICATION_EMAILS_PER_SECOND", default=0)

# How long a whole-class summary (counts, statistics) is kept at most (common/summaries.py): a
# change in the course replaces it at once; this only bounds what the cache holds.
SUMMARY_CACHE_SECONDS = env.int("SUMMARY_CACHE_SECONDS", default=900)

# Operations (ops/, docs/operations.md). /metrics/ answers only to "Authorization: Bearer
# <METRICS_TOKEN>"; empty: to nobody.
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
# Where every process of a gunicorn (or worker) writes its samples, so a scrape adds them up.
PROMETHEUS_MULTIPROC_DIR = env.str("PROMETHEUS_MULTIPROC_DIR", default="")
# /readyz/: the Redis it pings (the cache's), and how old the reminder tick's last run may be
# (beat ticks every 60 s: three missed ticks).
READYZ_REDIS_URL = env.str("READYZ_REDIS_URL", default=REDIS_URL)
READYZ_BEAT_MAX_AGE = env.int("READYZ_BEAT_MAX_AGE", default=180)
