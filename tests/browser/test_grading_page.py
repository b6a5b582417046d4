"""The grading page in a real browser: background save, keyboard shortcuts, a live conflict
between two graders, input kept across a failed save and a reload, and the page without
JavaScript."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from interviews import grading
from interviews.models import Contact, Grade, Interview, SavedComment, Submission
from interviews.rubrics import rubric_adopt_template
from tests.browser.conftest import sign_in
from tests.factories import make_assignment, make_rubric

SAVED = re.compile(r"^Saved at \d\d:\d\d$")


def two_to_grade(course, *, student, classmate):
    """The ``assignment``: due yesterday on the real clock, with make_rubric's rubric and two
    write-ups handed in, the classmate's two days late."""
    now = timezone.now()
    assignment = make_assignment(
        course, contact_due_at=None, interview_due_at=None,
        writeup_due_at=now - timedelta(days=1), cutoff_at=None,
    )  # fmt: skip
    make_rubric(assignment)
    for user, late in ((student, False), (classmate, True)):
        Submission.objects.create(
            assignment=assignment, student=user, body=f"Write-up of {user.full_name}",
            word_count=4, revision=1, submitted_revision=1, submitted_at=now,
            is_late=late, late_days=2 if late else 0, penalty_percent=Decimal(20 if late else 0),
        )  # fmt: skip
    return assignment


pytestmark = [pytest.mark.browser, pytest.mark.assignment(build=two_to_grade)]


def grade_url(site_url, assignment, user):
    return site_url + reverse(
        "interviews:grade", args=[assignment.course_id, assignment.pk, user.pk]
    )


def test_background_save_shortcuts_and_next(
    page, site_url, assignment, instructor, classmate, student
):
    sign_in(page, site_url, instructor.email)
    page.goto(grade_url(site_url, assignment, classmate))
    status = page.locator("#save-status")

    prep = page.get_by_role("group", name="Preparation")
    prep.get_by_label("Strong").check()
    expect(status).to_have_text(SAVED)
    assert Grade.objects.get().revision == 1

    page.locator("body").click()
    page.keyboard.press("2")  # the first unscored criterion: Reflection → Fair
    expect(page.get_by_role("group", name="Reflection").get_by_label("Fair")).to_be_checked()
    page.get_by_label("Points for Follow-up (out of 10)").fill("12")
    expect(status).to_contain_text("Not saved: Give from 0 to 10 points. — your input is kept.")
    expect(
        page.locator("[data-error-for^=criterion_]").filter(has_text="Give from 0")
    ).to_be_visible()
    page.get_by_label("Points for Follow-up (out of 10)").fill("9")
    expect(status).to_have_text(SAVED)
    expect(page.locator("[data-score-summary]")).to_contain_text(
        "Score: 17 / 20, after the 20% late penalty: 13.6"
    )

    page.get_by_label("Overall comment").fill("Thoughtful work.")
    page.get_by_role("button", name="Save this comment to my bank").last.click()
    expect(status).to_have_text("Added to your comment bank.")
    assert SavedComment.objects.get().text == "Thoughtful work."

    page.locator("body").click()
    page.keyboard.press("?")
    expect(page.locator("#shortcuts-help")).to_have_attribute("open", "")
    page.keyboard.press("Escape")
    page.locator("body").click()
    page.keyboard.press("n")
    expect(page).to_have_url(re.compile(rf"/grading/{student.pk}/$"))
    # The next student's form starts empty.
    expect(page.get_by_role("group", name="Preparation").get_by_label("Strong")).not_to_be_checked()
    expect(page.get_by_label("Overall comment")).to_have_value("")
    grade = Grade.objects.get(submission__student=classmate)
    assert (grade.score, grade.final_score, grade.overall_comment) == (
        17,
        Decimal("13.60"),
        "Thoughtful work.",
    )

    # Insert the saved comment into the overall comment.
    page.get_by_label("Saved comment").select_option(label="Thoughtful work.")
    page.get_by_role("button", name="Insert", exact=True).click()
    expect(page.get_by_label("Overall comment")).to_have_value("Thoughtful work.")
    expect(status).to_have_text(SAVED)
    assert SavedComment.objects.get().use_count == 1


