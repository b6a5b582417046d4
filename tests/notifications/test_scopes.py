"""Scope keys and registered kinds: the engine plans, cancels and labels rows without knowing
what they are about."""

from datetime import UTC, datetime, timedelta

import pytest

from notifications.kinds import kind_label, registered
from notifications.models import Notification
from notifications.planner import Planned, cancel_scope, pending_scopes, reconcile

NOW = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)
State = Notification.State


def plan(user, key: str, scope: str) -> Planned:
    return Planned(
        recipient_id=user.pk, kind="milestone_soon", dedupe_key=key, scope=scope,
        send_at=NOW + timedelta(days=1), subject=f"Reminder {key}", body="…",
    )  # fmt: skip


def states(*keys) -> list[str]:
    rows = {n.dedupe_key: n.state for n in Notification.objects.all()}
    return [rows.get(key) for key in keys]


def test_a_scope_covers_its_own_key_and_longer_keys_but_not_a_longer_number(student):
    reconcile(
        scope="assignment:12:student:1",
        planned=[plan(student, "a", "assignment:12:student:1")],
        now=NOW,
    )  # noqa: E501
    reconcile(scope="assignment:12", planned=[plan(student, "b", "assignment:12")], now=NOW)
    reconcile(scope="assignment:123", planned=[plan(student, "c", "assignment:123")], now=NOW)

    # Re-planning assignment 12 with nothing left cancels 12's rows, never those of 123.
    reconcile(scope="assignment:12", planned=[], now=NOW)

    assert states("a", "b", "c") == [State.CANCELLED, State.CANCELLED, State.PENDING]


def test_a_plan_outside_the_scope_given_is_refused_and_writes_nothing(student):
    with pytest.raises(ValueError, match="outside the scope"):
        reconcile(scope="assignment:12", planned=[plan(student, "a", "contact:3")], now=NOW)

    assert not Notification.objects.exists()


def test_an_empty_scope_is_refused_rather_than_covering_every_row(student):
    with pytest.raises(ValueError):
        reconcile(scope="", planned=[], now=NOW)


def test_cancelling_a_scope_leaves_sent_rows_and_other_scopes_alone(student):
    reconcile(scope="contact:5", planned=[plan(student, "a", "contact:5")], now=NOW)
    reconcile(scope="contact:50", planned=[plan(student, "b", "contact:50")], now=NOW)
    Notification.objects.filter(dedupe_key="a").update(state=State.SENT)
    reconcile(
        scope="contact:5",
        planned=[plan(student, "a", "contact:5"), plan(student, "c", "contact:5")],
        now=NOW,
    )  # noqa: E501

    assert pending_scopes("contact") == {"contact:5", "contact:50"}
    assert cancel_scope("contact:5") == 1
    assert states("a", "b", "c") == [State.SENT, State.PENDING, State.CANCELLED]


def test_kinds_come_from_the_apps_that_registered_them():
    values = [kind.value for kind in registered()]

    assert "milestone_soon" in values and "grading_digest" in values
    assert kind_label("milestone_soon") == "Milestone coming up"
    # A value nobody registers (a kind an app dropped) still shows, as itself.
    assert kind_label("retired_kind") == "retired_kind"
