"""Journey 1 in a real browser: an instructor signs up, creates a course and brings students in
by email invitation and by join code."""

import json
import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from courses.enrolment import invitation_create
from courses.models import Role
from tests.browser.conftest import link_in, sign_in, wait_for_mail
from tests.browser.support import serious_violations
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser

NEW_PASSWORD = "plum-orchard-lantern-42"


def sign_up(page, *, full_name: str, time_zone: str, email: str | None = None) -> None:
    """Fill allauth's sign-up form; ``email=None`` keeps what the page prefilled."""
    if email is not None:
        page.get_by_label("Email").fill(email)
    page.get_by_label("Full name").fill(full_name)
    page.get_by_label("Your time zone").select_option(time_zone)
    page.get_by_label(re.compile(r"^\s*Password\W*$")).fill(NEW_PASSWORD)
    page.get_by_label("Password (again)").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Sign Up").click()


def test_instructor_signs_up_creates_course_and_students_join_by_invitation_and_code(
    site_url, new_context, student
):
    instructor_email = "nadia.new@example.edu"
    invitee_email = "ivan.invitee@example.edu"
    title = "Exploring Careers in Public Health"

    # The instructor signs up and confirms the address from the verification email.
    page = new_context().new_page()
    page.goto(site_url)
    page.get_by_role("link", name="Create an account").click()
    sign_up(page, email=instructor_email, full_name="Nadia New", time_zone="America/Toronto")
    expect(page.get_by_role("heading", name="Verify Your Email Address")).to_be_visible()
    confirm_url = link_in(wait_for_mail(to=instructor_email), "/accounts/confirm-email/")
    page.goto(confirm_url)
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", name="My courses")).to_be_visible()
    expect(page.get_by_role("button", name="Nadia New")).to_be_visible()

    # … creates a course …
    page.get_by_role("link", name="Create a course", exact=True).click()
    page.get_by_label("Course title").fill(title)
    page.get_by_label("Term").fill("Fall 2027")
    page.get_by_label("Course time zone").select_option("America/Toronto")
    page.get_by_role("button", name="Create course").click()
    expect(page.get_by_text(f"Course “{title}” created.")).to_be_visible()
    expect(page.get_by_text("Course time zone: America/Toronto")).to_be_visible()
    join_code = page.locator(".join-code").inner_text().strip()

    # … and invites a student by email.
    page.get_by_role("link", name="Invite by email").click()
    page.get_by_label("Email addresses").fill(invitee_email)
    page.get_by_role("button", name="Send invitations").click()
    expect(page.get_by_text("1 invitation sent.")).to_be_visible()
    expect(page.get_by_role("cell", name=invitee_email, exact=True)).to_be_visible()

    # The invited student follows the emailed link and signs up on the way; the address is
    # taken from the invitation and needs no second verification.
    invitation_email = wait_for_mail(to=invitee_email, containing="/invitations/")
    assert title in invitation_email.subject
    invitee = new_context().new_page()
    invitee.goto(link_in(invitation_email, "/invitations/"))
    expect(invitee.get_by_role("heading", name=f"You're invited to {title}")).to_be_visible()
    invitee.get_by_role("link", name="Create an account").click()
    expect(invitee.get_by_label("Email")).to_have_value(invitee_email)
    sign_up(invitee, full_name="Ivan Invitee", time_zone="Europe/Madrid")
    invitee.get_by_role("button", name=f"Accept and join {title}").click()
    expect(invitee.get_by_text(f"Welcome to {title}.")).to_be_visible()
    expect(invitee.get_by_role("heading", level=1)).to_have_text(title)
    invitee.get_by_role("link", name="My courses", exact=True).first.click()
    taking = invitee.get_by_role("region", name="Taking")
    expect(taking.get_by_role("link", name=title)).to_be_visible()
    assert not [m for m in mail.outbox if invitee_email in m.to and "confirm-email" in m.body]

    # A student who already has an account joins with the code the instructor shares, typed
    # the way people type codes.
    classmate = new_context().new_page()
    sign_in(classmate, site_url, student.email, PASSWORD)
    typed = f"{join_code[:4].lower()}-{join_code[4:].lower()}"
    classmate.get_by_label("Join a course with a code").fill(typed)
    classmate.get_by_role("button", name="Join course").click()
    expect(classmate.get_by_text(f"You joined {title}.")).to_be_visible()
    classmate.get_by_role("link", name="My courses", exact=True).first.click()
    taking = classmate.get_by_role("region", name="Taking")
    expect(taking.get_by_role("link", name=title)).to_be_visible()

    # The instructor's roster now lists both students.
    page.get_by_role("link", name="Roster", exact=True).click()
    members = page.get_by_role("region", name=re.compile("^Members"))
    expect(members.get_by_role("cell", name=invitee_email, exact=True)).to_be_visible()
    expect(members.get_by_role("cell", name=student.email, exact=True)).to_be_visible()


