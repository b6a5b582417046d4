"""A Moodle participants export, uploaded as downloaded, in a real browser: the instructor
chooses the file by its label, sees it read as Moodle's, and invites everyone in it."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import sign_in
from tests.browser.support import label

pytestmark = pytest.mark.browser

MOODLE_EXPORT = Path(__file__).resolve().parents[1] / "data" / "moodle-participants-export.csv"


def test_instructor_imports_a_moodle_participants_export_as_downloaded(
    site_url, new_context, instructor, course
):
    page = new_context().new_page()
    sign_in(page, site_url, instructor.email)
    page.get_by_role("link", name="Career Exploration").first.click()
    page.get_by_role("link", name="Import a CSV roster").click()
    expect(page.get_by_text("A Moodle participants export", exact=True)).to_be_visible()

    page.get_by_label(label("Roster file (CSV)")).set_input_files(str(MOODLE_EXPORT))
    page.get_by_role("button", name="Check the file").click()

    expect(page.get_by_text("Read as a Moodle participants export.")).to_be_visible()
    preview = page.get_by_role("table", name=re.compile("^Preview"))
    expect(preview.get_by_role("row")).to_have_count(5)  # the header and four people
    expect(preview.get_by_role("row", name=re.compile("mlk@example.edu"))).to_contain_text(
        "Martin Luther King, Jr."
    )
    expect(preview.get_by_role("row", name=re.compile("jose.diaz@example.edu"))).to_contain_text(
        "José Díaz"
    )
    page.get_by_role("button", name="Import 4 people").click()
    expect(page.get_by_text("Import finished. 4 invited.")).to_be_visible()
