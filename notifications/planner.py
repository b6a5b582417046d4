"""Make the planned notifications in the database match what the domain says should exist.

Planning is a pure function of domain state (see ``interviews/reminders.py``); ``reconcile``
writes its result: it creates what is missing, moves pending rows whose moment or words
changed, and cancels pending rows that are no longer wanted. Sent rows are never touched and,
thanks to the unique dedupe key, never planned again. Running it twice changes nothing.
"""

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q

from .models import Notification

# A reminder whose moment passed longer ago than this when it is first planned is not worth
# sending (e.g. "3 days before" for an assignment published 2 days before its due date).
STALE_AFTER = timedelta(hours=6)
UPDATABLE = ("send_at", "subject", "body", "url")


@dataclass(frozen=True)
class Planned:
    recipient_id: int
    kind: str
    dedupe_key: str
    send_at: datetime
    subject: str
    body: str
    url: str = ""
    course_id: int | None = None
    assignment_id: int | None = None
    interview_id: int | None = None
    contact_id: int | None = None


@dataclass
class Reconciled:
    created: int = 0
    moved: int = 0
    cancelled: int = 0


def reconcile(*, scope: Q, planned: list[Planned], now: datetime) -> Reconciled:
    """Make the pending notifications matching ``scope`` exactly ``planned``.

    ``scope`` must cover every row ``planned`` could contain (e.g. one student's rows for one
    assignment), so a reminder that is no longer planned is found and cancelled.
    """
    result = Reconciled()
    wanted = {p.dedupe_key: p for p in planned}
    with transaction.atomic():
        existing = {
            n.dedupe_key: n
            for n in Notification.objects.filter(scope).only(
                "pk", "dedupe_key", "state", *UPDATABLE
            )
        }
        stale = [
            n.pk
            for key, n in existing.items()
            if n.state == Notification.State.PENDING and key not in wanted
        ]
        if stale:
            result.cancelled = Notification.objects.filter(
                pk__in=stale, state=Notification.State.PENDING
            ).update(state=Notification.State.CANCELLED, last_error="No longer needed.")
        new = []
        for key, plan in wanted.items():
            row = existing.get(key)
            if row is None:
                if plan.send_at >= now - STALE_AFTER:
                    new.append(Notification(**asdict(plan), created_at=now))
            elif row.state == Notification.State.PENDING and any(
                getattr(row, f) != getattr(plan, f) for f in UPDATABLE
            ):
                result.moved += Notification.objects.filter(
                    pk=row.pk, state=Notification.State.PENDING
                ).update(**{f: getattr(plan, f) for f in UPDATABLE}, enqueued_at=None)
        if new:
            # A concurrent run may have inserted the same key: the unique key makes it one row.
            Notification.objects.bulk_create(new, ignore_conflicts=True)
            result.created = len(new)
    return result
