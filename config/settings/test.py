"""Test settings: PostgreSQL when it is reachable (always on CI), otherwise SQLite.

With CI=true a missing PostgreSQL is an error, never a silent fallback.
"""

import socket
import tempfile
from pathlib import Path

from .base import *  # noqa: F403
from .base import env

CI = env.bool("CI", default=False)
TEST_DATABASE_URL = env.str(
    "TEST_DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/rapport"
)


def _reachable(url: str) -> bool:
    parsed = env.db_url_config(url)
    try:
        with socket.create_connection(
            (parsed["HOST"] or "127.0.0.1", int(parsed["PORT"] or 5432)), 1
        ):
            return True
    except OSError:
        return False


if CI or _reachable(TEST_DATABASE_URL):
    DATABASES = {"default": env.db_url_config(TEST_DATABASE_URL)}
else:
    DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}

SECRET_KEY = "test-secret-key-not-for-production-0123456789abcdef"
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="rapport-media-"))
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_BROKER_URL = "memory://"
# The college default, with the fixtures' domain: every named actor may create courses
# (tests/courses/test_course_creators.py tries each mode).
COURSE_CREATORS = "domains"
ALLOWED_COURSE_CREATOR_DOMAINS = ["example.edu"]
