"""Journey 5 in a real browser, by what people see: the instructor adopts the ready-made rubric,
grades a write-up from the keyboard, comments and releases; the student is told, reads the
rubric with levels, comments and score, and replies; the instructor reads the reply. Also: axe
on every grading page, and the XSS corpus in everything graders and students write to each
other.
"""

import re
from datetime import datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from interviews import feedback, grading
from interviews.models import (
    Assignment,
    Contact,
    Grade,
    Interview,
    PreparedQuestion,
    SavedComment,
    Submission,
)
from interviews.rubrics import (
    CriterionInput,
    LevelInput,
    rubric_adopt_template,
    rubric_replace,
)
from notifications.delivery import deliver, take_due
from tests.browser.conftest import sign_in
from tests.browser.support import packed, payloads, serious_violations, visit_all, watch

pytestmark = pytest.mark.browser
SAVED = re.compile(r"^Saved at \d\d:\d\d")


@pytest.fixture
def submitted(course, instructor, student, classmate):
    """A published assignment, late by a day for the student (10% policy penalty), on time for
    the classmate."""
    now = timezone.now()
    assignment = Assignment.objects.create(
        course=course, title="Informational interview", created_by=instructor,
        state=Assignment.State.PUBLISHED, writeup_due_at=now - timedelta(days=1),
    )  # fmt: skip
    for user, late in ((student, True), (classmate, False)):
        Submission.objects.create(
            assignment=assignment, student=user, body=f"What {user.full_name} learned.",
            word_count=4, revision=1, submitted_revision=1, submitted_at=now,
            is_late=late, late_days=1 if late else 0,
            penalty_percent=Decimal("10") if late else Decimal("0"),
        )  # fmt: skip
    return assignment


def record_interview(assignment, student, text: str, name: str = "Priya Patel") -> Interview:
    """A held interview with everything the grader's evidence panel shows, written as ``text``."""
    held = timezone.now() - timedelta(days=10)
    contact = Contact.objects.create(owner=student, name=name, job_title=text[:150])
    interview = Interview.objects.create(
        assignment=assignment, student=student, contact=contact, status="held",
        scheduled_at=held - timedelta(days=1), held_at=held,
        thank_you_sent_at=held + timedelta(hours=3), follow_up_sent_at=held + timedelta(days=8),
        notes=text, went_poorly=text, insights=text, path_fit="yes", offer="internship",
    )  # fmt: skip
    interview.referrals.add(Contact.objects.create(owner=student, name=name[:140] + " referral"))
    PreparedQuestion.objects.create(interview=interview, text=text)
    return interview


def deliver_everything_due(zone: str) -> None:
    """One tick and its deliveries, at noon tomorrow in ``zone`` (outside quiet hours)."""
    noon = datetime.combine(
        timezone.now().astimezone(ZoneInfo(zone)).date() + timedelta(days=1),
        time(12),
        tzinfo=ZoneInfo(zone),
    )
    grouped = take_due(now=noon)
    deliver([pk for ids in grouped.values() for pk in ids], now=noon)


