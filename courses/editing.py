"""Editing a course's settings."""

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
