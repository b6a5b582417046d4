"""The roster of a large class in a browser: a page at a time, sorted and paged by the labels a
person sees, with the position in the heading."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.browser.conftest import sign_in
from tests.factories import enrol_many

pytestmark = pytest.mark.browser


def test_instructor_pages_and_sorts_a_class_of_120(page, site_url, course, instructor):
    enrol_many(course, 120)
    sign_in(page, site_url, instructor.email)
    page.goto(site_url + reverse("courses:roster", args=[course.pk]))
    members = page.get_by_role("region", name=f"Members of {course.title}")
    paging = page.get_by_role("navigation", name="Roster pages")
    heading = page.locator("#members-heading")

    expect(heading).to_have_text("Members 1–50 of 124")
    paging.get_by_role("link", name="Next").click()
    expect(heading).to_have_text("Members 51–100 of 124")
    expect(paging.get_by_role("link", name="Page 2")).to_have_attribute("aria-current", "page")
    expect(members.locator("tbody tr").first.locator("td").first).to_have_text("Zoe Pupil 047")

    members.get_by_role("link", name="Email sort ascending").click()
    expect(heading).to_have_text("Members 1–50 of 124")
    expect(page.get_by_role("columnheader", name="Email")).to_have_attribute(
        "aria-sort", "ascending"
    )
    members.get_by_role("link", name="Email sort descending").click()
    expect(page.get_by_role("columnheader", name="Email")).to_have_attribute(
        "aria-sort", "descending"
    )
    expect(members.locator("tbody tr").first.locator("td").first).to_have_text("Zoe Pupil 120")

    page.get_by_label("Search by name or email").fill("pupil")
    page.get_by_label("Members per page").select_option("100")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(heading).to_have_text("Members 1–100 of 120 matching “pupil”")
    paging.get_by_role("link", name="Page 2").click()
    expect(heading).to_have_text("Members 101–120 of 120 matching “pupil”")
    # The new search kept the email sort, descending.
    expect(members.locator("tbody tr").first.locator("td").first).to_have_text("Zoe Pupil 020")
    expect(page.get_by_role("columnheader", name="Email")).to_have_attribute(
        "aria-sort", "descending"
    )
