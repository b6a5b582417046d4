"""``courses/editing.py``: archiving a course and making it active again, with the hook that
lets the apps above courses (reminders) follow."""

from datetime import UTC, datetime

import pytest

from courses import hooks
from courses.editing import course_archive, course_unarchive
from courses.enrolment import course_create
from courses.models import Course
from tests.factories import make_user

NOW = datetime(2027, 3, 20, 15, 0, tzinfo=UTC)
LATER = datetime(2027, 3, 27, 15, 0, tzinfo=UTC)


@pytest.fixture
def heard(monkeypatch):
    """The courses whose reminders the hook was told changed, in order."""
    calls = []
    monkeypatch.setattr(hooks.course_reminders_changed, "_callbacks", [calls.append])
    return calls


@pytest.fixture
def course(db):
    instructor = make_user("ines.instructor@example.edu", "Ines Instructor")
    return course_create(creator=instructor, title="Career Development")


def test_archiving_stores_the_moment_and_tells_the_hook_once(course, heard):
    course_archive(course=course, by=course.created_by, now=NOW)
    course_archive(course=course, by=course.created_by, now=LATER)  # a second click

    stored = Course.objects.get(pk=course.pk)
    assert stored.archived_at == NOW and not stored.accepts_new_members
    assert heard == [course]


def test_unarchiving_reopens_the_course_and_tells_the_hook(course, heard):
    course_archive(course=course, by=course.created_by, now=NOW)

    course_unarchive(course=course, by=course.created_by)
    course_unarchive(course=course, by=course.created_by)  # already active: nothing to tell

    stored = Course.objects.get(pk=course.pk)
    assert stored.archived_at is None and stored.accepts_new_members
    assert heard == [course, course]
