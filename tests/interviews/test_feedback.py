"""The workflow of ``interviews/feedback.py``: the conversation on a write-up, regrade requests
and what a student may see of their grade."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail

from common.refused import Refused
from courses.enrolment import member_remove
from courses.models import Membership
from interviews import feedback
from interviews.feedback import (
    ALREADY_OPEN,
    ALREADY_RESOLVED,
    NOT_RELEASED,
    REASON_TOO_SHORT,
    message_post,
    regrade_request_create,
    regrade_resolve,
    student_feedback,
)
from interviews.models import (
    Criterion,
    FeedbackMessage,
    Level,
    RegradeRequest,
    Submission,
)
from interviews.notices import Kind
from notifications.models import Notification
from notifications.tasks import tick
from tests.factories import NOW
from tests.interviews.grading_samples import PRIVATE, REASON, feedback_assignment, make_grade

pytestmark = pytest.mark.assignment(build=feedback_assignment)


@pytest.fixture
def unreleased(submission, instructor):
    return make_grade(submission, instructor)


def notified(kind) -> list[tuple[str, str]]:
    return sorted((n.recipient.email, n.url) for n in Notification.objects.filter(kind=kind))


# The conversation


def test_a_students_message_notifies_every_active_staff_member_of_the_course(
    course, submission, student, instructor, assistant, classmate
):
    message = message_post(submission=submission, author=student, body="A question?", now=NOW)

    assert FeedbackMessage.objects.get() == message
    grading_url = (
        f"/courses/{course.pk}/assignments/{submission.assignment_id}/grading/{student.pk}/"
        "#conversation"
    )
    assert notified(Kind.STUDENT_MESSAGE) == [
        (assistant.email, grading_url),
        (instructor.email, grading_url),
    ]
    row = Notification.objects.filter(kind=Kind.STUDENT_MESSAGE).first()
    assert row.subject == "Stella Student wrote about their write-up for Meet a professional"
    assert row.body == "A question?"
    assert row.course_id == course.pk
    assert not Notification.objects.filter(recipient=classmate).exists()


def test_removed_staff_are_not_told_about_a_students_message(
    course, submission, student, instructor, assistant
):
    member_remove(membership=Membership.objects.get(course=course, user=assistant), now=NOW)

    message_post(submission=submission, author=student, body="Hello", now=NOW)

    assert notified(Kind.STUDENT_MESSAGE) == [
        (instructor.email, f"/courses/{course.pk}/assignments/{submission.assignment_id}"
         f"/grading/{student.pk}/#conversation"),
    ]  # fmt: skip


def test_a_staff_message_notifies_the_student_only(
    course, submission, student, instructor, assistant
):
    message_post(submission=submission, author=assistant, body="Nice work so far.", now=NOW)

    assert notified(Kind.FEEDBACK_MESSAGE) == [
        (student.email, f"/courses/{course.pk}/assignments/{submission.assignment_id}/feedback/"
         "#conversation"),
    ]  # fmt: skip
    assert not Notification.objects.exclude(recipient=student).exists()


def test_each_message_is_notified_separately(submission, student, instructor, assistant):
    for text in ("First", "Second", "Third"):
        message_post(submission=submission, author=student, body=text, now=NOW)

    assert Notification.objects.filter(recipient=instructor).count() == 3
    keys = set(Notification.objects.values_list("dedupe_key", flat=True))
    assert len(keys) == 6


def test_a_message_is_emailed_on_the_next_tick(frozen, submission, student, instructor):
    message_post(submission=submission, author=instructor, body="Come and see me.", now=NOW)

    tick()

    assert [m.to for m in mail.outbox] == [[student.email]]
    assert "Ines Instructor wrote about your write-up" in mail.outbox[0].subject
    assert "Come and see me." in mail.outbox[0].body


@pytest.mark.parametrize(("body", "error"), [
    ("", feedback.MESSAGE_REQUIRED),
    ("   \n  ", feedback.MESSAGE_REQUIRED),
    ("x" * 5001, feedback.MESSAGE_TOO_LONG),
])  # fmt: skip
def test_an_empty_or_too_long_message_is_refused_and_nothing_is_sent(
    submission, student, body, error
):
    with pytest.raises(Refused) as refused:
        message_post(submission=submission, author=student, body=body, now=NOW)

    assert refused.value.message == error
    assert refused.value.field == "body"
    assert not FeedbackMessage.objects.exists()
    assert not Notification.objects.exists()


def test_a_message_is_stored_trimmed_and_a_long_one_is_excerpted_in_the_notification(
    submission, student, instructor
):
    body = "  " + "word " * 1000
    message = message_post(submission=submission, author=student, body=body[:5000], now=NOW)

    assert message.body == body[:5000].strip()
    row = Notification.objects.get(recipient=instructor)
    assert len(row.body) <= feedback.EXCERPT_CHARS
    assert row.body.endswith("…")


def test_the_thread_is_oldest_first_with_its_authors(submission, student, instructor):
    message_post(submission=submission, author=instructor, body="Later", now=NOW)
    message_post(submission=submission, author=student, body="Earlier", now=NOW - timedelta(1))

    thread = feedback.thread_for(submission)

    assert [(m.body, m.author.full_name) for m in thread] == [
        ("Earlier", "Stella Student"),
        ("Later", "Ines Instructor"),
    ]


# Regrade requests


def test_a_student_asks_for_a_regrade_on_a_released_grade_and_staff_are_told(
    course, released, student, instructor, assistant
):
    request = regrade_request_create(grade=released, student=student, reason=REASON, now=NOW)

    assert request.is_open
    assert (request.reason, request.student, request.created_at) == (REASON, student, NOW)
    url = (
        f"/courses/{course.pk}/assignments/{released.submission.assignment_id}/grading/"
        f"{student.pk}/#regrade-requests"
    )
    assert notified(Kind.REGRADE_REQUESTED) == [(assistant.email, url), (instructor.email, url)]
    row = Notification.objects.filter(kind=Kind.REGRADE_REQUESTED).first()
    assert row.subject == "Stella Student asked for a regrade on Meet a professional"
    assert row.body == REASON


def test_a_regrade_cannot_be_asked_for_before_release(unreleased, student):
    with pytest.raises(Refused) as refused:
        regrade_request_create(grade=unreleased, student=student, reason=REASON, now=NOW)

    assert refused.value.message == NOT_RELEASED
    assert not RegradeRequest.objects.exists()
    assert not Notification.objects.exists()


def test_a_regrade_cannot_be_asked_for_on_someone_elses_grade(released, classmate):
    with pytest.raises(Refused):
        regrade_request_create(grade=released, student=classmate, reason=REASON, now=NOW)

    assert not RegradeRequest.objects.exists()


@pytest.mark.parametrize("reason", ["", "   ", "Wrong.", "Please look again"])
def test_a_regrade_needs_at_least_a_sentence_of_reason(released, student, reason):
    with pytest.raises(Refused) as refused:
        regrade_request_create(grade=released, student=student, reason=reason, now=NOW)

    assert (refused.value.message, refused.value.field) == (REASON_TOO_SHORT, "reason")
    assert "at least a sentence" in REASON_TOO_SHORT
    assert not RegradeRequest.objects.exists()


def test_only_one_regrade_request_may_be_open_at_a_time(released, student, instructor):
    first = regrade_request_create(grade=released, student=student, reason=REASON, now=NOW)

    with pytest.raises(Refused) as refused:
        regrade_request_create(grade=released, student=student, reason=REASON + "!", now=NOW)
    assert refused.value.message == ALREADY_OPEN
    assert RegradeRequest.objects.count() == 1

    regrade_resolve(
        request=first, by=instructor, outcome="unchanged", response="It stands.", now=NOW
    )
    second = regrade_request_create(grade=released, student=student, reason=REASON, now=NOW)
    assert second.is_open
    assert RegradeRequest.objects.count() == 2


def test_resolving_a_request_records_the_answer_and_notifies_the_student(
    course, released, student, assistant
):
    request = regrade_request_create(grade=released, student=student, reason=REASON, now=NOW)
    Notification.objects.all().delete()

    regrade_resolve(
        request=request, by=assistant, outcome=RegradeRequest.Outcome.CHANGED,
        response="You are right: Preparation is now Strong.", now=NOW + timedelta(hours=1),
    )  # fmt: skip

    request.refresh_from_db()
    assert not request.is_open
    assert (request.outcome, request.resolved_by, request.response) == (
        "changed",
        assistant,
        "You are right: Preparation is now Strong.",
    )
    assert notified(Kind.REGRADE_ANSWERED) == [
        (student.email, f"/courses/{course.pk}/assignments/{released.submission.assignment_id}"
         "/feedback/#regrade"),
    ]  # fmt: skip
    row = Notification.objects.get()
    assert row.subject == "Your regrade request on Meet a professional: Grade changed"


def test_a_resolution_needs_a_response_and_an_outcome(released, student, instructor):
    request = regrade_request_create(grade=released, student=student, reason=REASON, now=NOW)

    with pytest.raises(Refused) as refused:
        regrade_resolve(request=request, by=instructor, outcome="changed", response=" ", now=NOW)
    assert refused.value.field == "response"
    with pytest.raises(Refused) as refused:
        regrade_resolve(request=request, by=instructor, outcome="maybe", response="Ok", now=NOW)
    assert refused.value.field == "outcome"

    request.refresh_from_db()
    assert request.is_open
    assert not Notification.objects.filter(kind=Kind.REGRADE_ANSWERED).exists()


def test_a_request_is_answered_once(released, student, instructor, assistant):
    request = regrade_request_create(grade=released, student=student, reason=REASON, now=NOW)
    regrade_resolve(request=request, by=instructor, outcome="unchanged", response="No.", now=NOW)

    with pytest.raises(Refused) as refused:
        regrade_resolve(request=request, by=assistant, outcome="changed", response="Yes", now=NOW)

    assert refused.value.message == ALREADY_RESOLVED
    request.refresh_from_db()
    assert (request.outcome, request.resolved_by) == ("unchanged", instructor)
    assert Notification.objects.filter(kind=Kind.REGRADE_ANSWERED).count() == 1


# What the student sees


def test_nothing_of_an_unreleased_grade_reaches_the_student(unreleased):
    assert student_feedback(unreleased.submission) is None


def test_nothing_reaches_the_student_before_grading(submission):
    assert student_feedback(submission) is None
    assert feedback.regrade_requests_for(None) == []


def test_a_released_grade_shows_scores_penalty_and_every_level_with_the_one_given(released):
    shown = student_feedback(released.submission)

    assert (shown.final_score, shown.points_possible, shown.percent) == (
        Decimal("14.40"),
        Decimal("20"),
        Decimal("72.0"),
    )
    assert (shown.score, shown.penalty_percent, shown.penalty_points) == (
        Decimal("16"),
        Decimal("10"),
        Decimal("1.60"),
    )
    assert not shown.penalty_changed
    assert shown.graded_by == "Ines Instructor"
    preparation, reflection = shown.criteria
    assert [(lv.title, lv.selected) for lv in preparation.levels] == [
        ("Strong", True),
        ("Fair", False),
        ("Weak", False),
    ]
    assert [(lv.title, lv.selected) for lv in reflection.levels] == [
        ("Strong", False),
        ("Fair", True),
        ("Weak", False),
    ]
    assert (reflection.points, reflection.max_points) == (Decimal("6"), Decimal("10"))
    assert reflection.comment == "About reflection: see the notes."


def test_the_students_view_of_a_grade_has_no_private_note(released):
    shown = student_feedback(released.submission)

    assert not hasattr(shown, "private_note")
    assert PRIVATE not in repr(shown)


def test_a_changed_penalty_shows_with_its_reason(submission, instructor):
    grade = make_grade(
        submission, instructor, released=True, penalty_override_percent=Decimal("0"),
        penalty_override_reason="Your extension was granted late.", final_score=Decimal("16"),
    )  # fmt: skip

    shown = student_feedback(grade.submission)

    assert shown.penalty_changed
    assert (shown.penalty_percent, shown.policy_penalty_percent) == (Decimal("0"), Decimal("10"))
    assert shown.penalty_reason == "Your extension was granted late."


def test_a_criterion_removed_from_the_rubric_still_shows_its_snapshot(released):
    Criterion.objects.filter(title="Reflection").delete()
    Level.objects.filter(title="Strong", criterion__title="Preparation").update(title="Great")

    shown = student_feedback(Submission.objects.get(pk=released.submission_id))

    preparation, reflection = shown.criteria
    assert [lv.title for lv in preparation.levels if lv.selected] == ["Great"]
    assert preparation.level_title == "Strong"  # as graded
    assert (reflection.title, reflection.level_title, reflection.levels) == (
        "Reflection",
        "Fair",
        (),
    )
    assert not reflection.level_still_in_rubric
