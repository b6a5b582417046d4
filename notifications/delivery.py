"""The tick and the delivery: due rows are handed to workers, each row is claimed atomically
before it is sent, and its final state is written once the email backend accepted it.

Email goes through Django's email backend API only (``mail.get_connection()`` and
``send_messages()``), so whatever ``EMAIL_BACKEND`` names sends it: SMTP, the console, or an
email service's API through django-anymail. A batch keeps one connection open for all its
emails (one SMTP session, or one HTTP session to the service), sends them one after another,
each when the shared rate limit lets it (``ratelimit.SendRate``,
``NOTIFICATION_EMAILS_PER_SECOND`` across all workers), and marks each accepted email's rows
sent in a committed UPDATE of their own before the next email goes out (``SentRecorder``).

Failure model:
- the broker loses a task (Redis restart or flush): the rows stay ``pending`` and the next
  tick but one hands them out again (``REENQUEUE_AFTER``);
- a worker dies mid-send: its rows stay ``sending`` and go back to ``pending`` after
  ``STALE_SENDING_AFTER``; an email the backend had accepted and the batch had not yet marked
  sent is then sent twice, with the same Message-ID: at most one email per killed worker (the
  one between its acceptance and its UPDATE);
- a batch outlasts half of ``STALE_SENDING_AFTER`` (a slow server, or a low rate limit shared
  by many workers): it gives its unsent rows back to ``pending`` and stops before its claim
  could be taken back as stale and sent by another worker too; the next tick hands them out;
- two beat processes: the tick takes rows with a conditional update (and ``skip_locked`` on
  PostgreSQL), and delivery claims each row with ``pending → sending``, so nothing goes out
  twice;
- the database is away: the tick and the tasks fail and are retried. A batch sending at that
  moment finds out when it marks the email it just sent (one email may go out after the cut),
  then retries that write until the database is back, for up to ``DATABASE_RETRY_FOR`` (2 min)
  over the batch. The write also takes rows ``recover_stale`` took back meanwhile (``pending``
  again: nobody has sent them since), so such an outage duplicates nothing unless another
  worker had claimed them again first; the batch then gives its unsent rows back to
  ``pending`` (the next tick hands them out) and stops, as its claim may be stale by then.
  After a longer outage the task fails and its rows come back like a dead worker's: that one
  email twice.
- the backend refuses an email: connection trouble, an SMTP 4xx, an HTTP 429 or 5xx from an
  email service are retried with backoff (``MAX_ATTEMPTS``); an SMTP 5xx, another HTTP 4xx or
  every recipient refused fail the rows for good (``is_transient``).
"""

import contextlib
import logging
import smtplib
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime, timedelta

from anymail.exceptions import AnymailAPIError, AnymailRecipientsRefused
from django.core import mail
from django.db import DatabaseError, InterfaceError, OperationalError, connection, transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from .emails import DigestRenderer
from .models import Notification, Preference
from .quiet import after_quiet_hours, in_quiet_hours
from .ratelimit import SendRate

logger = logging.getLogger(__name__)

TICK_LIMIT = 5000
# One task, one connection (an SMTP session's TLS handshake costs several round trips): 100
# people take seconds even over a slow link, far within STALE_SENDING_AFTER.
RECIPIENTS_PER_TASK = 100
REENQUEUE_AFTER = timedelta(seconds=90)
STALE_SENDING_AFTER = timedelta(minutes=5)
MAX_ATTEMPTS = 5
DATABASE_RETRY_FOR = timedelta(minutes=2)
# HTTP answers of an email service worth trying again: too many requests, the service's trouble.
TRANSIENT_HTTP = {429} | set(range(500, 600))
# Error codes Amazon SES (through boto3) gives when sending too fast.
THROTTLED = {"Throttling", "ThrottlingException", "TooManyRequestsException"}
_monotonic = time.monotonic  # the batch's own clock (a test drives it)


class NotSent(Exception):
    """The backend returned without sending the email (``send_messages`` returned 0)."""


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
    """Worth retrying: connection trouble, an SMTP 4xx answer, or an email service's HTTP 429 or
    5xx (or no answer at all); an SMTP 5xx, another HTTP status or every recipient refused is
    final."""
    if isinstance(error, AnymailRecipientsRefused):
        return False
    if isinstance(error, AnymailAPIError):  # before OSError: requests' errors are OSErrors
        status, code = _http_status(error)
        return code in THROTTLED or status is None or status in TRANSIENT_HTTP
    if isinstance(error, smtplib.SMTPResponseException):
        return 400 <= error.smtp_code < 500
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(400 <= code < 500 for code, _ in error.recipients.values())
    return isinstance(error, OSError | smtplib.SMTPException)


def _http_status(error: AnymailAPIError) -> tuple[int | None, str]:
    """The HTTP status of the service's answer (``None``: no answer, e.g. a connection error)
    and its error code where the service gives one (boto3's parsed answer for Amazon SES)."""
    response = error.response
    if isinstance(response, dict):  # botocore's ClientError.response
        status = error.status_code or response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        return status, str(response.get("Error", {}).get("Code", ""))
    return error.status_code, ""


def retry_delay(attempts: int) -> timedelta:
    return timedelta(minutes=2 ** min(attempts, 6))


