"""One function per email kind; each renders a subject, a text and an HTML template."""

import re

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

from common.urls import absolute_url


def send_templated(*, template: str, to: str, context: dict) -> None:
    subject = " ".join(render_to_string(f"emails/{template}_subject.txt", context).split())
    text = render_to_string(f"emails/{template}.txt", context)
    html = render_to_string(f"emails/{template}.html", context)
    message = EmailMultiAlternatives(
        subject=f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}{subject}", body=text, to=[to]
    )
    message.attach_alternative(html, "text/html")
    message.send()


# A dot (or look-alike) between word characters, the "//" of a scheme, an "@" inside a word.
_LINK_JOINTS = re.compile(r"(?<=\w)(?=[.\u3002\uff0e\uff61@]\w)|(?<=:)(?=//)")


def unlinked(text: str) -> str:
    """``text`` as plain words no mail client turns into a link.

    Course titles and names are typed by anyone who signs up, and mail clients make links of
    anything that looks like an address (``evil.example/login``, ``www.…``, ``a@b.c``); a
    zero-width space at each joint keeps the words as they read and breaks the address.
    """
    return _LINK_JOINTS.sub("\u200b", text)


def inviter_address(user) -> str | None:
    """The user's verified primary email address, or None if they have none."""
    return (
        EmailAddress.objects.filter(user=user, verified=True, primary=True)
        .values_list("email", flat=True)
        .first()
    )


def send_invitation(invitation, token: str) -> None:
    course, inviter = invitation.course, invitation.invited_by
    address = inviter_address(inviter) if inviter is not None else None
    context = {
        "invitation": invitation,
        "invitee_name": unlinked(invitation.name),
        "course_name": unlinked(str(course)),
        "course_title": unlinked(course.title),
        "course_term": unlinked(course.term),
        # Named only with their verified address, so the recipient can tell who wrote.
        "inviter_name": unlinked(inviter.full_name or address or "") if address else "",
        "inviter_address": address,
        "accept_url": absolute_url(reverse("courses:invitation", args=[token])),
    }
    send_templated(template="invitation", to=invitation.email, context=context)
