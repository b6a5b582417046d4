"""The unread count in the navbar."""

from functools import cache

from .models import Notification


def unread_notifications(request) -> dict:
    """``unread_notification_count``: a callable the template calls at most once, so pages
    without the navbar (HTMX fragments, emails) and anonymous visitors cost no query."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    @cache
    def count() -> int:
        return Notification.objects.for_inbox(user).unread().count()

    return {"unread_notification_count": count}
