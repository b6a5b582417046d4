"""Reminders follow the work: each workflow step re-plans on commit, and a rolled-back step
changes nothing. (The rules themselves are tested in tests/notifications/.)"""

from datetime import timedelta

import pytest
from django.db import transaction

from accounts.forms import ProfileForm
from accounts.profile import profile_save
from courses.editing import course_archive, course_unarchive, course_update
from courses.enrolment import (
    member_change_role,
    member_enrol,
    member_leave,
    member_readmit,
    member_remove,
)
from courses.forms import CourseForm
from courses.models import Role
from interviews import planning, writeups
from interviews.authoring import (
    assignment_publish,
    assignment_save,
    assignment_unpublish,
    extension_grant,
    extension_revoke,
)
from interviews.models import Interview
from interviews.notices import Kind
from interviews.reminders import Schedule
from notifications.models import Notification
from tests.factories import NOW, make_contact, make_interview, make_open_assignment


def pending(student, kind=None):
    rows = Notification.objects.filter(recipient=student, state=Notification.State.PENDING)
    return rows.filter(kind=kind) if kind else rows


def published_at_now(course, *, frozen, django_capture_on_commit_callbacks):
    """The ``assignment``: a draft published at NOW, with what publishing plans on commit."""
    assignment = make_open_assignment(
        course, state="draft", published_at=None, questions_due_at=NOW + timedelta(days=4)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assignment_publish(assignment=assignment, by=assignment.created_by, now=NOW)
    return assignment


pytestmark = pytest.mark.assignment(build=published_at_now)


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
        assignment_unpublish(assignment=assignment, by=assignment.created_by)

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


def test_a_student_who_left_gets_no_more_reminders(
    assignment, course, student, django_capture_on_commit_callbacks
):
    assert pending(student).exists()
    with django_capture_on_commit_callbacks(execute=True):
        member_leave(membership=course.memberships.get(user=student))

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


# Every trigger that changes a planned moment -----------------------------------------------
#
# Each entry does one thing a person does, through the workflow function its page calls; the
# test proves it re-plans on commit: the student's pending reminders (moment and words) differ
# afterwards. A new trigger belongs in this table.


def _held_on_another_day(w):
    planning.interview_mark_held(interview=w.interview, at=NOW + timedelta(days=6, hours=2))


def _moved_interview(w):
    i = w.interview
    planning.interview_update_plan(
        interview=i, contact=i.contact, scheduled_at=i.scheduled_at + timedelta(days=1),
        time_zone=i.time_zone, duration_minutes=i.duration_minutes, mode=i.mode,
        location=i.location, status=None,
    )  # fmt: skip


def _cancelled_interview(w):
    i = w.interview
    planning.interview_update_plan(
        interview=i, contact=i.contact, scheduled_at=i.scheduled_at, time_zone=i.time_zone,
        duration_minutes=i.duration_minutes, mode=i.mode, location=i.location,
        status=Interview.Status.CANCELLED,
    )  # fmt: skip


def _due_date_edited(w):
    w.assignment.writeup_due_at += timedelta(days=2)
    assignment_save(assignment=w.assignment, prompts=[], questions=[])


def _reminder_schedule_changed(w):
    assignment_save(
        assignment=w.assignment, prompts=[], questions=[], reminders=Schedule(before_days=(5,))
    )


def _extension_granted(w):
    extension_grant(
        assignment=w.assignment, students=[w.student],
        dates={"writeup_due_at": w.assignment.writeup_due_at + timedelta(days=5)},
        reason="Illness", granted_by=w.instructor, now=NOW,
    )  # fmt: skip


def _time_zone_changed(w, zone="America/Los_Angeles"):
    form = ProfileForm({"full_name": w.student.full_name, "time_zone": zone}, instance=w.student)
    assert form.is_valid(), form.errors
    profile_save(form=form)


def _questions_ready(w):
    planning.interview_add_question(interview=w.interview, text="What does a week look like?")
    planning.interview_set_questions_ready(interview=w.interview, ready=True, at=NOW)


def _course_time_zone_changed(w):
    course = w.course
    form = CourseForm(
        {"title": course.title, "code": course.code, "term": course.term,
         "description": course.description, "time_zone": "Asia/Tokyo"},
        instance=course,
    )  # fmt: skip
    assert form.is_valid(), form.errors
    course_update(form=form)


def _keep_in_touch_set(w):
    planning.contact_update(contact=w.interview.contact, keep_in_touch_weeks=2)


TRIGGERS = {
    "interview held on another day than planned": _held_on_another_day,
    "interview moved": _moved_interview,
    "questions marked ready": _questions_ready,
    "follow-up dates saved": lambda w: planning.interview_save_follow_up(
        interview=w.interview,
        thank_you_sent_at=NOW,
        follow_up_sent_at=None,
        reply_received_at=None,
    ),  # fmt: skip
    "write-up started": lambda w: writeups.writeup_save(
        assignment=w.assignment,
        student=w.student,
        answers={},
        body="First thoughts.",
        revision=0,
        now=NOW,
    ),  # fmt: skip
    "due date edited": _due_date_edited,
    "reminder schedule changed": _reminder_schedule_changed,
    "extension granted": _extension_granted,
    "extension revoked": lambda w: extension_revoke(
        extension=w.assignment.extensions.get(student=w.student)
    ),
    "assignment unpublished": lambda w: assignment_unpublish(
        assignment=w.assignment, by=w.assignment.created_by
    ),
    "assignment published again": lambda w: assignment_publish(
        assignment=w.assignment, by=w.assignment.created_by, now=NOW
    ),
    "course archived": lambda w: course_archive(course=w.course, by=w.course.created_by, now=NOW),
    "course unarchived": lambda w: course_unarchive(course=w.course, by=w.course.created_by),
    "interview cancelled": _cancelled_interview,
    "held taken back": lambda w: planning.interview_unmark_held(interview=w.interview),
    "student made an assistant": lambda w: member_change_role(
        membership=w.course.memberships.get(user=w.student), role=Role.ASSISTANT
    ),
    "student removed": lambda w: member_remove(membership=w.course.memberships.get(user=w.student)),
    "student left": lambda w: member_leave(membership=w.course.memberships.get(user=w.student)),
    "removed student re-admitted": lambda w: member_readmit(
        membership=w.course.memberships.get(user=w.student)
    ),
    "time zone changed on the profile": _time_zone_changed,
    "course time zone changed": _course_time_zone_changed,
    "keep-in-touch rhythm set": _keep_in_touch_set,
}


# What must have happened before a trigger can happen (done, and re-planned, first).
SETUPS = {
    "extension revoked": _extension_granted,
    "held taken back": _held_on_another_day,
    "assignment published again": lambda w: assignment_unpublish(
        assignment=w.assignment, by=w.assignment.created_by
    ),
    "course unarchived": lambda w: course_archive(course=w.course, by=w.course.created_by, now=NOW),
    "removed student re-admitted": lambda w: member_remove(
        membership=w.course.memberships.get(user=w.student)
    ),
}


class World:
    def __init__(self, **parts):
        self.__dict__.update(parts)


def planned_for(student):
    return set(
        Notification.objects.filter(
            recipient=student, state=Notification.State.PENDING
        ).values_list("kind", "send_at", "subject", "body")
    )


@pytest.mark.parametrize("trigger", TRIGGERS, ids=list(TRIGGERS))
def test_every_trigger_of_a_planned_moment_replans_on_commit(
    trigger, course, assignment, interview, student, instructor, django_capture_on_commit_callbacks
):
    world = World(course=course, assignment=assignment, interview=interview, student=student,
                  instructor=instructor)  # fmt: skip
    if trigger in SETUPS:
        with django_capture_on_commit_callbacks(execute=True):
            SETUPS[trigger](world)
    before = planned_for(student)

    with django_capture_on_commit_callbacks(execute=True):
        TRIGGERS[trigger](world)

    assert planned_for(student) != before, f"{trigger}: the reminders did not change"


def test_a_time_zone_change_moves_the_hour_and_the_words_of_pending_reminders(
    assignment, interview, student, django_capture_on_commit_callbacks
):
    before = pending(student, Kind.MILESTONE_SOON).order_by("send_at").first()
    assert "CET" in before.subject  # Berlin, the student's zone

    with django_capture_on_commit_callbacks(execute=True):
        _time_zone_changed(World(student=student), zone="Asia/Tokyo")

    after = Notification.objects.get(pk=before.pk)
    assert "JST" in after.subject and "CET" not in after.subject
    # 16:00 in Berlin is midnight in Tokyo: the reminder moves to the evening before there.
    student.refresh_from_db()
    assert after.send_at.astimezone(student.zoneinfo).hour == 18
    assert after.send_at != before.send_at


def test_enrolling_a_student_plans_their_reminders(
    assignment, course, outsider, instructor, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        member_enrol(course=course, user=outsider, role=Role.STUDENT)

    assert pending(outsider, Kind.MILESTONE_SOON).exists()
