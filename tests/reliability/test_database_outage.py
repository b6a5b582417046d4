"""(7) The database unreachable mid-run: nothing is lost once it returns.

The workers and the tick (this process) reach PostgreSQL through a TCP proxy started here;
cutting the proxy drops every open connection and refuses new ones, as a database restart or a
network partition would. The outage lasts 20 s instead of a minute (the tick runs every second
instead of every minute). During it the ticks fail. A worker sending a batch at the cut finds
out when it marks the message it just sent (each accepted message's rows are marked sent before
the next goes out, so at most one message per worker goes out after the cut), then retries that
write until the database is back, gives the rest of its batch back to ``pending`` and stops;
the tick hands out again what was in flight. The message accepted before the write is recorded
once the database is back, so none is sent twice unless the tick took its rows back as stale
and another worker sent them again before the write got through.
"""

import time
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from notifications.models import Notification

from .conftest import Ticker, make_recipients, plan_reminders, sent_count, states
from .support import TcpProxy, report

pytestmark = pytest.mark.reliability

RECIPIENTS = 1_000
PER_RECIPIENT = 2
ROWS = RECIPIENTS * PER_RECIPIENT
OUTAGE_S = 20


@pytest.fixture
def proxy(transactional_db, postgresql):
    """A proxy to the test database; this process's own connection goes through it too (until
    the test ends, before the database is emptied)."""
    settings = connection.settings_dict
    target = (settings["HOST"] or "127.0.0.1", int(settings["PORT"] or 5432))
    proxy = TcpProxy(target).start()
    saved = settings["HOST"], settings["PORT"]
    connection.close()
    settings["HOST"], settings["PORT"] = "127.0.0.1", str(proxy.port)
    yield proxy
    connection.close()
    settings["HOST"], settings["PORT"] = saved
    proxy.cut()


def test_a_database_outage_mid_run_loses_nothing(
    proxy, start_workers, sink, scaled_engine, recovered
):
    scales = scaled_engine(reenqueue=timedelta(seconds=1.5), stale=timedelta(seconds=5))
    now = timezone.now()
    recipients = make_recipients(RECIPIENTS, "outage")
    keys = plan_reminders(recipients, PER_RECIPIENT, prefix="outage", send_at=lambda r, i: now)
    workers = start_workers(2, env={"DATABASE_HOST": "127.0.0.1", "DATABASE_PORT": str(proxy.port)})
    ticker = Ticker(every=1.0)
    started = time.monotonic()

    ticker.run(until=lambda: len(sink.keys()) >= ROWS * 0.25, timeout=60)
    proxy.cut()
    cut_at = time.monotonic()
    delivered_at_cut = len(sink.keys())
    ticks_before = ticker.ticks
    while time.monotonic() - cut_at < OUTAGE_S:
        ticker.tick()
        time.sleep(1)
    delivered_during_outage = len(sink.keys()) - delivered_at_cut
    ok_during_outage = ticker.ticks - ticks_before
    proxy.restore()
    back_at = time.monotonic()
    in_flight_when_back = states()
    finished = ticker.run(until=lambda: sent_count() == ROWS, timeout=120)
    caught_up_s = time.monotonic() - back_at
    workers.stop_all()

    final = states()
    duplicates = sink.duplicate_keys()
    report("7_database_outage", {
        "load": f"{ROWS} reminders for {RECIPIENTS} recipients",
        "outage_seconds (test / issue)": f"{OUTAGE_S} / 60",
        "reminders_delivered_before_the_cut": delivered_at_cut,
        "reminders_delivered_during_the_outage": delivered_during_outage,
        "ticks_failed_during_the_outage": ticker.failures,
        "ticks_ok_during_the_outage": ok_during_outage,
        "delivery_task_retries": workers.count_in_logs(" retry: Retry in "),
        "states_when_the_database_returned": in_flight_when_back,
        "rows_recovered_from_sending": sum(recovered),
        "seconds_from_return_to_all_sent": round(caught_up_s, 1),
        "lost": len(keys - sink.keys()),
        "duplicate_reminders": len(duplicates),
        "duplicate_messages (same Message-ID)": sink.duplicate_message_ids(),
        "final_states": final,
        "seconds": round(time.monotonic() - started, 1),
        **scales,
    })  # fmt: skip

    assert ticker.failures >= OUTAGE_S - 2 and ok_during_outage == 0
    # What each worker sent between the cut and its next write: the one message it was sending.
    batch_window = len(workers.processes)
    assert delivered_during_outage <= batch_window * PER_RECIPIENT
    assert finished, final
    assert final[Notification.State.SENT] == ROWS
    assert sink.keys() == keys
    # Messages accepted around the cut are recorded once the database is back (the write is
    # retried): duplicates only if their rows were taken back as stale and sent again by the
    # other worker first, at most one batch window, resent with the same Message-ID.
    assert sink.duplicate_message_ids() <= batch_window
    assert len(duplicates) <= batch_window * PER_RECIPIENT
