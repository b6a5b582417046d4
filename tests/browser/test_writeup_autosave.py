"""The write-up's autosave in a real browser: text is saved as it is typed, a second tab never
silently overwrites the first, a failed save says so and keeps the text, and text the server
never got is offered back on the next visit."""

import json
import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from interviews.authoring import assignment_publish
from interviews.models import Assignment, ReflectionPrompt, Submission
from tests.browser.conftest import sign_in
from tests.browser.support import serious_violations
from tests.factories import make_assignment
from tests.interviews import samples

CONFLICT = "This write-up was changed in another tab or window."
SAVED = re.compile(r"^Saved at \d\d:\d\d\.$")


def one_prompt_due_in_a_week(course):
    """The ``assignment``: one prompt, at least 5 words, PDF attachments, due in a week on the
    real clock; published through the model."""
    assignment = make_assignment(
        course, state=Assignment.State.DRAFT, contact_due_at=None, interview_due_at=None,
        writeup_due_at=timezone.now() + timedelta(days=7), cutoff_at=None, min_words=5,
        allow_attachments=True, attachment_types=["pdf"],
    )  # fmt: skip
    ReflectionPrompt.objects.create(assignment=assignment, text="What surprised you?")
    assignment_publish(assignment=assignment, by=assignment.created_by, now=timezone.now())
    return assignment


pytestmark = [pytest.mark.browser, pytest.mark.assignment(build=one_prompt_due_in_a_week)]


@pytest.fixture
def writeup_url(site_url, assignment):
    return site_url + reverse("interviews:writeup", args=[assignment.course_id, assignment.pk])


def body_of(student) -> str:
    return Submission.objects.get(student=student).answers.popitem()[1]


def test_typing_is_saved_as_it_goes_with_a_live_word_count(page, site_url, writeup_url, student):
    sign_in(page, site_url, student.email)
    page.goto(writeup_url)
    answer = page.get_by_label("What surprised you?")

    answer.fill("How much of the job is listening")

    expect(page.locator("#writeup-words")).to_have_text("7 words of at least 5")
    expect(page.locator("#autosave-status")).to_have_text(SAVED)
    assert body_of(student) == "How much of the job is listening"
    page.reload()
    expect(answer).to_have_value("How much of the job is listening")


def test_a_second_tab_never_silently_overwrites_the_first(
    new_context, site_url, writeup_url, student
):
    context = new_context()
    first, second = context.new_page(), context.new_page()
    sign_in(first, site_url, student.email)
    first.goto(writeup_url)
    second.goto(writeup_url)

    first.get_by_label("What surprised you?").fill("Typed in the first tab")
    expect(first.locator("#autosave-status")).to_have_text(SAVED)
    second.get_by_label("What surprised you?").fill("Typed in the second tab")

    expect(second.locator("#autosave-status")).to_contain_text(CONFLICT)
    expect(second.get_by_label("What surprised you?")).to_have_value("Typed in the second tab")
    assert body_of(student) == "Typed in the first tab"

    # After reloading, the second tab's text is offered back, and kept only if asked for.
    second.reload()
    expect(second.get_by_label("What surprised you?")).to_have_value("Typed in the first tab")
    second.get_by_role("button", name="Put that text back").click()
    expect(second.get_by_label("What surprised you?")).to_have_value("Typed in the second tab")
    expect(second.locator("#autosave-status")).to_have_text(SAVED)
    assert body_of(student) == "Typed in the second tab"


def test_a_failed_save_says_so_keeps_the_text_and_retries_on_the_next_keystroke(
    page, site_url, writeup_url, student
):
    sign_in(page, site_url, student.email)
    page.goto(writeup_url)
    page.route(writeup_url, lambda route: route.abort())
    answer = page.get_by_label("What surprised you?")

    answer.fill("Written while offline")

    expect(page.locator("#autosave-status")).to_have_text(
        "Not saved — check your connection. Your text is still here."
    )
    expect(answer).to_have_value("Written while offline")
    page.unroute(writeup_url)
    answer.press("End")
    answer.press_sequentially(" and back")
    expect(page.locator("#autosave-status")).to_have_text(SAVED)
    assert body_of(student) == "Written while offline and back"


def test_text_the_server_never_got_is_offered_back_on_the_next_visit(
    page, site_url, writeup_url, student
):
    sign_in(page, site_url, student.email)
    page.goto(writeup_url)
    page.route(writeup_url, lambda route: route.abort())
    page.get_by_label("What surprised you?").fill("Never reached the server")
    expect(page.locator("#autosave-status")).to_contain_text("Not saved")
    page.unroute(writeup_url)

    page.goto(site_url + "/courses/")
    page.goto(writeup_url)

    expect(page.get_by_text("This browser kept text you typed")).to_be_visible()
    page.get_by_role("button", name="Put that text back").click()
    expect(page.locator("#autosave-status")).to_have_text(SAVED)
    assert body_of(student) == "Never reached the server"


def test_submit_pressed_while_a_save_is_pending_submits_once_with_all_the_text(
    page, site_url, writeup_url, student
):
    sign_in(page, site_url, student.email)
    page.goto(writeup_url)

    page.get_by_label("What surprised you?").fill("That mentors matter more than titles do")
    page.get_by_role("button", name="Submit").click()
    # No interview is held here, so the page asks first; the text is already saved.
    page.get_by_role("button", name="Submit anyway").click()

    expect(page.get_by_text("Submitted: version 1 of your write-up is in.")).to_be_visible()
    submission = Submission.objects.get(student=student)
    assert submission.versions.count() == 1
    assert submission.versions.get().word_count == 7


def test_a_refused_upload_keeps_the_typed_text_and_a_good_one_is_attached(
    page, site_url, writeup_url, student, tmp_path
):
    disguised = tmp_path / "report.pdf"
    disguised.write_bytes(samples.WINDOWS_PROGRAM)
    real = tmp_path / "notes.pdf"
    real.write_bytes(samples.PDF)
    sign_in(page, site_url, student.email)
    page.goto(writeup_url)
    answer = page.get_by_label("What surprised you?")
    answer.fill("Typed just before uploading")

    page.get_by_label("Attach a file").set_input_files(disguised)
    page.get_by_role("button", name="Upload file").click()

    expect(
        page.get_by_text("“report.pdf” cannot be attached: it looks like a Windows")
    ).to_be_visible()
    expect(answer).to_have_value("Typed just before uploading")
    page.get_by_label("Attach a file").set_input_files(real)
    page.get_by_role("button", name="Upload file").click()
    expect(page.get_by_text("“notes.pdf” is attached.")).to_be_visible()
    expect(page.get_by_role("link", name="notes.pdf")).to_be_visible()
    expect(answer).to_have_value("Typed just before uploading")
    assert body_of(student) == "Typed just before uploading"


@pytest.mark.browser_context_args(bypass_csp=True)  # axe is injected as an inline script
def test_the_writeup_page_has_no_serious_accessibility_violations(
    page, site_url, writeup_url, student
):
    sign_in(page, site_url, student.email)
    page.goto(writeup_url)

    problems = serious_violations(page)

    assert not problems, json.dumps(problems, indent=2)
