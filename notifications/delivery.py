"""The tick and the delivery: due rows are handed to workers, each row is claimed atomically
before it is sent, and its final state is written after the SMTP server accepted it.

Throughput (``make bench``): a batch renders its emails with templates and links prepared once
and writes their SMTP bytes itself (``emails.DigestRenderer``); a thread of its own sends them
one after another on one connection (``Outbox``) while the batch's thread marks the rows of
accepted emails sent, several recipients per UPDATE (``SentRecorder``: every
``MARK_SENT_EVERY`` recipients or ``MARK_SENT_AFTER``, whichever comes first) instead of one
committed UPDATE per email. The sending waits rather than have more than ``MAX_UNMARKED`` (10)
emails accepted and not yet marked sent.

Failure model:
- the broker loses a task (Redis restart or flush): the rows stay ``pending`` and the next
  tick but one hands them out again (``REENQUEUE_AFTER``);
- a worker dies mid-send: its rows stay ``sending`` and go back to ``pending`` after
  ``STALE_SENDING_AFTER``; the emails the SMTP server had accepted and the batch had not yet
  marked sent are then sent twice, each with the same Message-ID: at most ``MAX_UNMARKED``
  emails per killed worker (one when every email had its own committed UPDATE);
- two beat processes: the tick takes rows with a conditional update (and ``skip_locked`` on
  PostgreSQL), and delivery claims each row with ``pending → sending``, so nothing goes out
  twice;
- the database is away: the tick and the tasks fail and are retried. A batch sending at that
  moment finds out at its next write (up to ``MAX_UNMARKED`` emails may go out after the cut),
  then retries that write until the database is back, for up to ``DATABASE_RETRY_FOR`` (2 min)
  over the batch. The write also takes rows ``recover_stale`` took back meanwhile (``pending``
  again: nobody has sent them since), so such an outage duplicates nothing unless another
  worker had claimed them again first; the batch then gives its unsent rows back to
  ``pending`` (the next tick hands them out) and stops, as its claim may be stale by then.
  After a longer outage the task fails and its rows come back like a dead worker's: up to
  ``MAX_UNMARKED`` emails twice.
"""

import contextlib
import logging
import queue
import smtplib
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime, timedelta

from django.core import mail
from django.core.mail.backends.smtp import EmailBackend as SMTPBackend
from django.db import DatabaseError, InterfaceError, OperationalError, connection, transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from .emails import Digest, DigestRenderer
from .models import Notification, Preference
from .quiet import after_quiet_hours, in_quiet_hours

logger = logging.getLogger(__name__)

TICK_LIMIT = 5000
# One task, one SMTP connection (its TLS handshake costs several round trips): 100 people take
# seconds even over a slow link, far within STALE_SENDING_AFTER.
RECIPIENTS_PER_TASK = 100
REENQUEUE_AFTER = timedelta(seconds=90)
STALE_SENDING_AFTER = timedelta(minutes=5)
MAX_ATTEMPTS = 5
# Rows of accepted emails are marked sent together, every this many recipients or this long
# after the first of them, whichever comes first (see SentRecorder), and the sending waits
# rather than have more than MAX_UNMARKED emails accepted and not marked sent (see Outbox).
MARK_SENT_EVERY = 8
MARK_SENT_AFTER = 0.05  # seconds
MAX_UNMARKED = 10
DATABASE_RETRY_FOR = timedelta(minutes=2)

State = Notification.State


def _token() -> str:
    return uuid.uuid4().hex


def recover_stale(*, now: datetime) -> int:
    """Rows left ``sending`` by a worker that died go back to ``pending``; returns how many."""
    return Notification.objects.filter(
        state=State.SENDING, claimed_at__lt=now - STALE_SENDING_AFTER
    ).update(state=State.PENDING, enqueued_at=None, claim_token="")


