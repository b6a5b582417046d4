"""static/js/autosave-engine.js in a real browser, on both pages that save as you type (the
write-up and the grading page): the same conflict path, the same wire protocol. A change saved
on the server between two background saves is never overwritten, the text typed in the page is
never lost, and after a reload it is offered back and saved over the other version."""

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from interviews import grading, writeups
from interviews.models import Assignment, Grade, ReflectionPrompt, Submission
from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser
SAVED = re.compile(r"^Saved at \d\d:\d\d")


@dataclass
class Autosaved:
    """One page that saves as you type, as a person meets it."""

    url: str
    user: object
    field: str  # the label of the text box typed in
    status: str  # the status line's selector
    restore: str  # the button that puts the kept text back
    conflict: str  # what the status line says on a conflict
    save_elsewhere: Callable[[str], None]  # another tab or grader saves this text
    stored: Callable[[], str]  # the text the server has


def _writeup(site_url, course, instructor, student, assistant) -> Autosaved:
    assignment = Assignment.objects.create(
        course=course, title="Informational interview", created_by=instructor,
        writeup_due_at=timezone.now() + timedelta(days=7),
        state=Assignment.State.PUBLISHED, published_at=timezone.now(),
    )  # fmt: skip
    prompt = ReflectionPrompt.objects.create(assignment=assignment, text="What surprised you?")

    def save_elsewhere(text):
        draft = writeups.writeup_draft(assignment=assignment, student=student)
        writeups.writeup_save(
            assignment=assignment, student=student, answers={str(prompt.pk): text}, body="",
            revision=draft.revision, now=timezone.now(),
        )  # fmt: skip

    return Autosaved(
        url=site_url + reverse("interviews:writeup", args=[course.pk, assignment.pk]),
        user=student, field="What surprised you?", status="#autosave-status",
        restore="Put that text back",
        conflict="This write-up was changed in another tab or window.",
        save_elsewhere=save_elsewhere,
        stored=lambda: Submission.objects.get().answers.get(str(prompt.pk), ""),
    )  # fmt: skip


def _grading(site_url, course, instructor, student, assistant) -> Autosaved:
    now = timezone.now()
    assignment = Assignment.objects.create(
        course=course, title="Informational interview", created_by=instructor,
        writeup_due_at=now - timedelta(days=1), state=Assignment.State.PUBLISHED,
    )  # fmt: skip
    submission = Submission.objects.create(
        assignment=assignment, student=student, body="What Stella learned.", word_count=3,
        revision=1, submitted_revision=1, submitted_at=now,
    )  # fmt: skip

    def save_elsewhere(text):
        grade = Grade.objects.get(submission=submission)
        grading.grade_save(
            submission=submission, grader=instructor, overall_comment=text,
            expected_revision=grade.revision, now=timezone.now(),
        )  # fmt: skip

    return Autosaved(
        url=site_url
        + reverse("interviews:grade", args=[course.pk, assignment.pk, student.pk]),
        user=assistant, field="Overall comment", status="#save-status",
        restore="Restore my input",
        conflict="Not saved: Ines Instructor saved this grade at",
        save_elsewhere=save_elsewhere,
        stored=lambda: Grade.objects.get().overall_comment,
    )  # fmt: skip


@pytest.fixture(params=["writeup", "grading"])
def autosaved(request, site_url, course, instructor, student, assistant) -> Autosaved:
    make = {"writeup": _writeup, "grading": _grading}[request.param]
    return make(site_url, course, instructor, student, assistant)


def _is_save(response) -> bool:
    return response.request.method == "POST" and "application/json" in (
        response.request.headers.get("accept", "")
    )


def test_a_change_saved_elsewhere_between_two_saves_is_kept_and_so_is_the_typed_text(
    page, site_url, autosaved
):
    sign_in(page, site_url, autosaved.user.email)
    page.goto(autosaved.url)
    box = page.get_by_label(autosaved.field)
    status = page.locator(autosaved.status)
    box.fill("Mine, first")
    expect(status).to_have_text(SAVED)
    assert autosaved.stored() == "Mine, first"

    autosaved.save_elsewhere("Theirs")
    with page.expect_response(_is_save) as answer:
        box.fill("Mine, second")

    # The one protocol: 409 with the server's revision; nothing overwritten, nothing lost.
    assert answer.value.status == 409
    body = answer.value.json()
    assert body["status"] == "conflict" and isinstance(body["revision"], int)
    expect(status).to_contain_text(autosaved.conflict)
    expect(box).to_have_value("Mine, second")
    assert autosaved.stored() == "Theirs"
    # No more background saves until the person has seen the other version.
    box.press("End")
    box.press_sequentially(" and more")
    page.wait_for_timeout(2500)
    assert autosaved.stored() == "Theirs"

    # After a reload the server's version is shown and the typed text offered back.
    page.reload()
    expect(box).to_have_value("Theirs")
    expect(page.get_by_text("typed on an earlier version")).to_be_visible()
    page.get_by_role("button", name=autosaved.restore).click()
    expect(box).to_have_value("Mine, second and more")
    expect(status).to_have_text(SAVED)
    assert autosaved.stored() == "Mine, second and more"
    # Saved, so nothing is offered back any more.
    page.reload()
    expect(box).to_have_value("Mine, second and more")
    expect(page.get_by_role("button", name=autosaved.restore)).to_be_hidden()
