"""Benchmark of the reminder engine (``make bench``; not part of the test suite).

1. The tick's cost over 1k, 100k and 1M planned rows, 1k of them due: it must follow the due
   rows, not the table (the partial index ``notification_due``; its query plan is printed).
2. Delivery: 10,000 due reminders (one email each) drained through Django's SMTP backend to a
   local SMTP sink (aiosmtpd, in its own process) the way the tick and the workers drain them
   (``take_due``, then ``deliver()`` per batch of 100 people), without and with STARTTLS (what a
   real relay requires), and with 2 ms of latency each way on fewer emails. Target: the 10,000
   drain in under 5 minutes on the loopback sink. Then the shared rate limit
   (``NOTIFICATION_EMAILS_PER_SECOND``): 500 emails at 25 a second must take at least 19 s,
   never more than 25 in one wall-clock second.

Runs against PostgreSQL in a scratch database it creates and drops. ``BENCH_DATABASE_URL``
names the server (default postgres://postgres@127.0.0.1:5432/postgres); ``BENCH_ONLY=tick`` or
``BENCH_ONLY=delivery`` runs one part. Figures are printed and written to
test-artifacts/bench.json.
"""

import os
import smtplib
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._common import run_on_scratch_database, table  # noqa: E402

DUE = 1_000
SIZES = (1_000, 100_000, 1_000_000)
DRAIN = 10_000  # due reminders, one email each, drained through the SMTP backend
DRAIN_TARGET_S = 300
# The rate-limited run: a limit under what one worker sends unlimited, even on a busy machine.
RATE, RATE_EMAILS = 25, 500
REPEATS = 7
ONLY = os.environ.get("BENCH_ONLY", "")  # "tick" or "delivery": run that part alone


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def median_ms(samples: list[float]) -> float:
    return round(statistics.median(samples) * 1000, 2)


# Part 1: the tick over a growing table -----------------------------------------------------


def insert_rows(cursor, *, count: int, first: int, users: list[int], kind: str, now) -> None:
    """``count`` rows in one statement; ``kind`` is due, future (pending) or sent (history)."""
    send_at, state, sent_at = {
        "due": ("%(now)s - (g %% 600) * interval '1 second'", "'pending'", "NULL"),
        "future": ("%(now)s + interval '1 minute' + (g %% 5184000) * interval '1 second'",
                   "'pending'", "NULL"),
        "sent": ("%(now)s - interval '1 day' - (g %% 31536000) * interval '1 second'", "'sent'",
                 "%(now)s - interval '1 day'"),
    }[kind]  # fmt: skip
    cursor.execute(
        f"""
        INSERT INTO notifications_notification (
            recipient_id, kind, dedupe_key, scope, subject, body, url, send_at, state, attempts,
            last_error, claim_token, message_id, sent_at, created_at, updated_at)
        SELECT (%(users)s::bigint[])[1 + g %% %(n_users)s], 'milestone_soon',
               %(kind)s || '-' || g, '', 'Reminder', 'Due soon.', '/courses/', {send_at}, {state},
               0, '', '', '', {sent_at}, %(now)s, %(now)s
        FROM generate_series(%(first)s, %(last)s) AS g
        """,
        {"users": users, "n_users": len(users), "kind": kind, "first": first,
         "last": first + count - 1, "now": now},
    )  # fmt: skip


