"""Extreme values typed into the assignment and interview pages (issue 10, items 8, 9 and 11):
dates far outside any course, numbers no column holds, names with line breaks, and ids beyond
64 bits in a URL. Each is refused with a message next to the field, never a 500, and nothing
is saved. Forms are submitted as rendered, with the fields a person changes."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.db import IntegrityError, transaction
from django.urls import Resolver404, resolve, reverse

from courses.enrolment import course_create
from interviews.models import Assignment, Contact, Extension, Interview
from tests.factories import NOW, make_contact, make_interview, make_open_assignment
from tests.html_forms import form_action, form_data
from tests.pages import text_of

pytestmark = [pytest.mark.usefixtures("frozen"), pytest.mark.assignment(build=make_open_assignment)]
DATE_RANGE = "Enter a date between 1970 and 2200."


@pytest.fixture
def interview(assignment, student):
    return make_interview(assignment, student, make_contact(student))


def url(name, *args):
    return reverse(f"interviews:{name}", args=args)


def interview_url(name, interview):
    return url(name, interview.assignment.course_id, interview.assignment_id, interview.pk)


def submit(client, page_url, *, containing, **changes):
    """GET ``page_url``, submit the form holding ``containing`` as rendered with ``changes``."""
    page = client.get(page_url)
    assert page.status_code == 200
    data = form_data(page, containing=containing)
    data.update(changes)
    return client.post(form_action(page, containing=containing, page_url=page_url), data)


def field_errors(response, name: str) -> str:
    """The error text shown under the field ``name``."""
    content = response.content.decode()
    match = re.search(rf'<div id="div_id_{name}".*?(?=<div id="div_id_|</form>)', content, re.S)
    assert match, f"no field {name}"
    errors = re.findall(r"<[^>]*invalid-feedback[^>]*>(.*?)</", match.group(0), re.S)
    return text_of(" ".join(errors))


# Dates (item 8)


@pytest.mark.parametrize("typed", ["9999-12-31T23:59", "0001-01-01T00:00", "2201-01-01T00:00"])
def test_a_due_date_in_year_9999_is_refused_with_a_message(as_user, instructor, course, typed):
    client = as_user(instructor)

    response = submit(
        client, url("assignment_create", course.pk), containing="writeup_due_at",
        title="Far away", writeup_due_at=typed,
    )  # fmt: skip

    assert response.status_code == 200
    assert DATE_RANGE in field_errors(response, "writeup_due_at")
    assert not Assignment.objects.filter(title="Far away").exists()


def test_date_inputs_tell_the_browser_the_range(as_user, instructor, course):
    page = as_user(instructor).get(url("assignment_create", course.pk)).content.decode()

    [tag] = re.findall(r'<input[^>]*name="writeup_due_at"[^>]*>', page)
    assert 'min="1970-01-01T00:00"' in tag and 'max="2200-12-31T23:59"' in tag


@pytest.mark.parametrize("typed", ["0001-01-01T00:00", "9999-12-31T23:59"])
def test_an_interview_held_in_year_1_is_refused_with_a_message(as_user, student, interview, typed):
    response = submit(
        as_user(student), interview_url("interview_log", interview), containing="held_at",
        held="on", held_at=typed,
    )  # fmt: skip

    assert response.status_code == 200
    assert DATE_RANGE in field_errors(response, "held_at")
    interview.refresh_from_db()
    assert interview.status == Interview.Status.SCHEDULED and interview.held_at is None


@pytest.mark.parametrize("typed", ["9999-12-31T23:59", "0001-01-01T00:00"])
def test_an_interview_planned_in_year_9999_is_refused_with_a_message(
    as_user, student, interview, typed
):
    response = submit(
        as_user(student), interview_url("interview_edit", interview), containing="scheduled_at",
        scheduled_at=typed,
    )  # fmt: skip

    assert response.status_code == 200
    assert DATE_RANGE in field_errors(response, "scheduled_at")
    interview.refresh_from_db()
    assert interview.scheduled_at == NOW + timedelta(days=5)


def test_a_follow_up_day_in_year_9999_is_refused_with_a_message(as_user, student, interview):
    interview.status, interview.held_at = Interview.Status.HELD, NOW - timedelta(days=2)
    interview.save()

    response = submit(
        as_user(student), interview_url("interview_follow_up", interview),
        containing="thank_you_sent_on", thank_you_sent_on="9999-12-31",
    )  # fmt: skip

    assert response.status_code == 200
    assert DATE_RANGE in text_of(response.content.decode())
    interview.refresh_from_db()
    assert interview.thank_you_sent_at is None


def test_an_extension_to_year_9999_is_refused_with_a_message(
    as_user, instructor, student, assignment
):
    page_url = url("extension_list", assignment.course_id, assignment.pk)

    response = submit(
        as_user(instructor), page_url, containing="reason",
        students=str(student.pk), writeup_due_at="9999-12-31T23:59", reason="Far away",
    )  # fmt: skip

    assert response.status_code == 200
    assert DATE_RANGE in field_errors(response, "writeup_due_at")
    assert not Extension.objects.exists()


@pytest.mark.parametrize(
    "changes", [{"new_writeup_due_at": "9999-12-31T23:59"}, {"shift_days": "3650"}]
)
def test_a_copy_whose_dates_would_pass_2200_is_refused_with_a_message(
    as_user, instructor, course, changes
):
    late = make_open_assignment(course, writeup_due_at=datetime(2195, 6, 1, 17, tzinfo=UTC))
    late.interview_due_at = datetime(2195, 5, 1, 17, tzinfo=UTC)
    late.save()
    fall = course_create(creator=instructor, title="Fall term", time_zone="America/New_York")

    response = submit(
        as_user(instructor), url("assignment_duplicate", course.pk, late.pk),
        containing="shift_days", target_course=str(fall.pk), **changes,
    )  # fmt: skip

    assert response.status_code == 200
    page = text_of(response.content.decode())
    assert DATE_RANGE in page or "The copy's dates would then fall outside 1970–2200" in page
    assert not Assignment.objects.filter(course=fall).exists()


# Numbers (item 9)


def test_a_grace_period_beyond_a_week_is_refused_with_a_message(as_user, instructor, course):
    response = submit(
        as_user(instructor), url("assignment_create", course.pk), containing="writeup_due_at",
        title="Endless grace", writeup_due_at="2027-04-30T17:00", late_grace_minutes="2147483647",
    )  # fmt: skip

    assert response.status_code == 200
    assert "less than or equal to 10080" in field_errors(response, "late_grace_minutes")
    assert not Assignment.objects.filter(title="Endless grace").exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("late_grace_minutes", 10081),
        ("min_words", 20001),
        ("required_interviews", 11),
        ("late_max_percent", 101),
    ],
)
def test_the_database_refuses_an_assignment_number_out_of_bounds(assignment, field, value):
    with pytest.raises(IntegrityError), transaction.atomic():
        Assignment.objects.filter(pk=assignment.pk).update(**{field: value})


def test_the_database_refuses_an_interview_of_a_day(interview):
    with pytest.raises(IntegrityError), transaction.atomic():
        Interview.objects.filter(pk=interview.pk).update(duration_minutes=24 * 60)


def test_an_id_beyond_64_bits_is_not_found(as_user, instructor, course, assignment):
    client = as_user(instructor)
    beyond = str(2**64)
    paths = [
        f"/courses/{beyond}/",
        f"/courses/{course.pk}/assignments/{beyond}/",
        f"/courses/{course.pk}/assignments/{2**63}/edit/",
    ]

    for path in paths:
        # On SQLite a lookup with such a number raised OverflowError (a 500): the URL no
        # longer matches at all.
        with pytest.raises(Resolver404):
            resolve(path)
        assert client.get(path).status_code == 404
    assert client.get(f"/courses/{2**63 - 1}/").status_code == 404  # the largest id: no row


# Names (item 11)


def test_a_contact_name_with_a_line_break_is_refused(as_user, student):
    response = submit(
        as_user(student), url("contact_create"), containing="name",
        name="Dana\r\nBcc: everyone@example.edu",
    )  # fmt: skip

    assert response.status_code == 200
    assert "no line breaks" in field_errors(response, "name")
    assert not Contact.objects.filter(owner=student).exists()
