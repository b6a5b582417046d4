"""Make the planned notifications in the database match what the domain says should exist.

Planning is a pure function of domain state (see ``interviews/reminders.py``); ``reconcile``
writes its result: it creates what is missing, moves pending rows whose moment or words
changed, and cancels pending rows that are no longer wanted (bringing them back if they are
wanted again). A row already in the inbox whose email waits for the end of quiet hours is not
moved any more (the person has read its words), though its email is still cancelled when no
longer wanted. Sent rows are never touched and, thanks to the unique dedupe key, never planned
again. Running it twice changes nothing.
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
SUBJECT_MAX = Notification._meta.get_field("subject").max_length
# Why the planner cancelled a row; only such a row comes back when its reason returns (an
# assignment published again), not one the recipient turned off.
NO_LONGER_NEEDED = "No longer needed."


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
    scope: str = ""

    def __post_init__(self):
        # Subjects are built from titles people type; keep them to what a row (and a mail
        # client) holds, the same way every time so re-planning converges.
        if len(self.subject) > SUBJECT_MAX:
            object.__setattr__(self, "subject", self.subject[: SUBJECT_MAX - 1] + "…")


@dataclass
class Reconciled:
    created: int = 0
    moved: int = 0
    cancelled: int = 0


def in_scope(scope: str) -> Q:
    """The rows of ``scope``: their key is ``scope`` or starts with ``scope`` and ``:``
    (``assignment:12`` covers ``assignment:12:student:7``, not ``assignment:123``)."""
    if not scope:
        raise ValueError("An empty scope would cover every row.")
    return Q(scope=scope) | Q(scope__startswith=f"{scope}:")


def reconcile(*, scope: str, planned: list[Planned], now: datetime) -> Reconciled:
    """Make the pending notifications of ``scope`` (see ``in_scope``) exactly ``planned``.

    ``scope`` must cover every row ``planned`` could contain (e.g. one student's rows for one
    assignment), so a reminder that is no longer planned is found and cancelled.
    """
    uncovered = [p.dedupe_key for p in planned if not _covers(scope, p.scope)]
    if uncovered:
        raise ValueError(f"Planned outside the scope {scope!r}: {uncovered[:3]}")
    result = Reconciled()
    wanted = {p.dedupe_key: p for p in planned}
    with transaction.atomic():
        existing = {
            n.dedupe_key: n
            for n in Notification.objects.filter(in_scope(scope)).only(
                "pk", "dedupe_key", "state", "shown_at", *UPDATABLE
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
            ).update(state=Notification.State.CANCELLED, last_error=NO_LONGER_NEEDED)
        new = []
        for key, plan in wanted.items():
            row = existing.get(key)
            if row is None:
                if plan.send_at >= now - STALE_AFTER:
                    new.append(Notification(**asdict(plan), created_at=now))
            elif row.state == Notification.State.CANCELLED:
                if plan.send_at >= now - STALE_AFTER:
                    result.created += Notification.objects.filter(
                        pk=row.pk, state=Notification.State.CANCELLED, last_error=NO_LONGER_NEEDED
                    ).update(
                        **{f: getattr(plan, f) for f in UPDATABLE},
                        state=Notification.State.PENDING, last_error="", enqueued_at=None,
                    )  # fmt: skip
            elif (
                row.state == Notification.State.PENDING
                and row.shown_at is None
                and any(getattr(row, f) != getattr(plan, f) for f in UPDATABLE)
            ):
                result.moved += Notification.objects.filter(
                    pk=row.pk, state=Notification.State.PENDING
                ).update(**{f: getattr(plan, f) for f in UPDATABLE}, enqueued_at=None)
        if new:
            # A concurrent run may have inserted the same key: the unique key makes it one row.
            Notification.objects.bulk_create(new, ignore_conflicts=True)
            result.created += len(new)
    return result


def _covers(scope: str, key: str) -> bool:
    return key == scope or key.startswith(f"{scope}:")


def cancel_scope(scope: str, *, reason: str = NO_LONGER_NEEDED) -> int:
    """Cancel every pending row of ``scope`` (what it was about is gone); returns how many."""
    return Notification.objects.filter(in_scope(scope), state=Notification.State.PENDING).update(
        state=Notification.State.CANCELLED, last_error=reason
    )


def pending_scopes(prefix: str) -> set[str]:
    """The scopes of pending rows under ``prefix`` (e.g. every ``assignment:…`` key)."""
    return set(
        Notification.objects.filter(in_scope(prefix), state=Notification.State.PENDING)
        .values_list("scope", flat=True)
        .distinct()
    )
