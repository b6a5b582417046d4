"""Which reminders exist (interviews/reminders.py) and the staff digest (interviews/digest.py):
planned rows for a published assignment, its students' work and the clock.

``student`` lives in Berlin, ``classmate`` in Sydney; the course is in New York.
"""

import zoneinfo
from datetime import UTC, datetime, timedelta

import pytest

from courses.models import Membership
from interviews.digest import plan_grading_digests
from interviews.models import (
    Assignment,
    AssignmentReminderSettings,
    Contact,
    Extension,
    Grade,
    Interview,
    Submission,
)
from interviews.notices import Kind
from interviews.reminders import replan_assignment, replan_contact, replan_student
from notifications.models import Notification

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
SYDNEY = zoneinfo.ZoneInfo("Australia/Sydney")
NEW_YORK = zoneinfo.ZoneInfo("America/New_York")
NOW = datetime(2027, 2, 1, 12, 0, tzinfo=UTC)
State = Notification.State


def berlin(*args):
    return datetime(*args, tzinfo=BERLIN)


pytestmark = pytest.mark.assignment(
    published_at=NOW, contact_due_at=berlin(2027, 2, 10, 17, 0),
    questions_due_at=berlin(2027, 2, 17, 17, 0), interview_due_at=berlin(2027, 2, 24, 17, 0),
    writeup_due_at=berlin(2027, 3, 3, 9, 0), cutoff_at=None,
)  # fmt: skip


def pending(user, kind=None) -> list[Notification]:
    rows = Notification.objects.filter(recipient=user, state=State.PENDING)
    return list(rows.filter(kind=kind) if kind else rows)


def moments(user, kind) -> list[datetime]:
    """Send moments of ``user``'s pending reminders of ``kind``, in order."""
    return sorted(n.send_at for n in pending(user, kind))


def sydney(*args):
    return datetime(*args, tzinfo=SYDNEY)


# Before and after each milestone ---------------------------------------------------------


def test_each_milestone_is_reminded_three_days_and_one_day_before_at_the_same_local_time(
    assignment, student
):
    replan_assignment(assignment, now=NOW)

    assert moments(student, Kind.MILESTONE_SOON) == [
        berlin(2027, 2, 7, 17, 0), berlin(2027, 2, 9, 17, 0),
        berlin(2027, 2, 14, 17, 0), berlin(2027, 2, 16, 17, 0),
        berlin(2027, 2, 21, 17, 0), berlin(2027, 2, 23, 17, 0),
        berlin(2027, 2, 28, 9, 0), berlin(2027, 3, 2, 9, 0),
    ]  # fmt: skip
    soon = pending(student, Kind.MILESTONE_SOON)
    assert all(
        n.scope == f"assignment:{assignment.pk}:student:{student.pk}"
        and n.course_id == assignment.course_id
        for n in soon
    )
    subjects = {n.subject for n in soon}
    assert "Write-up submitted by Wed 3 Mar, 09:00 CET: Informational interview" in subjects
    # The dates were set in the course's zone (New York): its time is named beside the student's.
    bodies = {n.body for n in soon}
    assert (
        "“Write-up submitted” for Informational interview (Career Exploration) is due "
        "Wed 3 Mar, 09:00 CET (Wed 3 Mar, 03:00 EST course time)."
    ) in bodies


def test_a_reminder_that_would_come_at_night_comes_the_evening_before(assignment, classmate):
    # 17:00 in Berlin is 03:00 the next morning in Sydney.
    replan_assignment(assignment, now=NOW)

    sent_at = moments(classmate, Kind.MILESTONE_SOON)
    assert sent_at[:2] == [sydney(2027, 2, 7, 18, 0), sydney(2027, 2, 9, 18, 0)]
    assert all(8 <= t.astimezone(SYDNEY).hour < 21 for t in sent_at)


