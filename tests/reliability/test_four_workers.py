"""(8) Four workers on one queue of due reminders: each reminder is sent exactly once.

Production may run several ``celery worker`` processes (``Procfile``'s ``worker`` line, once per
container or machine). The tick hands each due row out once, but a batch can reach more than
one worker (a task handed out again after ``REENQUEUE_AFTER``, two beats), so here every batch
is published four times on purpose: the four workers race for the same rows, and only the
claim ``pending → sending`` decides who sends each one.
"""

import re
import time
from collections import Counter

import pytest
from django.utils import timezone

from notifications.delivery import batches, take_due
from notifications.tasks import deliver_batch

from .conftest import make_recipients, plan_reminders, sent_count, states
from .support import report

pytestmark = pytest.mark.reliability

WORKERS = 4
RECIPIENTS = 400
PER_RECIPIENT = 2
ROWS = RECIPIENTS * PER_RECIPIENT
RECIPIENTS_PER_TASK = 10  # small batches, so every worker gets a share of the race
COPIES = 4  # each batch published this many times
CLAIMED = re.compile(r"deliver_batch\[[^\]]+\] succeeded in [^:]+: \{'claimed': (\d+)")


def claimed_by_worker(workers) -> list[int]:
    """Rows each worker process claimed, read from its task log lines."""
    return [
        sum(int(n) for n in CLAIMED.findall(log.read_text(errors="replace")))
        for log in workers.logs
    ]


def test_four_workers_racing_for_the_same_batches_send_each_reminder_once(start_workers, sink):
    now = timezone.now()
    recipients = make_recipients(RECIPIENTS, "four")
    keys = plan_reminders(recipients, PER_RECIPIENT, prefix="four", send_at=lambda r, i: now)
    workers = start_workers(WORKERS)
    started = time.monotonic()
    handed = batches(take_due(now=timezone.now()), size=RECIPIENTS_PER_TASK)
    for _ in range(COPIES):
        for ids in handed:
            deliver_batch.delay(ids)
    deadline = time.monotonic() + 90
    while sent_count() < ROWS and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(1)  # the copies still queued find nothing left to claim
    elapsed = time.monotonic() - started
    workers.stop_all()

    per_worker = claimed_by_worker(workers)
    messages = Counter(m.recipients for m in sink.snapshot())
    final = states()
    report("8_four_workers", {
        "load": f"{ROWS} reminders for {RECIPIENTS} recipients, all due",
        "workers": WORKERS,
        "tasks_published": len(handed) * COPIES,
        "copies_of_each_batch": COPIES,
        "rows_claimed_per_worker": per_worker,
        "messages_received": len(sink.snapshot()),
        "reminders_delivered": len(sink.keys()),
        "duplicate_reminders": len(sink.duplicate_keys()),
        "final_states": final,
        "seconds": round(elapsed, 1),
    })  # fmt: skip

    assert final["sent"] == ROWS, f"Not all sent: {final}\n{workers.log_text()[-5000:]}"
    assert sink.keys() == keys
    assert sink.duplicate_keys() == {}
    assert sink.duplicate_message_ids() == 0
    # One combined email per recipient, each to that recipient only.
    assert len(messages) == RECIPIENTS and set(messages.values()) == {1}
    assert sorted(r for (r,) in messages) == sorted(u.email for u in recipients)
    # The race was real: every worker claimed rows, and together exactly the rows there were.
    assert all(n > 0 for n in per_worker), per_worker
    assert sum(per_worker) == ROWS
