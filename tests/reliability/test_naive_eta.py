"""(4) The design the issue rules out duplicates; ours does not, on the same workers and load.

Naive: one task per reminder, published with ``countdown`` (an ETA task) that sends when it
runs. A worker holds an ETA task unacknowledged until its moment; Redis hands any message
unacknowledged for longer than the visibility timeout to a consumer again, so the reminder is
scheduled — and sent — once more per timeout that elapses. Production's timeout is 1 hour
(kombu's default), so a reminder planned more than an hour ahead is duplicated; here the
timeout is 1 s (with the unacked sweep every second instead of every 100 s) and the countdown
6 s, the same situation in seconds.

Ours: the same 100 reminders as rows due in 6 s, ticked every second, on the same two workers
with the same 1 s visibility timeout.
"""

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from .conftest import Ticker, make_recipients, plan_reminders, sent_count
from .naive import send_reminder_at_eta
from .support import report

pytestmark = pytest.mark.reliability

REMINDERS = 100
COUNTDOWN_S = 6
VISIBILITY_TIMEOUT_S = 1


def quiet_for(sink, seconds: float, timeout: float) -> None:
    """Wait until the sink has received nothing new for ``seconds``."""
    deadline = time.monotonic() + timeout
    count, since = len(sink.snapshot()), time.monotonic()
    while time.monotonic() < deadline and time.monotonic() - since < seconds:
        time.sleep(0.2)
        if len(sink.snapshot()) != count:
            count, since = len(sink.snapshot()), time.monotonic()


def test_eta_tasks_duplicate_under_a_short_visibility_timeout_and_the_engine_does_not(
    start_workers, sink
):
    workers = start_workers(
        2, env={"BROKER_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT_S)},
        include=["tests.reliability.naive"],
    )  # fmt: skip
    recipients = make_recipients(REMINDERS, "eta")

    for person in recipients:
        send_reminder_at_eta.apply_async(
            (f"naive-{person.pk}", person.email), countdown=COUNTDOWN_S
        )
    time.sleep(COUNTDOWN_S)
    quiet_for(sink, 4, timeout=60)
    naive = sink.snapshot()
    naive_counts = sink.key_counts()
    naive_keys = {f"naive-{p.pk}" for p in recipients}

    due = timezone.now() + timedelta(seconds=COUNTDOWN_S)
    ours_keys = plan_reminders(recipients, 1, prefix="ours", send_at=lambda r, i: due)
    Ticker(every=1.0).run(until=lambda: sent_count() == REMINDERS, timeout=60)
    quiet_for(sink, 4, timeout=30)
    workers.stop_all()
    counts = sink.key_counts()
    ours = [m for m in sink.snapshot() if m.keys & ours_keys]

    naive_duplicates = sum(n - 1 for k, n in naive_counts.items() if k in naive_keys)
    ours_duplicates = sum(counts[k] - 1 for k in ours_keys if counts[k])
    report("4_naive_eta_vs_engine", {
        "load": f"{REMINDERS} reminders, one per person, due in {COUNTDOWN_S} s",
        "visibility_timeout (test / kombu default)": f"{VISIBILITY_TIMEOUT_S} s / 3600 s",
        "naive_messages": len(naive),
        "naive_reminders_sent_more_than_once": sum(
            1 for k, n in naive_counts.items() if k in naive_keys and n > 1
        ),
        "naive_extra_messages": naive_duplicates,
        "naive_most_copies_of_one_reminder": max(naive_counts.values(), default=0),
        "naive_lost": len(naive_keys - set(naive_counts)),
        "engine_messages": len(ours),
        "engine_extra_messages": ours_duplicates,
        "engine_lost": len(ours_keys - set(counts)),
    })  # fmt: skip

    assert naive_duplicates > 0
    assert set(naive_counts) >= naive_keys
    assert {k for k in counts if k in ours_keys} == ours_keys
    assert ours_duplicates == 0
    assert len(ours) == REMINDERS