def test_only_students_who_have_not_done_the_step_are_reminded(assignment, student, classmate):
    replan_assignment(assignment, now=NOW)
    contact = Contact.objects.create(owner=student, name="Priya Patel")
    Interview.objects.create(assignment=assignment, student=student, contact=contact)

    replan_student(assignment, student, now=NOW)

    assert not any("Contact chosen" in n.subject for n in pending(student))
    cancelled = Notification.objects.filter(recipient=student, state=State.CANCELLED)
    assert cancelled.filter(subject__startswith="Contact chosen").count() == 2
    classmates = pending(classmate, Kind.MILESTONE_SOON)
    assert sum(n.subject.startswith("Contact chosen") for n in classmates) == 2


def test_a_students_extension_moves_their_reminders_and_no_one_elses(
    assignment, student, classmate, instructor
):
    replan_assignment(assignment, now=NOW)
    Extension.objects.create(
        assignment=assignment, student=student, writeup_due_at=berlin(2027, 3, 10, 9, 0),
        reason="Illness", granted_by=instructor,
    )  # fmt: skip

    replan_student(assignment, student, now=NOW)

    writeup = [t for t in moments(student, Kind.MILESTONE_SOON) if t.astimezone(BERLIN).hour == 9]
    assert writeup == [berlin(2027, 3, 7, 9, 0), berlin(2027, 3, 9, 9, 0)]
    assert berlin(2027, 3, 2, 9, 0) not in moments(student, Kind.MILESTONE_SOON)
    # The classmate's write-up reminders still follow the assignment's 3 March (19:00 Sydney).
    assert moments(classmate, Kind.MILESTONE_SOON)[-2:] == [
        sydney(2027, 2, 28, 19, 0), sydney(2027, 3, 2, 19, 0),
    ]  # fmt: skip


def test_a_missed_milestone_is_reminded_once_the_morning_after(assignment, student):
    replan_assignment(assignment, now=NOW)

    assert moments(student, Kind.MILESTONE_OVERDUE) == [
        berlin(2027, 2, 11, 10, 0), berlin(2027, 2, 18, 10, 0),
        berlin(2027, 2, 25, 10, 0), berlin(2027, 3, 4, 10, 0),
    ]  # fmt: skip
    Notification.objects.filter(kind=Kind.MILESTONE_OVERDUE).update(state=State.SENT)

    replan_assignment(assignment, now=berlin(2027, 2, 11, 10, 5))

    assert Notification.objects.filter(recipient=student, kind=Kind.MILESTONE_OVERDUE).count() == 4


def test_no_overdue_reminder_once_the_cut_off_has_passed(assignment, student):
    assignment.cutoff_at = berlin(2027, 3, 3, 23, 0)  # before the next morning
    assignment.save()

    replan_assignment(assignment, now=NOW)

    assert berlin(2027, 3, 4, 10, 0) not in moments(student, Kind.MILESTONE_OVERDUE)
    assert len(moments(student, Kind.MILESTONE_OVERDUE)) == 3


def test_after_the_cut_off_nothing_more_is_reminded(assignment, student):
    assignment.cutoff_at = berlin(2027, 3, 3, 23, 0)
    assignment.save()
    replan_assignment(assignment, now=NOW)

    replan_assignment(assignment, now=berlin(2027, 3, 4, 0, 0))

    assert pending(student) == []


def test_the_instructors_offsets_and_turned_off_kinds_are_followed(assignment, student):
    AssignmentReminderSettings.objects.create(
        assignment=assignment, before_days=[7], disabled_kinds=[Kind.MILESTONE_OVERDUE]
    )

    replan_assignment(assignment, now=NOW)

    assert moments(student, Kind.MILESTONE_SOON) == [
        berlin(2027, 2, 3, 17, 0), berlin(2027, 2, 10, 17, 0), berlin(2027, 2, 17, 17, 0),
        berlin(2027, 2, 24, 9, 0),
    ]  # fmt: skip
    assert pending(student, Kind.MILESTONE_OVERDUE) == []


def test_a_draft_assignment_reminds_no_one(assignment, student):
    assignment.state = Assignment.State.DRAFT
    assignment.save()

    replan_assignment(assignment, now=NOW)

    assert Notification.objects.count() == 0


