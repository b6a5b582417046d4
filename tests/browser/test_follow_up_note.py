"""The follow-up note in a real browser: drafted with the better answer from the log, edited,
copied and opened in the email app as edited, and still there after a reload."""

import re
from datetime import timedelta
from urllib.parse import quote

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from interviews import planning
from interviews.models import Interview
from tests.browser.conftest import sign_in
from tests.factories import interview_done, published_assignment

pytestmark = pytest.mark.browser

BETTER = "You asked why epidemiology: I want my statistics to keep a whole city healthy."


def encode_uri_component(text: str) -> str:
    """What the page's encodeURIComponent makes of ``text``."""
    return quote(text, safe="-_.!~*'()")


def test_student_edits_copies_and_mails_the_follow_up_and_finds_it_after_a_reload(
    site_url, new_context, course, instructor, student
):
    assignment = published_assignment(course, instructor)
    interview = interview_done(assignment, student)
    interview.contact.email = "priya.raman@health.example.gov"
    interview.contact.save()
    planning.interview_save_log(
        interview=interview, held_at=timezone.now() - timedelta(days=9),
        notes="Outbreak work is mostly data cleaning.", went_poorly=BETTER,
    )  # fmt: skip
    context = new_context(permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    sign_in(page, site_url, student.email)

    page.goto(f"{site_url}/courses/{course.pk}/assignments/{assignment.pk}/")
    page.get_by_role("link", name="Interview with Priya Raman").click()
    page.get_by_role("link", name="Follow-up", exact=True).click()
    expect(page.get_by_text("Now is a good time for one polite follow-up")).to_be_visible()
    note = page.get_by_label("Follow-up note to Priya Raman")
    expect(note).to_have_value(re.compile(r"^Dear Priya Raman,"))
    expect(note).to_have_value(re.compile(re.escape(BETTER)))

    edited = note.input_value().replace("I hope you are well.", "I hope your spring is going well!")
    note.fill(edited)
    # Saved as typed (the "Save draft" button below does the same without JavaScript).
    expect(page.get_by_text(re.compile(r"^Draft saved at \d\d:\d\d\.$"))).to_be_visible()
    assert Interview.objects.get(pk=interview.pk).follow_up_draft == edited
    page.get_by_role("button", name="Copy", exact=True).click()
    expect(page.get_by_role("status").filter(has_text="Copied")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == edited
    mail = page.get_by_role("link", name="Open in your email app")
    href = mail.get_attribute("href")
    assert href.startswith(
        "mailto:priya.raman@health.example.gov?subject=Following%20up%20on%20our%20conversation"
    )
    assert href.endswith("&body=" + encode_uri_component(edited))

    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text("Your draft was saved with the interview.")).to_be_visible()
    page.reload()
    expect(page.get_by_label("Follow-up note to Priya Raman")).to_have_value(edited)
    assert mail.get_attribute("href").endswith("&body=" + encode_uri_component(edited))
    assert Interview.objects.get(pk=interview.pk).follow_up_draft == edited