def take_due(*, now: datetime, limit: int = TICK_LIMIT) -> dict[int, list[int]]:
    """Mark due rows as handed out and return their ids per recipient.

    Rows handed out less than ``REENQUEUE_AFTER`` ago are left alone: their task is still in
    the broker (or lost, in which case a later tick takes them again).
    """
    token = _token()
    due = Notification.objects.due(now).filter(
        Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=now - REENQUEUE_AFTER)
    )
    with transaction.atomic():
        candidates = due.order_by("send_at")
        if connection.features.has_select_for_update_skip_locked:
            candidates = candidates.select_for_update(skip_locked=True)
        ids = list(candidates.values_list("pk", flat=True)[:limit])
        if not ids:
            return {}
        # Conditional: a second tick running at once takes none of the same rows.
        due.filter(pk__in=ids).update(enqueued_at=now, claim_token=token)
    grouped: dict[int, list[int]] = defaultdict(list)
    # By primary key: claim_token has no index, and the tick's cost must follow due rows.
    taken = Notification.objects.filter(pk__in=ids, claim_token=token)
    for pk, recipient_id in taken.values_list("pk", "recipient_id"):
        grouped[recipient_id].append(pk)
    return dict(grouped)


def batches(grouped: dict[int, list[int]], size: int = RECIPIENTS_PER_TASK) -> list[list[int]]:
    """Row ids in batches of at most ``size`` recipients, each recipient in one batch."""
    recipients = sorted(grouped)
    return [
        [pk for r in recipients[i : i + size] for pk in grouped[r]]
        for i in range(0, len(recipients), size)
    ]


def is_transient(error: Exception) -> bool:
    """Worth retrying: connection trouble or a 4xx answer; a 5xx answer is final."""
    if isinstance(error, smtplib.SMTPResponseException):
        return 400 <= error.smtp_code < 500
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(400 <= code < 500 for code, _ in error.recipients.values())
    return isinstance(error, OSError | smtplib.SMTPException)


def retry_delay(attempts: int) -> timedelta:
    return timedelta(minutes=2 ** min(attempts, 6))


def deliver(ids: list[int], *, now: datetime | None = None) -> dict[str, int]:
    """Claim and deliver the rows ``ids`` that are still due; returns counts by outcome.

    Each recipient gets one email for all their rows (several reminders due together are
    combined); all emails of the batch go through one SMTP connection, sent by a thread of
    their own (``Outbox``), and the rows of emails the server accepted are marked sent a few
    recipients at a time (``SentRecorder``).
    """
    now = now or timezone.now()
    token = _token()
    claimed = Notification.objects.filter(pk__in=ids, state=State.PENDING, send_at__lte=now).update(
        state=State.SENDING, claimed_at=now, claim_token=token, attempts=F("attempts") + 1
    )
    counts = {"claimed": claimed, "sent": 0, "cancelled": 0, "deferred": 0, "failed": 0}
    if not claimed:
        return counts
    rows = list(
        Notification.objects.filter(pk__in=ids, claim_token=token, state=State.SENDING)
        .select_related("recipient")
        .order_by("recipient_id", "send_at", "pk")
    )
    by_recipient: dict[int, list[Notification]] = defaultdict(list)
    for row in rows:
        by_recipient[row.recipient_id].append(row)
    preferences = {
        p.user_id: p
        for p in Preference.objects.filter(user_id__in=by_recipient).prefetch_related(
            "muted_courses"
        )
    }
    renderer = DigestRenderer()
    sent = SentRecorder(token=token, now=now)
    outbox = Outbox(mail.get_connection(), window=MAX_UNMARKED)
    try:
        shown = []
        for group in by_recipient.values():
            preference = preferences.get(group[0].recipient_id)
            outcome, wanted = _prepare(group, preference, now)
            _add(counts, outcome)
            shown += [row.pk for row in wanted if row.shown_at is None]
            if wanted and (preference is None or preference.email_enabled):
                try:
                    digest = renderer.render(recipient=group[0].recipient, rows=wanted)
                    outbox.put(wanted, digest)
                except ValueError as error:  # BadHeaderError and the like: this email alone
                    _add(counts, _failed(wanted, error, now))
            elif wanted:  # email turned off: the reminders only reach the inbox
                sent.add(wanted, "")
        _show(shown, now)
        outbox.close()
        while not outbox.finished and not sent.waited_for_database:
            _take_answers(outbox, sent, counts, now, wait=sent.time_left())
    finally:
        # Whatever happened, the emails the server accepted are marked sent before we go.
        outbox.stop()
        for rows_, digest, error in outbox.answers(wait=None):
            if error is None:
                sent.add(rows_, digest.message_id)
        try:
            counts["sent"] += sent.write()
        finally:
            try:
                outbox.connection.close()
            except Exception:  # a broken connection must not hide the rows' real outcome
                logger.warning("Closing the SMTP connection failed", exc_info=True)
    if sent.waited_for_database:
        # Our claim may have been taken back as stale while we waited: sending the rest could
        # send what another worker sends. What we did not send goes back to the next tick.
        counts["deferred"] += _give_back(rows, token)
    return counts


