"""The grading queue of a large class in a browser: a page at a time, filtered, sorted,
searched and paged by the labels a person sees, the position in the heading, and the grading
page's Previous / Next (the n and p keys) walking the list as sorted, across its pages."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from interviews.models import Grade
from tests.browser.conftest import sign_in
from tests.factories import enrol_many, hand_in_many, make_rubric

pytestmark = pytest.mark.browser


@pytest.fixture
def class_of_120(course, assignment):
    """Zoe Pupil 001–120 handed in, every third (003, 006 …) two days late; 001, 005, 009 …
    graded."""
    make_rubric(assignment)
    submissions = hand_in_many(assignment, enrol_many(course, 120), late_days=(0, 0, 2))
    Grade.objects.bulk_create(
        Grade(submission=s, state="complete", score=10, final_score=10, points_possible=20)
        for s in submissions[::4]
    )
    return assignment


def test_instructor_filters_sorts_and_pages_the_queue_and_walks_it_from_the_keyboard(
    page, site_url, class_of_120, instructor
):
    assignment = class_of_120
    sign_in(page, site_url, instructor.email)
    page.goto(site_url + reverse("interviews:grading", args=[assignment.course_id, assignment.pk]))
    heading = page.locator("#queue-heading")
    paging = page.get_by_role("navigation", name="Write-up pages")
    queue = page.get_by_role("region", name="Write-ups to grade")
    first_student = queue.get_by_role("rowheader").first

    expect(heading).to_have_text("Write-ups 1–50 of 120")
    paging.get_by_role("link", name="Next").click()
    expect(heading).to_have_text("Write-ups 51–100 of 120")
    expect(paging.get_by_role("link", name="Page 2")).to_have_attribute("aria-current", "page")
    expect(first_student).to_contain_text("Zoe Pupil 051")

    # Late first: the header's link says which way it sorts, the header what it is sorted by.
    queue.get_by_role("link", name="Late sort ascending").click()
    queue.get_by_role("link", name="Late sort descending").click()
    expect(heading).to_have_text("Write-ups 1–50 of 120")
    late = page.get_by_role("columnheader", name=re.compile("^Late"))
    expect(late).to_have_attribute("aria-sort", "descending")
    expect(first_student).to_contain_text("Zoe Pupil 003")

    # The filter keeps the sort; the late ungraded first (003, 006, 012 …), then the others.
    page.get_by_role("navigation", name="Filter write-ups").get_by_role(
        "link", name=re.compile("^Ungraded")
    ).click()
    expect(heading).to_have_text("Write-ups 1–50 of 90: ungraded")
    expect(late).to_have_attribute("aria-sort", "descending")
    queue.get_by_role("link", name="Grade Zoe Pupil 040").click()  # the last on page 1
    expect(page.get_by_role("heading", level=1)).to_contain_text("Grading Zoe Pupil 040")

    page.locator("body").click()
    page.keyboard.press("n")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Grading Zoe Pupil 043")
    page.locator("body").click()
    page.keyboard.press("p")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Grading Zoe Pupil 040")
    page.get_by_role("link", name=re.compile("^Next student: Zoe Pupil 043")).click()
    page.get_by_role("link", name="← Grading queue (ungraded)").click()
    expect(heading).to_have_text("Write-ups 51–90 of 90: ungraded")
    expect(page.get_by_role("columnheader", name=re.compile("^Late"))).to_have_attribute(
        "aria-sort", "descending"
    )
    expect(first_student).to_contain_text("Zoe Pupil 043")

    page.get_by_label("Search by name or email").fill("pupil 11")
    page.get_by_label("Write-ups per page").select_option("100")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(heading).to_have_text("Write-ups 1–8 of 8: ungraded matching “pupil 11”")
    expect(queue.get_by_role("rowheader")).to_have_count(8)
    expect(page.get_by_role("link", name=re.compile("^All 120"))).to_be_visible()
