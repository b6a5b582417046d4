"""``courses/enrolment.py`` under two real PostgreSQL connections at once: two instructors
stepping each other down keep an instructor (the instructor lock); two invitation batches never
pass a daily limit together (the inviter's and the course's rows are locked while counting)."""

import threading

import pytest
from django.db import connection

from common.refused import Refused
from courses.enrolment import (
    course_create,
    invitations_create,
    member_change_role,
    member_enrol,
    member_leave,
    member_remove,
)
from courses.models import Membership, Role
from tests.conftest import require_service

ROUNDS = 10
LAST_INSTRUCTOR = "A course needs at least one instructor. Make someone else an instructor first."


def demote(own, other):
    member_change_role(membership=other, role=Role.STUDENT)


def remove(own, other):
    member_remove(membership=other)


def leave(own, other):
    member_leave(membership=own)


def step_down_each_other(*, course, first, second, first_does, second_does) -> list:
    """``first`` and ``second`` act at once (on the other's membership, or leaving), each in a
    thread with its own database connection; returns what each call raised (None: went through)."""
    barrier = threading.Barrier(2, timeout=10)
    outcomes = [None, None]

    def act(index, actor, other, action):
        try:
            own = Membership.objects.get(course=course, user=actor)
            target = Membership.objects.get(course=course, user=other)
            barrier.wait()  # both check the rule at the same moment
            action(own, target)
        except Refused as exc:
            outcomes[index] = exc
        finally:
            connection.close()

    threads = [
        threading.Thread(target=act, args=(0, first, second, first_does)),
        threading.Thread(target=act, args=(1, second, first, second_does)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads), "a thread never finished"
    return outcomes


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "first_does, second_does",
    [(demote, demote), (remove, remove), (demote, remove), (leave, leave)],
    ids=["both-demote", "both-remove", "one-demotes-one-removes", "both-leave"],
)
def test_two_instructors_stepping_each_other_down_at_once_leave_one_instructor(
    instructor, other_instructor, first_does, second_does
):
    require_service("PostgreSQL", connection.vendor == "postgresql")
    left_without_instructor = []
    for round_number in range(ROUNDS):
        course = course_create(creator=instructor, title=f"Round {round_number}")
        member_enrol(course=course, user=other_instructor, role=Role.INSTRUCTOR)

        outcomes = step_down_each_other(
            course=course,
            first=instructor,
            second=other_instructor,
            first_does=first_does,
            second_does=second_does,
        )

        instructors = course.memberships.instructors().count()
        if instructors == 0:
            left_without_instructor.append(round_number)
            continue
        assert instructors == 1
        refused = [str(outcome) for outcome in outcomes if outcome is not None]
        assert refused == [LAST_INSTRUCTOR], f"round {round_number}: {outcomes}"

    assert left_without_instructor == [], (
        f"{len(left_without_instructor)} of {ROUNDS} rounds left the course with no instructor"
    )


@pytest.mark.django_db(transaction=True)
def test_two_invitation_batches_at_once_never_pass_the_daily_limit_together(
    course, instructor, other_instructor, settings
):
    require_service("PostgreSQL", connection.vendor == "postgresql")
    settings.INVITATIONS_PER_COURSE_PER_DAY = 5
    member_enrol(course=course, user=other_instructor, role=Role.INSTRUCTOR)
    barrier = threading.Barrier(2, timeout=10)
    refused = []

    def invite(inviter, prefix):
        try:
            barrier.wait()
            invitations_create(
                course=course,
                emails=[f"{prefix}{i}@example.edu" for i in range(3)],
                role=Role.STUDENT,
                invited_by=inviter,
            )
        except Refused as exc:
            refused.append(str(exc))
        finally:
            connection.close()

    threads = [
        threading.Thread(target=invite, args=(instructor, "a")),
        threading.Thread(target=invite, args=(other_instructor, "b")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert course.invitations.count() == 3
    assert len(refused) == 1
    assert "this course may send 5 invitations a day and has sent 3" in refused[0]
