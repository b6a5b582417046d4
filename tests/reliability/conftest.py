"""Fixtures of the reliability tests: real PostgreSQL, a private Redis server, real worker
processes on the test database, an SMTP sink, and a tick driven from the test process.

Beat is replaced by the test calling ``notifications.tasks.tick()`` (every second, or at
simulated moments). The engine's two timeouts are scaled down *in the test process* (where the
tick runs) so that a test lasts seconds, with the same ratio to the tick interval as in
production: production ticks every 60 s, hands a lost batch out again after 90 s
(``REENQUEUE_AFTER``) and takes back rows left ``sending`` after 5 min
(``STALE_SENDING_AFTER``).
"""

import os
import time
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from django.db import DatabaseError, connection
from django.db.models import Count
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from accounts.models import User
from interviews.notices import Kind
from notifications import delivery
from notifications.models import Notification
from notifications.tasks import tick
from tests.celery_publishing import celery_publishing
from tests.conftest import port_open, require_service

from .support import SITE_URL, RedisServer, Sink, Workers, key_token

FALLBACK_REDIS_URL = os.environ.get("RELIABILITY_REDIS_URL", "redis://127.0.0.1:6379/14")


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory):
    server = RedisServer(tmp_path_factory.mktemp("redis"), fallback_url=FALLBACK_REDIS_URL)
    if not server.private:
        require_service("Redis", port_open("127.0.0.1", 6379))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def postgresql():
    """Concurrency and locking are PostgreSQL's: the tests need the real thing."""
    require_service("PostgreSQL", connection.vendor == "postgresql")


@pytest.fixture
def sink():
    sink = Sink().start()
    yield sink
    sink.stop()


@pytest.fixture
def queue() -> str:
    return f"reliability-{uuid.uuid4().hex[:10]}"


@pytest.fixture
def broker(redis_server, queue):
    """The test process publishes tasks to Redis (not eagerly) on this test's own queue."""
    redis_server.client().flushdb()
    with celery_publishing(
        task_always_eager=False, broker_url=redis_server.url, task_default_queue=queue,
        broker_transport_options={},
    ):  # fmt: skip
        yield redis_server


@pytest.fixture
def start_workers(transactional_db, postgresql, broker, sink, queue, tmp_path):
    """``start_workers(count, env=..., include=...)`` → running worker processes on the test
    database, the broker and the sink; all are stopped before the database is emptied."""
    started: list[Workers] = []

    def start(count: int = 2, *, env: dict | None = None, include=(), wait=True) -> Workers:
        workers = Workers(
            env={
                "DJANGO_SETTINGS_MODULE": "tests.reliability.worker_settings",
                "DATABASE_NAME": connection.settings_dict["NAME"],
                "CELERY_BROKER_URL": broker.url,
                "EMAIL_HOST": "127.0.0.1",
                "EMAIL_PORT": str(sink.port),
                "SITE_URL": SITE_URL,
                "LOG_LEVEL": "INFO",  # the tests read the workers' task log lines
                **(env or {}),
            },
            queue=queue, log_dir=tmp_path, count=count, include=include,
        )  # fmt: skip
        started.append(workers)
        workers.start_all(wait=wait)
        return workers

    yield start
    for workers in started:
        workers.stop_all()


@pytest.fixture
def scaled_engine(monkeypatch):
    """``scaled_engine(reenqueue=..., stale=...)`` sets the engine's timeouts in this process."""

    def scale(*, reenqueue: timedelta, stale: timedelta) -> dict:
        monkeypatch.setattr(delivery, "REENQUEUE_AFTER", reenqueue)
        monkeypatch.setattr(delivery, "STALE_SENDING_AFTER", stale)
        return {
            "REENQUEUE_AFTER (test / production)": f"{reenqueue.total_seconds():g} s / 90 s",
            "STALE_SENDING_AFTER (test / production)": f"{stale.total_seconds():g} s / 300 s",
        }

    return scale


@pytest.fixture
def recovered(monkeypatch) -> list[int]:
    """Counts of rows ``recover_stale`` took back from dead workers, one entry per tick."""
    counts: list[int] = []
    original = delivery.recover_stale

    def counting(*, now):
        counts.append(original(now=now))
        return counts[-1]

    monkeypatch.setattr("notifications.tasks.recover_stale", counting)
    return counts


# The tick, as beat would run it ----------------------------------------------------------


class Ticker:
    """Calls ``tick()`` every ``every`` seconds. A tick that fails (database or broker away)
    is counted and the next one tried, as beat would."""

    def __init__(self, every: float = 1.0):
        self.every = every
        self.ticks = 0
        self.failures = 0
        self.handed_out: list[int] = []

    def tick(self, now: datetime | None = None) -> int | None:
        try:
            handed = tick(now=now)
        except (DatabaseError, BrokerError):
            self.failures += 1
            connection.close()  # reconnect on the next tick
            return None
        self.ticks += 1
        self.handed_out.append(handed)
        return handed

    def run(
        self, *, until: Callable[[], bool], timeout: float, each: Callable[[], None] | None = None
    ) -> bool:
        """Tick until ``until()`` holds; ``each()`` runs every 0.1 s in between."""
        deadline = time.monotonic() + timeout
        next_tick = time.monotonic()
        while time.monotonic() < deadline:
            if time.monotonic() >= next_tick:
                next_tick += self.every
                self.tick()
                if until():
                    return True
            if each is not None:
                each()
            time.sleep(0.1)
        return until()


# Data ------------------------------------------------------------------------------------


def daytime_zone(now: datetime | None = None) -> str:
    """A time zone where it is early afternoon now, so no reminder waits for quiet hours."""
    offset = 13 - (now or timezone.now()).hour
    if offset == 0:
        return "UTC"
    return f"Etc/GMT{'-' if offset > 0 else '+'}{abs(offset)}"  # Etc signs are inverted


def make_recipients(count: int, prefix: str, *, zone: str | None = None) -> list[User]:
    zone = zone or daytime_zone()
    return User.objects.bulk_create(
        User(email=f"{prefix}{i}@reliability.example", full_name=f"Recipient {i}",
             time_zone=zone, password="!")
        for i in range(count)
    )  # fmt: skip


def plan_reminders(
    recipients, per_recipient: int, *, prefix: str, send_at: Callable[[int, int], datetime]
) -> set[str]:
    """``per_recipient`` pending reminders for each recipient; returns their keys.
    ``send_at(recipient_index, reminder_index)`` says when each is due."""
    rows = []
    for r, recipient in enumerate(recipients):
        for i in range(per_recipient):
            key = f"{prefix}-{recipient.pk}-{i}"
            rows.append(Notification(
                recipient=recipient, kind=Kind.MILESTONE_SOON, dedupe_key=key,
                send_at=send_at(r, i), subject=f"Reminder {i + 1} of {per_recipient}",
                body=f"Due soon {key_token(key)}", url="/courses/",
            ))  # fmt: skip
    Notification.objects.bulk_create(rows, batch_size=5000)
    return {row.dedupe_key for row in rows}


def states() -> dict[str, int]:
    counts = dict(Notification.objects.order_by().values_list("state").annotate(n=Count("pk")))
    return {state: counts.get(state, 0) for state in Notification.State.values}


def sent_count() -> int:
    return Notification.objects.filter(state=Notification.State.SENT).count()