def test_a_reminder_planned_late_skips_moments_already_long_past(assignment, student):
    # Published two days before the contact is due: "3 days before" is gone, "1 day" is not.
    replan_assignment(assignment, now=berlin(2027, 2, 8, 12, 0))

    soon = pending(student, Kind.MILESTONE_SOON)
    contact = sorted(n.send_at for n in soon if n.subject.startswith("Contact chosen"))
    assert contact == [berlin(2027, 2, 9, 17, 0)]


def test_planning_again_changes_nothing(assignment, student):
    assert replan_assignment(assignment, now=NOW) > 0

    assert replan_assignment(assignment, now=NOW + timedelta(hours=1)) == 0


# Clock changes -------------------------------------------------------------------------------


def test_one_day_before_keeps_the_local_time_across_a_clock_change(assignment, student):
    # Berlin springs forward at 02:00 on 28 March 2027. Due 09:00 that day (07:00 UTC), the
    # reminder comes at 09:00 on the 27th, still winter time: 08:00 UTC, 25 hours earlier.
    assignment.contact_due_at = assignment.questions_due_at = assignment.interview_due_at = None
    assignment.writeup_due_at = berlin(2027, 3, 28, 9, 0)
    assignment.save()

    replan_assignment(assignment, now=NOW)

    assert sorted(n.send_at for n in pending(student, Kind.MILESTONE_SOON)) == [
        datetime(2027, 3, 25, 8, 0, tzinfo=UTC), datetime(2027, 3, 27, 8, 0, tzinfo=UTC),
    ]  # fmt: skip


def test_a_reminder_at_a_local_time_that_does_not_exist_is_planned_at_a_real_instant(
    assignment, student, settings
):
    # Due 02:30 on 29 March: "1 day before" is 02:30 on the 28th, skipped by the clocks.
    settings.NOTIFICATION_QUIET_HOURS = (23, 1)  # so the night-time moment is kept
    assignment.contact_due_at = assignment.questions_due_at = assignment.interview_due_at = None
    assignment.writeup_due_at = berlin(2027, 3, 29, 2, 30)
    assignment.save()

    replan_assignment(assignment, now=NOW)

    one_day = max(n.send_at for n in pending(student, Kind.MILESTONE_SOON))
    assert one_day == datetime(2027, 3, 28, 1, 30, tzinfo=UTC)
    assert f"{one_day.astimezone(BERLIN):%d %H:%M %Z}" == "28 03:30 CEST"  # just after the gap
    assert one_day < assignment.writeup_due_at


# Interviews ------------------------------------------------------------------------------


@pytest.fixture
def interview(assignment, student):
    contact = Contact.objects.create(owner=student, name="Priya Patel")
    return Interview.objects.create(
        assignment=assignment, student=student, contact=contact,
        scheduled_at=datetime(2027, 2, 20, 15, 0, tzinfo=UTC), duration_minutes=45,
        status=Interview.Status.SCHEDULED,
    )  # fmt: skip


def interview_moments(student) -> dict[str, datetime]:
    kinds = (Kind.INTERVIEW_TOMORROW, Kind.THANK_YOU, Kind.REFLECTION, Kind.FOLLOW_UP)
    return {n.kind: n.send_at for n in pending(student) if n.kind in kinds}


def test_an_interview_brings_its_four_reminders_at_sensible_moments(assignment, interview, student):
    replan_student(assignment, student, now=NOW)

    # 15:00 UTC is 16:00 in Berlin; the interview ends at 16:45.
    assert interview_moments(student) == {
        Kind.INTERVIEW_TOMORROW: berlin(2027, 2, 19, 16, 0),
        Kind.THANK_YOU: berlin(2027, 2, 20, 19, 45),
        Kind.REFLECTION: berlin(2027, 2, 21, 10, 0),
        Kind.FOLLOW_UP: berlin(2027, 2, 27, 10, 0),
    }
    thanks = pending(student, Kind.THANK_YOU)[0]
    assert thanks.subject == "Send your thank-you note to Priya Patel"
    assert thanks.scope == f"assignment:{interview.assignment_id}:student:{student.pk}"
    assert thanks.url.endswith(f"/interviews/{interview.pk}/thank-you/")