def test_instructor_grades_from_the_keyboard_releases_and_the_student_reads_and_replies(
    site_url, new_context, course, submitted, instructor, student
):
    teacher = new_context().new_page()
    sign_in(teacher, site_url, instructor.email)
    teacher.goto(f"{site_url}/courses/{course.pk}/assignments/{submitted.pk}/")

    # The ready-made rubric, adopted as it is.
    teacher.get_by_role("link", name="Rubric").click()
    expect(
        teacher.get_by_role("heading", name="Ready-made for informational interviews")
    ).to_be_visible()
    teacher.get_by_role("link", name="See it and use it").click()
    teacher.get_by_role("button", name="Use this rubric").click()
    expect(teacher.get_by_role("status")).to_contain_text("worth 100 points")
    expect(teacher.get_by_role("rowheader", name=re.compile("Depth of reflection"))).to_be_visible()

    # The queue, then the student's write-up, graded without the mouse.
    teacher.goto(f"{site_url}/courses/{course.pk}/assignments/{submitted.pk}/")
    teacher.get_by_role("link", name="Grade submissions").click()
    teacher.get_by_role("link", name="Grade Stella Student").click()
    expect(teacher.get_by_role("heading", level=1)).to_contain_text("Grading Stella Student")
    expect(teacher.get_by_role("region", name="Write-up")).to_contain_text(
        "What Stella Student learned."
    )
    status = teacher.locator("#save-status")
    teacher.locator("body").click()
    # A level by its number, then "]" to the next criterion.
    for key in ("1", "]", "2", "]", "1", "]", "2", "]", "1"):
        teacher.keyboard.press(key)
    expect(teacher.get_by_role("group", name=re.compile("^Preparation")).get_by_label(
        re.compile("^Exemplary")
    )).to_be_checked()  # fmt: skip
    teacher.get_by_label("Overall comment").fill("Thoughtful questions and a prompt thank-you.")
    teacher.keyboard.press("Control+Enter")
    expect(status).to_have_text(SAVED)
    grade = Grade.objects.get(submission__student=student)
    assert (grade.state, grade.score, grade.final_score) == (
        Grade.State.COMPLETE, Decimal("90"), Decimal("81")
    )  # fmt: skip
    expect(teacher.locator("body")).to_contain_text("81")

    # Not released yet: the student sees that feedback is coming, and nothing of the grade.
    reader = new_context().new_page()
    sign_in(reader, site_url, student.email)
    feedback_url = f"{site_url}/courses/{course.pk}/assignments/{submitted.pk}/feedback/"
    reader.goto(feedback_url)
    expect(reader.get_by_text(re.compile("has not released feedback yet"))).to_be_visible()
    expect(reader.locator("main")).not_to_contain_text("Thoughtful questions")

    teacher.get_by_role("button", name="Release feedback to this student").click()
    expect(teacher.get_by_text("Feedback released to Stella Student.")).to_be_visible()

    # The student is told (the engine's tick and delivery), by email and in the inbox.
    deliver_everything_due(student.time_zone)
    assert [m.to for m in mail.outbox] == [[student.email]]
    assert "feedback" in mail.outbox[0].subject.lower()
    reader.goto(f"{site_url}/notifications/")
    reader.get_by_role("link", name=re.compile("grade and feedback", re.I)).first.click()
    expect(reader).to_have_url(feedback_url)
    grade_region = reader.get_by_role("region", name="Your grade")
    expect(grade_region).to_contain_text("81")
    expect(grade_region).to_contain_text("10%")
    rubric = reader.get_by_role("region", name="Rubric")
    expect(rubric).to_contain_text("Depth of reflection")
    expect(rubric.get_by_text("Selected").first).to_be_visible()
    expect(reader.get_by_role("region", name="Overall comment")).to_contain_text(
        "Thoughtful questions and a prompt thank-you."
    )

    # The student replies; the instructor reads it beside the grade.
    reader.get_by_label("Your message").fill("Thank you! Could we talk about it?")
    reader.get_by_role("button", name="Send message").click()
    expect(reader.get_by_role("region", name="Conversation")).to_contain_text(
        "Could we talk about it?"
    )
    teacher.reload()
    expect(teacher.get_by_role("region", name="Conversation")).to_contain_text(
        "Could we talk about it?"
    )


