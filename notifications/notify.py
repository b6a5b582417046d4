"""Notifications caused by something a person just did (feedback released, a message, a
regrade request), as opposed to reminders planned from dates.

They go through the same engine: a row due now, in the person's inbox at once (unless they
turned that kind or course off), emailed by the next tick, combined with anything else due for
that person, respecting their preferences and quiet hours. The dedupe key makes
planning the same event twice harmless; a rolled-back transaction plans nothing.
"""

from dataclasses import asdict
from datetime import datetime

from django.utils import timezone

from .models import Notification, Preference
from .planner import Planned


def _shown(recipient_id: int, kind: str, course_id: int | None, now: datetime) -> datetime | None:
    """``now`` if the recipient wants this kind from this course in their inbox, else None."""
    preference = Preference.objects.filter(user_id=recipient_id).first()
    if preference is None:
        return now
    muted = set(preference.muted_courses.values_list("pk", flat=True)) if course_id else set()
    return now if preference.wants(kind, course_id, muted_ids=muted) else None


def notify(
    *,
    recipient_id: int,
    kind: str,
    key: str,
    subject: str,
    body: str,
    url: str = "",
    course_id: int | None = None,
    scope: str = "",
    now: datetime | None = None,
) -> bool:
    """Put one notification in the inbox now and plan its email for the next tick; returns
    False if ``key`` was already used."""
    now = now or timezone.now()
    plan = Planned(
        recipient_id=recipient_id, kind=kind, dedupe_key=key, send_at=now, subject=subject,
        body=body, url=url, course_id=course_id, scope=scope,
    )  # fmt: skip
    if Notification.objects.filter(dedupe_key=key).exists():
        return False
    # A concurrent call with the same key makes it one row all the same.
    Notification.objects.bulk_create(
        [
            Notification(
                **asdict(plan),
                created_at=now,
                shown_at=_shown(recipient_id, kind, course_id, now),
            )
        ],
        ignore_conflicts=True,
    )
    return True
