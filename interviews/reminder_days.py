"""When "milestone coming up" reminders come, in words, for the notification settings page."""

from collections.abc import Iterable

from courses.models import Course, Membership

from .models import DEFAULT_BEFORE_DAYS, before_days_from


def before_days_text(days: Iterable[int]) -> str:
    """``(7, 1)`` → "7 days and 1 day before"; nothing → "no reminders before due dates"."""
    parts = [f"{d} day" if d == 1 else f"{d} days" for d in days]
    if not parts:
        return "no reminders before due dates"
    if len(parts) == 1:
        return f"{parts[0]} before"
    return f"{', '.join(parts[:-1])} and {parts[-1]} before"


def milestone_reminder_lines(user) -> list[str]:
    """The real reminder offsets of the published assignments in the active courses ``user``
    takes, one line per course and schedule ("ENG 101 Careers: 3 days and 1 day before"),
    naming the assignments when a course's schedules differ. One query."""
    rows = (
        Course.objects.active()
        .filter(
            memberships__in=Membership.objects.students().filter(user=user),
            assignments__state="published",
        )
        .order_by("title", "pk", "assignments__writeup_due_at", "assignments__pk")
        .values_list(
            "pk",
            "code",
            "title",
            "assignments__title",
            "assignments__reminder_settings__before_days",
        )
    )
    courses: dict[int, tuple[str, dict[tuple[int, ...], list[str]]]] = {}
    for course_id, code, title, assignment, before_days in rows:
        days = DEFAULT_BEFORE_DAYS if before_days is None else before_days_from(before_days)
        label = f"{code} {title}" if code else title
        courses.setdefault(course_id, (label, {}))[1].setdefault(days, []).append(assignment)
    lines = []
    for label, schedules in courses.values():
        for days, assignments in schedules.items():
            named = f" ({', '.join(assignments)})" if len(schedules) > 1 else ""
            lines.append(f"{label}: {before_days_text(days)}{named}")
    return lines
