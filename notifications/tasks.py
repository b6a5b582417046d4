"""The engine's Celery tasks: the tick and delivery (see delivery.py). The apps that plan
notifications keep their own re-plan tasks (e.g. ``interviews.tasks``)."""

import logging
from datetime import datetime

from celery import shared_task
from django.db import DatabaseError
from django.utils import timezone

from .delivery import batches, deliver, recover_stale, take_due

logger = logging.getLogger(__name__)

# A database outage fails the task; Celery retries it until the database is back.
RETRY = {"autoretry_for": (DatabaseError,), "retry_backoff": 5, "retry_backoff_max": 60,
         "retry_kwargs": {"max_retries": None}}  # fmt: skip


@shared_task(ignore_result=True)
def tick(now: datetime | None = None) -> int:
    """Hand every due reminder to a delivery task; run by beat every minute. ``now`` lets the
    reliability tests drive ticks through simulated time; beat passes nothing."""
    now = now or timezone.now()
    recover_stale(now=now)
    grouped = take_due(now=now)
    for ids in batches(grouped):
        deliver_batch.delay(ids)
    return sum(len(ids) for ids in grouped.values())


@shared_task(ignore_result=True, acks_late=True, **RETRY)
def deliver_batch(ids: list[int]) -> dict:
    return deliver(ids)
