"""The sign-up page pre-selects the browser's zone by its current IANA name, also when the
browser still reports a legacy one (Chromium's ICU says Asia/Calcutta for India)."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(
    ("browser_zone", "shown"),
    [
        ("Asia/Calcutta", "Asia/Kolkata"),
        ("Europe/Kiev", "Europe/Kyiv"),
        ("Asia/Tokyo", "Asia/Tokyo"),
    ],
)
def test_sign_up_preselects_the_current_name_of_the_browsers_zone(
    transactional_db, site_url, new_context, browser_zone, shown
):
    page = new_context(timezone_id=browser_zone).new_page()

    page.goto(f"{site_url}/accounts/signup/")

    expect(page.get_by_label("Your time zone")).to_have_value(shown)