def deliver(ids: list[int], *, now: datetime | None = None) -> dict[str, int]:
    """Claim and deliver the rows ``ids`` that are still due; returns counts by outcome.

    Each recipient gets one email for all their rows (several reminders due together are
    combined); all emails of the batch go through one connection of the configured email
    backend, and each accepted email's rows are marked sent before the next one goes out.
    """
    now = now or timezone.now()
    token = _token()
    claimed = Notification.objects.filter(pk__in=ids, state=State.PENDING, send_at__lte=now).update(
        state=State.SENDING, claimed_at=now, claim_token=token, attempts=F("attempts") + 1
    )
    counts = {"claimed": claimed, "sent": 0, "cancelled": 0, "deferred": 0, "failed": 0}
    if not claimed:
        return counts
    send_until = _monotonic() + STALE_SENDING_AFTER.total_seconds() / 2
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
    emails: list[list[Notification]] = []  # the rows of each email, one email per recipient
    # Email turned off, or no address to send to: the reminders only reach the inbox.
    inbox_only: list[Notification] = []
    shown = []
    for group in by_recipient.values():
        preference = preferences.get(group[0].recipient_id)
        outcome, wanted = _prepare(group, preference, now)
        _add(counts, outcome)
        shown += [row.pk for row in wanted if row.shown_at is None]
        email_on = preference is None or preference.email_enabled
        if wanted and email_on and group[0].recipient.can_receive_email:
            emails.append(wanted)
        else:
            inbox_only += wanted
    _show(shown, now)
    sent = SentRecorder(token=token, now=now)
    if inbox_only:
        counts["sent"] += sent.mark(inbox_only, "")
    stopped = sent.waited_for_database or (
        bool(emails) and _send_all(emails, sent=sent, counts=counts, now=now, until=send_until)
    )
    if stopped:
        # Our claim may have been taken back as stale (we waited for the database, or ran out
        # of time): sending the rest could send what another worker sends. What we did not
        # send goes back to the next tick.
        counts["deferred"] += _give_back(rows, token)
    return counts


def _send_all(emails, *, sent: "SentRecorder", counts: dict[str, int], now, until: float) -> bool:
    """Renders and sends the batch's emails on one connection, marking each accepted email's
    rows sent before the next goes out; returns whether it stopped before the end."""
    renderer = DigestRenderer()
    connection_ = mail.get_connection(fail_silently=False)
    rate = SendRate()
    try:
        for wanted in emails:
            try:
                message = renderer.render(
                    recipient=wanted[0].recipient, rows=wanted, connection=connection_
                )
            except ValueError as error:  # BadHeaderError and the like: this email alone
                _add(counts, _failed(wanted, error, now))
                continue
            if not _may_send(rate, until):
                return True
            try:
                _send(message, connection_)
            except Exception as error:  # noqa: BLE001 - recorded on the rows
                _add(counts, _failed(wanted, error, now))
                continue
            counts["sent"] += sent.mark(wanted, message.extra_headers["Message-ID"])
            if sent.waited_for_database:
                return True
        return False
    finally:
        try:
            connection_.close()
        except Exception:  # a broken connection must not hide the rows' real outcome
            logger.warning("Closing the email connection failed", exc_info=True)


def _may_send(rate: SendRate, until: float) -> bool:
    """Waits for the rate limit's next place; ``False`` when the batch's time is up first (or
    the shared counter cannot be reached): the batch stops and gives its rows back."""
    left = until - _monotonic()
    try:
        if left > 0 and rate.acquire(timeout=left):
            return True
    except Exception:  # noqa: BLE001 - the cache is away: better late than over the limit
        logger.warning("The email rate limit's cache is unreachable", exc_info=True)
        return False
    logger.warning("A delivery batch ran out of time; its unsent rows go back to the tick")
    return False


def _send(message, connection_) -> None:
    """Sends ``message`` through the backend's ``send_messages``. Opened here, the connection
    stays open for the whole batch (left to the backend, every send would open and close one of
    its own); after a failure the next email starts on a fresh one."""
    try:
        connection_.open()
        if connection_.send_messages([message]) != 1:
            raise NotSent("The email backend sent nothing (a pre-send hook may have cancelled it).")
    except Exception:
        with contextlib.suppress(Exception):
            connection_.close()
        raise


def _add(counts: dict[str, int], outcome: dict[str, int]) -> None:
    for key, value in outcome.items():
        counts[key] += value


class SentRecorder:
    """Marks sent the rows of an email the backend has accepted, in one committed UPDATE right
    after it was accepted, before the next email goes out: a worker killed at any moment leaves
    at most that one email accepted and not marked (sent again after ``STALE_SENDING_AFTER``,
    with the same Message-ID).

    A write the database refuses because it is away is tried again until it is back, for up to
    ``DATABASE_RETRY_FOR`` over the batch; ``waited_for_database`` then tells the batch to stop
    (its claim may have been taken back as stale meanwhile).
    """

    def __init__(self, *, token: str, now: datetime):
        self.token = token
        self.now = now
        self.waited_for_database = False
        self.retry_until: float | None = None

    def mark(self, rows: list[Notification], message_id: str) -> int:
        """Marks ``rows`` sent with ``message_id`` (empty: no email, the inbox only); returns
        how many were written."""
        # Still ours, or taken back as stale (recover_stale) and not claimed again yet: either
        # way its email has gone out.
        mine = Notification.objects.filter(pk__in=[row.pk for row in rows]).filter(
            Q(state=State.SENDING, claim_token=self.token) | Q(state=State.PENDING)
        )
        return self._while_database_away(
            lambda: mine.update(state=State.SENT, sent_at=self.now, message_id=message_id)
        )

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
