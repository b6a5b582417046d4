"""(1) 10,000 due reminders, two workers SIGKILLed four times mid-run and restarted: nothing is
lost, and a reminder is delivered twice only if its message had been accepted by the server and
not yet marked sent when its worker was killed.

The load: 2,000 recipients with 5 reminders each, all due now, so each recipient gets one
combined email (2,000 messages carry the 10,000 reminders). Each kill takes both workers down
with whatever they were doing; the rows they had claimed stay ``sending`` and come back through
``recover_stale`` (run by the tick), the batches they had taken from Redis are handed out again
after ``REENQUEUE_AFTER``. A batch marks each accepted message's rows sent in a committed
UPDATE of their own before the next message goes out, so a killed worker leaves at most one
message accepted and not marked (``DUPLICATES_PER_KILLED_WORKER``): these, and only these, go
out twice, with the same Message-ID.
"""

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from notifications.models import Notification

from .conftest import Ticker, make_recipients, plan_reminders, sent_count, states
from .support import report

pytestmark = pytest.mark.reliability

RECIPIENTS = 2_000
PER_RECIPIENT = 5
ROWS = RECIPIENTS * PER_RECIPIENT
KILL_AT = (0.15, 0.35, 0.55, 0.75)  # share of reminders delivered when both workers are killed
DUPLICATES_PER_KILLED_WORKER = 1  # the message between the server's answer and its UPDATE


def test_killed_workers_lose_nothing_and_duplicate_only_messages_mid_send(
    start_workers, sink, scaled_engine, recovered
):
    scales = scaled_engine(reenqueue=timedelta(seconds=2), stale=timedelta(seconds=5))
    now = timezone.now()
    recipients = make_recipients(RECIPIENTS, "killed")
    # Equal moments per recipient, so a tick never splits one person's reminders.
    keys = plan_reminders(
        recipients, PER_RECIPIENT, prefix="killed",
        send_at=lambda r, i: now - timedelta(seconds=r),
    )  # fmt: skip
    workers = start_workers(2)
    ticker = Ticker(every=1.0)
    kill_at = list(KILL_AT)
    kills: list[dict] = []
    mid_send: set[str] = set()
    started = time.monotonic()

    def kill_when_due():
        if not kill_at or len(sink.keys()) < kill_at[0] * ROWS:
            return
        kill_at.pop(0)
        killed = workers.kill_all()
        time.sleep(0.5)  # let the sink finish what it was receiving
        # With both workers dead, a row still ``sending`` whose reminder reached the sink was
        # accepted by the server since its batch last marked rows sent: it will be sent again.
        sending = set(
            Notification.objects.filter(state=Notification.State.SENDING).values_list(
                "dedupe_key", flat=True
            )
        )
        caught = (sending & sink.keys()) - mid_send  # not yet recovered from an earlier kill
        mid_send.update(caught)
        kills.append({
            "at_s": round(time.monotonic() - started, 1), "delivered": len(sink.keys()),
            "workers_killed": killed, "rows_left_sending": len(sending),
            "reminders_mid_send": len(caught),
        })  # fmt: skip
        workers.start_all(wait=False)

    finished = ticker.run(until=lambda: sent_count() == ROWS, timeout=240, each=kill_when_due)
    elapsed = time.monotonic() - started
    workers.stop_all()
    time.sleep(0.5)

    duplicates = sink.duplicate_keys()
    final = states()
    report("1_workers_sigkilled", {
        "load": f"{ROWS} reminders for {RECIPIENTS} recipients ({PER_RECIPIENT} each, combined)",
        "workers": 2,
        "kill_rounds": len(kills),
        "workers_killed": sum(k["workers_killed"] for k in kills),
        "kills": kills,
        "rows_recovered_from_sending": sum(recovered),
        "messages_received": len(sink.snapshot()),
        "reminders_delivered": len(sink.keys()),
        "lost": len(keys - sink.keys()),
        "final_states": final,
        "reminders_mid_send_at_kills": len(mid_send),
        "duplicate_reminders": len(duplicates),
        "duplicate_messages (same Message-ID)": sink.duplicate_message_ids(),
        "duplicate_messages_bound (1 per killed worker)": (
            DUPLICATES_PER_KILLED_WORKER * sum(k["workers_killed"] for k in kills)
        ),
        "ticks": ticker.ticks,
        "seconds": round(elapsed, 1),
        **scales,
    })  # fmt: skip

    assert finished, f"Not all sent: {final}\n{workers.log_text()[-5000:]}"
    assert len(kills) == len(KILL_AT)
    assert final[Notification.State.SENT] == ROWS
    assert sink.keys() == keys
    # Every duplicate is a message the server had accepted and its worker had not yet marked
    # sent when it was killed (at most one per killed worker: a batch marks each accepted
    # message's rows sent before it sends the next), and it went out again with the same
    # Message-ID.
    assert set(duplicates) == mid_send
    assert all(n == 2 for n in duplicates.values())
    duplicate_messages = sink.duplicate_message_ids()
    killed = sum(k["workers_killed"] for k in kills)
    assert duplicate_messages <= killed * DUPLICATES_PER_KILLED_WORKER
    assert duplicate_messages * PER_RECIPIENT == len(duplicates)
