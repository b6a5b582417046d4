"""Editing a course's settings, and archiving it."""

from datetime import datetime

from django.db import transaction

from . import hooks
from .models import Course


@transaction.atomic
def course_update(*, form) -> Course:
    """Save a valid ``CourseForm``; a new time zone re-plans what is worded in it (the hooks
    registered in ``courses.hooks``: reminders name the course's time beside the student's)."""
    course = form.save()
    if "time_zone" in form.changed_data:
        hooks.course_time_zone_changed(course)
    return course


@transaction.atomic
def course_archive(*, course: Course, by, now: datetime) -> Course:
    """Archive ``course`` (``by``, one of its instructors, asked): nobody new joins and its
    reminders stop (the ``course_reminders_changed`` hooks); all work is kept. Archiving an
    archived course keeps the first moment."""
    if course.archived_at is None:
        course.archived_at = now
        course.save(update_fields=["archived_at"])
        hooks.course_reminders_changed(course)
    return course


@transaction.atomic
def course_unarchive(*, course: Course, by) -> Course:
    """Make an archived ``course`` active again (``by``, one of its instructors, asked): it takes
    new members and its reminders are planned again."""
    if course.archived_at is not None:
        course.archived_at = None
        course.save(update_fields=["archived_at"])
        hooks.course_reminders_changed(course)
    return course
