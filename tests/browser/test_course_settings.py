"""Course settings in a real browser (issue 9, part 4): the instructor edits the course as the
page renders it and sees it saved; a rejected save says why next to the field, keeps what was
typed, and the header keeps showing the saved course."""

import re

import pytest
from playwright.sync_api import expect

from courses.models import Course
from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser


def label(text: str) -> re.Pattern:
    return re.compile(rf"^\s*{re.escape(text)}\s*\*?\s*$")


def test_instructor_edits_course_settings_and_sees_them_saved(page, site_url, course, instructor):
    sign_in(page, site_url, instructor.email)
    page.get_by_role("link", name=re.compile(course.title)).first.click()
    page.get_by_role("link", name="Settings", exact=True).click()

    page.get_by_label(label("Term")).fill("Autumn 2027")
    page.get_by_label(label("Course time zone")).select_option("Europe/Berlin")
    page.get_by_role("button", name="Save settings").click()

    expect(page.get_by_text("Course settings saved.")).to_be_visible()
    expect(
        page.get_by_text(re.compile("Autumn 2027 · Course time zone: Europe/Berlin"))
    ).to_be_visible()
    course.refresh_from_db()
    assert (course.term, course.time_zone) == ("Autumn 2027", "Europe/Berlin")

    # A rejected save: the message is next to the field, the typed term is kept, the header
    # still shows what is saved.
    page.get_by_label(label("Course title")).fill("")
    page.get_by_label(label("Term")).fill("Never saved")
    page.get_by_role("button", name="Save settings").click()

    expect(page.get_by_text("This field is required.")).to_be_visible()
    expect(page.get_by_label(label("Term"))).to_have_value("Never saved")
    expect(page.get_by_label(label("Course time zone"))).to_have_value("Europe/Berlin")
    expect(page.get_by_text(re.compile("Autumn 2027 · Course time zone"))).to_be_visible()
    assert Course.objects.get(pk=course.pk).term == "Autumn 2027"
