"""Grade passback in Chromium: an instructor who came from the LMS grades and releases a
student's write-up; the score reaches the platform's AGS endpoint once, also when the platform
was down at the release (lti1p3platform on loopback, fetching Rapport's JWKS over HTTP)."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from lti_tool.models import LtiResourceLink
from playwright.sync_api import expect

from accounts.models import User
from interviews.models import Submission
from lti.models import AssignmentLink, CourseLink, ScorePassback
from lti.tasks import send_scores
from tests.factories import published_assignment

pytestmark = pytest.mark.browser


def test_a_released_grade_reaches_the_lms_gradebook_once_after_the_lms_was_down(
    lms, site_url, new_context
):
    teacher = new_context().new_page()
    teacher.goto(lms.start_url("ines"))
    expect(teacher.get_by_role("heading", name="Career Lab")).to_be_visible()
    course = CourseLink.objects.get().course
    assignment = published_assignment(course, course.created_by, title="Alumni interview")
    student = new_context().new_page()
    student.goto(lms.start_url("sam"))
    expect(student.get_by_text("Career Lab").first).to_be_visible()
    # As deep linking leaves it: the placed link opens the assignment, and the LMS made its
    # gradebook column (out of the assignment's points).
    AssignmentLink.objects.create(
        resource_link=LtiResourceLink.objects.get(id_on_platform="rl-1"), assignment=assignment
    )
    lms.add_line_item(
        resource_link_id="rl-1", scoreMaximum=float(assignment.points), label="Alumni interview"
    )
    Submission.objects.create(
        assignment=assignment, student=User.objects.get(full_name="Sam Student"),
        body="What I learned from the alumna.", word_count=6, revision=1, submitted_revision=1,
        submitted_at=timezone.now(),
    )  # fmt: skip

    lms.down = True
    teacher.goto(f"{site_url}/courses/{course.pk}/assignments/{assignment.pk}/")
    teacher.get_by_role("link", name="Grade submissions").click()
    teacher.get_by_role("link", name="Grade Sam Student").click()
    teacher.get_by_label(re.compile(r"^Score \(out of")).fill("87")
    teacher.get_by_label("Overall comment").fill("Sharp questions, a prompt thank-you.")
    teacher.get_by_role("button", name="Save", exact=True).click()
    expect(teacher.locator("#save-status")).to_have_text(re.compile(r"^Saved at"))
    teacher.get_by_role("button", name="Release feedback to this student").click()
    expect(teacher.get_by_text("Feedback released to Sam Student.")).to_be_visible()

    row = ScorePassback.objects.get()
    assert (row.state, row.attempts) == (ScorePassback.State.PENDING, 1)
    assert lms.scores == []

    lms.down = False  # back a minute later: the next beat tick sends it, and only once
    a_minute_later = timezone.now() + timedelta(minutes=1, seconds=1)
    send_scores(now=a_minute_later)
    send_scores(now=a_minute_later + timedelta(minutes=1))

    [score] = lms.scores_received()
    assert (score["userId"], score["scoreGiven"], score["scoreMaximum"]) == (
        "lms-sam", 87.0, float(assignment.points)
    )  # fmt: skip
    assert score["comment"] == "Sharp questions, a prompt thank-you."
    row.refresh_from_db()
    assert (row.state, row.attempts, row.last_error) == (ScorePassback.State.SENT, 2, "")
