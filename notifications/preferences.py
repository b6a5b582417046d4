"""A person's notification choices: kinds, muted courses, email on or off, and unsubscribing."""

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q

from courses.models import Course, Membership

from .models import DEFAULT_BEFORE_DAYS, Kind, Preference


def preference_for(user) -> Preference:
    """``user``'s saved preference, or an unsaved default one (everything on)."""
    try:
        return Preference.objects.prefetch_related("muted_courses").get(user=user)
    except Preference.DoesNotExist:
        return Preference(user=user)


def preference_save(
    *,
    user,
    enabled_kinds: Iterable[str],
    muted_course_ids: Iterable[int],
    offered_course_ids: Iterable[int],
    email_enabled: bool,
) -> Preference:
    """Store ``user``'s choices. Only the courses offered on the page (``offered_course_ids``)
    change their mute; courses no longer shown (archived, left) keep what they had."""
    enabled = set(enabled_kinds)
    offered = set(offered_course_ids)
    with transaction.atomic():
        preference, _ = Preference.objects.select_for_update().get_or_create(user=user)
        preference.disabled_kinds = [kind.value for kind in Kind if kind.value not in enabled]
        preference.email_enabled = email_enabled
        preference.save()
        kept = set(preference.muted_courses.exclude(pk__in=offered).values_list("pk", flat=True))
        preference.muted_courses.set(kept | (set(muted_course_ids) & offered))
    return preference


def email_unsubscribe(*, user) -> bool:
    """Turn reminder emails off for ``user`` (they stay in the inbox); returns False if they
    already were off."""
    preference, created = Preference.objects.get_or_create(
        user=user, defaults={"email_enabled": False}
    )
    if created:
        return True
    return (
        Preference.objects.filter(pk=preference.pk, email_enabled=True).update(email_enabled=False)
        == 1
    )


def quiet_members(*, course, user_ids: Iterable[int]) -> dict[int, dict[str, bool]]:
    """For the course's staff: which of ``user_ids`` muted ``course`` or turned reminder emails
    off, as ``{user_id: {"muted": bool, "email_off": bool}}`` (others are left out). One query."""
    rows = (
        Preference.objects.filter(user_id__in=list(user_ids))
        .filter(Q(muted_courses=course) | Q(email_enabled=False))
        .values_list("user_id", "email_enabled", "muted_courses")
    )
    found: dict[int, dict[str, bool]] = {}
    for user_id, email_enabled, muted_course_id in rows:
        entry = found.setdefault(user_id, {"muted": False, "email_off": not email_enabled})
        entry["muted"] = entry["muted"] or muted_course_id == course.pk
    return found


def mask_email(email: str) -> str:
    """``stella.student@example.edu`` → ``st•••@example.edu``: enough to recognise one's own
    address on a page anyone holding the link can open, not enough to learn someone else's."""
    local, _, domain = email.partition("@")
    shown = local[:2] if len(local) > 3 else local[:1]
    return f"{shown}•••@{domain}"


@dataclass(frozen=True)
class CourseReminderDays:
    """When "milestone coming up" reminders come in one course: ``days`` reads
    "3 days and 1 day before"; ``assignments`` names them when the course's schedules differ."""

    course: str
    days: str
    assignments: tuple[str, ...] = ()


def before_days_text(days: Iterable[int]) -> str:
    """``(7, 1)`` → "7 days and 1 day before"; nothing → "no reminders before due dates"."""
    parts = [f"{d} day" if d == 1 else f"{d} days" for d in days]
    if not parts:
        return "no reminders before due dates"
    if len(parts) == 1:
        return f"{parts[0]} before"
    return f"{', '.join(parts[:-1])} and {parts[-1]} before"


def milestone_reminder_days(*, user) -> list[CourseReminderDays]:
    """The real reminder offsets of the published assignments in the active courses ``user``
    takes, one entry per course and schedule, read as the planner reads them. One query."""
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
        if before_days is None:
            days = DEFAULT_BEFORE_DAYS
        else:  # as interviews.reminders.schedule_for reads a saved schedule
            days = tuple(sorted({int(d) for d in before_days if 0 < int(d) <= 30}, reverse=True))
        label = f"{code} {title}" if code else title
        courses.setdefault(course_id, (label, {}))[1].setdefault(days, []).append(assignment)
    found = []
    for label, schedules in courses.values():
        for days, assignments in schedules.items():
            named = tuple(assignments) if len(schedules) > 1 else ()
            found.append(CourseReminderDays(label, before_days_text(days), named))
    return found


def teaches_any_course(user) -> bool:
    """True if ``user`` teaches or assists an active course (and so can get the staff kinds)."""
    return Membership.objects.staff().filter(user=user, course__archived_at__isnull=True).exists()
