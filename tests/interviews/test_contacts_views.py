"""The student's contacts through the test client: add, search, read, edit, delete, and who
may see them."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse

from interviews.models import Contact
from tests.factories import NOW, make_contact, make_interview, make_open_assignment
from tests.pages import text_of

pytestmark = pytest.mark.usefixtures("frozen")


def field_error(response, name: str) -> str:
    """The error text shown under one field."""
    content = response.content.decode()
    match = re.search(rf'<div id="div_id_{name}".*?(?=<div id="div_id_|</form>)', content, re.S)
    assert match, f"no field {name}"
    errors = re.findall(r"<[^>]*invalid-feedback[^>]*>(.*?)</", match.group(0), re.S)
    return text_of(" ".join(errors))


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


CONTACT = {
    "name": "Dana Director",
    "job_title": "Data Scientist",
    "organisation": "Acme Analytics",
    "industry": "Technology",
    "email": "dana@acme.example",
    "phone": "+1 617 555 0100",
    "linkedin_url": "linkedin.com/in/dana-director/",
    "how_met": "Career fair",
    "notes": "Prefers mornings.",
    "keep_in_touch_weeks": "6",
    "last_contacted_on": "2027-03-18",
}


# Adding and editing -------------------------------------------------------------------------


def test_student_adds_a_contact_and_sees_it(as_user, student):
    response = as_user(student).post(reverse("interviews:contact_create"), CONTACT, follow=True)

    contact = Contact.objects.get(owner=student)
    assert contact.linkedin_url == "https://www.linkedin.com/in/dana-director"
    assert contact.last_contacted_at.date().isoformat() == "2027-03-18"
    page = text_of(response)
    assert "Dana Director was added to your contacts." in page
    assert "Data Scientist, Acme Analytics" in page
    assert "Every 6 weeks" in page and "Career fair" in page


@pytest.mark.parametrize(
    "address",
    [
        "https://twitter.com/in/dana",
        "https://www.linkedin.com/company/acme",
        "javascript:alert(1)",
        "https://linkedin.com.evil.example/in/dana",
        "https://user:pw@www.linkedin.com/in/dana",
    ],
)
def test_address_that_is_not_a_linkedin_profile_is_refused_with_a_clear_message(
    as_user, student, address
):
    response = as_user(student).post(
        reverse("interviews:contact_create"), {**CONTACT, "linkedin_url": address}
    )

    assert response.status_code == 200
    assert "Enter the address of a LinkedIn profile" in field_error(response, "linkedin_url")
    assert address.replace("&", "&amp;") in response.content.decode()  # typed value kept
    assert not Contact.objects.exists()


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("https://www.linkedin.com/in/dana-director", "https://www.linkedin.com/in/dana-director"),
        ("http://de.linkedin.com/in/dana?trk=x", "https://www.linkedin.com/in/dana"),
        ("www.linkedin.com/pub/dana-d/1/2/3", "https://www.linkedin.com/pub/dana-d"),
    ],
)
def test_linkedin_profile_addresses_are_stored_in_one_form(as_user, student, typed, stored):
    as_user(student).post(reverse("interviews:contact_create"), {**CONTACT, "linkedin_url": typed})

    assert Contact.objects.get(owner=student).linkedin_url == stored


def test_invalid_email_and_phone_get_messages_next_to_the_fields(as_user, student):
    response = as_user(student).post(
        reverse("interviews:contact_create"),
        {**CONTACT, "email": "dana at acme", "phone": "call me maybe"},
    )

    assert "Enter an email address such as jane.doe@example.com." in field_error(response, "email")
    assert "Enter a phone number" in field_error(response, "phone")
    assert not Contact.objects.exists()


def test_last_contacted_day_cannot_be_in_the_future(as_user, student):
    response = as_user(student).post(
        reverse("interviews:contact_create"), {**CONTACT, "last_contacted_on": "2027-04-01"}
    )

    assert "That day has not come yet." in field_error(response, "last_contacted_on")


def test_referred_by_offers_only_own_contacts(as_user, student, classmate):
    mine = make_contact(student, "Mina Mine")
    theirs = make_contact(classmate, "Theo Theirs")

    page = as_user(student).get(reverse("interviews:contact_create")).content.decode()

    assert "Mina Mine" in page and "Theo Theirs" not in page
    response = as_user(student).post(
        reverse("interviews:contact_create"), {**CONTACT, "referred_by": theirs.pk}
    )
    assert "Choose one of your own contacts." in field_error(response, "referred_by")
    assert not Contact.objects.filter(name="Dana Director").exists()
    assert mine.referrals.count() == 0


def test_edit_changes_the_details_and_keeps_the_recorded_contact_time(as_user, student):
    contact = make_contact(student, last_contacted_at=NOW - timedelta(days=2, hours=3))
    recorded = contact.last_contacted_at
    day = recorded.astimezone(student.zoneinfo).date().isoformat()

    response = as_user(student).post(
        reverse("interviews:contact_edit", args=[contact.pk]),
        {**CONTACT, "name": "Dana D. Director", "last_contacted_on": day},
        follow=True,
    )

    contact.refresh_from_db()
    assert contact.name == "Dana D. Director"
    assert contact.last_contacted_at == recorded
    assert "Dana D. Director’s details were saved." in text_of(response)


def test_contact_cannot_be_its_own_referrer(as_user, student):
    contact = make_contact(student)

    response = as_user(student).post(
        reverse("interviews:contact_edit", args=[contact.pk]),
        {**CONTACT, "referred_by": contact.pk},
    )

    assert "Choose one of your own contacts." in field_error(response, "referred_by")


def test_user_text_is_shown_as_text_never_as_markup(as_user, student):
    contact = make_contact(
        student, name="<script>alert(1)</script>", notes="<img src=x onerror=alert(1)>"
    )

    page = as_user(student).get(reverse("interviews:contact_detail", args=[contact.pk])).content

    assert b"<script>alert(1)" not in page and b"<img src=x" not in page
    assert b"&lt;script&gt;alert(1)&lt;/script&gt;" in page


# The list -----------------------------------------------------------------------------------


def test_list_searches_name_organisation_and_industry(as_user, student):
    make_contact(student, "Dana Director", organisation="Acme Analytics", industry="Technology")
    make_contact(student, "Hugo Health", organisation="City Hospital", industry="Healthcare")
    make_contact(student, "Ola Org", organisation="Health Ministry", industry="Government")

    def found(query):
        response = as_user(student).get(reverse("interviews:contact_list"), {"q": query})
        return [c.name for c in response.context["contacts"]]

    assert found("health") == ["Hugo Health", "Ola Org"]
    assert found("technology") == ["Dana Director"]
    assert found("") == ["Dana Director", "Hugo Health", "Ola Org"]


def test_list_shows_who_is_due_a_keep_in_touch_message(as_user, student):
    make_contact(
        student, "Dana Due", keep_in_touch_weeks=2, last_contacted_at=NOW - timedelta(weeks=3)
    )
    make_contact(
        student, "Nina Notyet", keep_in_touch_weeks=4, last_contacted_at=NOW - timedelta(weeks=1)
    )

    response = as_user(student).get(reverse("interviews:contact_list"))

    due = re.search(r'aria-labelledby="due-heading".*?</section>', response.content.decode(), re.S)
    assert "Dana Due" in text_of(due.group(0)) and "Nina Notyet" not in text_of(due.group(0))
    assert "next by 10 Apr 2027" in text_of(response)


def test_list_shows_only_own_contacts(as_user, student, classmate):
    make_contact(student, "Mina Mine")
    make_contact(classmate, "Theo Theirs")

    page = text_of(as_user(student).get(reverse("interviews:contact_list")))

    assert "Mina Mine" in page and "Theo Theirs" not in page


def contacts_with_interviews(student, course, count):
    assignment = make_open_assignment(course, title=f"Assignment for {count}")
    previous = None
    for n in range(count):
        contact = make_contact(
            student, f"Contact {n:02}", referred_by=previous, keep_in_touch_weeks=2
        )
        make_interview(assignment, student, contact)
        previous = contact


@pytest.mark.parametrize("count", [3, 30])
def test_contact_list_queries_do_not_grow_with_contacts(
    as_user, student, course, count, django_assert_max_num_queries
):
    contacts_with_interviews(student, course, count)
    client = as_user(student)

    with django_assert_max_num_queries(5):
        response = client.get(reverse("interviews:contact_list"))

    assert len(response.context["contacts"]) == count


# Detail and referral chain ------------------------------------------------------------------


def test_detail_shows_the_interviews_across_courses_and_the_referral_chain(
    as_user, student, course, instructor
):
    from courses.enrolment import course_create, member_enrol
    from courses.models import Role

    second = course_create(creator=instructor, title="Networking Lab", time_zone="UTC")
    member_enrol(course=second, user=student, role=Role.STUDENT)
    eve = make_contact(student, "Eve Earlier")
    dana = make_contact(student, "Dana Director", referred_by=eve)
    make_contact(student, "Ravi Referred", referred_by=dana)
    make_interview(make_open_assignment(course, title="First interview"), student, dana)
    make_interview(make_open_assignment(second, title="Lab interview"), student, dana)

    response = as_user(student).get(reverse("interviews:contact_detail", args=[dana.pk]))

    page = text_of(response)
    assert "First interview (Career Exploration)" in page
    assert "Lab interview (Networking Lab)" in page
    chain = text_of(
        re.search(
            r'aria-labelledby="chain-heading".*?</section>', response.content.decode(), re.S
        ).group(0)
    )
    assert "Referred by Eve Earlier" in chain
    assert "Referred you to Ravi Referred" in chain


# Deleting -----------------------------------------------------------------------------------


def test_unused_contact_is_deleted_after_confirming(as_user, student):
    contact = make_contact(student)
    client = as_user(student)

    confirm = client.get(reverse("interviews:contact_delete", args=[contact.pk]))
    response = client.post(reverse("interviews:contact_delete", args=[contact.pk]), follow=True)

    assert "Delete Dana Director?" in text_of(confirm)
    assert not Contact.objects.filter(pk=contact.pk).exists()
    assert "Dana Director was deleted from your contacts." in text_of(response)


def test_contact_with_an_interview_is_not_deleted_and_the_student_is_told_why(
    as_user, student, course
):
    contact = make_contact(student)
    make_interview(make_open_assignment(course), student, contact)
    client = as_user(student)

    confirm = client.get(reverse("interviews:contact_delete", args=[contact.pk]))
    response = client.post(reverse("interviews:contact_delete", args=[contact.pk]), follow=True)

    assert "so they stay in your contacts" in text_of(confirm)
    assert b'type="submit">Delete contact' not in confirm.content
    assert Contact.objects.filter(pk=contact.pk).exists()
    assert messages_of(response) == [
        "Dana Director is the contact of 1 interview, so they stay in your contacts. "
        "You can edit their details instead."
    ]


# Access -------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["contact_detail", "contact_edit", "contact_delete"])
@pytest.mark.parametrize("actor", ["classmate", "instructor", "outsider"])
def test_nobody_else_can_open_a_students_contact(request, as_user, student, course, name, actor):
    contact = make_contact(student)
    client = as_user(request.getfixturevalue(actor))

    assert client.get(reverse(f"interviews:{name}", args=[contact.pk])).status_code == 404
    assert client.post(reverse(f"interviews:{name}", args=[contact.pk]), CONTACT).status_code in (
        404,
        405,
    )
    contact.refresh_from_db()
    assert contact.name == "Dana Director"


def test_contact_page_shows_an_interview_held_on_another_day_when_it_was_held(
    as_user, student, course
):
    from datetime import UTC, datetime

    from interviews.models import Assignment, Interview

    assignment = Assignment.objects.create(
        course=course, title="Meet a professional", state=Assignment.State.PUBLISHED,
        writeup_due_at=datetime(2030, 5, 1, 12, tzinfo=UTC),
    )  # fmt: skip
    contact = Contact.objects.create(owner=student, name="Priya Patel")
    Interview.objects.create(
        assignment=assignment, student=student, contact=contact, time_zone="Europe/Berlin",
        scheduled_at=datetime(2030, 4, 2, 13, tzinfo=UTC), status=Interview.Status.HELD,
        held_at=datetime(2030, 4, 4, 8, tzinfo=UTC),
    )  # fmt: skip

    page = text_of(as_user(student).get(reverse("interviews:contact_detail", args=[contact.pk])))

    assert "Held Thu 4 Apr 2030, 10:00 CEST" in page
    assert "(planned Tue 2 Apr 2030, 15:00 CEST" in page
