"""Tests of notifications/: the engine, and what people see of it (inbox, settings, emails)."""

from django.utils import timezone

from interviews.notices import Kind
from notifications.models import Notification


def notify(recipient, *, n: int = 1, state=Notification.State.SENT, **fields) -> Notification:
    """A notification for ``recipient`` as delivery leaves it (sent, unread, unless told)."""
    now = fields.pop("now", None) or timezone.now()
    values = {
        "kind": Kind.MILESTONE_SOON,
        "dedupe_key": f"test:{recipient.pk}:{n}:{state}",
        "subject": f"Reminder {n}",
        "body": f"Body of reminder {n}.",
        "url": "/courses/",
        "send_at": now,
        "state": state,
        "sent_at": now if state == Notification.State.SENT else None,
        "shown_at": now if state == Notification.State.SENT else None,
        **fields,
    }
    return Notification.objects.create(recipient=recipient, **values)
