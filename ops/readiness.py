"""/readyz/: can this deployment do its work right now? Each part is checked with a short
timeout and named when it fails, so a probe's log says what is down.

- ``database``: a ``SELECT 1`` on the default database;
- ``redis``: a PING to ``READYZ_REDIS_URL`` (the cache's Redis; skipped when there is none);
- ``broker``: a connection to ``CELERY_BROKER_URL``;
- ``beat``: the reminder tick finished within ``READYZ_BEAT_MAX_AGE`` seconds (ops/heartbeat.py).
"""

from dataclasses import dataclass

import redis
from django.conf import settings
from django.db import connection
from django.utils import timezone
from kombu import Connection

from .models import Heartbeat

TIMEOUT = 2  # seconds per part: a probe must answer before the orchestrator gives up on it
TICK = "notifications.tasks.tick"


@dataclass(frozen=True)
class Part:
    name: str
    ok: bool
    detail: str


def check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return "ok"


def check_redis() -> str:
    url = settings.READYZ_REDIS_URL
    if not url:
        return "not used"
    client = redis.Redis.from_url(url, socket_connect_timeout=TIMEOUT, socket_timeout=TIMEOUT)
    try:
        client.ping()
    finally:
        client.close()
    return "ok"


def check_broker() -> str:
    with Connection(settings.CELERY_BROKER_URL, connect_timeout=TIMEOUT) as broker:
        broker.ensure_connection(max_retries=1, timeout=TIMEOUT)
    return "ok"


class Stale(Exception):
    pass


def check_beat() -> str:
    beat = Heartbeat.objects.filter(task=TICK).first()
    if beat is None:
        raise Stale("the reminder tick has never run")
    age = beat.age_seconds(timezone.now())
    if age > settings.READYZ_BEAT_MAX_AGE:
        raise Stale(f"the reminder tick last finished {age:.0f} s ago")
    return f"ticked {age:.0f} s ago"


CHECKS = {
    "database": check_database,
    "redis": check_redis,
    "broker": check_broker,
    "beat": check_beat,
}


def readiness(names: list[str] | None = None) -> list[Part]:
    """The state of each part named (all of them by default). A failure names the exception's
    class and message, never a connection URL (it may carry a password)."""
    parts = []
    for name in names or list(CHECKS):
        try:
            parts.append(Part(name, True, CHECKS[name]()))
        except Stale as stale:
            parts.append(Part(name, False, str(stale)))
        except Exception as error:  # noqa: BLE001  (any failure means "not ready")
            parts.append(Part(name, False, type(error).__name__))
    return parts