def test_a_thank_you_reminder_after_a_late_interview_waits_for_the_morning(
    assignment, interview, student
):
    interview.scheduled_at = datetime(2027, 2, 20, 18, 0, tzinfo=UTC)  # ends 19:45 Berlin
    interview.save()

    replan_student(assignment, student, now=NOW)

    assert interview_moments(student)[Kind.THANK_YOU] == berlin(2027, 2, 21, 8, 0)


def test_each_interview_reminder_is_dropped_once_its_step_is_done(assignment, interview, student):
    replan_student(assignment, student, now=NOW)
    interview.status = Interview.Status.HELD
    interview.held_at = interview.scheduled_at
    interview.thank_you_sent_at = datetime(2027, 2, 20, 17, 0, tzinfo=UTC)
    interview.save()
    Submission.objects.create(assignment=assignment, student=student, word_count=40)

    replan_student(assignment, student, now=NOW)

    assert set(interview_moments(student)) == {Kind.FOLLOW_UP}
    interview.reply_received_at = datetime(2027, 2, 23, 9, 0, tzinfo=UTC)
    interview.save()
    replan_student(assignment, student, now=NOW)
    assert interview_moments(student) == {}


def test_a_logged_follow_up_drops_the_follow_up_reminder(assignment, interview, student):
    interview.follow_up_sent_at = datetime(2027, 2, 26, 9, 0, tzinfo=UTC)
    interview.save()

    replan_student(assignment, student, now=NOW)

    assert Kind.FOLLOW_UP not in interview_moments(student)


def test_a_cancelled_interview_cancels_its_reminders(assignment, interview, student):
    replan_student(assignment, student, now=NOW)
    interview.status = Interview.Status.CANCELLED
    interview.save()

    replan_student(assignment, student, now=NOW)

    assert interview_moments(student) == {}


def test_a_moved_interview_moves_its_reminders(assignment, interview, student):
    replan_student(assignment, student, now=NOW)
    interview.scheduled_at = datetime(2027, 2, 22, 9, 0, tzinfo=UTC)
    interview.save()

    replan_student(assignment, student, now=NOW)

    assert interview_moments(student)[Kind.INTERVIEW_TOMORROW] == berlin(2027, 2, 21, 10, 0)
    assert Notification.objects.filter(kind=Kind.INTERVIEW_TOMORROW).count() == 2  # old one kept
    assert len(pending(student, Kind.INTERVIEW_TOMORROW)) == 1


def test_an_interview_held_on_another_day_is_reminded_from_when_it_was_held(
    assignment, interview, student
):
    replan_student(assignment, student, now=NOW)
    # Planned for Saturday 20 February; held on Monday 22nd at 09:00 Berlin instead.
    interview.status = Interview.Status.HELD
    interview.held_at = berlin(2027, 2, 22, 9, 0)
    interview.save()

    replan_student(assignment, student, now=berlin(2027, 2, 22, 9, 50))

    assert interview_moments(student) == {
        Kind.THANK_YOU: berlin(2027, 2, 22, 12, 45),
        Kind.REFLECTION: berlin(2027, 2, 23, 10, 0),
        Kind.FOLLOW_UP: berlin(2027, 3, 1, 10, 0),
    }
    planned_for_the_20th = Notification.objects.filter(
        kind=Kind.THANK_YOU, send_at=berlin(2027, 2, 20, 19, 45)
    ).get()
    assert planned_for_the_20th.state == State.CANCELLED


