"""Settings of the worker processes the reliability tests start: the integration settings
(test database, a real broker, real SMTP) plus what a test needs to vary through the
environment: the database's address (a proxy that can cut it off) and the Redis transport's
visibility timeout (short, to show what it does to ETA tasks)."""

from config.settings.base import env
from config.settings.integration import *  # noqa: F403
from config.settings.integration import DATABASES

DATABASES["default"]["HOST"] = env.str("DATABASE_HOST", default=DATABASES["default"]["HOST"])
DATABASES["default"]["PORT"] = env.str("DATABASE_PORT", default=DATABASES["default"]["PORT"])

_visibility_timeout = env.int("BROKER_VISIBILITY_TIMEOUT", default=0)
if _visibility_timeout:
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": _visibility_timeout,
        # Look for messages past their visibility timeout every second (kombu's default sweep
        # is every 100 s, scaled down with the timeout itself).
        "unacked_restore_interval": 1,
        "unacked_restore_throttle": 1,
    }
