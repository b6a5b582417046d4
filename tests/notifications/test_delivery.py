"""The tick and delivery, one step at a time: which rows are handed out, claimed, sent,
combined, deferred, retried and recovered.

Email goes through Django's real SMTP backend with the socket replaced by ``FakeSMTP``, which
counts connections and can refuse messages the way a mail server does (the same digest through
a real SMTP server, the locmem backend and an anymail backend: test_email_backends.py).
"""

import email
import email.policy
import re
import smtplib
import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.core.mail.backends import smtp
from django.db import OperationalError, connection, connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from interviews.notices import Kind
from notifications import delivery
from notifications.delivery import (
    MAX_ATTEMPTS,
    REENQUEUE_AFTER,
    STALE_SENDING_AFTER,
    batches,
    deliver,
    recover_stale,
    take_due,
)
from notifications.models import Notification, Preference, message_id_for
from notifications.notify import notify
from notifications.planner import Planned, reconcile
from notifications.tasks import tick
from tests.factories import make_user

# 11:00 UTC: midday for ``student`` (Berlin) and the UTC people, 22:00 for ``classmate``
# (Sydney), who is in their quiet hours.
NOW = datetime(2027, 3, 2, 11, 0, tzinfo=UTC)
State = Notification.State


class FakeSMTP:
    """Stands in for ``smtplib.SMTP`` under Django's SMTP backend."""

    server = None  # the ``Server`` of the running test

    def __init__(self, host, port, **kwargs):
        self.server.connections += 1

    def sendmail(self, from_addr, to_addrs, msg):
        failure = self.server.failure(to_addrs)
        if failure is not None:
            raise failure
        self.server.messages.append(email.message_from_bytes(msg, policy=email.policy.default))
        return {}

    def quit(self):
        pass

    def close(self):
        pass


class FakeSMTPBackend(smtp.EmailBackend):
    connection_class = FakeSMTP


class Server:
    def __init__(self):
        self.connections = 0
        self.messages: list[email.message.EmailMessage] = []
        self.refuse: dict[str, Exception] = {}  # recipient → what the server answers

    def failure(self, to_addrs):
        return next((self.refuse[a] for a in to_addrs if a in self.refuse), None)

    def to(self, user) -> list[email.message.EmailMessage]:
        return [m for m in self.messages if m["To"] == user.email]


@pytest.fixture
def server(settings):
    settings.EMAIL_BACKEND = f"{__name__}.FakeSMTPBackend"
    FakeSMTP.server = Server()
    yield FakeSMTP.server
    FakeSMTP.server = None


def planned(recipient, key, *, send_at=NOW - timedelta(minutes=1), **fields) -> Notification:
    return Notification.objects.create(
        recipient=recipient, kind=fields.pop("kind", Kind.MILESTONE_SOON), dedupe_key=key,
        send_at=send_at, subject=fields.pop("subject", f"Reminder {key}"),
        body=f"Body of {key}.", url="/courses/", **fields,
    )  # fmt: skip


def reload(row: Notification) -> Notification:
    return Notification.objects.get(pk=row.pk)


def ids(grouped: dict[int, list[int]]) -> set[int]:
    return {pk for pks in grouped.values() for pk in pks}


# Taking due rows -------------------------------------------------------------------------


def test_take_due_hands_out_only_due_rows_not_handed_out_recently(student, outsider):
    due = planned(student, "due")
    future = planned(student, "future", send_at=NOW + timedelta(minutes=1))
    in_flight = planned(student, "in-flight", enqueued_at=NOW - timedelta(seconds=10))
    lost = planned(outsider, "lost", enqueued_at=NOW - REENQUEUE_AFTER - timedelta(seconds=1))
    planned(student, "cancelled", state=State.CANCELLED)
    planned(student, "sent", state=State.SENT)
    planned(student, "sending", state=State.SENDING, claimed_at=NOW)

    grouped = take_due(now=NOW)

    assert grouped == {student.pk: [due.pk], outsider.pk: [lost.pk]}
    assert reload(due).enqueued_at == NOW
    assert reload(future).enqueued_at is None
    assert reload(in_flight).enqueued_at == NOW - timedelta(seconds=10)


