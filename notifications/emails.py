"""The reminder email: everything due for one person at once, in one message.

Delivery renders thousands of these in a row, so what every email of a batch shares (the
compiled templates, the fixed links, the sender) is prepared once in a ``DigestRenderer``, and
for SMTP the message is written to bytes directly (``Digest.as_bytes``) instead of through the
``email`` package's generator, which costs more than rendering and sending together. Django's
``EmailMultiAlternatives`` (``Digest.email_message``) stays the reference: any other backend
gets it, any email the direct writer does not handle plainly (a non-ASCII address, a line over
998 bytes) goes out through it, and the tests check that both give the same email.
"""

import re
import secrets
from dataclasses import dataclass
from email.header import Header
from email.utils import formatdate

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.core.mail.message import sanitize_address
from django.template.loader import get_template
from django.urls import reverse

from courses.emails import absolute_url

from .models import Notification, message_id_for

UNSUBSCRIBE_SALT = "notifications.unsubscribe"
MAX_LINE = 998  # bytes per line, RFC 5322; a longer one needs quoted-printable (Django's path)
# Addresses written as they are: a dot-atom local part and an ASCII domain. Anything else goes
# through Django's address encoding.
PLAIN_ADDRESS = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+@[A-Za-z0-9.-]+")


def unsubscribe_token(user) -> str:
    return signing.dumps({"u": user.pk}, salt=UNSUBSCRIBE_SALT, compress=True)


def user_id_from_unsubscribe_token(token: str) -> int | None:
    try:
        return int(signing.loads(token, salt=UNSUBSCRIBE_SALT)["u"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None


def unsubscribe_url(user) -> str:
    return absolute_url(reverse("notifications:unsubscribe", args=[unsubscribe_token(user)]))


@dataclass(frozen=True)
class Digest:
    """One rendered reminder email."""

    from_email: str
    sender: str  # ``from_email`` encoded for a header and an envelope (Django's sanitize_address)
    to: str
    subject: str
    text: str
    html: str
    headers: dict[str, str]

    @property
    def message_id(self) -> str:
        return self.headers["Message-ID"]

    def email_message(self, connection=None) -> EmailMultiAlternatives:
        message = EmailMultiAlternatives(
            subject=self.subject, body=self.text, from_email=self.from_email, to=[self.to],
            connection=connection, headers=self.headers,
        )  # fmt: skip
        message.attach_alternative(self.html, "text/html")
        return message

    @property
    def plain(self) -> bool:
        """Whether ``as_bytes`` writes the message itself: ASCII addresses that need no
        encoding and no line break in a header (Django refuses one: BadHeaderError)."""
        return (
            PLAIN_ADDRESS.fullmatch(self.to) is not None
            and self.sender.isascii()
            and not any("\r" in v or "\n" in v for v in (self.subject, *self.headers.values()))
        )

    def as_bytes(self) -> bytes:
        """The message as it goes over SMTP (CRLF line ends); the same email as
        ``email_message()``, written without the ``email`` package when ``plain``."""
        if self.plain:
            try:
                return self._write()
            except (UnicodeEncodeError, ValueError):  # lone surrogates, a line over 998 bytes
                pass
        return self.email_message().message().as_bytes(linesep="\r\n")

    def _write(self) -> bytes:
        text, html = _part(self.text, "plain"), _part(self.html, "html")
        boundary = f"=_{secrets.token_hex(16)}"  # 128 random bits: no body holds it by chance
        headers = {
            "Content-Type": f'multipart/alternative; boundary="{boundary}"',
            "MIME-Version": "1.0",
            "Subject": _subject(self.subject),
            "From": self.sender,
            "To": self.to,
            "Date": formatdate(localtime=settings.EMAIL_USE_LOCALTIME),
            **self.headers,
        }
        head = "".join(f"{name}:{_folded(name, value)}\r\n" for name, value in headers.items())
        return b"".join([
            head.encode("ascii"),
            f"\r\n--{boundary}\r\n".encode(), text,
            f"\r\n--{boundary}\r\n".encode(), html,
            f"\r\n--{boundary}--\r\n".encode(),
        ])  # fmt: skip


def _subject(subject: str) -> str:
    """Encoded and folded as Django does (RFC 2047 for non-ASCII)."""
    if subject.isascii() and len(subject) <= 76:
        return subject  # what Header(subject).encode() returns
    charset = None if subject.isascii() else "utf-8"
    return Header(subject, charset, header_name="Subject").encode(linesep="\r\n")


def _folded(name: str, value: str) -> str:
    """The header's value after the colon; a long link goes on a folded line of its own."""
    if value.startswith("<") and len(name) + len(value) > 76:
        return f"\r\n {value}"
    return f" {value}"


def _part(body: str, subtype: str) -> bytes:
    data = "\r\n".join(body.replace("\r\n", "\n").replace("\r", "\n").split("\n"))
    encoded = data.encode("utf-8")
    if len(encoded) > MAX_LINE and any(len(line) > MAX_LINE for line in encoded.split(b"\r\n")):
        raise ValueError("A line too long for 8bit: Django's path uses quoted-printable.")
    head = (
        f'Content-Type: text/{subtype}; charset="utf-8"\r\n'
        f"Content-Transfer-Encoding: {'7bit' if encoded.isascii() else '8bit'}\r\n\r\n"
    )
    return head.encode("ascii") + encoded


class DigestRenderer:
    """Renders the reminder emails of one batch: templates, fixed links and the sender are
    looked up once, not per email."""

    def __init__(self):
        self.text_template = get_template("emails/reminders.txt")
        self.html_template = get_template("emails/reminders.html")
        self.from_email = settings.DEFAULT_FROM_EMAIL
        self.sender = sanitize_address(self.from_email, settings.DEFAULT_CHARSET)
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

    def render(self, *, recipient, rows: list[Notification]) -> Digest:
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
        return Digest(
            from_email=self.from_email,
            sender=self.sender,
            to=recipient.email,
            subject=f"{self.prefix}{subject}"[:250],
            text=self.text_template.render(context),
            html=self.html_template.render(context),
            headers={
                "Message-ID": message_id_for([row.dedupe_key for row in rows]),
                "List-Unsubscribe": f"<{unsubscribe}>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
                "Auto-Submitted": "auto-generated",
            },
        )


def build_digest_message(*, recipient, rows: list[Notification], connection=None):
    """The reminder email for ``rows`` as Django's ``EmailMultiAlternatives``."""
    digest = DigestRenderer().render(recipient=recipient, rows=rows)
    return digest.email_message(connection=connection)
