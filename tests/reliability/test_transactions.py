"""(6) Planning follows committed state only: a rolled-back transaction sends nothing, and an
edited deadline sends only the new reminder.

Re-planning is queued on commit and runs in a real worker; the tick runs here, and only after
the edit, as if beat had not come round between the publish and the edit — so the first
reminder, due as well, would have gone out had the re-plan not cancelled it.
"""

import time
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from courses.enrolment import course_create, member_enrol
from courses.models import Role
from interviews.authoring import assignment_publish, assignment_save
from interviews.models import Assignment
from interviews.notices import Kind
from interviews.reminders import replan_assignment
from notifications.models import Notification
from tests.factories import make_user

from .conftest import Ticker, daytime_zone
from .support import report

pytestmark = pytest.mark.reliability
State = Notification.State


class Abandon(Exception):
    pass


def wait_for(condition, timeout: float = 30) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def reminders_of(student):
    return Notification.objects.filter(recipient=student, kind=Kind.MILESTONE_SOON)


def test_rolled_back_planning_sends_nothing_and_an_edited_deadline_only_the_new_reminder(
    start_workers, sink
):
    workers = start_workers(2)
    zone = daytime_zone()
    instructor = make_user("ines@reliability.example", "Ines Instructor", zone)
    student = make_user("stella@reliability.example", "Stella Student", zone)
    course = course_create(creator=instructor, title="Careers", time_zone=zone)
    member_enrol(course=course, user=student, role=Role.STUDENT)
    now = timezone.now()
    # "1 day before" each deadline falls 10 (then 5) minutes ago: due at the next tick.
    first_deadline = now + timedelta(days=1, minutes=-10)
    new_deadline = now + timedelta(days=1, minutes=-5)

    with pytest.raises(Abandon), transaction.atomic():
        abandoned = Assignment.objects.create(
            course=course, title="Abandoned", writeup_due_at=first_deadline
        )
        assignment_publish(
            assignment=abandoned, by=abandoned.created_by, now=timezone.now()
        )  # queues a re-plan on commit
        replan_assignment(abandoned)  # and plans right here, inside the transaction
        planned_inside = reminders_of(student).count()
        raise Abandon
    ticker = Ticker(every=1.0)
    for _ in range(3):
        ticker.tick()
        time.sleep(1)
    after_rollback = {
        "rows": Notification.objects.count(),
        "emails": len(sink.snapshot()),
        "replans_run": workers.count_in_logs("interviews.tasks.replan_assignment["),
    }

    assignment = Assignment.objects.create(
        course=course, title="Interview", writeup_due_at=first_deadline
    )
    assignment_publish(assignment=assignment, by=assignment.created_by, now=timezone.now())
    assert wait_for(lambda: reminders_of(student).filter(state=State.PENDING).exists())
    [old] = reminders_of(student)
    assignment.writeup_due_at = new_deadline
    assignment_save(assignment=assignment, prompts=[], questions=[])  # re-plans on commit
    assert wait_for(lambda: reminders_of(student).filter(state=State.PENDING).exclude(pk=old.pk))
    [new] = reminders_of(student).filter(state=State.PENDING)
    old.refresh_from_db()
    ticker.run(until=lambda: reminders_of(student).filter(state=State.SENT).exists(), timeout=30)
    for _ in range(3):  # more ticks: nothing else may go out
        time.sleep(1)
        ticker.tick()
    workers.stop_all()
    new.refresh_from_db()
    received = sink.snapshot()

    report("6_transactions", {
        "reminders_planned_inside_the_rolled_back_transaction": planned_inside,
        "after_rollback": after_rollback,
        "edit": f"deadline moved 5 minutes: old reminder {old.state}, new reminder {new.state}",
        "emails_after_edit": len(received),
        "email_is_the_new_reminder": [m.message_id for m in received] == [new.message_id],
    })  # fmt: skip

    assert planned_inside == 1
    assert after_rollback == {"rows": 0, "emails": 0, "replans_run": 0}
    assert old.state == State.CANCELLED
    assert new.state == State.SENT
    assert [m.recipients for m in received] == [(student.email,)]
    assert [m.message_id for m in received] == [new.stable_message_id]
    assert old.stable_message_id != new.stable_message_id
