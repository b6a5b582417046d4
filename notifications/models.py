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


class Kind(models.TextChoices):
    MILESTONE_SOON = "milestone_soon", "Milestone coming up"
    MILESTONE_OVERDUE = "milestone_overdue", "Missed milestone"
    INTERVIEW_TOMORROW = "interview_tomorrow", "Interview tomorrow: review your questions"
    THANK_YOU = "thank_you", "Send your thank-you note"
    REFLECTION = "reflection", "Start your reflection while it is fresh"
    FOLLOW_UP = "follow_up", "No reply yet: one polite follow-up"
    KEEP_IN_TOUCH = "keep_in_touch", "Keep in touch with a contact"
    GRADING_DIGEST = "grading_digest", "Daily digest of work waiting for grading"
    FEEDBACK_RELEASED = "feedback_released", "Your grade and feedback are ready"
    FEEDBACK_MESSAGE = "feedback_message", "A message from your teacher about your write-up"
    REGRADE_ANSWERED = "regrade_answered", "An answer to your regrade request"
    STUDENT_MESSAGE = "student_message", "A student replied about their write-up"
    REGRADE_REQUESTED = "regrade_requested", "A student asked for a regrade"


# Reminders an assignment plans for its students (the instructor can turn each off).
REMINDER_KINDS = [
    Kind.MILESTONE_SOON, Kind.MILESTONE_OVERDUE, Kind.INTERVIEW_TOMORROW, Kind.THANK_YOU,
    Kind.REFLECTION, Kind.FOLLOW_UP, Kind.KEEP_IN_TOUCH,
]  # fmt: skip
STUDENT_KINDS = [
    *REMINDER_KINDS,
    Kind.FEEDBACK_RELEASED,
    Kind.FEEDBACK_MESSAGE,
    Kind.REGRADE_ANSWERED,
]
STAFF_KINDS = [Kind.GRADING_DIGEST, Kind.STUDENT_MESSAGE, Kind.REGRADE_REQUESTED]


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
    kind = models.CharField(max_length=30, choices=Kind.choices)
    dedupe_key = models.CharField(max_length=200, unique=True)
    course = models.ForeignKey(
        "courses.Course", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    assignment = models.ForeignKey(
        "interviews.Assignment", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    interview = models.ForeignKey(
        "interviews.Interview", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    contact = models.ForeignKey(
        "interviews.Contact", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
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
            models.Index(fields=["recipient", "assignment", "state"], name="notification_scope"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} for {self.recipient} at {self.send_at:%Y-%m-%d %H:%M}"

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


# Days before each milestone to remind when an assignment has no schedule of its own.
DEFAULT_BEFORE_DAYS = (3, 1)


class AssignmentReminderSettings(models.Model):
    """An instructor's reminder schedule for one assignment (defaults when absent)."""

    assignment = models.OneToOneField(
        "interviews.Assignment", on_delete=models.CASCADE, related_name="reminder_settings"
    )
    before_days = models.JSONField(
        default=list, help_text="Days before each milestone to remind, e.g. [3, 1]."
    )
    disabled_kinds = models.JSONField(default=list, blank=True)

    def __str__(self):
        return f"Reminder schedule of {self.assignment}"