def test_an_interview_logged_held_with_no_planned_date_gets_its_reminders(assignment, student):
    contact = Contact.objects.create(owner=student, name="Tomás Reyes")
    Interview.objects.create(
        assignment=assignment, student=student, contact=contact, duration_minutes=30,
        status=Interview.Status.HELD, held_at=berlin(2027, 2, 22, 14, 0),
    )  # fmt: skip

    replan_student(assignment, student, now=berlin(2027, 2, 22, 15, 0))

    assert interview_moments(student) == {
        Kind.THANK_YOU: berlin(2027, 2, 22, 17, 30),
        Kind.REFLECTION: berlin(2027, 2, 23, 10, 0),
        Kind.FOLLOW_UP: berlin(2027, 3, 1, 10, 0),
    }
    assert pending(student, Kind.THANK_YOU)[0].subject == "Send your thank-you note to Tomás Reyes"


def test_a_thank_you_still_owed_a_day_after_the_interview_is_one_nudge_now(
    assignment, interview, student
):
    interview.status = Interview.Status.HELD
    interview.held_at = berlin(2027, 2, 20, 16, 0)
    interview.save()
    logged = berlin(2027, 2, 23, 11, 0)  # three days later

    replan_student(assignment, student, now=logged)
    replan_student(assignment, student, now=logged + timedelta(minutes=5))  # and again

    thanks = pending(student, Kind.THANK_YOU)
    assert len(thanks) == 1
    assert thanks[0].send_at == logged + timedelta(minutes=5)  # never dated in the past
    assert thanks[0].subject == "Still to do: a thank-you note to Priya Patel"
    assert "more than a day ago" in thanks[0].body
    assert "Sat 20 Feb, 16:00 CET" in thanks[0].body
    # The follow-up (27 Feb) is still ahead; the reflection's morning passed: it comes now.
    assert interview_moments(student)[Kind.FOLLOW_UP] == berlin(2027, 2, 27, 10, 0)
    assert interview_moments(student)[Kind.REFLECTION] == logged + timedelta(minutes=5)

    Notification.objects.filter(kind=Kind.THANK_YOU).update(state=State.SENT)
    replan_student(assignment, student, now=logged + timedelta(days=1))
    assert Notification.objects.filter(kind=Kind.THANK_YOU).count() == 1  # one nudge, not two


# Keep in touch -----------------------------------------------------------------------------


def test_keep_in_touch_nudges_follow_the_contacts_cadence(student):
    contact = Contact.objects.create(
        owner=student, name="Priya Patel", keep_in_touch_weeks=4,
        last_contacted_at=datetime(2027, 1, 5, 14, 0, tzinfo=UTC),
    )  # fmt: skip

    replan_contact(contact, now=NOW)
    assert moments(student, Kind.KEEP_IN_TOUCH) == [berlin(2027, 2, 2, 10, 0)]

    contact.last_contacted_at = datetime(2027, 2, 1, 9, 0, tzinfo=UTC)
    contact.save()
    replan_contact(contact, now=NOW)
    assert moments(student, Kind.KEEP_IN_TOUCH) == [berlin(2027, 3, 1, 10, 0)]

    contact.keep_in_touch_weeks = None
    contact.save()
    replan_contact(contact, now=NOW)
    assert moments(student, Kind.KEEP_IN_TOUCH) == []


# Reasons that go away ----------------------------------------------------------------------


def test_unpublishing_cancels_every_pending_reminder_and_keeps_the_sent_ones(
    assignment, student, classmate
):
    replan_assignment(assignment, now=NOW)
    sent = pending(student)[0]
    Notification.objects.filter(pk=sent.pk).update(state=State.SENT)

    assignment.state = Assignment.State.DRAFT
    assignment.save()
    replan_assignment(assignment, now=NOW)

    assert Notification.objects.filter(state=State.PENDING).count() == 0
    assert Notification.objects.get(pk=sent.pk).state == State.SENT


def test_publishing_again_brings_the_reminders_back(assignment, student):
    replan_assignment(assignment, now=NOW)
    before = len(pending(student))
    assignment.state = Assignment.State.DRAFT
    assignment.save()
    replan_assignment(assignment, now=NOW)

    assignment.state = Assignment.State.PUBLISHED
    assignment.save()
    replan_assignment(assignment, now=NOW)

    assert len(pending(student)) == before == 12


