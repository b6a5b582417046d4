"""LTI 1.3 launches in Chromium from a real platform (lti1p3platform on loopback): an
instructor inside the LMS's iframe, a student in a new window."""

import re

import pytest
from playwright.sync_api import expect

from common.numbers import number
from courses.models import Membership, Role
from interviews.models import Interview
from lti.models import AssignmentLink, CourseLink
from tests.browser.support import label
from tests.factories import PASSWORD, make_user, published_assignment
from tests.lti.platform import TEACHING_ASSISTANT, Person

pytestmark = pytest.mark.browser


def test_instructor_in_the_lms_iframe_and_student_in_a_new_window(lms, new_context):
    lms_page = new_context().new_page()
    lms_page.goto(f"{lms.base_url}/course?user=ines")

    tool = lms_page.frame_locator("#tool")
    expect(tool.get_by_role("heading", name="Career Lab")).to_be_visible()
    course = CourseLink.objects.get().course
    assert Membership.objects.get(course=course, user__full_name="Ines Instructor").role == (
        Role.INSTRUCTOR
    )

    student_page = new_context().new_page()
    student_page.goto(lms.start_url("sam"))

    expect(student_page).to_have_url(re.compile(rf"/courses/{course.pk}/assignments/$"))
    expect(student_page.get_by_text("Career Lab").first).to_be_visible()
    assert Membership.objects.get(course=course, user__full_name="Sam Student").role == (
        Role.STUDENT
    )


def test_instructor_deep_links_an_assignment_and_a_student_launches_it(lms, new_context):
    instructor = new_context().new_page()
    instructor.goto(f"{lms.base_url}/course?user=ines")
    tool = instructor.frame_locator("#tool")
    expect(tool.get_by_role("heading", name="Career Lab")).to_be_visible()
    course = CourseLink.objects.get().course
    assignment = published_assignment(course, course.created_by, title="Alumni interview")

    # The LMS's "add content from Rapport" button: a deep-linking launch in the same frame.
    instructor.goto(f"{lms.base_url}/course?user=ines&deep_link=1")
    tool = instructor.frame_locator("#tool")
    expect(
        tool.get_by_role("heading", name="Place a Rapport assignment in the LMS")
    ).to_be_visible()
    tool.get_by_label(f"Alumni interview ({number(assignment.points)} points)").check()
    tool.get_by_role("button", name="Place in the LMS").click()
    expect(tool.get_by_role("heading", name="Placed in the LMS course")).to_be_visible()
    expect(tool.get_by_role("listitem")).to_have_text("Alumni interview")
    [item] = lms.deep_link_items
    assert item["custom"] == {"rapport_assignment": str(assignment.pk)}
    assert item["lineItem"]["scoreMaximum"] == float(assignment.points)

    # A student opens the placed link: the assignment, and a first step of the workflow.
    student = new_context().new_page()
    student.goto(lms.start_url("sam"))
    expect(student.get_by_role("heading", level=1)).to_have_text("Alumni interview")
    assert AssignmentLink.objects.get().assignment == assignment
    student.get_by_role("link", name="Plan an interview").click()
    new_contact = student.get_by_role("group", name="…or add a new contact")
    new_contact.get_by_label(label("Name")).fill("Priya Raman")
    student.get_by_role("button", name="Plan interview").click()
    expect(student.get_by_text("Priya Raman was added to your contacts.")).to_be_visible()
    interview = Interview.objects.get()
    assert (interview.assignment, interview.student.full_name) == (assignment, "Sam Student")
    # ...and on, in the session the LMS opened: the interview logged as held.
    student.get_by_role("link", name="Log", exact=True).click()
    student.get_by_label("The interview took place").check()
    student.get_by_label(label("Notes during and after")).fill("She started in a clinic.")
    student.get_by_role("button", name="Save log").click()
    expect(student.get_by_text("Logged as held. Now send your thank-you note")).to_be_visible()
    interview.refresh_from_db()
    assert interview.status == Interview.Status.HELD

    # The roster follows the LMS: synced at each launch, and again with "Sync now".
    del lms.people["tara"]
    lms.people["sam"] = Person(
        "lms-sam", "Sam Student", "sam@lms.example.edu", [TEACHING_ASSISTANT]
    )
    instructor.goto(f"{lms.base_url}/course?user=ines")
    tool = instructor.frame_locator("#tool")
    tool.get_by_role("link", name="Roster").click()
    expect(tool.get_by_role("status").filter(has_text="Synced from")).to_contain_text(
        "Synced from Loopback LMS at"
    )
    tool.get_by_role("button", name="Sync now").click()
    expect(tool.get_by_text("Roster sync started.")).to_be_visible()
    expect(tool.get_by_role("status").filter(has_text="Synced from")).to_contain_text(
        "0 added, 1 removed, 1 role changed."
    )
    assert dict(
        Membership.objects.filter(course=course).active().values_list("user__full_name", "role")
    ) == {"Ines Instructor": Role.INSTRUCTOR, "Sam Student": Role.ASSISTANT}


def test_someone_with_a_rapport_account_links_it_from_inside_the_lms(lms, new_context):
    owner = make_user("ines@lms.example.edu", "Ines Owner")
    lms_page = new_context().new_page()
    lms_page.goto(f"{lms.base_url}/course?user=ines")
    tool = lms_page.frame_locator("#tool")

    expect(tool.get_by_role("heading", name="You already have a Rapport account")).to_be_visible()
    tool.get_by_role("link", name="Sign in to link my account").click()
    tool.get_by_label("Email").fill("ines@lms.example.edu")
    tool.get_by_label("Password").fill(PASSWORD)
    tool.get_by_role("button", name="Sign in").click()
    expect(tool.get_by_role("heading", name="Link Loopback LMS to this account")).to_be_visible()
    tool.get_by_role("button", name="Link and continue").click()

    expect(tool.get_by_role("heading", name="Career Lab")).to_be_visible()
    assert owner.lti_users.get().sub == "lms-ines"
    course = CourseLink.objects.get().course
    assert Membership.objects.get(course=course, user=owner).role == Role.INSTRUCTOR