def _add(counts: dict[str, int], outcome: dict[str, int]) -> None:
    for key, value in outcome.items():
        counts[key] += value


def _take_answers(outbox, sent, counts, now, *, wait: float | None) -> None:
    """Records the server's answers that have come (waiting up to ``wait`` seconds for one),
    and marks the accepted emails' rows sent when it is time."""
    for rows, digest, error in outbox.answers(wait=wait):
        if error is None:
            sent.add(rows, digest.message_id)
        else:
            _add(counts, _failed(rows, error, now))
            outbox.marked(1)
    if sent.due():
        emails = sent.emails
        counts["sent"] += sent.write()
        if sent.waited_for_database:
            outbox.stop_sending()  # before making room: nothing more goes out
        outbox.marked(emails)


class Outbox:
    """The batch's emails, sent one after another on one SMTP connection by a thread of their
    own, while the batch's thread marks the accepted ones sent. The SMTP dialogue is mostly
    waiting for the server: a loop that only sends keeps pace with it, where rendering and
    database writes in between made every exchange slower. The thread opens the connection as
    soon as there is an email (while the others are rendered) and starts sending once they all
    are (rendering holds the interpreter lock the sending would wait for).

    The sending thread waits while ``window`` emails are accepted (or being sent) and not yet
    marked sent: a worker killed at any moment leaves at most that many to be sent twice.
    """

    _DONE = object()

    def __init__(self, connection_, *, window: int):
        self.connection = connection_
        # Django's SMTP backend would parse both addresses and serialise the message with the
        # email package on every send; for it the digest writes the same email itself.
        self._writes_bytes = isinstance(connection_, SMTPBackend)
        self.finished = True  # until the first email: nothing to wait for
        self._window = window
        self._thread: threading.Thread | None = None

    def put(self, rows: list[Notification], digest: Digest) -> None:
        # The bytes are written here, so that the sending thread only sends.
        data = digest.as_bytes() if self._writes_bytes and digest.plain else None
        if self._thread is None:
            self.finished = False
            self._emails: queue.SimpleQueue = queue.SimpleQueue()
            self._answers: queue.SimpleQueue = queue.SimpleQueue()
            self._room = threading.Semaphore(self._window)
            self._stopping = threading.Event()
            self._ready: list = []
            self._thread = threading.Thread(target=self._send_all, name="outbox", daemon=True)
            self._thread.start()
        self._ready.append((rows, digest, data))

    def close(self) -> None:
        """All emails are there: the thread sends them and ends."""
        if self._thread is not None:
            for email in self._ready:
                self._emails.put(email)
            self._emails.put(None)

    def marked(self, emails: int) -> None:
        """``emails`` answered emails are marked sent (or failed): room for as many more."""
        if self._thread is not None and emails:
            self._room.release(emails)

    def stop_sending(self) -> None:
        if self._thread is not None:
            self._stopping.set()

    def stop(self) -> None:
        """No email starts any more; returns once the one being sent (if any) is answered."""
        if self._thread is not None:
            self.stop_sending()
            self._emails.put(None)
            self._room.release()
            self._thread.join()

    def answers(self, *, wait: float | None):
        """Yields ``(rows, digest, error)`` for the emails answered since the last call, after
        waiting up to ``wait`` seconds for the first (``None``: until the thread is done)."""
        if self.finished:
            return
        try:
            answer = self._answers.get(timeout=wait)
            while True:
                if answer is self._DONE:
                    self.finished = True
                    return
                yield answer
                answer = self._answers.get_nowait()
        except queue.Empty:
            return

    def _send_all(self) -> None:
        try:
            with contextlib.suppress(Exception):  # else the first send tries again, and fails
                self.connection.open()
            while (email := self._emails.get()) is not None:
                self._room.acquire()
                if self._stopping.is_set():
                    break
                rows, digest, data = email
                try:
                    _send(digest, data, self.connection)
                except Exception as error:  # noqa: BLE001 - recorded on the rows
                    self._answers.put((rows, digest, error))
                else:
                    self._answers.put((rows, digest, None))
        finally:
            self._answers.put(self._DONE)


