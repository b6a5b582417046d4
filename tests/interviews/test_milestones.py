"""Milestone statuses for one student: done, done late, missing, not due."""

import zoneinfo
from datetime import datetime

import pytest

from interviews.milestones import Status, milestone_states
from interviews.models import Assignment, Contact, Interview, Submission

NEW_YORK = zoneinfo.ZoneInfo("America/New_York")


def local(*args):
    return datetime(*args, tzinfo=NEW_YORK)


# make_assignment's March dates, without a cut-off.
pytestmark = pytest.mark.assignment(
    title="Interview", required_interviews=2, cutoff_at=None, state=Assignment.State.DRAFT
)


def interview(assignment, student, *, created, held=None, status=Interview.Status.PLANNING):
    contact = Contact.objects.create(owner=student, name=f"Contact {created}")
    return Interview.objects.create(
        assignment=assignment, student=student, contact=contact, created_at=created,
        held_at=held, status=status,
    )  # fmt: skip


def states(assignment, student, now, submission=None):
    return {
        s.key: s.status
        for s in milestone_states(
            assignment=assignment,
            dates=assignment.dates_for(),
            interviews=list(assignment.interviews.filter(student=student)),
            submission=submission,
            now=now,
        )  # fmt: skip
    }


def test_nothing_done_before_any_date_is_not_due(assignment, student):
    assert set(states(assignment, student, local(2027, 2, 1, 9, 0)).values()) == {Status.NOT_DUE}


def test_required_count_of_interviews_decides_when_a_milestone_is_reached(assignment, student):
    interview(assignment, student, created=local(2027, 2, 20, 9, 0))
    now = local(2027, 3, 2, 9, 0)
    assert states(assignment, student, now)["contact"] == Status.MISSING

    interview(assignment, student, created=local(2027, 3, 2, 8, 0))
    assert states(assignment, student, now)["contact"] == Status.LATE


def test_cancelled_interviews_do_not_count(assignment, student):
    interview(assignment, student, created=local(2027, 2, 20, 9, 0))
    interview(
        assignment, student, created=local(2027, 2, 21, 9, 0), status=Interview.Status.CANCELLED
    )

    assert states(assignment, student, local(2027, 3, 2, 9, 0))["contact"] == Status.MISSING


def test_held_interviews_on_time_and_a_late_writeup(assignment, student):
    for day in (5, 6):
        interview(
            assignment, student, created=local(2027, 2, day, 9, 0),
            held=local(2027, 3, day, 12, 0), status=Interview.Status.HELD,
        )  # fmt: skip
    submission = Submission.objects.create(
        assignment=assignment, student=student, submitted_at=local(2027, 3, 16, 9, 0),
        is_late=True, late_days=1,
    )  # fmt: skip

    result = states(assignment, student, local(2027, 3, 20, 9, 0), submission)

    assert result == {"contact": Status.DONE, "interview": Status.DONE, "writeup": Status.LATE}
