"""What operators see and do in the admin: failed notifications, their errors, a retry."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from interviews.models import AssignmentReminderSettings
from notifications.delivery import deliver
from notifications.models import Notification, Preference
from tests.notifications import notify

State = Notification.State
CHANGELIST = reverse("admin:notifications_notification_changelist")


def next_noon_in_berlin(*, after):
    noon = after.astimezone(ZoneInfo("Europe/Berlin")).replace(
        hour=12, minute=0, second=0, microsecond=0
    )
    return noon if noon >= after else noon + timedelta(days=1)


@pytest.fixture
def operator(db):
    return User.objects.create_superuser(email="op@example.edu", password="x", full_name="Op")


@pytest.fixture
def failed(student):
    return notify(
        student, n=1, state=State.FAILED, attempts=5, subject="Never arrived",
        last_error="SMTPRecipientsRefused: {'stella.student@example.edu': (550, b'No such user')}",
    )  # fmt: skip


def test_operator_sees_failed_notifications_with_their_error(client, operator, failed, classmate):
    notify(classmate, n=2, subject="Went out fine")
    client.force_login(operator)

    page = client.get(CHANGELIST, {"state__exact": "failed"}).content.decode()

    assert "Never arrived" in page
    assert "550" in page and "No such user" in page
    assert "Went out fine" not in page


@pytest.mark.parametrize("query", ["stella.student@", "test:"])
def test_operator_finds_notifications_by_recipient_email_or_dedupe_key(
    client, operator, failed, classmate, query
):
    notify(classmate, n=2, subject="Someone else's", dedupe_key="other-key")
    client.force_login(operator)

    page = client.get(CHANGELIST, {"q": query}).content.decode()

    assert "Never arrived" in page
    assert "Someone else&#x27;s" not in page


def test_retry_now_puts_failed_rows_back_in_line_and_leaves_others_alone(
    client, operator, failed, student
):
    sent = notify(student, n=2, subject="Already sent")
    client.force_login(operator)
    before = timezone.now()

    response = client.post(
        CHANGELIST,
        {"action": "retry_now", "_selected_action": [failed.pk, sent.pk]},
        follow=True,
    )

    assert "1 notification will be sent at the next tick. 1 not failed, left alone." in (
        response.content.decode()
    )
    failed.refresh_from_db()
    assert failed.state == State.PENDING
    assert failed.attempts == 0
    assert before <= failed.send_at <= timezone.now()
    assert Notification.objects.get(pk=sent.pk).state == State.SENT

    # The next delivery sends it (at noon for the Berlin student: outside quiet hours).
    deliver([failed.pk], now=next_noon_in_berlin(after=failed.send_at))
    failed.refresh_from_db()
    assert failed.state == State.SENT
    assert [m.subject for m in mail.outbox] == ["[Rapport] Never arrived"]


def test_notification_fields_are_read_only_for_operators(client, operator, failed):
    client.force_login(operator)
    url = reverse("admin:notifications_notification_change", args=[failed.pk])

    client.post(url, {"state": "pending", "subject": "Edited"})

    failed.refresh_from_db()
    assert (failed.state, failed.subject) == (State.FAILED, "Never arrived")
    assert client.get(reverse("admin:notifications_notification_add")).status_code == 403


def test_preference_and_reminder_settings_admins_open(client, operator, student, course):
    from interviews.models import Assignment

    Preference.objects.create(user=student, email_enabled=False)
    assignment = Assignment.objects.create(
        course=course, title="Meet a professional", writeup_due_at=timezone.now(),
        created_by=course.created_by,
    )  # fmt: skip
    AssignmentReminderSettings.objects.create(assignment=assignment, before_days=[2])
    client.force_login(operator)

    preferences = client.get(reverse("admin:notifications_preference_changelist"))
    schedules = client.get(reverse("admin:interviews_assignmentremindersettings_changelist"))

    assert student.email in preferences.content.decode()
    assert "Meet a professional" in schedules.content.decode()
