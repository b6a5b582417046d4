"""What interviews sends through the notification engine: its kinds, and the scope keys that
tie each planned row to what it is about.

The engine (``notifications``) knows nothing of assignments, interviews or grades: a row
carries a scope key, and re-planning one scope (``reconcile(scope=…)``) covers every row whose
key is that scope or starts with it followed by ``:``. The keys:

- ``assignment:12`` / ``assignment:12:student:7``: an assignment's reminders, for everyone or
  one student (milestones and the reminders around each of the student's interviews);
- ``contact:5``: the keep-in-touch nudges of one contact;
- ``grading:assignment:12``: notices sent at once about grading (feedback, messages, regrades);
  a separate prefix, so that re-planning reminders never touches them;
- ``digest:3:2026-12-02``: one staff member's grading digest of one day.
"""

from django.db import models

from notifications.kinds import Audience, NotificationKind, register


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

# One sentence per kind, shown under its checkbox on the notification settings page.
KIND_HELP = {
    Kind.MILESTONE_SOON: "Before each step of an assignment is due, if you have not done it yet, "
    "as each course's instructor set it.",
    Kind.MILESTONE_OVERDUE: "Once, the morning after a step you missed, while the work is still "
    "accepted.",
    Kind.INTERVIEW_TOMORROW: "The day before an interview, a nudge to review your questions.",
    Kind.THANK_YOU: "A few hours after an interview, if you have not marked your thank-you note "
    "as sent.",
    Kind.REFLECTION: "The morning after an interview, if you have not started your reflection.",
    Kind.FOLLOW_UP: "A week after an interview with no reply logged, a suggestion to send one "
    "polite follow-up.",
    Kind.KEEP_IN_TOUCH: "A nudge to get back in touch with a contact, at the pace you chose for "
    "them.",
    Kind.GRADING_DIGEST: "For teachers and assistants: each morning, how much new work waits for "
    "grading, only when there is some.",
    Kind.FEEDBACK_RELEASED: "When your teacher releases the grade and feedback on your work.",
    Kind.FEEDBACK_MESSAGE: "When your teacher writes to you about your write-up.",
    Kind.REGRADE_ANSWERED: "When your teacher answers a regrade request you made.",
    Kind.STUDENT_MESSAGE: "For teachers and assistants: when a student writes about their "
    "graded work.",
    Kind.REGRADE_REQUESTED: "For teachers and assistants: when a student asks for a regrade.",
}
# The settings page lists the kinds in this order: the student's own work, then staff kinds.
STUDENT_KINDS = (
    *REMINDER_KINDS, Kind.FEEDBACK_RELEASED, Kind.FEEDBACK_MESSAGE, Kind.REGRADE_ANSWERED,
)  # fmt: skip
STAFF_KINDS = (Kind.GRADING_DIGEST, Kind.STUDENT_MESSAGE, Kind.REGRADE_REQUESTED)


def assignment_scope(assignment_id: int) -> str:
    return f"assignment:{assignment_id}"


def student_scope(assignment_id: int, student_id: int) -> str:
    return f"assignment:{assignment_id}:student:{student_id}"


def contact_scope(contact_id: int) -> str:
    return f"contact:{contact_id}"


def grading_scope(assignment_id: int) -> str:
    return f"grading:assignment:{assignment_id}"


def register_kinds() -> None:
    """Register interviews' kinds with the engine (from ``InterviewsConfig.ready``)."""
    from .reminder_days import milestone_reminder_lines

    details = {Kind.MILESTONE_SOON: milestone_reminder_lines}
    register(
        NotificationKind(
            value=kind.value,
            label=kind.label,
            help=KIND_HELP[kind],
            audience=Audience.STAFF if kind in STAFF_KINDS else Audience.STUDENT,
            details=details.get(kind),
        )  # fmt: skip
        for kind in (*STUDENT_KINDS, *STAFF_KINDS)
    )