def test_a_conflict_keeps_input_and_offers_their_version(
    new_context, site_url, assignment, instructor, assistant, classmate
):
    mine = new_context().new_page()
    theirs = new_context().new_page()
    sign_in(mine, site_url, assistant.email)
    sign_in(theirs, site_url, instructor.email)
    url = grade_url(site_url, assignment, classmate)
    mine.goto(url)
    theirs.goto(url)

    theirs.get_by_label("Overall comment").fill("Instructor was here")
    expect(theirs.locator("#save-status")).to_have_text(SAVED)
    mine.get_by_label("Overall comment").fill("Assistant typing")

    expect(mine.locator("#save-status")).to_contain_text(
        "Not saved: Ines Instructor saved this grade at"
    )
    expect(mine.locator("#conflict")).to_be_visible()
    expect(mine.get_by_label("Overall comment")).to_have_value("Assistant typing")
    assert Grade.objects.get().overall_comment == "Instructor was here"

    mine.get_by_role("link", name="Load their version").click()
    expect(mine.get_by_label("Overall comment")).to_have_value("Instructor was here")
    expect(mine.locator("#restore")).to_be_visible()
    mine.get_by_role("button", name="Restore my input").click()
    expect(mine.get_by_label("Overall comment")).to_have_value("Assistant typing")
    expect(mine.locator("#save-status")).to_have_text(SAVED)
    assert Grade.objects.get().overall_comment == "Assistant typing"


def test_unsaved_input_is_offered_back_after_a_reload(
    page, site_url, assignment, instructor, classmate
):
    sign_in(page, site_url, instructor.email)
    url = grade_url(site_url, assignment, classmate)
    page.goto(url)
    page.route(
        "**/grading/*/",
        lambda route: route.abort() if route.request.method == "POST" else route.continue_(),
    )
    page.get_by_label("Overall comment").fill("Never reached the server")
    expect(page.locator("#save-status")).to_contain_text(
        "Not saved: the connection failed — your input is kept."
    )
    page.unroute("**/grading/*/")
    page.once("dialog", lambda dialog: dialog.accept())
    page.reload()
    expect(page.locator("#restore")).to_be_visible()
    page.get_by_role("button", name="Restore my input").click()
    expect(page.get_by_label("Overall comment")).to_have_value("Never reached the server")
    expect(page.locator("#save-status")).to_have_text(SAVED)


def test_more_keys(page, site_url, assignment, instructor, classmate, student):
    sign_in(page, site_url, instructor.email)
    page.goto(grade_url(site_url, assignment, student))  # Stella: after Carl
    status = page.locator("#save-status")
    page.locator("body").click()
    page.keyboard.press("]")
    page.keyboard.press("]")  # Reflection
    page.keyboard.press("3")
    expect(page.get_by_role("group", name="Reflection").get_by_label("Weak")).to_be_checked()
    expect(page.get_by_role("group", name="Reflection")).to_have_class(re.compile("border-primary"))
    page.keyboard.press("[")
    page.keyboard.press("1")
    expect(page.get_by_role("group", name="Preparation").get_by_label("Strong")).to_be_checked()
    page.get_by_label("Comment on Preparation").fill("typing 1 n p s")
    expect(page.get_by_role("group", name="Preparation").get_by_label("Strong")).to_be_checked()
    page.keyboard.press("Control+Enter")
    expect(status).to_have_text(SAVED)
    assert Grade.objects.get().scores.get(title="Preparation").comment == "typing 1 n p s"
    page.get_by_role("button", name="Save", exact=True).click()
    expect(status).to_have_text(SAVED)
    assert page.url.endswith(f"/grading/{student.pk}/")
    page.locator("body").click()
    page.keyboard.press("p")
    expect(page).to_have_url(re.compile(rf"/grading/{classmate.pk}/$"))


@pytest.mark.browser_context_args(java_script_enabled=False)
def test_without_javascript(page, site_url, assignment, instructor, classmate, student):
    sign_in(page, site_url, instructor.email)
    page.goto(grade_url(site_url, assignment, classmate) + "?filter=ungraded")
    page.get_by_role("group", name="Preparation").get_by_label("Strong").check()
    page.get_by_role("group", name="Reflection").get_by_label("Fair").check()
    page.get_by_label("Points for Follow-up (out of 10)").fill("7")
    page.get_by_role("button", name="Save and next").click()
    expect(page).to_have_url(re.compile(rf"/grading/{student.pk}/\?filter=ungraded$"))
    expect(page.get_by_text("Saved the grade of Carl Classmate.")).to_be_visible()
    page.get_by_label("Overall comment").fill("Typed")
    page.get_by_label("Points for Follow-up (out of 10)").fill("70")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("Give from 0 to 10 points.")).to_be_visible()
    expect(page.get_by_label("Overall comment")).to_have_value("Typed")


def in_viewport(box, viewport) -> bool:
    return box is not None and box["y"] >= 0 and box["y"] + 20 <= viewport["height"]