@pytest.mark.corpus  # a sweep of the pages' accessibility, run by `make corpus`
@pytest.mark.browser_context_args(bypass_csp=True)  # axe is injected as an inline script
def test_grading_and_feedback_pages_have_no_serious_accessibility_violations(
    page, site_url, course, submitted, instructor, student, classmate
):
    rubric_adopt_template(assignment=submitted)
    submission = submitted.submissions.get(student=student)
    criteria = list(submitted.rubric.criteria.all())
    saved = grading.grade_save(
        submission=submission, grader=instructor,
        levels={c.pk: c.levels.first().pk for c in criteria},
        criterion_comments={criteria[0].pk: "Well researched."},
        overall_comment="Good work.", expected_revision=0, now=timezone.now(),
    )  # fmt: skip
    grading.grade_release(grade=saved, by=instructor, now=timezone.now())
    record_interview(submitted, student, "Asked about shifts. Better answer: growth.")
    feedback.message_post(submission=submission, author=student, body="Thanks!", now=timezone.now())
    a = f"/courses/{course.pk}/assignments/{submitted.pk}/"
    staff_pages = {
        "rubric (instructor)": a + "rubric/",
        "queue": a + "grading/",
        "grade": a + f"grading/{student.pk}/",
        "comment bank": reverse("interviews:comment_bank"),
        "gradebook": f"/courses/{course.pk}/gradebook/",
    }
    found = {}
    sign_in(page, site_url, instructor.email)
    for name, path in staff_pages.items():
        page.goto(site_url + path)
        found[name] = serious_violations(page)
    page.goto(site_url + staff_pages["grade"])
    page.locator("body").click()
    page.keyboard.press("?")
    expect(page.get_by_role("dialog", name="Keyboard shortcuts")).to_be_visible()
    found["grade, with the help open"] = serious_violations(page)
    page.goto(site_url + a + "grading/release/")
    found["release confirmation"] = serious_violations(page)
    page.context.clear_cookies()
    sign_in(page, site_url, student.email)
    for name, path in {"rubric (student)": a + "rubric/", "feedback": a + "feedback/"}.items():
        page.goto(site_url + path)
        found[name] = serious_violations(page)
    assert {name: v for name, v in found.items() if v} == {}


@pytest.mark.corpus
def test_xss_corpus_in_rubrics_comments_and_messages_never_runs_for_the_reader(
    site_url, new_context, course, submitted, instructor, student
):
    corpus = payloads()
    joined = "\n".join(corpus)
    titles = packed(corpus, 200)
    rubric_replace(
        assignment=submitted, title=titles[0],
        criteria=[
            CriterionInput(
                title=title, description=joined, points=Decimal("10"),
                levels=(LevelInput(title=title[:100], description=joined, points=Decimal("10")),),
            )
            for title in titles[:5]
        ],
    )  # fmt: skip
    submission = submitted.submissions.get(student=student)
    criteria = list(submitted.rubric.criteria.all())
    saved = grading.grade_save(
        submission=submission, grader=instructor,
        levels={c.pk: c.levels.first().pk for c in criteria},
        criterion_comments={c.pk: joined for c in criteria}, overall_comment=joined,
        private_note=joined, expected_revision=0, now=timezone.now(),
    )  # fmt: skip
    grading.grade_release(grade=saved, by=instructor, now=timezone.now())
    for chunk in packed(corpus, 2000):
        feedback.message_post(submission=submission, author=student, body=chunk, now=timezone.now())
        feedback.message_post(
            submission=submission, author=instructor, body=chunk, now=timezone.now()
        )
    feedback.regrade_request_create(
        grade=saved, student=student, reason=joined[:3000], now=timezone.now()
    )
    SavedComment.objects.bulk_create(SavedComment(owner=instructor, text=p) for p in corpus)
    for chunk in packed(corpus, 2000):
        record_interview(submitted, student, chunk, name=chunk[:140])

    a = f"/courses/{course.pk}/assignments/{submitted.pk}/"
    reader = new_context().new_page()
    fired = watch(reader)
    sign_in(reader, site_url, student.email)
    visit_all(
        reader, site_url,
        {"feedback": a + "feedback/", "rubric": a + "rubric/", "assignment": a},
        fired,
    )  # fmt: skip
    reader.goto(site_url + a + "feedback/")
    expect(reader.get_by_role("region", name="Overall comment")).to_contain_text("alert")

    staff = new_context().new_page()
    fired_staff = watch(staff)
    sign_in(staff, site_url, instructor.email)
    visit_all(
        staff, site_url,
        {
            "grade": a + f"grading/{student.pk}/", "queue": a + "grading/",
            "rubric": a + "rubric/", "comment bank": reverse("interviews:comment_bank"),
            "gradebook": f"/courses/{course.pk}/gradebook/",
        },
        fired_staff,
    )  # fmt: skip
