"""The design the issue rules out, for comparison: one Celery task per reminder, scheduled with
``countdown`` (an ETA task) and sending the email when it runs. Loaded into the workers of
test_naive_eta.py with ``--include``."""

from celery import shared_task
from django.core.mail import EmailMessage

from .support import key_token


@shared_task(ignore_result=True, acks_late=True)
def send_reminder_at_eta(key: str, to: str) -> None:
    EmailMessage(
        subject="Reminder", body=f"Your reminder {key_token(key)}", to=[to],
        headers={"Message-ID": f"<{key}@naive.rapport.local>"},
    ).send()  # fmt: skip
