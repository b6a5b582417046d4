"""Due dates, extensions and late penalties on the assignment model, across DST changes."""

import zoneinfo
from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from interviews.models import Assignment, Extension, Interview

NEW_YORK = zoneinfo.ZoneInfo("America/New_York")
UTC = zoneinfo.ZoneInfo("UTC")


def local(*args, zone=NEW_YORK):
    return datetime(*args, tzinfo=zone)


# make_assignment's March dates: the write-up is due the Monday after clocks go forward.
pytestmark = pytest.mark.assignment(
    state=Assignment.State.DRAFT, late_percent_per_day=Decimal("10"), late_max_percent=Decimal("30")
)


def test_due_dates_are_stored_in_utc_and_keep_local_wall_time(assignment):
    assignment.refresh_from_db()

    assert assignment.writeup_due_at.utcoffset() == timedelta(0)
    assert assignment.writeup_due_at.astimezone(NEW_YORK).hour == 9
    # Before the change New York is UTC-5, after it UTC-4.
    assert assignment.contact_due_at.hour == 22
    assert assignment.writeup_due_at.hour == 13


def test_extension_replaces_only_the_dates_it_sets(assignment, student, instructor):
    extension = Extension.objects.create(
        assignment=assignment, student=student, writeup_due_at=local(2027, 3, 19, 9, 0),
        reason="Illness", granted_by=instructor,
    )  # fmt: skip

    dates = assignment.dates_for(extension)

    assert dates.extended is True
    assert dates.writeup_due_at == local(2027, 3, 19, 9, 0)
    assert dates.contact_due_at == assignment.contact_due_at
    assert assignment.dates_for(None).writeup_due_at == local(2027, 3, 15, 9, 0)


def test_milestones_without_a_date_are_left_out_in_workflow_order(assignment):
    keys = [key for key, _, _ in assignment.dates_for().milestones()]

    assert keys == ["contact", "interview", "writeup"]


@pytest.mark.parametrize(
    ("submitted", "grace", "expected"),
    [
        (local(2027, 3, 15, 9, 0), 0, (0, Decimal("0"))),
        (local(2027, 3, 15, 9, 1), 0, (1, Decimal("10"))),
        (local(2027, 3, 15, 9, 1), 5, (0, Decimal("0"))),
        (local(2027, 3, 16, 9, 30), 0, (2, Decimal("20"))),
        (local(2027, 3, 20, 9, 0), 0, (5, Decimal("30"))),  # capped at the maximum
    ],
)
def test_late_penalty_counts_started_days_after_the_grace_period(
    assignment, submitted, grace, expected
):
    assignment.late_grace_minutes = grace

    assert assignment.late_penalty(submitted_at=submitted, due=assignment.writeup_due_at) == (
        expected
    )


def test_a_day_late_is_24_hours_even_across_the_clock_change(assignment):
    # Due Saturday 13 March 09:00 EST; clocks go forward overnight; Sunday 09:30 EDT is only
    # 23.5 hours later, so still within the first late day.
    due = local(2027, 3, 13, 9, 0)

    assert assignment.late_penalty(submitted_at=local(2027, 3, 14, 9, 30), due=due) == (
        1,
        Decimal("10"),
    )


def test_cut_off_stops_accepting_work_after_its_moment(assignment):
    dates = assignment.dates_for()

    assert dates.accepts_work(local(2027, 3, 22, 9, 0))
    assert not dates.accepts_work(local(2027, 3, 22, 9, 0) + timedelta(seconds=1))


def test_next_step_follows_the_interview_through_its_life(assignment, student):
    from interviews.models import Contact

    contact = Contact.objects.create(owner=student, name="Priya Raman")
    interview = Interview(assignment=assignment, student=student, contact=contact)
    steps = [interview.next_step()]
    interview.scheduled_at = local(2027, 3, 5, 10, 0)
    interview.status = Interview.Status.SCHEDULED
    steps.append(interview.next_step())
    interview.questions_ready_at = local(2027, 3, 4, 10, 0)
    steps.append(interview.next_step())
    interview.status, interview.held_at = Interview.Status.HELD, local(2027, 3, 5, 11, 0)
    steps.append(interview.next_step())
    interview.thank_you_sent_at = local(2027, 3, 5, 18, 0)
    steps.append(interview.next_step())
    interview.insights = "Public health needs data people."
    steps.append(interview.next_step())

    assert steps == [
        Interview.NextStep.AGREE_TIME,
        Interview.NextStep.PREPARE_QUESTIONS,
        Interview.NextStep.HOLD,
        Interview.NextStep.THANK,
        Interview.NextStep.RECORD_OUTCOME,
        Interview.NextStep.FOLLOW_UP,
    ]
    assert [step.label for step in steps][:2] == [
        "Agree a date and time with your contact",
        "Prepare your questions",
    ]
