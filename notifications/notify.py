"""Notifications caused by something a person just did (feedback released, a message, a
regrade request), as opposed to reminders planned from dates.

They go through the same engine: a row due now, sent by the next tick, combined with anything
else due for that person, respecting their preferences and quiet hours. The dedupe key makes
planning the same event twice harmless; a rolled-back transaction plans nothing.
"""

from dataclasses import asdict
from datetime import datetime

from django.utils import timezone

from .models import Notification
from .planner import Planned


def notify(
    *,
    recipient_id: int,
    kind: str,
    key: str,
    subject: str,
    body: str,
    url: str = "",
    course_id: int | None = None,
    assignment_id: int | None = None,
    now: datetime | None = None,
) -> bool:
    """Plan one notification for the next tick; returns False if ``key`` was already used."""
    now = now or timezone.now()
    plan = Planned(
        recipient_id=recipient_id, kind=kind, dedupe_key=key, send_at=now, subject=subject,
        body=body, url=url, course_id=course_id, assignment_id=assignment_id,
    )  # fmt: skip
    if Notification.objects.filter(dedupe_key=key).exists():
        return False
    # A concurrent call with the same key makes it one row all the same.
    Notification.objects.bulk_create(
        [Notification(**asdict(plan), created_at=now)], ignore_conflicts=True
    )
    return True
