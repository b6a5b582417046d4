"""Time-zone lists carry current IANA names only; a legacy alias means its current name."""

import pytest
from django.urls import reverse

from accounts.forms import ProfileForm, SignupProfileForm
from accounts.timezones import canonical_timezone, legacy_aliases, timezone_choices
from tests.forms_as_rendered import Page, as_post_data

LEGACY = {
    "Asia/Calcutta": "Asia/Kolkata",
    "Europe/Kiev": "Europe/Kyiv",
    "Asia/Saigon": "Asia/Ho_Chi_Minh",
    "Asia/Katmandu": "Asia/Kathmandu",
    "America/Buenos_Aires": "America/Argentina/Buenos_Aires",
    "US/Eastern": "America/New_York",
    "US/Pacific": "America/Los_Angeles",
    "Etc/UTC": "UTC",
    "GMT": "UTC",
}


def test_choices_list_current_names_and_no_legacy_alias():
    names = [value for value, _ in timezone_choices()]

    assert names[0] == "UTC"
    assert {"Asia/Kolkata", "Europe/Kyiv", "America/Argentina/Buenos_Aires"} <= set(names)
    assert not set(names) & set(legacy_aliases())
    assert not [name for name in names if name.startswith(("US/", "Etc/"))]
    assert names[1:] == sorted(names[1:])


def test_a_country_sharing_anothers_rules_keeps_its_own_name():
    # Oslo's rules are Berlin's since 2022, but people in Norway look for Oslo.
    assert "Europe/Oslo" in dict(timezone_choices())
    assert canonical_timezone("Europe/Oslo") == "Europe/Oslo"


@pytest.mark.parametrize(("alias", "current"), LEGACY.items())
def test_a_legacy_alias_stands_for_its_current_name(alias, current):
    assert canonical_timezone(alias) == current


def test_sign_up_stores_a_browser_reported_alias_as_the_current_name():
    form = SignupProfileForm({"full_name": "Anika", "time_zone": "Asia/Calcutta"})

    assert form.is_valid(), form.errors
    assert form.cleaned_data["time_zone"] == "Asia/Kolkata"


def test_an_unknown_zone_is_still_refused():
    form = SignupProfileForm({"full_name": "Anika", "time_zone": "Mars/Olympus"})

    assert not form.is_valid()
    assert "Select a valid choice" in str(form.errors["time_zone"])


def test_profile_of_someone_stored_with_a_legacy_name_selects_and_saves_the_current_one(
    as_user, student
):
    student.time_zone = "Europe/Kiev"
    student.save(update_fields=["time_zone"])
    client = as_user(student)
    url = reverse("accounts:profile")
    page = Page(client.get(url).content.decode())

    sent = page.form("time_zone").submission()
    response = client.post(url, as_post_data(sent))

    assert sent["time_zone"] == ["Europe/Kyiv"]  # not the first option, UTC
    assert response.status_code == 302
    student.refresh_from_db()
    assert student.time_zone == "Europe/Kyiv"


def test_profile_form_accepts_the_legacy_name_stored_on_the_row(student):
    student.time_zone = "Asia/Saigon"

    form = ProfileForm(
        {"full_name": student.full_name, "time_zone": "Asia/Saigon"}, instance=student
    )

    assert form.is_valid(), form.errors
    assert form.cleaned_data["time_zone"] == "Asia/Ho_Chi_Minh"
