"""reconcile: the pending notifications in the database become exactly what was planned."""

from datetime import UTC, datetime, timedelta

import pytest

from interviews.notices import Kind
from notifications.models import Notification
from notifications.planner import STALE_AFTER, Planned, reconcile

NOW = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)
State = Notification.State


def plan(student, key: str, *, send_at=None, subject="Questions by Friday", **extra) -> Planned:
    return Planned(
        recipient_id=student.pk, kind=Kind.MILESTONE_SOON, dedupe_key=key,
        send_at=send_at or NOW + timedelta(days=1), subject=subject,
        body="Prepare your questions.", url="/assignments/1/",
        **{"scope": mine(student), **extra},
    )  # fmt: skip


def mine(student) -> str:
    return f"test:student:{student.pk}"


def rows(student) -> dict[str, Notification]:
    return {n.dedupe_key: n for n in Notification.objects.filter(recipient=student)}


def test_planned_reminders_become_pending_rows(student):
    result = reconcile(
        scope=mine(student), planned=[plan(student, "a"), plan(student, "b")], now=NOW
    )

    assert (result.created, result.moved, result.cancelled) == (2, 0, 0)
    assert {key: row.state for key, row in rows(student).items()} == {
        "a": State.PENDING, "b": State.PENDING,
    }  # fmt: skip
    assert rows(student)["a"].send_at == NOW + timedelta(days=1)


def test_running_the_same_plan_again_changes_nothing(student):
    planned = [plan(student, "a"), plan(student, "b")]
    reconcile(scope=mine(student), planned=planned, now=NOW)
    before = {key: (row.pk, row.updated_at) for key, row in rows(student).items()}

    again = reconcile(scope=mine(student), planned=planned, now=NOW + timedelta(minutes=5))

    assert (again.created, again.moved, again.cancelled) == (0, 0, 0)
    assert {key: (row.pk, row.updated_at) for key, row in rows(student).items()} == before


def test_a_new_moment_or_new_words_move_the_pending_row_and_hand_it_out_afresh(student):
    reconcile(scope=mine(student), planned=[plan(student, "a")], now=NOW)
    Notification.objects.filter(dedupe_key="a").update(enqueued_at=NOW)
    later = NOW + timedelta(days=2)

    result = reconcile(
        scope=mine(student), planned=[plan(student, "a", send_at=later, subject="New date")],
        now=NOW,
    )  # fmt: skip

    row = rows(student)["a"]
    assert result.moved == 1
    assert (row.state, row.send_at, row.subject, row.enqueued_at) == (
        State.PENDING, later, "New date", None,
    )  # fmt: skip
    assert Notification.objects.count() == 1


def test_a_reminder_no_longer_planned_is_cancelled(student):
    reconcile(scope=mine(student), planned=[plan(student, "a"), plan(student, "b")], now=NOW)

    result = reconcile(scope=mine(student), planned=[plan(student, "b")], now=NOW)

    assert result.cancelled == 1
    assert rows(student)["a"].state == State.CANCELLED
    assert rows(student)["b"].state == State.PENDING


def test_rows_outside_the_scope_are_left_alone(student, classmate):
    reconcile(scope=mine(classmate), planned=[plan(classmate, "theirs")], now=NOW)

    reconcile(scope=mine(student), planned=[], now=NOW)

    assert rows(classmate)["theirs"].state == State.PENDING


def test_sent_rows_are_never_moved_cancelled_or_planned_again(student):
    reconcile(scope=mine(student), planned=[plan(student, "a"), plan(student, "b")], now=NOW)
    Notification.objects.filter(dedupe_key__in=["a", "b"]).update(state=State.SENT, sent_at=NOW)

    moved = reconcile(
        scope=mine(student), planned=[plan(student, "a", send_at=NOW + timedelta(days=9))],
        now=NOW,
    )  # fmt: skip

    assert (moved.created, moved.moved, moved.cancelled) == (0, 0, 0)
    assert {key: (row.state, row.send_at) for key, row in rows(student).items()} == {
        "a": (State.SENT, NOW + timedelta(days=1)),
        "b": (State.SENT, NOW + timedelta(days=1)),
    }
    assert Notification.objects.count() == 2


def test_a_reminder_wanted_again_after_it_was_cancelled_comes_back(student):
    """E.g. an assignment unpublished by mistake and published again the same day."""
    reconcile(scope=mine(student), planned=[plan(student, "a")], now=NOW)
    reconcile(scope=mine(student), planned=[], now=NOW)
    assert rows(student)["a"].state == State.CANCELLED

    result = reconcile(scope=mine(student), planned=[plan(student, "a")], now=NOW)

    assert result.created == 1
    assert rows(student)["a"].state == State.PENDING
    assert rows(student)["a"].last_error == ""


def test_a_reminder_cancelled_because_the_person_turned_it_off_stays_cancelled(student):
    reconcile(scope=mine(student), planned=[plan(student, "a")], now=NOW)
    Notification.objects.filter(dedupe_key="a").update(
        state=State.CANCELLED, last_error="Turned off by the recipient."
    )

    reconcile(scope=mine(student), planned=[plan(student, "a")], now=NOW)

    assert rows(student)["a"].state == State.CANCELLED


def test_a_first_time_plan_whose_moment_is_long_past_is_skipped(student):
    too_old = plan(student, "old", send_at=NOW - STALE_AFTER - timedelta(minutes=1))
    recent = plan(student, "recent", send_at=NOW - STALE_AFTER + timedelta(minutes=1))

    result = reconcile(scope=mine(student), planned=[too_old, recent], now=NOW)

    assert result.created == 1
    assert set(rows(student)) == {"recent"}


def test_a_plan_racing_another_planner_for_the_same_key_makes_one_row(student):
    reconcile(scope=mine(student), planned=[plan(student, "a")], now=NOW)

    # A second planner that read the table before the first one wrote sees no row for "a":
    # its insert must neither fail nor make a second row.
    other = plan(student, "a", subject="Other", scope="test:elsewhere")
    reconcile(scope="test:elsewhere", planned=[other], now=NOW)

    assert [(r.dedupe_key, r.subject) for r in Notification.objects.all()] == [
        ("a", "Questions by Friday")
    ]


@pytest.mark.parametrize("state", [State.SENDING, State.FAILED])
def test_rows_being_sent_or_failed_are_not_cancelled(student, state):
    reconcile(scope=mine(student), planned=[plan(student, "a")], now=NOW)
    Notification.objects.filter(dedupe_key="a").update(state=state)

    result = reconcile(scope=mine(student), planned=[], now=NOW)

    assert result.cancelled == 0
    assert rows(student)["a"].state == state
