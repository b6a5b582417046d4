"""Who may create a course (``COURSE_CREATORS``, decided in ``courses/permissions.py``), as a
person meets it: the "Create a course" page and the links to it on My courses."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.checks import run_checks
from django.urls import reverse

from courses.models import Course, Role
from tests.factories import make_user
from tests.html_forms import press
from tests.pages import text_of

CREATE = reverse("courses:create")
MINE = reverse("courses:mine")


def create_a_course(client, title="Networking 101"):
    """Open the create page and press "Create course" with a title typed in."""
    page = client.get(CREATE)
    assert page.status_code == 200, text_of(page)
    return press(client, page, button="Create course", page_url=CREATE, changes={"title": title})


def approved(user):
    """Approve ``user`` as an instructor as an operator does in the admin: through a group."""
    group, _ = Group.objects.get_or_create(name="Instructors")
    group.permissions.add(Permission.objects.get(codename="add_course"))
    user.groups.add(group)
    return type(user).objects.get(pk=user.pk)  # a fresh object: permissions are cached


@pytest.fixture
def gmail_person(db):
    return make_user("pat.person@gmail.example", "Pat Person")


@pytest.fixture
def domains_mode(settings):
    settings.COURSE_CREATORS = "domains"
    settings.ALLOWED_COURSE_CREATOR_DOMAINS = ["example.edu"]


def test_anyone_mode_lets_any_account_create_a_course(as_user, settings, gmail_person):
    settings.COURSE_CREATORS = "anyone"

    response = create_a_course(as_user(gmail_person))

    course = Course.objects.get(title="Networking 101")
    assert "Course “Networking 101” created." in text_of(response)
    assert course.memberships.get(user=gmail_person).role == Role.INSTRUCTOR


def test_domains_mode_lets_a_verified_college_address_create_a_course(
    as_user, domains_mode, outsider
):
    response = create_a_course(as_user(outsider))

    assert "Course “Networking 101” created." in text_of(response)
    assert Course.objects.filter(created_by=outsider).exists()


def test_domains_mode_explains_to_another_domain_why_and_what_to_do(
    as_user, domains_mode, gmail_person
):
    client = as_user(gmail_person)

    page = client.get(CREATE)
    refused_post = client.post(CREATE, {"title": "Phishing 101", "time_zone": "UTC"})

    assert page.status_code == 403
    assert (
        "Courses here are created by staff with a verified address at example.edu. Add that "
        "address to your account and confirm it, or ask your institution's Rapport "
        "administrator to approve you as an instructor."
    ) in text_of(page)
    assert "Manage your email addresses" in text_of(page)
    assert "Create course" not in text_of(page)  # no form to fill in
    assert refused_post.status_code == 403
    assert not Course.objects.exists()


def test_an_unverified_college_address_does_not_count(as_user, domains_mode, gmail_person):
    gmail_person.emailaddress_set.create(email="pat@example.edu", verified=False)

    assert as_user(gmail_person).get(CREATE).status_code == 403

    gmail_person.emailaddress_set.filter(email="pat@example.edu").update(verified=True)
    assert as_user(gmail_person).get(CREATE).status_code == 200


def test_domains_mode_also_admits_an_approved_instructor(as_user, domains_mode, gmail_person):
    response = create_a_course(as_user(approved(gmail_person)))

    assert "Course “Networking 101” created." in text_of(response)


def test_approved_mode_refuses_an_unapproved_college_address(as_user, settings, outsider):
    settings.COURSE_CREATORS = "approved"

    page = as_user(outsider).get(CREATE)

    assert page.status_code == 403
    assert "Courses here are created by approved instructors" in text_of(page)
    assert not Course.objects.exists()


def test_approved_mode_lets_an_instructor_approved_in_the_admin_create(
    as_user, settings, gmail_person
):
    settings.COURSE_CREATORS = "approved"

    response = create_a_course(as_user(approved(gmail_person)))

    assert "Course “Networking 101” created." in text_of(response)


def test_my_courses_offers_create_links_only_to_people_who_may_create(
    as_user, settings, course, instructor, outsider
):
    settings.COURSE_CREATORS = "approved"
    for person in (instructor, outsider):  # teaching already, and not teaching
        page = as_user(person).get(MINE).content.decode()
        assert CREATE not in page

    for person in (approved(instructor), approved(outsider)):
        page = as_user(person).get(MINE).content.decode()
        assert f'href="{CREATE}"' in page


def test_an_unknown_course_creators_value_stops_the_start(settings):
    settings.COURSE_CREATORS = "everyone"

    errors = [e for e in run_checks() if e.id == "courses.E001"]

    assert len(errors) == 1
    assert "use one of anyone, domains, approved" in errors[0].msg