def test_a_student_removed_from_the_course_loses_their_reminders_only(
    assignment, student, classmate
):
    replan_assignment(assignment, now=NOW)
    Membership.objects.filter(user=student).update(removed_at=NOW)

    replan_assignment(assignment, now=NOW)

    assert pending(student) == []
    assert len(pending(classmate)) == 12


def test_a_removed_student_replanned_alone_loses_their_reminders(assignment, student):
    replan_assignment(assignment, now=NOW)
    Membership.objects.filter(user=student).update(removed_at=NOW)

    replan_student(assignment, student, now=NOW)

    assert pending(student) == []


# The staff digest ----------------------------------------------------------------------------


def submit(assignment, student, at):
    return Submission.objects.create(
        assignment=assignment, student=student, submitted_at=at, submitted_revision=1, revision=1
    )


def ny(*args):
    return datetime(*args, tzinfo=NEW_YORK)


def digests(user) -> list[Notification]:
    return list(Notification.objects.filter(recipient=user, kind=Kind.GRADING_DIGEST))


def test_no_digest_when_nothing_waits_for_grading(assignment, instructor, assistant):
    assert plan_grading_digests(now=ny(2027, 3, 4, 9, 0)) == 0

    assert Notification.objects.filter(kind=Kind.GRADING_DIGEST).count() == 0


def test_each_teacher_gets_one_digest_per_local_day_naming_the_course(
    assignment, instructor, assistant, student, classmate
):
    submit(assignment, student, ny(2027, 3, 3, 20, 0))
    submit(assignment, classmate, ny(2027, 3, 4, 7, 0))

    assert plan_grading_digests(now=ny(2027, 3, 4, 9, 0)) == 2  # 08:00 Chicago for the assistant
    assert plan_grading_digests(now=ny(2027, 3, 4, 15, 0)) == 0

    [digest] = digests(instructor)
    assert digest.subject == "2 new submissions waiting for grading"
    assert digest.body == "Career Exploration: 2 new submissions"
    assert (
        digest.url
        == f"/courses/{assignment.course_id}/assignments/{assignment.pk}/grading/?filter=ungraded"
    )
    assert len(digests(assistant)) == 1


def test_work_graded_before_the_digest_is_not_counted_as_waiting(
    assignment, instructor, student, classmate
):
    graded = submit(assignment, student, ny(2027, 3, 3, 20, 0))
    submit(assignment, classmate, ny(2027, 3, 3, 21, 0))
    Grade.objects.create(submission=graded, state=Grade.State.COMPLETE, score=5, points_possible=10)

    plan_grading_digests(now=ny(2027, 3, 4, 9, 0))

    [digest] = digests(instructor)
    assert digest.subject == "1 new submission waiting for grading"


def test_the_digest_waits_for_the_teachers_local_morning(assignment, assistant, student):
    submit(assignment, student, ny(2027, 3, 3, 20, 0))

    plan_grading_digests(now=ny(2027, 3, 4, 8, 30))  # 07:30 in Chicago

    assert digests(assistant) == []


def test_the_next_digest_counts_only_work_submitted_since_the_last_one(
    assignment, instructor, student, classmate
):
    submit(assignment, student, ny(2027, 3, 3, 20, 0))
    plan_grading_digests(now=ny(2027, 3, 4, 9, 0))
    Notification.objects.filter(kind=Kind.GRADING_DIGEST).update(state=State.SENT)

    plan_grading_digests(now=ny(2027, 3, 5, 9, 0))
    assert len(digests(instructor)) == 1  # nothing new: no second digest

    submit(assignment, classmate, ny(2027, 3, 5, 10, 0))
    plan_grading_digests(now=ny(2027, 3, 6, 9, 0))
    newest = max(digests(instructor), key=lambda n: n.send_at)
    assert newest.subject == "1 new submission waiting for grading"