def bench_tick(report: dict) -> None:
    from django.db import connection, transaction
    from django.db.models import Q

    from accounts.models import User
    from notifications import delivery
    from notifications.models import Notification

    now = datetime.now(UTC)
    users = [
        u.pk
        for u in User.objects.bulk_create(
            User(email=f"bench{i}@bench.example", full_name=f"Bench {i}", password="!")
            for i in range(DUE)
        )
    ]
    with connection.cursor() as cursor:
        insert_rows(cursor, count=DUE, first=1, users=users, kind="due", now=now)
    due_ids = list(Notification.objects.filter(dedupe_key__startswith="due-").values_list("pk"))
    due_ids = [pk for (pk,) in due_ids]
    rows, total, plan = [], DUE, ""
    for size in SIZES:
        with connection.cursor() as cursor:
            extra = size - total
            if extra:
                t0 = time.perf_counter()
                insert_rows(cursor, count=extra // 2, first=total, users=users, kind="future",
                            now=now)  # fmt: skip
                insert_rows(cursor, count=extra - extra // 2, first=total, users=users,
                            kind="sent", now=now)  # fmt: skip
                print(f"  inserted {extra:,} rows in {time.perf_counter() - t0:.1f} s")
                total = size
            cursor.execute("VACUUM ANALYZE notifications_notification")
        ticks, queries, by_token = [], [], []
        for _ in range(REPEATS):
            Notification.objects.filter(pk__in=due_ids).update(enqueued_at=None, claim_token="")
            t0 = time.perf_counter()
            delivery.recover_stale(now=now)
            grouped = delivery.take_due(now=now)
            ticks.append(time.perf_counter() - t0)
            assert sum(len(ids) for ids in grouped.values()) == DUE
            token = Notification.objects.filter(pk=due_ids[0]).values_list("claim_token")[0][0]
            # How take_due found its rows before this fix: by claim_token alone.
            t0 = time.perf_counter()
            list(Notification.objects.filter(claim_token=token).values_list("pk", "recipient_id"))
            by_token.append(time.perf_counter() - t0)
            Notification.objects.filter(pk__in=due_ids).update(enqueued_at=None, claim_token="")
            due = Notification.objects.due(now).filter(
                Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=now - delivery.REENQUEUE_AFTER)
            )
            t0 = time.perf_counter()
            with transaction.atomic():
                list(due.order_by("send_at").select_for_update(skip_locked=True)
                     .values_list("pk", flat=True)[: delivery.TICK_LIMIT])  # fmt: skip
            queries.append(time.perf_counter() - t0)
        rows.append([f"{size:,}", f"{DUE:,}", median_ms(ticks), median_ms(queries),
                     median_ms(by_token)])  # fmt: skip
        with transaction.atomic():
            plan = (
                Notification.objects.due(now)
                .filter(
                    Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=now - delivery.REENQUEUE_AFTER)
                )
                .order_by("send_at").select_for_update(skip_locked=True)
                .values_list("pk", flat=True)[: delivery.TICK_LIMIT]
                .explain(analyze=True, buffers=True)
            )  # fmt: skip
    headers = ["planned rows", "due", "tick ms (recover_stale + take_due)", "due query ms",
               "old lookup by claim_token ms"]  # fmt: skip
    print("\nThe tick: 1,000 due rows in a growing table (median of", REPEATS, "runs)")
    print(table(headers, rows))
    print(f"\nEXPLAIN ANALYZE of the due query over {SIZES[-1]:,} rows:\n{plan}")
    report["tick"] = {"columns": headers, "rows": rows, "explain_1M": plan}


# Part 2: delivery throughput -----------------------------------------------------------------


def certificate(folder: Path) -> tuple[Path, Path]:
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


def start_sink(port: int, tls: tuple[Path, Path] | None) -> subprocess.Popen:
    command = [sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{port}",
               "-c", "aiosmtpd.handlers.Sink"]  # fmt: skip
    if tls:
        command += ["--tlscert", str(tls[0]), "--tlskey", str(tls[1]), "--no-requiretls"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), 0.2):
                return process
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("The SMTP sink did not start")


