"""Names and titles are one line (issue 10, item 11): a line break stored in one would break
every email header and calendar line that names it. Forms are submitted as rendered."""

import pytest
from django.urls import reverse

from accounts.validators import no_control_characters
from courses.models import Course
from tests.html_forms import form_action, form_data

BROKEN = [
    "Stella\r\nBcc: everyone@example.edu",
    "Stella\nStudent",
    "Stella\x00Student",
    "Stella\tStudent",
    "Stella\x85Student",
    "Stella\u2028Student",
]
MESSAGE = "no line breaks, tabs or control characters"


def submit(client, page_url, *, containing, **changes):
    page = client.get(page_url)
    data = form_data(page, containing=containing)
    data.update(changes)
    return client.post(form_action(page, containing=containing, page_url=page_url), data)


@pytest.mark.parametrize("name", BROKEN)
def test_a_name_with_a_line_break_is_refused(as_user, student, name):
    response = submit(
        as_user(student), reverse("accounts:profile"), containing="full_name", full_name=name
    )

    assert response.status_code == 200
    assert MESSAGE in response.content.decode() or "Null characters" in response.content.decode()
    student.refresh_from_db()
    assert student.full_name == "Stella Student"


def test_signing_up_with_a_line_break_in_the_name_is_refused(client, db):
    response = submit(
        client, reverse("account_signup"), containing="full_name",
        email="new@example.edu", password1="a long enough passphrase 7", password2="a long "
        "enough passphrase 7", full_name="New\r\nPerson", time_zone="UTC",
    )  # fmt: skip

    assert response.status_code == 200
    assert MESSAGE in response.content.decode()


def test_a_course_title_with_a_line_break_is_refused(as_user, instructor, course):
    response = submit(
        as_user(instructor), reverse("courses:settings", args=[course.pk]), containing="title",
        title="Career\r\nExploration",
    )  # fmt: skip

    assert response.status_code == 200
    assert MESSAGE in response.content.decode()
    assert Course.objects.get(pk=course.pk).title == course.title


def test_an_accented_name_with_spaces_and_punctuation_is_fine():
    no_control_characters("Zoë O'Neil-Łukasz, Jr. (she/her) 王小明")
