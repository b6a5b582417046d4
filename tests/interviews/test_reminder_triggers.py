"""Reminders follow the work: each workflow step re-plans on commit, and a rolled-back step
changes nothing. (The rules themselves are tested in tests/notifications/.)"""

from datetime import timedelta

import pytest
from django.db import transaction

from courses.enrolment import member_remove
from interviews import planning, writeups
from interviews.authoring import extension_grant
from notifications.models import Kind, Notification
from tests.interviews.test_planning import NOW, make_assignment, make_contact, make_interview


def pending(student, kind=None):
    rows = Notification.objects.filter(recipient=student, state=Notification.State.PENDING)
    return rows.filter(kind=kind) if kind else rows


@pytest.fixture
def assignment(course, frozen, django_capture_on_commit_callbacks):
    assignment = make_assignment(course, state="draft", published_at=None)
    with django_capture_on_commit_callbacks(execute=True):
        assignment.publish(now=NOW)
    return assignment


@pytest.fixture
def interview(assignment, student, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        interview = make_interview(assignment, student, make_contact(student))
        planning.interview_set_questions_ready(interview=interview, ready=False, at=NOW)
    return interview


def test_publishing_plans_reminders_for_every_student(assignment, student, classmate):
    assert pending(student, Kind.MILESTONE_SOON).exists()
    assert pending(classmate, Kind.MILESTONE_SOON).exists()


def test_unpublishing_cancels_every_pending_reminder(
    assignment, student, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assignment.unpublish()

    assert not Notification.objects.filter(state=Notification.State.PENDING).exists()
    assert pending(student).count() == 0


def test_marking_the_thank_you_sent_cancels_its_reminder(
    interview, student, django_capture_on_commit_callbacks
):
    assert pending(student, Kind.THANK_YOU).count() == 1

    with django_capture_on_commit_callbacks(execute=True):
        planning.interview_mark_thank_you_sent(interview=interview, at=NOW)

    assert pending(student, Kind.THANK_YOU).count() == 0
    cancelled = Notification.objects.get(kind=Kind.THANK_YOU)
    assert cancelled.state == Notification.State.CANCELLED


def test_moving_the_interview_moves_its_reminders(
    interview, student, django_capture_on_commit_callbacks
):
    before = pending(student, Kind.INTERVIEW_TOMORROW).get().send_at

    with django_capture_on_commit_callbacks(execute=True):
        planning.interview_update_plan(
            interview=interview, contact=interview.contact,
            scheduled_at=interview.scheduled_at + timedelta(days=2), time_zone="Europe/Berlin",
            duration_minutes=30, mode="video", location="", status=None,
        )  # fmt: skip

    after = pending(student, Kind.INTERVIEW_TOMORROW).get().send_at
    assert after - before == timedelta(days=2)


def test_starting_the_reflection_cancels_the_start_your_reflection_reminder(
    interview, assignment, student, django_capture_on_commit_callbacks
):
    assert pending(student, Kind.REFLECTION).count() == 1

    with django_capture_on_commit_callbacks(execute=True):
        writeups.writeup_save(
            assignment=assignment, student=student, answers={}, body="First thoughts.",
            revision=0, now=NOW,
        )  # fmt: skip

    assert pending(student, Kind.REFLECTION).count() == 0


def test_an_extension_replaces_the_old_deadline_reminders(
    assignment, student, instructor, django_capture_on_commit_callbacks
):
    old_due = assignment.writeup_due_at
    with django_capture_on_commit_callbacks(execute=True):
        extension_grant(
            assignment=assignment, students=[student],
            dates={"writeup_due_at": old_due + timedelta(days=7)}, reason="Illness",
            granted_by=instructor, now=NOW,
        )  # fmt: skip

    soon = pending(student, Kind.MILESTONE_SOON).filter(subject__startswith="Write-up")
    assert soon.exists()
    assert all(row.send_at > old_due for row in soon)


def test_a_removed_student_gets_no_more_reminders(
    assignment, course, student, django_capture_on_commit_callbacks
):
    membership = course.memberships.get(user=student)
    with django_capture_on_commit_callbacks(execute=True):
        member_remove(membership=membership)

    assert pending(student).count() == 0


def test_a_rolled_back_step_plans_nothing(assignment, student, django_capture_on_commit_callbacks):
    before = set(Notification.objects.values_list("pk", "state", "send_at"))

    class Abandon(Exception):
        pass

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(Abandon),
        transaction.atomic(),
    ):
        interview = make_interview(assignment, student, make_contact(student))
        planning.interview_mark_held(interview=interview, at=NOW)
        raise Abandon

    assert callbacks == []
    assert set(Notification.objects.values_list("pk", "state", "send_at")) == before
