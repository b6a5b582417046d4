"""Milestone statuses for one student: done, done late, missing, not due."""

import random
import zoneinfo
from datetime import datetime, timedelta

import pytest
from django.db.models import F

from courses.models import Membership
from interviews.milestones import Status, milestone_states, status_field, with_statuses
from interviews.models import Assignment, Contact, Extension, Interview, Milestone, Submission
from tests.factories import enrol_many, make_assignment

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


# The same rule in SQL (with_statuses) agrees with milestone_states


def _varied_class(course, assignment, rng: random.Random) -> list:
    """Forty students with every kind of work: none, some or cancelled interviews, questions
    ready or not, held before or after the date, write-ups on time, late or in draft, and
    extensions moving some dates."""
    students = enrol_many(course, 40, start=500)
    around = [local(2027, 2, 26, 9, 0) + timedelta(hours=12 * k) for k in range(40)]
    for student in students:
        for _ in range(rng.choice([0, 1, 1, 2, 3])):
            status = rng.choice(list(Interview.Status))
            Interview.objects.create(
                assignment=assignment, student=student,
                contact=Contact.objects.create(owner=student, name="Someone"),
                created_at=rng.choice(around), status=status,
                questions_ready_at=rng.choice([None, *around]),
                held_at=rng.choice([None, *around]) if status == Interview.Status.HELD
                else rng.choice([None, None, *around]),
            )  # fmt: skip
        kind = rng.choice(["none", "draft", "on time", "late"])
        if kind != "none":
            Submission.objects.create(
                assignment=assignment, student=student, is_late=kind == "late",
                submitted_at=None if kind == "draft" else rng.choice(around),
            )  # fmt: skip
        if rng.random() < 0.4:
            Extension.objects.create(
                assignment=assignment, student=student, reason="More time",
                **{
                    field: rng.choice([None, *around])
                    for field in ("contact_due_at", "questions_due_at", "interview_due_at",
                                  "writeup_due_at")
                },
            )  # fmt: skip
    return students


@pytest.mark.parametrize("required", [1, 2])
def test_the_sql_rule_agrees_with_the_python_rule_on_a_varied_class(course, required):
    assignment = make_assignment(
        course, required_interviews=required,
        # A milestone only some extensions date, in each case.
        questions_due_at=None if required == 1 else local(2027, 3, 5, 17, 0),
        contact_due_at=None if required == 2 else local(2027, 3, 1, 17, 0),
    )  # fmt: skip
    students = _varied_class(course, assignment, random.Random(required))
    extensions = {e.student_id: e for e in assignment.extensions.all()}
    submissions = {s.student_id: s for s in assignment.submissions.all()}

    seen = set()
    for now in (local(2027, 2, 20, 9, 0), local(2027, 3, 6, 9, 0), local(2027, 4, 1, 9, 0)):
        rows = (
            with_statuses(
                Membership.objects.filter(user__in=students), assignment=assignment, now=now
            )
            .annotate(**{m.value: F(status_field(m)) for m in Milestone})
            .values_list("user_id", *Milestone.values)
        )
        in_sql = {user_id: dict(zip(Milestone, found, strict=True)) for user_id, *found in rows}
        for student in students:
            expected = dict.fromkeys(Milestone)
            for state in milestone_states(
                assignment=assignment,
                dates=assignment.dates_for(extensions.get(student.pk)),
                interviews=list(assignment.interviews.filter(student=student)),
                submission=submissions.get(student.pk),
                now=now,
            ):
                expected[state.key] = state.status
            assert in_sql[student.pk] == expected, (student, now)
        seen |= {status for row in in_sql.values() for status in row.values()}
    # The sample is varied: every status turns up, and milestones without a date.
    assert seen == {*Status.LABELS, None}