def test_roster_import_invites_everyone_and_a_student_with_an_account_accepts_on_my_courses(
    site_url, new_context, instructor, course, outsider, tmp_path
):
    roster = tmp_path / "roster.csv"
    roster.write_text(
        "name,email\nOtto Outsider,otto.outsider@example.edu\nNew Person,new@example.edu\n"
    )

    # The instructor imports a roster naming someone who has an account and someone who has not.
    page = new_context().new_page()
    sign_in(page, site_url, instructor.email)
    page.get_by_role("link", name="Career Exploration").first.click()
    page.get_by_role("link", name="Import a CSV roster").click()
    page.get_by_label("Roster file (CSV)").set_input_files(str(roster))
    page.get_by_role("button", name="Check the file").click()
    preview = page.get_by_role("table", name=re.compile("^Preview"))
    expect(
        preview.get_by_role("row", name=re.compile("otto.outsider@example.edu"))
    ).to_contain_text("Will be invited")
    expect(preview.get_by_role("row", name=re.compile("new@example.edu"))).to_contain_text(
        "Will be invited"
    )
    expect(page.get_by_text("Enrolled now")).to_have_count(0)
    page.get_by_role("button", name="Import 2 people").click()
    expect(page.get_by_text("Import finished. 2 invited.")).to_be_visible()
    page.get_by_role("link", name="Back to the roster").click()
    members = page.get_by_role("region", name=re.compile("^Members"))
    expect(members.get_by_role("cell", name=outsider.email, exact=True)).to_have_count(0)
    invited = page.get_by_role("region", name=re.compile("^Invited"))
    expect(invited.get_by_role("cell", name=outsider.email, exact=True)).to_be_visible()
    assert "/invitations/" in wait_for_mail(to=outsider.email, containing="/invitations/").body

    # Otto finds the invitation on My courses and accepts it there.
    otto = new_context().new_page()
    sign_in(otto, site_url, outsider.email)
    waiting = otto.get_by_role("region", name="Invitations waiting for you")
    expect(waiting).to_contain_text("Career Exploration")
    expect(
        otto.get_by_role("region", name="Taking").get_by_role("link", name="Career Exploration")
    ).to_have_count(0)
    waiting.get_by_role("button", name="Accept invitation to Career Exploration").click()
    expect(otto.get_by_text("Welcome to CAR 101 Career Exploration.")).to_be_visible()
    otto.get_by_role("link", name="My courses", exact=True).first.click()
    taking = otto.get_by_role("region", name="Taking")
    expect(taking.get_by_role("link", name="Career Exploration")).to_be_visible()


def test_wrong_join_code_shows_error_at_the_field_and_keeps_the_text(site_url, page, student):
    sign_in(page, site_url, student.email)
    page.get_by_label("Join a course with a code").fill("ZZZZ-9999")
    page.get_by_role("button", name="Join course").click()

    field = page.get_by_label("Join code")
    expect(field).to_have_value("ZZZZ-9999")
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(field).to_have_accessible_description(re.compile("No course has that code"))
    expect(page.get_by_text("No course has that code.")).to_be_visible()


@pytest.mark.corpus  # a sweep of the pages' accessibility, run by `make corpus`
@pytest.mark.browser_context_args(bypass_csp=True)  # axe is injected as an inline script
def test_main_pages_have_no_serious_accessibility_violations(site_url, page, instructor, course):
    pages = {
        "home": "/", "login": "/accounts/login/", "signup": "/accounts/signup/",
        "not found (signed out)": "/no-such-page/",
    }  # fmt: skip
    found = {}
    for name, path in pages.items():
        page.goto(site_url + path)
        found[name] = serious_violations(page)

    invitation_create(
        course=course, email="pending.person@example.edu", role=Role.STUDENT,
        invited_by=instructor,
    )  # fmt: skip
    sign_in(page, site_url, instructor.email)
    pages = {
        "my courses": "/courses/",
        "course home": f"/courses/{course.pk}/",
        "roster": f"/courses/{course.pk}/roster/",
        "invite": f"/courses/{course.pk}/roster/invite/",
        "import upload": f"/courses/{course.pk}/roster/import/",
        "settings": f"/courses/{course.pk}/settings/",
        "leave": f"/courses/{course.pk}/leave/",
        "join": "/join/",
        "not found (signed in)": "/no-such-page/",
    }
    for name, path in pages.items():
        page.goto(site_url + path)
        found[name] = serious_violations(page)

    problems = {name: v for name, v in found.items() if v}
    assert not problems, json.dumps(problems, indent=2)
