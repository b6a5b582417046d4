"""Who may see or act on which notification: only its recipient, and only once it was sent.

Anybody else gets 404, so a notification's existence is never revealed.
"""

from django.http import Http404

from .models import Notification


def get_notification_for_recipient(user, notification_id) -> Notification:
    """``user``'s own sent notification ``notification_id``, or 404."""
    if not user.is_authenticated:
        raise Http404
    notification = Notification.objects.for_inbox(user).filter(pk=notification_id).first()
    if notification is None:
        raise Http404("No such notification.")
    return notification
