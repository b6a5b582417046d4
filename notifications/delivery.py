"""The tick and the delivery: due rows are handed to workers, each row is claimed atomically
before it is sent, and its final state is written after the SMTP server accepted it.

Failure model:
- the broker loses a task (Redis restart or flush): the rows stay ``pending`` and the next
  tick but one hands them out again (``REENQUEUE_AFTER``);
- a worker dies mid-send: its rows stay ``sending`` and go back to ``pending`` after
  ``STALE_SENDING_AFTER``; only a message the SMTP server had accepted just before the kill can
  then be sent twice, and it carries the same Message-ID;
- two beat processes: the tick takes rows with a conditional update (and ``skip_locked`` on
  PostgreSQL), and delivery claims each row with ``pending → sending``, so nothing goes out
  twice;
- the database is away: the tick and the tasks fail and are retried; rows a batch had claimed
  when it went away stay ``sending`` and come back like a dead worker's (the message the server
  had just accepted can then go out twice, with the same Message-ID).
"""

import logging
import smtplib
import uuid
from collections import defaultdict
from datetime import datetime, timedelta

from django.core import mail
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from .emails import build_digest_message
from .models import Notification, Preference
from .quiet import after_quiet_hours, in_quiet_hours

logger = logging.getLogger(__name__)

TICK_LIMIT = 5000
RECIPIENTS_PER_TASK = 50
REENQUEUE_AFTER = timedelta(seconds=90)
STALE_SENDING_AFTER = timedelta(minutes=5)
MAX_ATTEMPTS = 5

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
    combined); all emails of the batch go through one SMTP connection.
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
        .select_related("recipient", "course")
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
    connection_ = mail.get_connection()
    try:
        for recipient_id, group in by_recipient.items():
            outcome = _deliver_one(group, preferences.get(recipient_id), connection_, now)
            for key, value in outcome.items():
                counts[key] += value
    finally:
        try:
            connection_.close()
        except Exception:  # a broken connection must not hide the rows' real outcome
            logger.warning("Closing the SMTP connection failed", exc_info=True)
    return counts


def _finish(rows: list[Notification], **fields) -> int:
    return Notification.objects.filter(
        pk__in=[r.pk for r in rows], state=State.SENDING, claim_token=rows[0].claim_token
    ).update(**fields)


def _deliver_one(group, preference, connection_, now) -> dict[str, int]:
    recipient = group[0].recipient
    if not recipient.is_active:
        return {"cancelled": _finish(group, state=State.CANCELLED, last_error="Inactive user.")}
    muted = {c.pk for c in preference.muted_courses.all()} if preference else set()
    wanted = [
        row for row in group
        if preference is None or preference.wants(row.kind, row.course_id, muted_ids=muted)
    ]  # fmt: skip
    unwanted = [row for row in group if row not in wanted]
    outcome = {"sent": 0, "cancelled": 0, "deferred": 0, "failed": 0}
    if unwanted:
        outcome["cancelled"] = _finish(
            unwanted, state=State.CANCELLED, last_error="Turned off by the recipient."
        )
    if not wanted:
        return outcome
    zone = recipient.zoneinfo
    if in_quiet_hours(now, zone):
        outcome["deferred"] = _finish(
            wanted, state=State.PENDING, send_at=after_quiet_hours(now, zone),
            enqueued_at=None, claim_token="", attempts=F("attempts") - 1,
        )  # fmt: skip
        return outcome
    email_on = preference.email_enabled if preference else True
    message_id = ""
    if email_on:
        message = build_digest_message(recipient=recipient, rows=wanted, connection=connection_)
        message_id = message.extra_headers["Message-ID"]
        try:
            # Opened here, the connection stays open for the whole batch; left to the backend,
            # every send would open and close one of its own.
            connection_.open()
            message.send()
        except Exception as error:  # noqa: BLE001 - every SMTP failure is recorded on the rows
            connection_.close()  # the next recipient starts on a fresh connection
            return outcome | _failed(wanted, error, now)
    outcome["sent"] = _finish(wanted, state=State.SENT, sent_at=now, message_id=message_id)
    return outcome


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
