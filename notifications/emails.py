"""The reminder email: everything due for one person at once, in one message."""

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

from courses.emails import absolute_url

from .models import Notification, message_id_for

UNSUBSCRIBE_SALT = "notifications.unsubscribe"


def unsubscribe_token(user) -> str:
    return signing.dumps({"u": user.pk}, salt=UNSUBSCRIBE_SALT, compress=True)


def user_id_from_unsubscribe_token(token: str) -> int | None:
    try:
        return int(signing.loads(token, salt=UNSUBSCRIBE_SALT)["u"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None


def unsubscribe_url(user) -> str:
    return absolute_url(reverse("notifications:unsubscribe", args=[unsubscribe_token(user)]))


def build_digest_message(*, recipient, rows: list[Notification], connection=None):
    """One email for ``rows`` (all for ``recipient``), with a Message-ID derived from their
    dedupe keys and one-click unsubscribe headers (RFC 8058)."""
    items = [{"row": row, "link": absolute_url(row.url) if row.url else ""} for row in rows]
    context = {
        "recipient": recipient,
        "items": items,
        "count": len(rows),
        "preferences_url": absolute_url(reverse("notifications:preferences")),
        "inbox_url": absolute_url(reverse("notifications:inbox")),
        "unsubscribe_url": unsubscribe_url(recipient),
    }
    subject = rows[0].subject if len(rows) == 1 else f"{len(rows)} reminders: {rows[0].subject}"
    message = EmailMultiAlternatives(
        subject=f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}{subject}"[:250],
        body=render_to_string("emails/reminders.txt", context),
        to=[recipient.email],
        connection=connection,
        headers={
            "Message-ID": message_id_for([row.dedupe_key for row in rows]),
            "List-Unsubscribe": f"<{context['unsubscribe_url']}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Auto-Submitted": "auto-generated",
        },
    )
    message.attach_alternative(render_to_string("emails/reminders.html", context), "text/html")
    return message
