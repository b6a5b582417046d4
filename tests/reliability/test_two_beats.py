"""(3) Two beat processes at once for an hour of simulated ticks: no reminder is sent twice.

Two threads (each with its own database connection, as two beat-driven ticks would have) call
``tick(now=...)`` at the same simulated minute, 61 times, through an hour in which 3,000
reminders for 1,000 people fall due. The hour lies in the recent past, so the real workers,
which claim with the real clock, may deliver whatever the ticks hand them. ``REENQUEUE_AFTER``
keeps its production value of 90 s of simulated time, so batches still queued are handed out
again and again while the simulated clock races ahead: the workers' claim is what keeps those
extra tasks from sending twice.
"""

import random
import threading
import time
from collections import defaultdict
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from notifications import delivery

from .conftest import Ticker, make_recipients, plan_reminders, sent_count, states
from .support import report

pytestmark = pytest.mark.reliability

RECIPIENTS = 1_000
PER_RECIPIENT = 3
ROWS = RECIPIENTS * PER_RECIPIENT
MINUTES = 60


def test_two_beats_ticking_at_once_for_an_hour_send_nothing_twice(start_workers, sink, monkeypatch):
    start = (timezone.now() - timedelta(minutes=MINUTES + 15)).replace(second=0, microsecond=0)
    moments = random.Random(3)
    recipients = make_recipients(RECIPIENTS, "beats")
    keys = plan_reminders(
        recipients, PER_RECIPIENT, prefix="beats",
        send_at=lambda r, i: start + timedelta(seconds=moments.randrange(MINUTES * 60)),
    )  # fmt: skip
    taken: list[tuple[str, object, list[int]]] = []

    def recording_take_due(*, now, **kwargs):
        grouped = delivery.take_due(now=now, **kwargs)
        taken.append(
            (threading.current_thread().name, now, [p for g in grouped.values() for p in g])
        )
        return grouped

    monkeypatch.setattr("notifications.tasks.take_due", recording_take_due)
    workers = start_workers(2)
    together = threading.Barrier(2)
    failures: list[BaseException] = []

    def beat(name: str):
        ticker = Ticker()
        try:
            for minute in range(MINUTES + 1):
                together.wait(timeout=30)
                ticker.tick(now=start + timedelta(minutes=minute))
                time.sleep(0.2)
        except BaseException as error:  # noqa: BLE001 - reported by the test thread
            failures.append(error)
        finally:
            connection.close()

    began = time.monotonic()
    beats = [threading.Thread(target=beat, args=(n,), name=n) for n in ("beat-a", "beat-b")]
    for thread in beats:
        thread.start()
    for thread in beats:
        thread.join()
    simulated_s = time.monotonic() - began
    finished = Ticker().run(until=lambda: sent_count() == ROWS, timeout=90)
    workers.stop_all()

    by_minute: dict[object, dict[str, set[int]]] = defaultdict(dict)
    for name, now, ids in taken:
        if name.startswith("beat"):
            by_minute[now][name] = set(ids)
    overlaps = sum(
        len(got.get("beat-a", set()) & got.get("beat-b", set())) for got in by_minute.values()
    )
    handed_outs = sum(len(ids) for name, _, ids in taken if name.startswith("beat"))
    final = states()
    report("3_two_beats_simulated_hour", {
        "load": f"{ROWS} reminders for {RECIPIENTS} people, due throughout {MINUTES} minutes",
        "simulated_ticks_per_beat": MINUTES + 1,
        "real_seconds_for_the_simulated_hour": round(simulated_s, 1),
        "handed_out_by_both_beats_in_the_same_minute": overlaps,
        "hand_outs_during_the_hour (incl. re-hand-outs of queued batches)": handed_outs,
        "delivery_tasks_that_found_nothing_left_to_claim": workers.count_in_logs("'claimed': 0"),
        "messages_received": len(sink.snapshot()),
        "duplicate_reminders": len(sink.duplicate_keys()),
        "duplicate_message_ids": sink.duplicate_message_ids(),
        "lost": len(keys - sink.keys()),
        "final_states": final,
    })  # fmt: skip

    assert not failures, failures
    assert len(by_minute) == MINUTES + 1 and all(len(v) == 2 for v in by_minute.values())
    assert overlaps == 0
    assert finished, final
    assert sink.keys() == keys
    assert sink.duplicate_keys() == {}
    assert sink.duplicate_message_ids() == 0