class SentRecorder:
    """Marks sent the rows whose email the SMTP server has accepted, in one UPDATE for every
    ``MARK_SENT_EVERY`` recipients or ``MARK_SENT_AFTER`` seconds, whichever comes first.

    One committed UPDATE per email cost as much as rendering and sending it; the price is the
    window between the server accepting an email and its rows being marked sent, which a worker
    killed in it turns into a duplicate: up to ``MAX_UNMARKED`` emails instead of one (each
    resent with the same Message-ID; the ``Outbox`` waits rather than exceed it). A write the
    database refuses because it is away is tried again until it is back, for up to
    ``DATABASE_RETRY_FOR`` over the batch.
    """

    def __init__(self, *, token: str, now: datetime):
        self.token = token
        self.now = now
        self.pks_by_message_id: dict[str, list[int]] = defaultdict(list)
        self.recipients = 0
        self.emails = 0  # recipients whose email was accepted (the others turned email off)
        self.since = 0.0
        self.waited_for_database = False
        self.retry_until: float | None = None

    def add(self, rows: list[Notification], message_id: str) -> None:
        if not self.recipients:
            self.since = time.monotonic()
        self.recipients += 1
        self.emails += bool(message_id)
        self.pks_by_message_id[message_id] += [row.pk for row in rows]

    def time_left(self) -> float | None:
        """Seconds until a write is due by time; ``None`` with nothing to write."""
        if not self.recipients:
            return None
        return max(0.0, self.since + MARK_SENT_AFTER - time.monotonic())

    def due(self) -> bool:
        return self.recipients >= MARK_SENT_EVERY or self.time_left() == 0

    def write(self) -> int:
        if not self.recipients:
            return 0
        # Written as SQL: this runs every few emails, and the ORM took ~0.7 ms to compile it (a
        # CASE with a branch per email), holding the interpreter lock the sending thread needs.
        column = {
            f: connection.ops.quote_name(Notification._meta.get_field(f).column)
            for f in ("id", "state", "sent_at", "message_id", "claim_token")
        }
        ids, whens, cases = [], [], []
        for message_id, pks in self.pks_by_message_id.items():
            whens.append(f"WHEN {column['id']} IN ({', '.join(['%s'] * len(pks))}) THEN %s")
            cases += [*pks, message_id]
            ids += pks
        # Still ours, or taken back as stale (recover_stale) and not claimed again yet: either
        # way its email has gone out.
        sql = (
            f"UPDATE {connection.ops.quote_name(Notification._meta.db_table)} "
            f"SET {column['state']} = %s, {column['sent_at']} = %s, "
            f"{column['message_id']} = CASE {' '.join(whens)} END "
            f"WHERE {column['id']} IN ({', '.join(['%s'] * len(ids))}) AND "
            f"(({column['state']} = %s AND {column['claim_token']} = %s) OR {column['state']} = %s)"
        )  # fmt: skip
        sent_at = connection.ops.adapt_datetimefield_value(self.now)
        params = [State.SENT, sent_at, *cases, *ids, State.SENDING, self.token, State.PENDING]

        def update() -> int:
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                return cursor.rowcount

        written = self._while_database_away(update)
        self.pks_by_message_id.clear()
        self.recipients = self.emails = 0
        return written

    def _while_database_away(self, write: Callable[[], int]) -> int:
        """``write()``, tried again while the database is unreachable, for up to
        ``DATABASE_RETRY_FOR`` in all over the batch."""
        pause = 0.05
        while True:
            try:
                return write()
            except (OperationalError, InterfaceError):
                if self.retry_until is None:
                    self.retry_until = time.monotonic() + DATABASE_RETRY_FOR.total_seconds()
                    logger.warning("Database away; retrying to mark sent emails", exc_info=True)
                if connection.in_atomic_block or time.monotonic() >= self.retry_until:
                    raise
                self.waited_for_database = True
                with contextlib.suppress(DatabaseError):
                    connection.close()  # the next attempt connects afresh
                time.sleep(pause)
                pause = min(pause * 2, 0.5)