def test_the_writeup_stays_in_view_while_scoring_beside_the_judged_evidence(
    new_context, site_url, assignment, instructor, classmate
):
    rubric_adopt_template(assignment=assignment)  # five criteria with long level descriptions
    submission = assignment.submissions.get(student=classmate)
    submission.body = "\n\n".join(f"Paragraph {n} of what Carl learned." for n in range(60))
    submission.save()
    held = timezone.now() - timedelta(days=10)
    Interview.objects.create(
        assignment=assignment, student=classmate, status="held",
        contact=Contact.objects.create(owner=classmate, name="Priya Patel", job_title="Nurse"),
        scheduled_at=held, held_at=held, thank_you_sent_at=held + timedelta(hours=5),
        went_poorly="The salary question. Better answer: ask how people grow in the role.",
    )  # fmt: skip
    page = new_context(viewport={"width": 1280, "height": 800}).new_page()
    sign_in(page, site_url, instructor.email)
    page.goto(grade_url(site_url, assignment, classmate))

    evidence = page.get_by_role("article", name="Interview with Priya Patel")
    expect(evidence).to_contain_text("Better answer: ask how people grow in the role.")
    expect(evidence.locator("[data-judgement]").first).to_have_text("Within 24 h")

    # A criterion is a few lines, its levels one row of cells.
    criteria = page.locator("fieldset[data-criterion]")
    expect(criteria).to_have_count(5)
    heights = [criteria.nth(i).bounding_box()["height"] for i in range(5)]
    assert max(heights) < 200, heights
    levels = criteria.first.locator(".rubric-level")
    assert len({round(levels.nth(i).bounding_box()["y"]) for i in range(5)}) == 1

    # Scoring the last criterion from the keyboard scrolls the rubric, never the write-up away;
    # the save status stays in sight.
    page.locator("body").click()
    for key in ("]", "]", "]", "]", "]", "2"):
        page.keyboard.press(key)
    last = criteria.last
    expect(last.get_by_label(re.compile("^Proficient"))).to_be_checked()
    expect(page.locator("#save-status")).to_have_text(SAVED)
    viewport = page.viewport_size
    assert in_viewport(last.bounding_box(), viewport)
    assert in_viewport(page.locator("#writeup-heading").bounding_box(), viewport)
    assert in_viewport(page.locator("#save-status").bounding_box(), viewport)
    page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")  # the window too
    assert page.evaluate("window.scrollY") > 0
    assert in_viewport(page.locator("#writeup-heading").bounding_box(), viewport)
    assert page.locator("#scoring-pane").evaluate("pane => pane.scrollTop") > 0
    work = page.get_by_role("region", name="Student's work")
    assert work.evaluate("pane => pane.scrollTop") == 0
    assert work.evaluate("pane => pane.scrollHeight > pane.clientHeight")  # scrolls on its own

    # "?" opens the help as a modal with the focus in it, and Escape brings the focus back.
    last.get_by_label(re.compile("^Proficient")).focus()
    page.keyboard.press("?")
    help_dialog = page.get_by_role("dialog", name="Keyboard shortcuts")
    expect(help_dialog).to_be_visible()
    expect(help_dialog.get_by_role("button", name="Close")).to_be_focused()
    page.keyboard.press("1")  # not a shortcut while the help is open
    expect(last.get_by_label(re.compile("^Proficient"))).to_be_checked()
    page.keyboard.press("Escape")
    expect(help_dialog).to_be_hidden()
    expect(last.get_by_label(re.compile("^Proficient"))).to_be_focused()
    last.get_by_label("Comment on Writing").fill("?")  # typing: no help
    expect(help_dialog).to_be_hidden()


def test_narrow_screens_stack_the_writeup_above_the_rubric(
    new_context, site_url, assignment, instructor, classmate
):
    page = new_context(viewport={"width": 700, "height": 900}).new_page()
    sign_in(page, site_url, instructor.email)
    page.goto(grade_url(site_url, assignment, classmate))
    work = page.get_by_role("region", name="Student's work").bounding_box()
    scoring = page.get_by_role("region", name="Scoring").bounding_box()
    assert work["y"] + work["height"] <= scoring["y"] + 1


def test_releasing_to_the_class_is_confirmed_first(
    page, site_url, assignment, instructor, classmate, student
):
    for user in (classmate, student):
        submission = assignment.submissions.get(student=user)
        criteria = list(assignment.rubric.criteria.all())
        grading.grade_save(
            submission=submission, grader=instructor,
            levels={c.pk: c.levels.first().pk for c in criteria if c.levels.exists()},
            points={c.pk: Decimal(5) for c in criteria if not c.levels.exists()},
            expected_revision=0, now=timezone.now(),
        )  # fmt: skip
    sign_in(page, site_url, instructor.email)
    page.goto(site_url + reverse("interviews:grading", args=[assignment.course_id, assignment.pk]))

    page.get_by_role("button", name="Release feedback (2 graded)").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Release feedback on Informational interview?"
    )
    expect(page.locator("main")).to_contain_text("Feedback will be released to 2 students")
    assert not Grade.objects.released().exists()
    page.get_by_role("link", name="Cancel").click()
    assert not Grade.objects.released().exists()

    page.get_by_role("button", name="Release feedback (2 graded)").click()
    page.get_by_role("button", name="Release feedback to 2 students").click()
    expect(page.get_by_text("Feedback released to 2 students. They are notified.")).to_be_visible()
    assert Grade.objects.released().count() == 2
