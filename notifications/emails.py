"""The reminder email: everything due for one person at once, in one message.

The digest is Django's ``EmailMultiAlternatives`` (a text body and an HTML alternative), so it
goes through whatever ``EMAIL_BACKEND`` is configured: SMTP, the console, or an email service's
API through django-anymail. Delivery renders thousands of these in a row, so what every email
of a batch shares (the compiled templates, the fixed links, the sender) is prepared once in a
``DigestRenderer``.
"""

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.template.loader import get_template
from django.urls import reverse

from common.urls import absolute_url

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


class DigestRenderer:
    """Renders the reminder emails of one batch: templates, fixed links and the sender are
    looked up once, not per email."""

    def __init__(self):
        self.text_template = get_template("emails/reminders.txt")
        self.html_template = get_template("emails/reminders.html")
        self.from_email = settings.DEFAULT_FROM_EMAIL
        self.prefix = settings.ACCOUNT_EMAIL_SUBJECT_PREFIX
        self.preferences_url = absolute_url(reverse("notifications:preferences"))
        self.inbox_url = absolute_url(reverse("notifications:inbox"))
        # The unsubscribe link around a placeholder: reverse() leaves a token's characters
        # (URL-safe base64 and ":") as they are, so filling it in gives reverse()'s result.
        placeholder = "0token0"
        link = absolute_url(reverse("notifications:unsubscribe", args=[placeholder]))
        self._unsubscribe_head, _, self._unsubscribe_tail = link.rpartition(placeholder)

    def unsubscribe_url(self, user) -> str:
        return f"{self._unsubscribe_head}{unsubscribe_token(user)}{self._unsubscribe_tail}"

    def render(
        self, *, recipient, rows: list[Notification], connection=None
    ) -> EmailMultiAlternatives:
        """One email for ``rows`` (all for ``recipient``), with a Message-ID derived from their
        dedupe keys and one-click unsubscribe headers (RFC 8058)."""
        unsubscribe = self.unsubscribe_url(recipient)
        context = {
            "recipient": recipient,
            "items": [{"row": r, "link": absolute_url(r.url) if r.url else ""} for r in rows],
            "count": len(rows),
            "preferences_url": self.preferences_url,
            "inbox_url": self.inbox_url,
            "unsubscribe_url": unsubscribe,
        }
        subject = rows[0].subject if len(rows) == 1 else f"{len(rows)} reminders: {rows[0].subject}"
        # One line whatever a stored name or title holds: a line break in a header is refused.
        subject = " ".join(subject.split())
        message = EmailMultiAlternatives(
            subject=f"{self.prefix}{subject}"[:250],
            body=self.text_template.render(context),
            from_email=self.from_email,
            to=[recipient.email],
            connection=connection,
            headers={
                "Message-ID": message_id_for([row.dedupe_key for row in rows]),
                "List-Unsubscribe": f"<{unsubscribe}>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
                "Auto-Submitted": "auto-generated",
            },
        )
        message.attach_alternative(self.html_template.render(context), "text/html")
        return message


def build_digest_message(*, recipient, rows: list[Notification], connection=None):
    """The reminder email for ``rows``: a renderer of its own, for one email."""
    return DigestRenderer().render(recipient=recipient, rows=rows, connection=connection)
