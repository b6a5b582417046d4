"""Planned notifications: the database is the record of every reminder that must be sent.

A row is planned with its ``send_at`` (UTC) and a unique ``dedupe_key``; the per-minute tick
hands due rows to delivery tasks, and delivery claims each row atomically before sending, so
no broker or worker failure can lose one or send one twice.
"""

import hashlib

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from .kinds import kind_label


class NotificationQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(state=Notification.State.PENDING)

    def due(self, now):
        return self.pending().filter(send_at__lte=now)

    def for_inbox(self, user):
        return self.filter(recipient=user, shown_at__isnull=False).order_by("-shown_at", "-pk")

    def unread(self):
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        CANCELLED = "cancelled", "Cancelled"
        FAILED = "failed", "Failed"

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(
        max_length=30, help_text="A kind an app registered (notifications.kinds)."
    )
    dedupe_key = models.CharField(max_length=200, unique=True)
    course = models.ForeignKey(
        "courses.Course", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    scope = models.CharField(
        max_length=120, blank=True, db_index=True,
        help_text="What the row is about, as the app that planned it names it (e.g. "
        "assignment:12:student:7); re-planning a scope covers the keys that start with it.",
    )  # fmt: skip
    subject = models.CharField(max_length=200)
    body = models.TextField(help_text="Plain text shown in the email and the inbox.")
    url = models.CharField(max_length=500, blank=True, help_text="Path of the page to act on.")
    send_at = models.DateTimeField()
    state = models.CharField(max_length=20, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    enqueued_at = models.DateTimeField(null=True, blank=True)
    claim_token = models.CharField(
        max_length=32, blank=True, help_text="Which tick or delivery run last took this row."
    )
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    shown_at = models.DateTimeField(
        "in the inbox since", null=True, blank=True,
        help_text="The inbox shows a notification once it is due; only its email waits for the "
        "end of quiet hours.",
    )  # fmt: skip
    message_id = models.CharField(max_length=200, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["send_at", "pk"]
        indexes = [
            # The tick reads only due pending rows: its cost follows them, not the table.
            models.Index(fields=["send_at"], condition=Q(state="pending"), name="notification_due"),
            models.Index(
                fields=["claimed_at"], condition=Q(state="sending"), name="notification_sending"
            ),
            models.Index(fields=["recipient", "shown_at"], name="notification_inbox"),
        ]

    def __str__(self):
        return f"{self.kind_label} for {self.recipient} at {self.send_at:%Y-%m-%d %H:%M}"

    @property
    def kind_label(self) -> str:
        return kind_label(self.kind)

    @property
    def stable_message_id(self) -> str:
        """A Message-ID derived from the dedupe key: a resend is recognisably the same mail."""
        return message_id_for([self.dedupe_key])


def message_id_for(keys: list[str]) -> str:
    digest = hashlib.sha256("\n".join(sorted(keys)).encode()).hexdigest()[:32]
    domain = settings.NOTIFICATION_MESSAGE_ID_DOMAIN
    return f"<{digest}@{domain}>"


class Preference(models.Model):
    """One person's notification choices: kinds turned off and courses muted."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference"
    )
    disabled_kinds = models.JSONField(default=list, blank=True)
    muted_courses = models.ManyToManyField("courses.Course", blank=True, related_name="+")
    email_enabled = models.BooleanField(
        "send reminders by email", default=True, help_text="They always appear in your inbox."
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"Notification preferences of {self.user}"

    def wants(self, kind: str, course_id: int | None, *, muted_ids: set[int]) -> bool:
        """False if ``kind`` is turned off or the course is muted."""
        return kind not in self.disabled_kinds and (course_id is None or course_id not in muted_ids)
