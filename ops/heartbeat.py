"""Records when the reminder tick last finished and how long it took.

Celery's task signals see the tick from outside, so the notifications engine stays unaware of
ops (a lower app never learns who watches it). The row is written by the worker that ran the
tick: a recent row proves beat, the broker and a worker all worked a minute ago.
"""

import time

from celery.signals import task_postrun, task_prerun
from django.utils import timezone

from .models import Heartbeat

WATCHED = {"notifications.tasks.tick"}
_started: dict[str, float] = {}


def _task_started(task_id=None, task=None, **kwargs):
    if task is not None and task.name in WATCHED:
        _started[task_id] = time.monotonic()


def _task_finished(task_id=None, task=None, state=None, **kwargs):
    started = _started.pop(task_id, None)
    if started is None or state != "SUCCESS":
        return
    Heartbeat.objects.update_or_create(
        task=task.name,
        defaults={"finished_at": timezone.now(), "duration_seconds": time.monotonic() - started},
    )


def connect() -> None:
    task_prerun.connect(_task_started, weak=False, dispatch_uid="ops.heartbeat.started")
    task_postrun.connect(_task_finished, weak=False, dispatch_uid="ops.heartbeat.finished")
