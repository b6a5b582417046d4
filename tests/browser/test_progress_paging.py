"""The progress grid of a large class in a browser: a page of students at a time, paged, sorted
and filtered by the labels a person sees, with the position in the heading and the counts of the
whole class beside."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.browser.conftest import sign_in
from tests.factories import enrol_many, local, plan_interview

pytestmark = pytest.mark.browser


def test_instructor_pages_sorts_and_filters_the_grid_of_a_class_of_120(
    page, site_url, course, instructor, assignment
):
    pupils = enrol_many(course, 120)
    for pupil in pupils[::3]:  # 40 chose their contact in time
        plan_interview(assignment, pupil, created=local(2027, 2, 25, 10, 0))
    sign_in(page, site_url, instructor.email)
    page.goto(site_url + reverse("interviews:progress", args=[course.pk, assignment.pk]))
    grid = page.get_by_role("region", name="Progress of each student")
    paging = page.get_by_role("navigation", name="Student pages")
    heading = page.locator("#students-heading")
    first_student = grid.locator("tbody tr").first.get_by_role("rowheader")

    expect(heading).to_have_text("Students 1–50 of 122")
    # The counts are the whole class's, whatever the page.
    glance = page.get_by_role("region", name=re.compile("^At a glance"))
    expect(glance.get_by_role("link", name="40 done: contact chosen")).to_be_visible()
    expect(glance.get_by_role("link", name="82 not due yet: contact chosen")).to_be_visible()
    paging.get_by_role("link", name="Next").click()
    expect(heading).to_have_text("Students 51–100 of 122")
    expect(paging.get_by_role("link", name="Page 2")).to_have_attribute("aria-current", "page")
    expect(first_student).to_contain_text("Zoe Pupil 049")

    grid.get_by_role("link", name="Student sort descending").click()
    expect(heading).to_have_text("Students 1–50 of 122")
    expect(page.get_by_role("columnheader", name="Student")).to_have_attribute(
        "aria-sort", "descending"
    )
    expect(first_student).to_contain_text("Zoe Pupil 120")

    page.get_by_label("Milestone").select_option(label="Contact chosen")
    page.get_by_label("Status").select_option(label="Done")
    page.get_by_label("Students per page").select_option("100")
    page.get_by_role("button", name="Filter").click()
    expect(heading).to_have_text("Students 1–40 of 40")
    expect(page.get_by_role("status")).to_have_text("Showing 40 of 122 students.")
    # The filter kept the sort, descending by name.
    expect(first_student).to_contain_text("Zoe Pupil 118")

    # With a milestone chosen, its column sorts by status: done first, then not due yet, the
    # names breaking ties from A to Z.
    page.get_by_label("Status").select_option(label="Any status")
    page.get_by_role("button", name="Filter").click()
    expect(heading).to_have_text("Students 1–100 of 122")
    grid.get_by_role("link", name="Contact chosen sort ascending").click()
    expect(page.get_by_role("columnheader", name="Contact chosen")).to_have_attribute(
        "aria-sort", "ascending"
    )
    expect(first_student).to_contain_text("Zoe Pupil 001")
    expect(grid.locator("tbody tr").nth(40).get_by_role("rowheader")).to_contain_text(
        "Carl Classmate"
    )
    paging.get_by_role("link", name="Page 2").click()
    expect(heading).to_have_text("Students 101–122 of 122")
    expect(grid.get_by_text("Done", exact=True)).to_have_count(0)
