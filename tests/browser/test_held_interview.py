"""What happened drives the reminders (issue 9, part 1), in a real browser: a student logs an
interview held on another day than planned, and one with no planned date, and gets the
thank-you and follow-up reminders timed from when each was held; a student in their quiet hours
sees released feedback in the inbox at once, while its email waits for the morning."""

import re
import zoneinfo
from datetime import datetime, time, timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from interviews import grading
from interviews.models import Contact, Interview, Submission
from interviews.notices import Kind, student_scope
from notifications.delivery import deliver, take_due
from notifications.models import Notification
from notifications.quiet import after_quiet_hours, in_quiet_hours
from tests.browser.conftest import sign_in
from tests.factories import make_assignment


def label(text: str) -> re.Pattern:
    return re.compile(rf"^\s*{re.escape(text)}\s*\*?\s*$")


def published_a_week_ago(course):
    """The ``assignment``: published a week ago on the real clock, write-up due in 20 days."""
    now = timezone.now()
    return make_assignment(
        course, published_at=now - timedelta(days=7), contact_due_at=None,
        interview_due_at=None, writeup_due_at=now + timedelta(days=20), cutoff_at=None,
    )  # fmt: skip


pytestmark = [pytest.mark.browser, pytest.mark.assignment(build=published_a_week_ago)]


def log_held(page, *, contact_name: str, held: datetime) -> None:
    """From the assignment page: open the interview, log it held at ``held`` with notes."""
    page.get_by_role("link", name=re.compile(contact_name)).first.click()
    page.get_by_role("link", name="Log", exact=True).click()
    page.get_by_label("The interview took place").check()
    page.get_by_label(label("When it took place, in your time zone")).fill(
        held.strftime("%Y-%m-%dT%H:%M")
    )
    page.get_by_label(label("Notes during and after")).fill("Hospitals hire in spring.")
    page.get_by_role("button", name="Save log").click()
    expect(page.get_by_text("Logged as held.")).to_be_visible()


def pending_moments(interview: Interview) -> dict[str, datetime]:
    rows = Notification.objects.filter(
        scope=student_scope(interview.assignment_id, interview.student_id),
        dedupe_key__contains=f":{interview.pk}:",
        state=Notification.State.PENDING,
    )
    return {row.kind: row.send_at for row in rows}


def test_reminders_follow_the_interview_as_held_not_as_planned(
    page, site_url, course, assignment, student
):
    zone = student.zoneinfo
    now = timezone.now()
    held = (now - timedelta(hours=2)).astimezone(zone).replace(second=0, microsecond=0)
    planned_day = Interview.objects.create(
        assignment=assignment, student=student, duration_minutes=30,
        contact=Contact.objects.create(owner=student, name="Priya Raman"),
        scheduled_at=now + timedelta(days=3), status=Interview.Status.SCHEDULED,
    )  # fmt: skip
    no_date = Interview.objects.create(
        assignment=assignment, student=student, duration_minutes=30,
        contact=Contact.objects.create(owner=student, name="Tomás Reyes"),
    )  # fmt: skip

    sign_in(page, site_url, student.email)
    for interview in (planned_day, no_date):
        page.get_by_role("link", name=re.compile(course.title)).first.click()
        page.get_by_role("link", name="Informational interview").first.click()
        log_held(page, contact_name=interview.contact.name, held=held)
        page.get_by_role("link", name="My courses").first.click()

    for interview in (planned_day, no_date):
        interview.refresh_from_db()
        assert interview.held_at == held
        moments = pending_moments(interview)
        end = held + timedelta(minutes=30)
        assert moments[Kind.THANK_YOU] == max(
            after_quiet_hours(end + timedelta(hours=3), zone), now
        )
        follow_up_day = end.astimezone(zone).date() + timedelta(days=7)
        assert moments[Kind.FOLLOW_UP] == datetime.combine(follow_up_day, time(10), tzinfo=zone)
        assert Kind.INTERVIEW_TOMORROW not in moments  # the planned day no longer matters

    # The interview page shows when it was held, and the plan beside it.
    page.get_by_role("link", name=re.compile(course.title)).first.click()
    page.get_by_role("link", name="Informational interview").first.click()
    expect(page.get_by_text(re.compile(r"^Held .*\(planned ")).first).to_be_visible()

    # When the thank-you reminder is due, it reaches the inbox.
    due = pending_moments(planned_day)[Kind.THANK_YOU]
    grouped = take_due(now=due)
    deliver([pk for pks in grouped.values() for pk in pks], now=due)
    page.get_by_role("link", name=re.compile("^Inbox")).click()
    expect(page.get_by_text("Send your thank-you note to Priya Raman").first).to_be_visible()


def night_zone(now: datetime) -> str:
    """A zone where it is the middle of the night right now."""
    for name in ("Pacific/Auckland", "Asia/Tokyo", "Asia/Kolkata", "Europe/Berlin",
                 "America/Sao_Paulo", "America/New_York", "America/Los_Angeles",
                 "Pacific/Honolulu"):  # fmt: skip
        local_hour = now.astimezone(zoneinfo.ZoneInfo(name)).hour
        if local_hour >= 22 or local_hour < 7:
            return name
    raise AssertionError("no zone in the night")  # the eight zones cover every hour


def test_released_feedback_is_in_the_inbox_at_once_during_quiet_hours(
    page, site_url, course, assignment, instructor, student
):
    now = timezone.now()
    student.time_zone = night_zone(now)
    student.save()
    submission = Submission.objects.create(
        assignment=assignment, student=student, body="What I learned.", word_count=3,
        revision=1, submitted_revision=1, submitted_at=now - timedelta(days=1),
    )  # fmt: skip
    grade = grading.grade_save(
        submission=submission, grader=instructor, score=Decimal("90"),
        overall_comment="A thoughtful reflection.", expected_revision=0, now=now,
    )  # fmt: skip
    grading.grade_release(grade=grade, by=instructor, now=timezone.now())
    assert in_quiet_hours(timezone.now(), student.zoneinfo)
    # No tick has run yet: the inbox has it all the same; the email waits for the morning.
    sign_in(page, site_url, student.email)
    page.get_by_role("link", name=re.compile("^Inbox")).click()

    expect(page.get_by_text(re.compile("feedback", re.I)).first).to_be_visible()
    row = Notification.objects.get(recipient=student, kind=Kind.FEEDBACK_RELEASED)
    assert row.shown_at is not None and row.state == Notification.State.PENDING
    assert not [m for m in mail.outbox if student.email in m.to]
