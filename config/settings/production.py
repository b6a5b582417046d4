"""Production: PostgreSQL, Redis, SMTP and HTTPS. SECRET_KEY, ALLOWED_HOSTS and REDIS_URL are
required; SITE_URL and DEFAULT_FROM_EMAIL too, which ``manage.py check --deploy`` enforces
(config/checks.py). Every variable: .env.example and docs/operations.md."""

from urllib.parse import urlsplit

from .base import *  # noqa: F403
from .base import STORAGES, env

SECRET_KEY = env.str("SECRET_KEY")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
DEBUG = False

# No development defaults: links in emails, the List-Unsubscribe address, the sender and the
# Message-ID domain must be the deployment's own (config/checks.py says what is missing).
SITE_URL = env.str("SITE_URL", default="")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="")
SERVER_EMAIL = env.str("SERVER_EMAIL", default=DEFAULT_FROM_EMAIL)
NOTIFICATION_MESSAGE_ID_DOMAIN = env.str(
    "NOTIFICATION_MESSAGE_ID_DOMAIN", default=urlsplit(SITE_URL).hostname or ""
)

ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https"
# Operators must have two-factor authentication before the admin opens (accounts/admin_mfa.py).
STAFF_REQUIRE_MFA = True

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
# Probes and Prometheus call the app directly over HTTP, inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz/$", r"^readyz/$", r"^metrics/$"]
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.smtp.EmailBackend")

# Rate limits (allauth), import progress and sessions' cache need a cache every process shares:
# with several web servers behind a load balancer, Redis is what they have in common.
REDIS_URL = env.str("REDIS_URL")
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
}
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL)
READYZ_REDIS_URL = env.str("READYZ_REDIS_URL", default=REDIS_URL)

# Uploads: a folder (one machine, or a shared volume) or S3-compatible object storage through
# django-storages, for several web servers. Downloads still go through Rapport's permission
# check and are streamed as attachments (interviews/downloads.py); the bucket stays private.
MEDIA_STORAGE = env.str("MEDIA_STORAGE", default="filesystem")
if MEDIA_STORAGE == "s3":
    STORAGES = {
        **STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": env.str("AWS_STORAGE_BUCKET_NAME"),
                "endpoint_url": env.str("AWS_S3_ENDPOINT_URL", default=None),
                "region_name": env.str("AWS_S3_REGION_NAME", default=None),
                "access_key": env.str("AWS_ACCESS_KEY_ID", default=None),
                "secret_key": env.str("AWS_SECRET_ACCESS_KEY", default=None),
                "default_acl": None,
                "querystring_auth": True,
                "file_overwrite": False,
                "location": env.str("AWS_LOCATION", default="media"),
            },
        },
    }
elif MEDIA_STORAGE != "filesystem":
    raise ValueError(f"MEDIA_STORAGE must be 'filesystem' or 's3', not {MEDIA_STORAGE!r}")

# JSON lines on stdout (python-json-logger), each with its request id (ops/requestid.py);
# Celery keeps its hands off the root logger so the worker and beat write the same lines.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "ops.requestid.RequestIdFilter"}},
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        }
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