def _give_back(rows: list[Notification], token: str) -> int:
    """Claimed rows not sent go back to ``pending`` at once, their claim not counted as an
    attempt; returns how many."""
    if not rows:
        return 0
    return Notification.objects.filter(
        pk__in=[r.pk for r in rows], state=State.SENDING, claim_token=token
    ).update(state=State.PENDING, enqueued_at=None, claim_token="", attempts=F("attempts") - 1)


def _finish(rows: list[Notification], **fields) -> int:
    return Notification.objects.filter(
        pk__in=[r.pk for r in rows], state=State.SENDING, claim_token=rows[0].claim_token
    ).update(**fields)


def _show(pks: list[int], now: datetime) -> None:
    """The inbox shows these rows from ``now`` on, whatever becomes of their email."""
    if pks:
        Notification.objects.filter(pk__in=pks, shown_at__isnull=True).update(shown_at=now)


def _prepare(group, preference, now) -> tuple[dict[str, int], list[Notification]]:
    """Cancels or defers what must not go out now; returns the counts and the rows to send
    (or to mark sent without an email, when the recipient turned email off)."""
    recipient = group[0].recipient
    if not recipient.is_active:
        return {"cancelled": _finish(group, state=State.CANCELLED, last_error="Inactive user.")}, []
    muted = {c.pk for c in preference.muted_courses.all()} if preference else set()
    wanted = [
        row for row in group
        if preference is None or preference.wants(row.kind, row.course_id, muted_ids=muted)
    ]  # fmt: skip
    unwanted = [row for row in group if row not in wanted]
    outcome = {}
    if unwanted:
        outcome["cancelled"] = _finish(
            unwanted, state=State.CANCELLED, last_error="Turned off by the recipient."
        )
    if not wanted:
        return outcome, []
    zone = recipient.zoneinfo
    if in_quiet_hours(now, zone):
        # The inbox shows it now; only the email waits for the morning.
        outcome["deferred"] = _finish(
            wanted, state=State.PENDING, send_at=after_quiet_hours(now, zone),
            shown_at=Coalesce(F("shown_at"), Value(now)),
            enqueued_at=None, claim_token="", attempts=F("attempts") - 1,
        )  # fmt: skip
        return outcome, []
    return outcome, wanted


def _send(digest: Digest, data: bytes | None, connection_) -> None:
    """Runs in the sending thread; ``data`` is the message's bytes for Django's SMTP backend.
    Opened here, the connection stays open for the whole batch (left to the backend, every send
    would open and close one of its own)."""
    try:
        connection_.open()
        if data is not None:
            connection_.connection.sendmail(digest.sender, [digest.to], data)
        else:
            connection_.send_messages([digest.email_message()])
    except Exception:
        with contextlib.suppress(Exception):
            connection_.close()  # the next recipient starts on a fresh connection
        raise


def _failed(rows: list[Notification], error: Exception, now: datetime) -> dict[str, int]:
    text = f"{type(error).__name__}: {error}"[:2000]
    attempts = max(r.attempts for r in rows)
    if is_transient(error) and attempts < MAX_ATTEMPTS:
        logger.warning("Delivery to %s deferred: %s", rows[0].recipient_id, text)
        deferred = _finish(
            rows, state=State.PENDING, send_at=now + retry_delay(attempts), last_error=text,
            enqueued_at=None, claim_token="",
        )  # fmt: skip
        return {"deferred": deferred}
    logger.error("Delivery to %s failed for good: %s", rows[0].recipient_id, text)
    return {"failed": _finish(rows, state=State.FAILED, last_error=text)}
