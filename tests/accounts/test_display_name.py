"""``User.display_name``: how a person is named to others, the same in Python, in templates
(``{{ user }}``) and in a values query (``display_name_sql``)."""

import pytest
from django.template import Context, Template

from accounts.models import User, display_name_sql
from courses.enrolment import member_enrol
from courses.models import Membership, Role


@pytest.fixture
def nameless(db):
    return User.objects.create_user(email="nameless@example.edu", full_name="")


def test_a_person_is_named_by_their_full_name(student):
    assert student.display_name == "Stella Student" == str(student)


def test_a_person_without_a_name_is_named_by_their_email(nameless):
    assert nameless.display_name == "nameless@example.edu"
    assert Template("{{ user }}").render(Context({"user": nameless})) == "nameless@example.edu"


def test_a_values_query_names_people_as_display_name_does(course, student, nameless):
    member_enrol(course=course, user=nameless, role=Role.STUDENT)

    names = Membership.objects.filter(course=course, role=Role.STUDENT).values_list(
        display_name_sql("user"), flat=True
    )

    assert {student.display_name, nameless.display_name} <= set(names)
    assert User.objects.filter(pk=nameless.pk).values_list(display_name_sql(), flat=True).get() == (
        "nameless@example.edu"
    )
