"""Interviews keeps the engine's rows tied to what they are about: a deleted contact or
assignment leaves no reminder behind, and notices sent at once survive re-planning."""

from datetime import timedelta

import pytest
import time_machine

from interviews import planning
from interviews.models import Assignment
from interviews.notices import Kind, grading_scope
from interviews.reminders import replan_assignment, replan_contact
from interviews.tasks import replan_everything
from notifications.models import Notification
from notifications.notify import notify
from tests.factories import NOW, make_contact, make_open_assignment

State = Notification.State
pytestmark = pytest.mark.assignment(build=make_open_assignment)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def pending_of(user, kind):
    return Notification.objects.filter(recipient=user, kind=kind, state=State.PENDING)


def test_deleting_a_contact_cancels_its_keep_in_touch_nudge(student):
    contact = make_contact(student, keep_in_touch_weeks=2)
    replan_contact(contact)
    assert pending_of(student, Kind.KEEP_IN_TOUCH).count() == 1

    planning.contact_delete(contact=contact)

    assert not pending_of(student, Kind.KEEP_IN_TOUCH).exists()


def test_the_nightly_net_cancels_reminders_of_an_assignment_deleted_by_an_operator(
    assignment, student
):
    replan_assignment(assignment)
    assert pending_of(student, Kind.MILESTONE_SOON).exists()
    kept = make_open_assignment(assignment.course, title="Second interview")
    replan_assignment(kept)
    kept_rows = set(pending_of(student, Kind.MILESTONE_SOON).filter(
        scope__startswith=f"assignment:{kept.pk}:"
    ).values_list("pk", flat=True))  # fmt: skip

    Assignment.objects.filter(pk=assignment.pk).delete()  # as the admin would
    replan_everything()

    left = set(pending_of(student, Kind.MILESTONE_SOON).values_list("pk", flat=True))
    assert kept_rows and left == kept_rows


def test_a_notice_sent_at_once_survives_a_re_plan_of_its_assignment(assignment, student):
    notify(
        recipient_id=student.pk, kind=Kind.FEEDBACK_RELEASED, key="released:1",
        subject="Your grade and feedback are ready", body="…", course_id=assignment.course_id,
        scope=grading_scope(assignment.pk), now=NOW - timedelta(minutes=1),
    )  # fmt: skip

    replan_assignment(assignment)
    Assignment.objects.filter(pk=assignment.pk).update(state=Assignment.State.DRAFT)
    replan_assignment(Assignment.objects.get(pk=assignment.pk))

    assert Notification.objects.get(dedupe_key="released:1").state == State.PENDING
