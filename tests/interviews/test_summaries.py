"""The whole-class counts and statistics are remembered between views (common/summaries.py),
and never outlive a change: every workflow that changes what they count is followed by the
next view of the page."""

from datetime import timedelta
from decimal import Decimal

from django.urls import reverse

from courses.enrolment import member_remove
from courses.models import Membership
from interviews import grading
from interviews.gradebook import gradebook_page
from interviews.models import Grade
from interviews.planning import interview_mark_held, interview_unmark_held
from interviews.progress import assignment_progress
from tests.factories import local, plan_interview
from tests.interviews.grading_samples import DUE, gradebook_assignment, graded, submitted


def statistics(course):
    column = gradebook_page(course=course).columns[0]
    return column.graded, column.average, column.unreleased


def test_the_gradebooks_statistics_follow_each_change_of_the_grades(
    course, student, classmate, instructor
):
    assignment = gradebook_assignment(course)  # 20 points
    graded(assignment, student, "18")
    assert statistics(course) == (1, Decimal("18.00"), 1)
    assert statistics(course) == (1, Decimal("18.00"), 1)  # remembered, and the same

    second = graded(assignment, classmate, "10")  # a grade saved
    assert statistics(course) == (2, Decimal("14.00"), 2)

    assert grading.feedback_release(assignment=assignment, by=instructor, now=DUE) == 2
    assert statistics(course) == (2, Decimal("14.00"), 0)

    grading.grade_unrelease(grade=second, by=instructor, now=DUE)  # one UPDATE
    assert statistics(course) == (2, Decimal("14.00"), 1)

    assignment.points = Decimal("10")  # each grade counted on the points now
    assignment.save()
    assert statistics(course) == (2, Decimal("7.00"), 1)


def test_a_member_leaving_changes_the_gradebooks_count(course, student, classmate):
    gradebook_assignment(course)
    assert gradebook_page(course=course).class_size == 2

    member_remove(membership=Membership.objects.get(course=course, user=classmate))

    assert gradebook_page(course=course).class_size == 1


def test_the_progress_counts_follow_the_work_and_the_clock(course, assignment, student):
    interview = plan_interview(assignment, student, created=local(2027, 2, 25, 10, 0))
    before_due = assignment.interview_due_at - timedelta(days=1)

    def interview_counts(now):
        table = assignment_progress(assignment=assignment, now=now)
        line = next(c for c in table.counts if c.key == "interview")
        return {status: n for status, n in line.counts.items() if n}

    # Stella plans an interview; Carl, her classmate, has none yet.
    assert interview_counts(before_due) == {"not_due": 2}
    interview_mark_held(interview=interview, at=before_due)
    assert interview_counts(before_due) == {"done": 1, "not_due": 1}

    interview_unmark_held(interview=interview)
    # The same rows a day after the date: the status moves with the clock.
    assert interview_counts(before_due) == {"not_due": 2}
    assert interview_counts(assignment.interview_due_at + timedelta(days=1)) == {"missing": 2}


def test_the_course_home_counts_write_ups_as_they_are_handed_in(
    as_user, course, student, classmate, instructor
):
    assignment = gradebook_assignment(course, "Meet a professional")
    page = reverse("courses:detail", args=[course.pk])
    client = as_user(instructor)
    assert "0 write-ups submitted" in client.get(page).content.decode()

    submitted(assignment, student)

    assert "1 write-up submitted" in client.get(page).content.decode()


def test_the_grading_queue_counts_follow_a_release(course, student, classmate, instructor):
    assignment = gradebook_assignment(course)
    graded(assignment, student, "18")
    graded(assignment, classmate, "12")
    assert grading.queue_counts(assignment=assignment, viewer=instructor)["releasable"] == 2

    grade = Grade.objects.get(submission__student=student)
    grading.grade_release(grade=grade, by=instructor, now=DUE)

    assert grading.queue_counts(assignment=assignment, viewer=instructor)["releasable"] == 1


def test_without_the_cache_server_the_statistics_are_worked_out_each_time(
    course, student, classmate, settings, caplog
):
    assignment = gradebook_assignment(course)
    graded(assignment, student, "18")
    # Nothing listens on port 1: every cache call fails, as when Redis is down.
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 0.2},
        }
    }

    assert statistics(course) == (1, Decimal("18.00"), 1)
    graded(assignment, classmate, "10")  # the change cannot be recorded either
    assert statistics(course) == (2, Decimal("14.00"), 2)
    assert "worked out without the cache" in caplog.text
