"""An assignment's reminder schedule: what the instructor chose, defaults when absent."""

from django.db import models

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


def before_days_from(saved) -> tuple[int, ...]:
    """A saved schedule's days, as the planner reads them: 1 to 30, each once, latest first."""
    return tuple(sorted({int(d) for d in saved if 0 < int(d) <= 30}, reverse=True))
