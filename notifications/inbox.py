"""The in-app inbox: what was sent to a person, read or unread, and where each item leads."""

from datetime import datetime

from django.utils.http import url_has_allowed_host_and_scheme

from .models import Notification


def notification_mark_read(*, notification: Notification, now: datetime) -> bool:
    """Mark ``notification`` read; returns False if it already was (the first time is kept)."""
    if notification.read_at is not None:
        return False
    updated = Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
        read_at=now
    )
    notification.read_at = notification.read_at or now
    return updated == 1


def inbox_mark_all_read(*, user, now: datetime) -> int:
    """Mark every unread sent notification of ``user`` read; returns how many."""
    return Notification.objects.for_inbox(user).unread().update(read_at=now)


def internal_path(url: str) -> str | None:
    """``url`` if it is a path on this site ("/courses/1/"), else None.

    Notification links are written by the planner, but a stored absolute or scheme-relative
    address ("//evil.example") must never turn the open link into an open redirect.
    """
    if not url.startswith("/") or url.startswith(("//", "/\\")):
        return None
    if not url_has_allowed_host_and_scheme(url, allowed_hosts=None):
        return None
    return url
