"""The gradebook of a large class in a browser: a page of students at a time, paged with the
keyboard, sorted and searched by the labels a person sees, with the position in the heading
and the table's headers for a screen reader; the statistics stay the whole class's."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.browser.conftest import sign_in
from tests.factories import enrol_many
from tests.interviews.grading_samples import gradebook_assignment, graded

pytestmark = pytest.mark.browser


@pytest.fixture
def big_book(course):
    """122 students (Stella and Carl, then "Zoe Pupil 001" to "120"); every pupil graded on
    "Interview" with their number modulo 20 out of 20: 020, 040, … have 0, 019, 039, … have
    19; Stella and Carl have nothing graded."""
    assignment = gradebook_assignment(course, "Interview")
    for n, pupil in enumerate(enrol_many(course, 120), start=1):
        graded(assignment, pupil, str(n % 20))
    return course


def first_student(grades):
    return grades.get_by_role("rowheader").first


def statistic(grades, name: str):
    """The whole class's row of ``name`` (Graded, Average, Median) at the foot of the table."""
    return grades.get_by_role("row").filter(has=grades.page.get_by_role("rowheader", name=name))


def test_instructor_pages_sorts_and_searches_a_gradebook_of_122(
    page, site_url, big_book, instructor
):
    sign_in(page, site_url, instructor.email)
    page.goto(site_url + reverse("interviews:gradebook", args=[big_book.pk]))
    heading = page.locator("#grades-heading")
    grades = page.get_by_role("region", name="Grades of students")
    paging = page.get_by_role("navigation", name="Gradebook pages")

    expect(heading).to_have_text("Students 1–50 of 122")
    # A screen reader gets the headers of each cell: the columns, and a student per row.
    expect(grades.get_by_role("columnheader", name="Student")).to_be_visible()
    expect(grades.get_by_role("columnheader", name="Interview")).to_contain_text("out of 20")
    expect(grades.get_by_role("rowheader")).to_have_count(50 + 3)  # and Graded, Average, Median
    expect(first_student(grades)).to_contain_text("Carl Classmate")
    expect(statistic(grades, "Graded")).to_contain_text("120 of 122")

    # Paging with the keyboard: the links are in the tab order and follow Enter.
    paging.get_by_role("link", name="Next").focus()
    page.keyboard.press("Enter")
    expect(heading).to_have_text("Students 51–100 of 122")
    expect(paging.get_by_role("link", name="Page 2")).to_have_attribute("aria-current", "page")
    expect(first_student(grades)).to_contain_text("Zoe Pupil 049")
    expect(statistic(grades, "Median")).to_contain_text("9.5")  # the whole class

    grades.get_by_role("link", name="Score (Interview) sort ascending").click()
    expect(heading).to_have_text("Students 1–50 of 122")
    expect(grades.get_by_role("columnheader", name="Interview")).to_have_attribute(
        "aria-sort", "ascending"
    )
    expect(first_student(grades)).to_contain_text("Zoe Pupil 020")  # 0, first of six by name
    grades.get_by_role("link", name="Current sort ascending").click()
    grades.get_by_role("link", name="Current sort descending").click()
    expect(grades.get_by_role("columnheader", name="Current")).to_have_attribute(
        "aria-sort", "descending"
    )
    expect(grades.get_by_role("columnheader", name="Interview")).not_to_have_attribute(
        "aria-sort", "ascending"
    )
    expect(first_student(grades)).to_contain_text("Zoe Pupil 019")  # 95 %
    paging.get_by_role("link", name="Page 3").click()
    expect(heading).to_have_text("Students 101–122 of 122")
    # Nothing graded comes last, whichever way a total is sorted.
    expect(grades.get_by_role("rowheader").nth(-4)).to_contain_text("Stella Student")

    page.get_by_label("Search by name or email").fill("pupil 11")
    page.get_by_label("Students per page").select_option("100")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(heading).to_have_text("Students 1–10 of 10 matching “pupil 11”")
    # The search kept the sort (Current, descending), and the statistics the whole class.
    expect(first_student(grades)).to_contain_text("Zoe Pupil 119")
    expect(statistic(grades, "Graded")).to_contain_text("120 of 122")
    expect(page).to_have_url(
        site_url
        + reverse("interviews:gradebook", args=[big_book.pk])
        + "?q=pupil+11&per=100&sort=current&dir=desc"
    )
    page.get_by_role("link", name="Clear search").click()
    expect(heading).to_have_text("Students 1–100 of 122")
