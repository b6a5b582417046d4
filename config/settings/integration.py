"""For a real Celery worker started by the integration tests (tests/integration/).

Like the test settings, but tasks go through a real broker and email through real SMTP, and
the database is the test database the test run created, so the worker sees the rows the test
commits. Every value comes from the environment the test gives the worker.
"""

from .base import env
from .test import *  # noqa: F403
from .test import DATABASES

CELERY_TASK_ALWAYS_EAGER = False
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL")
CELERY_BROKER_TRANSPORT_OPTIONS = {}
if CELERY_BROKER_URL == "filesystem://":
    # The embedded default: kombu's filesystem transport in a folder the test shares.
    _folder = env.str("CELERY_BROKER_FOLDER")
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": _folder,
        "data_folder_out": _folder,
        "control_folder": _folder,
        "store_processed": False,
    }

EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_HOST = env.str("EMAIL_HOST", default="127.0.0.1")
EMAIL_PORT = env.int("EMAIL_PORT")
EMAIL_USE_TLS = False
EMAIL_TIMEOUT = 10

DATABASES["default"]["NAME"] = env.str("DATABASE_NAME", default=DATABASES["default"]["NAME"])