# (name, STARTTLS, one-way delay in seconds added by a proxy, emails)
TRANSPORTS = [
    ("loopback, plain", False, 0.0, DRAIN),
    ("loopback, STARTTLS", True, 0.0, DRAIN),
    ("2 ms each way, STARTTLS", True, 0.002, DRAIN // 10),
]


class CountingConnects:
    """Counts SMTP connections opened in this process (Django's backend uses smtplib)."""

    def __enter__(self):
        self.count, self._original = 0, smtplib.SMTP.connect

        def connect(smtp, *args, **kwargs):
            self.count += 1
            return self._original(smtp, *args, **kwargs)

        smtplib.SMTP.connect = connect
        return self

    def __exit__(self, *exc):
        smtplib.SMTP.connect = self._original


def bench_delivery(report: dict, folder: Path) -> None:
    from django.conf import settings
    from django.db import connection

    from accounts.models import User
    from notifications.models import Notification
    from tests.reliability.support import TcpProxy

    with connection.cursor() as cursor:  # the tick's million rows (and its due ones) go
        cursor.execute("TRUNCATE notifications_notification")
    cert, key = certificate(folder)
    os.environ["SSL_CERT_FILE"] = str(cert)  # trust the sink's certificate everywhere
    people = User.objects.bulk_create(
        (User(email=f"reader{i}@bench.example", full_name=f"Reader {i}", password="!",
              time_zone=daytime_zone())
         for i in range(DRAIN)),
        batch_size=2000,
    )  # fmt: skip
    results = []
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    for index, (name, tls, delay, count) in enumerate(TRANSPORTS):
        sink_port = free_port()
        sink = start_sink(sink_port, (cert, key) if tls else None)
        proxy = TcpProxy(("127.0.0.1", sink_port), delay=delay).start() if delay else None
        settings.EMAIL_HOST, settings.EMAIL_USE_TLS = "127.0.0.1", tls
        settings.EMAIL_PORT = proxy.port if proxy else sink_port
        try:
            results.append({"transport": name, **drain(people[:count], f"t{index}")})
        finally:
            if proxy:
                proxy.cut()
            sink.terminate()
            sink.wait(timeout=10)
        Notification.objects.all().delete()
    print_drain(results, report)

    # The rate limit, on the plain sink.
    sink_port = free_port()
    sink = start_sink(sink_port, None)
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = "127.0.0.1", sink_port, False
    settings.NOTIFICATION_EMAILS_PER_SECOND = RATE
    try:
        limited = drain(people[:RATE_EMAILS], "rate", per_second=True)
    finally:
        settings.NOTIFICATION_EMAILS_PER_SECOND = 0
        sink.terminate()
        sink.wait(timeout=10)
    print_rate(limited, report)


def drain(people, prefix: str, *, per_second: bool = False) -> dict:
    """Plans one due reminder for each of ``people`` and drains them as the tick and the
    workers do; returns the figures (``per_second``: the sends of each wall-clock second)."""
    from django.db import connection

    from interviews.notices import Kind
    from notifications import delivery
    from notifications.models import Notification
    from notifications.ratelimit import SendRate

    now = datetime.now(UTC)
    Notification.objects.bulk_create(
        (Notification(recipient=p, kind=Kind.MILESTONE_SOON, dedupe_key=f"{prefix}-{p.pk}",
                      send_at=now, subject="Questions prepared by Fri 5 Mar, 17:00",
                      body="“Questions prepared” for Interview (Careers) is due soon.",
                      url="/courses/")
         for p in people),
        batch_size=2000,
    )  # fmt: skip
    seconds: list[int] = []
    acquire = SendRate.acquire

    def counting(rate, **kwargs):
        taken = acquire(rate, **kwargs)
        seconds.append(int(time.time()))
        return taken

    SendRate.acquire = counting
    outcome = {"sent": 0, "batches": 0, "ticks": 0}
    try:
        with CountingConnects() as connects:
            t0 = time.perf_counter()
            while grouped := delivery.take_due(now=now):
                outcome["ticks"] += 1
                for batch in delivery.batches(grouped):
                    counts = delivery.deliver(batch, now=now)
                    assert counts["sent"] == len(batch), counts
                    outcome["sent"] += counts["sent"]
                    outcome["batches"] += 1
            elapsed = time.perf_counter() - t0
    finally:
        SendRate.acquire = acquire
    connection.close()
    sent = Notification.objects.filter(dedupe_key__startswith=f"{prefix}-", state="sent").count()
    assert sent == outcome["sent"] == len(people), (sent, outcome)
    figures = {
        "reminders": len(people), "emails": len(seconds), "seconds": round(elapsed, 1),
        "emails_per_s": round(len(seconds) / elapsed), "connections": connects.count,
        "batches": outcome["batches"], "ticks": outcome["ticks"],
    }  # fmt: skip
    if per_second:
        figures["max_in_one_second"] = max(Counter(seconds).values())
    return figures


def print_drain(results: list[dict], report: dict) -> None:
    headers = ["transport", "reminders (one email each)", "seconds", "emails/s", "connections",
               f"10,000 in under {DRAIN_TARGET_S // 60} min (target: loopback)"]  # fmt: skip
    rows = []
    for r in results:
        if r["reminders"] == DRAIN:
            verdict = "yes" if r["seconds"] < DRAIN_TARGET_S else "NO"
        else:  # latency: each worker waits for its server; workers send side by side
            verdict = f"one worker: {r['seconds'] * DRAIN / r['reminders']:.0f} s projected"
        rows.append([r["transport"], f"{r['reminders']:,}", r["seconds"], r["emails_per_s"],
                     r["connections"], verdict])  # fmt: skip
    print("\nDelivery: due reminders drained through Django's SMTP backend to an SMTP sink")
    print("(aiosmtpd in its own process), as the tick and one worker drain them: take_due, then")
    print(f"deliver() per batch of {delivery_batch()} people, each email marked sent on its own.")
    print(table(headers, rows))
    report["delivery"] = {"columns": headers, "rows": rows, "runs": results}


def print_rate(r: dict, report: dict) -> None:
    least = RATE_EMAILS // RATE - 1  # whole seconds the windows after the first need at least
    ok = r["seconds"] >= least and r["max_in_one_second"] <= RATE
    print(f"\nRate limit NOTIFICATION_EMAILS_PER_SECOND={RATE}: {r['emails']:,} emails in "
          f"{r['seconds']} s ({r['emails_per_s']}/s; at least {least} s expected), at most "
          f"{r['max_in_one_second']} in one second: {'ok' if ok else 'NOT RESPECTED'}")  # fmt: skip
    report["rate_limit"] = {"per_second": RATE, **r, "respected": ok}


def delivery_batch() -> int:
    from notifications.delivery import RECIPIENTS_PER_TASK

    return RECIPIENTS_PER_TASK


def daytime_zone() -> str:
    offset = 13 - datetime.now(UTC).hour
    return "UTC" if offset == 0 else f"Etc/GMT{'-' if offset > 0 else '+'}{abs(offset)}"


def main() -> None:
    def both(report: dict) -> None:
        with tempfile.TemporaryDirectory() as folder:
            if ONLY in ("", "tick"):
                bench_tick(report)
            if ONLY in ("", "delivery"):
                bench_delivery(report, Path(folder))

    run_on_scratch_database(both, artifact="bench.json", test_environment=False)


if __name__ == "__main__":
    main()