def test_a_second_take_gets_none_of_the_rows_the_first_took(student):
    planned(student, "a")
    planned(student, "b")

    first = take_due(now=NOW)
    second = take_due(now=NOW + timedelta(seconds=30))

    assert len(ids(first)) == 2
    assert second == {}


def test_rows_whose_task_was_lost_are_handed_out_again_after_the_reenqueue_delay(student):
    row = planned(student, "a")
    take_due(now=NOW)

    assert take_due(now=NOW + REENQUEUE_AFTER) == {}
    assert take_due(now=NOW + REENQUEUE_AFTER + timedelta(seconds=1)) == {student.pk: [row.pk]}


@pytest.mark.django_db(transaction=True)
def test_two_ticks_taking_at_once_never_take_the_same_row(student, outsider):
    if connection.vendor != "postgresql":
        pytest.skip("Concurrent transactions need PostgreSQL.")
    Notification.objects.bulk_create(
        Notification(
            recipient=(student, outsider)[i % 2],
            kind=Kind.MILESTONE_SOON,
            dedupe_key=f"k{i}",
            send_at=NOW - timedelta(seconds=i),
            subject="s",
            body="b",
        )  # fmt: skip
        for i in range(3000)
    )
    start = threading.Barrier(2)
    taken: list[set[int]] = []

    def take():
        try:
            start.wait()
            taken.append(ids(take_due(now=NOW, limit=2000)))
        finally:
            connection.close()

    threads = [threading.Thread(target=take) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    first, second = taken
    assert first.isdisjoint(second)
    assert len(first | second) == 3000


def test_batches_keep_all_rows_of_a_recipient_together():
    grouped = {1: [10, 11], 2: [20], 3: [30, 31, 32], 4: [40]}

    assert batches(grouped, size=2) == [[10, 11, 20], [30, 31, 32, 40]]


# Delivering ------------------------------------------------------------------------------


def test_two_deliveries_of_the_same_rows_send_one_email(server, student):
    rows = [planned(student, "a"), planned(student, "b")]
    pks = [r.pk for r in rows]

    first = deliver(pks, now=NOW)
    second = deliver(pks, now=NOW)

    assert (first["claimed"], first["sent"]) == (2, 2)
    assert (second["claimed"], second["sent"]) == (0, 0)
    assert len(server.messages) == 1
    assert [reload(r).state for r in rows] == [State.SENT, State.SENT]


def test_reminders_due_together_for_one_person_come_as_one_email(server, student, outsider):
    rows = [planned(student, key, subject=f"Step {key}") for key in ("a", "b", "c")]
    other = planned(outsider, "x")

    deliver([*(r.pk for r in rows), other.pk], now=NOW)

    [message] = server.to(student)
    assert message["Subject"] == "[Rapport] 3 reminders: Step a"
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert all(f"Step {key}" in text for key in ("a", "b", "c"))
    assert message["Message-ID"] == message_id_for(["a", "b", "c"])
    assert {reload(r).message_id for r in rows} == {message["Message-ID"]}
    assert len(server.to(outsider)) == 1


def test_the_message_id_comes_from_the_dedupe_key_so_a_resend_is_the_same_mail(server, student):
    row = planned(student, "soon:1:2:writeup:3:20270305T0900Z")

    deliver([row.pk], now=NOW)

    [message] = server.messages
    assert message["Message-ID"] == row.stable_message_id == reload(row).message_id
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_a_batch_sends_every_email_through_one_smtp_connection(
    server, student, outsider, other_student, other_instructor
):
    people = [student, outsider, other_student, other_instructor]
    rows = [planned(person, f"r{i}") for i, person in enumerate(people)]

    deliver([r.pk for r in rows], now=NOW)

    assert len(server.messages) == 4
    assert server.connections == 1


def test_reminders_in_the_recipients_quiet_hours_wait_for_their_morning(server, classmate):
    row = planned(classmate, "night")  # 22:00 in Sydney

    outcome = deliver([row.pk], now=NOW)

    row = reload(row)
    assert outcome["deferred"] == 1
    assert server.messages == []
    assert row.state == State.PENDING
    assert row.send_at == datetime(2027, 3, 3, 8, 0, tzinfo=classmate.zoneinfo)
    assert (row.attempts, row.enqueued_at) == (0, None)


def test_a_transient_smtp_error_is_retried_with_growing_delays_then_fails_for_good(server, student):
    server.refuse[student.email] = smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
    row = planned(student, "a")
    delays, now = [], NOW

    for _ in range(MAX_ATTEMPTS - 1):
        deliver([row.pk], now=now)
        row = reload(row)
        assert row.state == State.PENDING
        delays.append(row.send_at - now)
        now = row.send_at
    deliver([row.pk], now=now)

    row = reload(row)
    assert delays == [timedelta(minutes=m) for m in (2, 4, 8, 16)]
    assert row.state == State.FAILED
    assert row.attempts == MAX_ATTEMPTS
    assert row.last_error == "SMTPServerDisconnected: Connection unexpectedly closed"


def test_a_transient_error_then_success_sends_once(server, student):
    server.refuse[student.email] = smtplib.SMTPResponseException(421, b"Try again later")
    row = planned(student, "a")
    deliver([row.pk], now=NOW)
    del server.refuse[student.email]

    deliver([row.pk], now=reload(row).send_at)

    row = reload(row)
    assert (row.state, row.attempts) == (State.SENT, 2)
    assert len(server.messages) == 1


def test_a_permanent_smtp_rejection_fails_at_once_with_the_error_kept(server, student):
    server.refuse[student.email] = smtplib.SMTPRecipientsRefused(
        {student.email: (550, b"5.1.1 No such user")}
    )
    row = planned(student, "a")

    outcome = deliver([row.pk], now=NOW)

    row = reload(row)
    assert outcome["failed"] == 1
    assert (row.state, row.attempts) == (State.FAILED, 1)
    assert "No such user" in row.last_error


def test_one_recipients_failure_does_not_hold_back_the_others(server, student, outsider):
    server.refuse[student.email] = smtplib.SMTPServerDisconnected("gone")
    failing, fine = planned(student, "a"), planned(outsider, "b")

    deliver([failing.pk, fine.pk], now=NOW)

    assert reload(fine).state == State.SENT
    assert reload(failing).state == State.PENDING
    assert len(server.to(outsider)) == 1
    assert server.connections == 2  # the broken one, then a fresh one for the rest


def test_rows_not_yet_due_are_not_claimed(server, student):
    row = planned(student, "a", send_at=NOW + timedelta(minutes=5))

    assert deliver([row.pk], now=NOW)["claimed"] == 0
    assert reload(row).state == State.PENDING
    assert server.messages == []


def test_a_muted_course_or_a_kind_turned_off_cancels_instead_of_sending(server, student, course):
    preference = Preference.objects.create(user=student, disabled_kinds=[Kind.THANK_YOU])
    preference.muted_courses.add(course)
    muted = planned(student, "muted", course=course)
    off = planned(student, "off", kind=Kind.THANK_YOU)
    wanted = planned(student, "wanted")

    deliver([muted.pk, off.pk, wanted.pk], now=NOW)

    assert [reload(r).state for r in (muted, off, wanted)] == [
        State.CANCELLED, State.CANCELLED, State.SENT,
    ]  # fmt: skip
    [message] = server.messages
    assert message["Subject"] == "[Rapport] Reminder wanted"


def test_with_email_off_the_reminder_reaches_only_the_inbox(server, student):
    Preference.objects.create(user=student, email_enabled=False)
    row = planned(student, "a")

    deliver([row.pk], now=NOW)

    assert reload(row).state == State.SENT
    assert server.messages == []


def test_a_person_without_a_deliverable_address_gets_reminders_in_the_inbox_only(server, student):
    # An account an LMS launch made without an address of its own (RFC 2606's .invalid).
    student.email = "lti-5f2c@lti.invalid"
    student.save()
    row = planned(student, "a")

    deliver([row.pk], now=NOW)

    assert reload(row).state == State.SENT and reload(row).shown_at == NOW
    assert server.messages == []


def test_reminders_of_a_deactivated_account_are_cancelled(server, student):
    student.is_active = False
    student.save()
    row = planned(student, "a")

    deliver([row.pk], now=NOW)

    assert reload(row).state == State.CANCELLED
    assert server.messages == []


# Marking rows sent ---------------------------------------------------------------------


def marked_per_write(queries) -> list[int]:
    """How many rows each UPDATE marking rows sent covered."""
    where = re.compile(r'WHERE \(?(?:"notifications_notification"\.)?"id" IN \(([^)]*)\)')
    return [
        len(where.search(q["sql"]).group(1).split(","))
        for q in queries
        if q["sql"].startswith("UPDATE") and "= 'sent'" in q["sql"]
    ]


def test_each_accepted_email_is_marked_sent_before_the_next_goes_out(db, server):
    """A worker killed at any moment leaves at most one email accepted and not marked sent
    (it would go out twice): the one between the server's answer and its UPDATE."""
    people = [make_user(f"person{i}@example.edu", f"Person {i}") for i in range(6)]
    rows = [planned(person, f"r{i}-{n}") for i, person in enumerate(people) for n in range(2)]
    marked_when_sent = []
    sendmail = FakeSMTP.sendmail

    def counting(smtp_, from_addr, to_addrs, msg):
        marked_when_sent.append(Notification.objects.filter(state=State.SENT).count())
        return sendmail(smtp_, from_addr, to_addrs, msg)

    FakeSMTP.sendmail = counting
    try:
        with CaptureQueriesContext(connection) as queries:
            outcome = deliver([r.pk for r in rows], now=NOW)
    finally:
        FakeSMTP.sendmail = sendmail

    assert outcome["sent"] == 12
    assert len(server.messages) == 6
    assert marked_when_sent == [0, 2, 4, 6, 8, 10]  # each email's two rows, before the next
    assert marked_per_write(queries) == [2] * 6
    assert {m["Message-ID"] for m in server.messages} == {
        reload(r).message_id for r in rows
    }  # fmt: skip


def test_a_row_taken_back_as_stale_is_still_marked_sent_unless_claimed_again(student):
    # recover_stale left it pending: nobody has sent it since, and our email went out.
    taken_back = planned(student, "taken-back")
    again = planned(student, "again", state=State.SENDING, claim_token="other", claimed_at=NOW)
    ours = planned(student, "ours", state=State.SENDING, claim_token="ours", claimed_at=NOW)
    sent = delivery.SentRecorder(token="ours", now=NOW)

    assert sent.mark([taken_back, again, ours], "<a@rapport.local>") == 2

    assert [reload(r).state for r in (taken_back, again, ours)] == [
        State.SENT, State.SENDING, State.SENT,
    ]  # fmt: skip
    assert reload(ours).message_id == "<a@rapport.local>"


def test_an_error_mid_batch_still_marks_the_emails_already_accepted(
    server, monkeypatch, student, outsider, other_student
):
    people = [student, outsider, other_student]
    rows = [planned(person, f"r{i}") for i, person in enumerate(people)]
    server.refuse[outsider.email] = smtplib.SMTPServerDisconnected("gone")

    def failed(rows, error, now):
        raise RuntimeError("Bug while recording a failure")

    monkeypatch.setattr(delivery, "_failed", failed)

    with pytest.raises(RuntimeError):
        deliver([r.pk for r in rows], now=NOW)

    # The batch stopped; what reached the server is marked sent, the rest is still claimed.
    received = {m["To"] for m in server.messages}
    assert student.email in received
    for person, row in zip(people, rows, strict=True):
        expected = State.SENT if person.email in received else State.SENDING
        assert reload(row).state == expected


@pytest.mark.django_db(transaction=True)
def test_a_write_while_the_database_is_away_waits_for_it_then_the_batch_stops(
    server, monkeypatch, student, outsider, other_student, other_instructor
):
    rows = [
        planned(person, f"r{i}")
        for i, person in enumerate([student, outsider, other_student, other_instructor])
    ]
    refused = []

    def away_once(execute, sql, params, many, context):
        if not refused and sql.startswith("UPDATE") and State.SENT in params:
            refused.append(sql)
            raise OperationalError("server closed the connection unexpectedly")
        return execute(sql, params, many, context)

    monkeypatch.setattr(connections["default"], "execute_wrappers", [away_once])

    outcome = deliver([r.pk for r in rows], now=NOW)

    # The first email went out and is recorded once the database answers again; the others
    # go back to pending, for the next tick (their claim may have gone stale).
    assert refused
    assert len(server.messages) == 1
    assert (outcome["sent"], outcome["deferred"]) == (1, 3)
    states = [reload(r) for r in rows]
    assert [r.state for r in states] == [State.SENT, State.PENDING, State.PENDING, State.PENDING]
    assert [(r.attempts, r.enqueued_at, r.claim_token) for r in states[1:]] == [(0, None, "")] * 3


def test_a_batch_that_runs_out_of_time_gives_its_unsent_rows_back(db, server, monkeypatch):
    """Before its claim could be taken back as stale (and the rows sent by another worker
    too), a batch stops at half of STALE_SENDING_AFTER and gives back what it has not sent."""
    clock = [0.0]
    monkeypatch.setattr(delivery, "_monotonic", lambda: clock[0])
    monkeypatch.setattr(delivery, "STALE_SENDING_AFTER", timedelta(seconds=5))  # 2.5 s to send
    sendmail = FakeSMTP.sendmail

    def slow(smtp_, *args):
        clock[0] += 1.0  # every email takes a second
        return sendmail(smtp_, *args)

    monkeypatch.setattr(FakeSMTP, "sendmail", slow)
    people = [make_user(f"person{i}@example.edu", f"Person {i}") for i in range(5)]
    rows = [planned(person, f"r{i}") for i, person in enumerate(people)]

    outcome = deliver([r.pk for r in rows], now=NOW)

    assert (outcome["sent"], outcome["deferred"]) == (3, 2)  # sent at 0, 1 and 2 s
    assert len(server.messages) == 3
    states = [reload(r) for r in rows]
    assert [r.state for r in states] == [State.SENT] * 3 + [State.PENDING] * 2
    assert [(r.attempts, r.enqueued_at, r.claim_token) for r in states[3:]] == [(0, None, "")] * 2


def test_the_rate_limit_holds_across_batches(db, server, settings, monkeypatch):
    """NOTIFICATION_EMAILS_PER_SECOND counts the emails of every batch together (the cache
    every worker shares); driven by a clock that moves only when the limiter sleeps."""
    from notifications.ratelimit import SendRate

    settings.NOTIFICATION_EMAILS_PER_SECOND = 3
    clock = [1_000_000.0]

    def sleep(seconds):
        clock[0] += seconds

    monkeypatch.setattr(SendRate, "clock", staticmethod(lambda: clock[0]))
    monkeypatch.setattr(SendRate, "sleep", staticmethod(sleep))
    sent_in_second = []
    sendmail = FakeSMTP.sendmail

    def timed(smtp_, *args):
        sent_in_second.append(int(clock[0]))
        return sendmail(smtp_, *args)

    monkeypatch.setattr(FakeSMTP, "sendmail", timed)
    people = [make_user(f"person{i}@example.edu", f"Person {i}") for i in range(11)]
    rows = [planned(person, f"r{i}") for i, person in enumerate(people)]

    first = deliver([r.pk for r in rows[:7]], now=NOW)
    second = deliver([r.pk for r in rows[7:]], now=NOW)

    assert (first["sent"], second["sent"]) == (7, 4)
    per_second = [sent_in_second.count(s) for s in sorted(set(sent_in_second))]
    # The second batch fills the second the first left with room, then waits like it did.
    assert per_second == [3, 3, 3, 2]
    assert sorted(set(sent_in_second)) == [1_000_000, 1_000_001, 1_000_002, 1_000_003]


# Recovery and the tick -------------------------------------------------------------------


def test_recover_stale_returns_rows_a_dead_worker_left_sending(student):
    stuck = planned(
        student, "stuck", state=State.SENDING, claim_token="dead",
        claimed_at=NOW - STALE_SENDING_AFTER - timedelta(seconds=1),
        enqueued_at=NOW - timedelta(minutes=10),
    )  # fmt: skip
    busy = planned(
        student, "busy", state=State.SENDING, claim_token="alive",
        claimed_at=NOW - timedelta(seconds=30),
    )  # fmt: skip

    assert recover_stale(now=NOW) == 1

    stuck, busy = reload(stuck), reload(busy)
    assert (stuck.state, stuck.enqueued_at, stuck.claim_token) == (State.PENDING, None, "")
    assert busy.state == State.SENDING
    assert take_due(now=NOW) == {student.pk: [stuck.pk]}


def test_a_tick_sends_what_is_due_and_nothing_twice(server, student, outsider, time_machine):
    time_machine.move_to(NOW, tick=False)
    planned(student, "a")
    planned(student, "b")
    planned(outsider, "c")
    planned(outsider, "later", send_at=NOW + timedelta(hours=1))

    assert tick() == 3
    assert tick() == 0

    assert sorted(m["To"] for m in server.messages) == sorted([student.email, outsider.email])
    assert Notification.objects.filter(state=State.SENT).count() == 3


def test_a_tick_recovers_rows_left_sending_and_sends_them(server, student, time_machine):
    time_machine.move_to(NOW, tick=False)
    planned(
        student, "stuck", state=State.SENDING, attempts=1,
        claimed_at=NOW - STALE_SENDING_AFTER - timedelta(minutes=1),
    )  # fmt: skip

    tick()

    assert Notification.objects.get().state == State.SENT
    assert len(server.messages) == 1


def test_with_the_locmem_backend_each_person_still_gets_one_combined_email(
    settings, student, outsider
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    rows = [planned(student, "a"), planned(student, "b"), planned(outsider, "c")]

    delivery.deliver([r.pk for r in rows], now=NOW)

    assert sorted(m.to[0] for m in mail.outbox) == sorted([student.email, outsider.email])


# The inbox is immediate: a due notification is in the inbox at once, also in the person's quiet
# hours; only its email waits for their morning (the promise on the settings page).

INBOX = reverse("notifications:inbox")


def inbox_of(as_user, person) -> str:
    return as_user(person).get(INBOX).content.decode()


def test_a_reminder_due_in_quiet_hours_is_in_the_inbox_at_once_and_emailed_in_the_morning(
    server,
    as_user,
    classmate,
):
    row = planned(classmate, "night", subject="Questions prepared by Friday")

    deliver([row.pk], now=NOW)

    assert server.messages == []
    at_night = inbox_of(as_user, classmate)
    assert "Questions prepared by Friday" in at_night
    row = reload(row)
    assert row.shown_at == NOW
    morning = row.send_at
    assert morning.astimezone(classmate.zoneinfo).hour == 8

    deliver([row.pk], now=morning)

    assert [m["Subject"] for m in server.to(classmate)] == [
        "[Rapport] Questions prepared by Friday"
    ]
    row = reload(row)
    assert (row.state, row.shown_at) == (State.SENT, NOW)
    assert Notification.objects.for_inbox(classmate).count() == 1
    assert inbox_of(as_user, classmate).count("Questions prepared by Friday") == at_night.count(
        "Questions prepared by Friday"
    )


def test_feedback_released_at_night_is_in_the_inbox_before_any_tick(as_user, classmate):
    notify(
        recipient_id=classmate.pk, kind=Kind.FEEDBACK_RELEASED, key="released:1",
        subject="Your feedback on Interview reflection is ready", body="Read it now.",
        url="/courses/", now=NOW,
    )  # fmt: skip

    assert "Your feedback on Interview reflection is ready" in inbox_of(as_user, classmate)
    row = Notification.objects.get(dedupe_key="released:1")
    assert (row.state, row.shown_at) == (State.PENDING, NOW)


def test_a_kind_turned_off_does_not_reach_the_inbox_either(as_user, classmate):
    Preference.objects.create(user=classmate, disabled_kinds=[Kind.FEEDBACK_RELEASED])

    notify(
        recipient_id=classmate.pk, kind=Kind.FEEDBACK_RELEASED, key="released:2",
        subject="Feedback you turned off", body="…", now=NOW,
    )  # fmt: skip

    assert "Feedback you turned off" not in inbox_of(as_user, classmate)


def test_an_email_the_server_refuses_still_leaves_the_reminder_in_the_inbox(
    server,
    as_user,
    student,
):
    server.refuse[student.email] = smtplib.SMTPServerDisconnected("gone")
    row = planned(student, "day", subject="Write-up due tomorrow")

    deliver([row.pk], now=NOW)  # midday in Berlin

    assert reload(row).state == State.PENDING  # the email is retried
    assert "Write-up due tomorrow" in inbox_of(as_user, student)


def test_replanning_leaves_a_shown_reminder_alone_but_cancels_its_waiting_email(
    server,
    classmate,
):
    row = planned(classmate, "night", subject="Send your thank-you note", scope="test:night")
    deliver([row.pk], now=NOW)
    waiting = reload(row)
    moved = Planned(
        recipient_id=classmate.pk, kind=Kind.MILESTONE_SOON, dedupe_key="night",
        send_at=NOW + timedelta(days=2), subject="Other words", body="…", scope="test:night",
    )  # fmt: skip

    reconcile(scope="test:night", planned=[moved], now=NOW)

    kept = reload(row)
    assert (kept.subject, kept.send_at) == ("Send your thank-you note", waiting.send_at)

    reconcile(scope="test:night", planned=[], now=NOW)  # the step was done

    assert reload(row).state == State.CANCELLED
    deliver([row.pk], now=waiting.send_at)
    assert server.messages == []


# An email that cannot be built ------------------------------------------------------------


def test_a_subject_naming_someone_with_a_line_break_goes_out_on_one_line(server, student):
    # Stored before names were checked at input: "Time to get back in touch with <name>".
    row = planned(student, "kit", subject="Time to get back in touch with Ann\r\nBcc: x@evil.test")

    counts = deliver([row.pk], now=NOW)

    assert counts["sent"] == 1
    [message] = server.to(student)
    assert message["Subject"].endswith("Time to get back in touch with Ann Bcc: x@evil.test")
    assert message["Bcc"] is None
    assert reload(row).state == State.SENT


def test_one_unbuildable_email_does_not_take_its_batch_down(server, student, outsider, monkeypatch):
    from django.core.mail import BadHeaderError

    from notifications.emails import DigestRenderer

    render = DigestRenderer.render

    def render_or_refuse(self, *, recipient, rows, **kwargs):
        if recipient == student:
            raise BadHeaderError("Header values can't contain newlines")
        return render(self, recipient=recipient, rows=rows, **kwargs)

    monkeypatch.setattr(DigestRenderer, "render", render_or_refuse)
    broken = [planned(student, "a"), planned(student, "b")]
    fine = planned(outsider, "c")

    counts = deliver([*(r.pk for r in broken), fine.pk], now=NOW)

    assert (counts["sent"], counts["failed"]) == (1, 2)
    assert len(server.to(outsider)) == 1 and server.to(student) == []
    assert reload(fine).state == State.SENT
    for row in broken:
        row = reload(row)
        assert row.state == State.FAILED
        assert row.last_error == "BadHeaderError: Header values can't contain newlines"
