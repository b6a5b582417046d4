"""One function per email kind; each renders a subject, a text and an HTML template."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse


def absolute_url(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def send_templated(*, template: str, to: str, context: dict) -> None:
    subject = " ".join(render_to_string(f"emails/{template}_subject.txt", context).split())
    text = render_to_string(f"emails/{template}.txt", context)
    html = render_to_string(f"emails/{template}.html", context)
    message = EmailMultiAlternatives(
        subject=f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}{subject}", body=text, to=[to]
    )
    message.attach_alternative(html, "text/html")
    message.send()


def send_invitation(invitation, token: str) -> None:
    context = {
        "invitation": invitation,
        "course": invitation.course,
        "inviter": invitation.invited_by,
        "accept_url": absolute_url(reverse("courses:invitation", args=[token])),
    }
    send_templated(template="invitation", to=invitation.email, context=context)
