"""The course Insights page and its CSV export of interview outcomes, as staff see them."""

import csv
import io
import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import User
from courses.models import Membership, Role
from interviews.models import Contact, Interview
from tests.factories import held, local, term_assignment
from tests.pages import section, text_of

pytestmark = pytest.mark.assignment(build=term_assignment)


def insights_url(course, **query) -> str:
    url = reverse("interviews:insights", args=[course.pk])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def csv_url(course, **query) -> str:
    url = reverse("interviews:insights_csv", args=[course.pk])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def read_csv(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="car-101-interview-')
    content = b"".join(response.streaming_content)
    assert content.startswith(b"\xef\xbb\xbf")  # UTF-8 with a BOM, as the gradebook files
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))


@pytest.fixture
def outcomes(frozen, assignment, student, classmate):
    at = local(2027, 3, 3, 10, 0)
    first = held(
        assignment, student, at=at, name="Priya Patel", organisation="Acme Health",
        industry="Health care", path_fit="yes", offer="internship",
        thank_you_sent_at=at + timedelta(hours=3),
    )  # fmt: skip
    first.referrals.set([Contact.objects.create(owner=student, name="Sam Lee")])
    held(assignment, classmate, at=at + timedelta(days=7), organisation="Initech", industry="Tech")
    held(assignment, classmate, at=at + timedelta(days=8), organisation="initech ", industry="tech")


# The page


def test_instructor_sees_industries_outcomes_and_follow_through_as_counts(
    as_user, instructor, course, outcomes
):
    response = as_user(instructor).get(insights_url(course))

    assert response.status_code == 200
    assert "3 held interviews by 2 students." in text_of(response)
    industries = section(response, "industries-heading")
    assert "Industry Held interviews Students Tech 2 of 3 1 Health care 1 of 3 1" in industries
    assert "Initech 2 of 3 1 Acme Health 1 of 3 1" in section(response, "organisations-heading")
    assert "Fits 1 of 3 Unsure 0 of 3 Does not fit 0 of 3 Not recorded 2 of 3" in section(
        response, "fit-heading"
    )
    outcomes_text = section(response, "outcomes-heading")
    assert "1 referral to new contacts, from 1 of 3 held interviews." in outcomes_text
    assert "1 internship offer · 0 job offers." in outcomes_text
    assert "Stella Student Priya Patel Acme Health Internship offer" in outcomes_text
    follow = section(response, "follow-through-heading")
    assert "Thank-you sent within 24 hours 1 of 3" in follow
    assert "%" not in follow  # three interviews are too few for a percentage


def test_each_chart_is_an_svg_described_in_words_with_a_table_beside_it(
    as_user, instructor, course, outcomes
):
    response = as_user(instructor).get(insights_url(course))

    content = response.content.decode()
    charts = re.findall(r'<svg class="d-block w-100 insights-[a-z]+"[^>]*>', content)
    assert len(charts) == 4  # industries, organisations, path fit, weeks
    assert all('role="img"' in chart for chart in charts)
    assert 'aria-label="Industries explored, held interviews: Tech: 2, Health care: 1."' in content
    weeks = section(response, "weeks-heading")
    assert "Weeks start on Monday, America/New_York time." in weeks
    assert "Week of Held interviews Mon 22 Feb 2027 0 Mon 1 Mar 2027 1 Mon 8 Mar 2027 2" in weeks
    assert content.count("<table") == 6  # four charts' tables, the offers, the follow-through
    assert "style=" not in content and "<script>" not in content


def test_offers_link_to_the_students_record(as_user, instructor, course, assignment, outcomes):
    student_id = Interview.objects.exclude(offer="").get().student_id
    record = reverse("interviews:student_record", args=[course.pk, assignment.pk, student_id])

    content = as_user(instructor).get(insights_url(course)).content.decode()

    assert f'<a href="{record}">Stella Student</a>' in content


def test_the_newest_fifty_offers_are_listed_and_the_rest_are_left_to_the_export(
    frozen, as_user, instructor, course, assignment, student
):
    at = local(2027, 3, 1, 10, 0)
    for n in range(52):
        held(assignment, student, at=at + timedelta(hours=n), name=f"Contact {n:02}", offer="job")

    response = as_user(instructor).get(insights_url(course))

    offers = section(response, "outcomes-heading")
    assert "0 internship offers · 52 job offers." in offers
    assert offers.count("Job offer") == 50
    assert "Contact 51" in offers and "Contact 01" not in offers
    assert "The newest 50 offers are shown; 2 more are in the CSV export" in offers


def test_filter_by_assignment_is_in_the_url_and_the_export_link_follows_it(
    as_user, instructor, course, assignment, outcomes, student
):
    second = term_assignment(course, title="Second interview")
    held(second, student, at=local(2027, 3, 5, 10, 0), industry="Law")
    client = as_user(instructor)

    whole = client.get(insights_url(course))
    narrowed = client.get(insights_url(course, assignment=second.pk))

    assert "4 held interviews by 2 students." in text_of(whole)
    assert "1 held interview by 1 student." in text_of(narrowed)
    assert "Law 1 of 1 1" in section(narrowed, "industries-heading")
    content = narrowed.content.decode()
    assert f'<option value="{second.pk}" selected>Second interview</option>' in content
    assert f'href="{csv_url(course, assignment=second.pk)}"' in content


def test_an_assignment_the_course_does_not_publish_shows_the_whole_course_and_says_so(
    as_user, instructor, course, other_course, outcomes
):
    foreign = term_assignment(other_course, title="Elsewhere")

    for value in (foreign.pk, "abc"):
        response = as_user(instructor).get(insights_url(course, assignment=value))

        assert response.status_code == 200
        text = text_of(response)
        assert "not one of this course's published assignments: showing the whole course" in text
        assert "3 held interviews by 2 students." in text
        assert "Elsewhere" not in text


def test_without_held_interviews_the_page_says_so(as_user, instructor, course, assignment):
    response = as_user(instructor).get(insights_url(course))

    text = text_of(response)
    assert "No held interviews yet." in text
    assert "once students log their interviews as held" in text
    assert "<svg" not in response.content.decode().split("<h1", 1)[1]


def test_course_tabs_lead_staff_to_insights_and_students_never_see_it(
    as_user, instructor, assistant, student, course
):
    course_home = reverse("courses:detail", args=[course.pk])
    for user in (instructor, assistant):
        assert f'href="{insights_url(course)}">Insights</a>' in (
            as_user(user).get(course_home).content.decode()
        )
    assert "Insights" not in as_user(student).get(course_home).content.decode()
    page = as_user(instructor).get(insights_url(course)).content.decode()
    assert f'aria-current="page" href="{insights_url(course)}">Insights</a>' in page


def test_only_the_courses_staff_reach_insights_and_the_export(
    as_user, instructor, assistant, student, classmate, other_instructor, outsider, course
):
    for url in (insights_url(course), csv_url(course)):
        assert as_user(instructor).get(url).status_code == 200
        assert as_user(assistant).get(url).status_code == 200
        assert as_user(student).get(url).status_code == 403
        assert as_user(classmate).get(url).status_code == 403
        assert as_user(other_instructor).get(url).status_code == 404
        assert as_user(outsider).get(url).status_code == 404
        assert as_user(None).get(url).status_code == 302


# The CSV export


def test_export_has_one_row_per_held_interview_with_its_outcome(
    as_user, instructor, course, outcomes
):
    rows = read_csv(as_user(instructor).get(csv_url(course)))

    assert rows[0] == [
        "Student", "Email", "Assignment", "Contact", "Organisation", "Industry",
        "Held on (course time)", "Path fit", "Referrals", "Offer", "Thank-you within 24 h",
        "Follow-up sent",
    ]  # fmt: skip
    assert rows[1] == [
        "Stella Student", "stella.student@example.edu", "Informational interview", "Priya Patel",
        "Acme Health", "Health care", "2027-03-03", "Yes, the path still fits", "1",
        "Internship offer", "yes", "no",
    ]  # fmt: skip
    assert [row[4] for row in rows[2:]] == ["Initech", "initech"]


def test_export_guards_against_formulas(as_user, instructor, course, assignment, student):
    held(
        assignment, student, at=local(2027, 3, 3, 10, 0), name="=HYPERLINK(\"http://x\")",
        organisation="+1 Corp", industry="@SUM(A1)",
    )  # fmt: skip
    User.objects.filter(pk=student.pk).update(full_name="-Zoë Student")

    rows = read_csv(as_user(instructor).get(csv_url(course)))

    assert rows[1][0] == "'-Zoë Student"
    assert rows[1][3:6] == ['\'=HYPERLINK("http://x")', "'+1 Corp", "'@SUM(A1)"]


def test_export_of_one_assignment_leaves_the_others_out(
    as_user, instructor, course, outcomes, student
):
    second = term_assignment(course, title="Second interview")
    held(second, student, at=local(2027, 3, 5, 10, 0), name="Lee Law", industry="Law")

    rows = read_csv(as_user(instructor).get(csv_url(course, assignment=second.pk)))

    assert [row[3] for row in rows[1:]] == ["Lee Law"]


# The number of queries does not grow with the class


def big_class(course, assignment, size: int) -> None:
    """``size`` students, each with two held interviews (an industry, an offer now and then,
    a referral on every tenth)."""
    users = User.objects.bulk_create(
        User(email=f"s{i}@example.edu", full_name=f"Student {i:04}", password="!")
        for i in range(size)
    )
    Membership.objects.bulk_create(
        Membership(course=course, user=user, role=Role.STUDENT) for user in users
    )
    contacts = Contact.objects.bulk_create(
        Contact(owner=user, name=f"Contact {i}", organisation=f"Org {i % 30}",
                industry=("Tech", "tech ", "Health", "Law", "")[i % 5])
        for user in users
        for i in range(2)
    )  # fmt: skip
    at = local(2027, 3, 3, 10, 0)
    interviews = Interview.objects.bulk_create(
        Interview(assignment=assignment, student_id=contact.owner_id, contact=contact,
                  status=Interview.Status.HELD, held_at=at + timedelta(days=i % 12),
                  path_fit=("yes", "unsure", "no", "")[i % 4],
                  offer=("internship", "job", "", "", "", "", "")[i % 7],
                  thank_you_sent_at=at + timedelta(hours=i % 40))
        for i, contact in enumerate(contacts)
    )  # fmt: skip
    Interview.referrals.through.objects.bulk_create(
        Interview.referrals.through(interview=interview, contact=contacts[i - 1])
        for i, interview in enumerate(interviews)
        if i % 10 == 0
    )


@pytest.fixture
def query_counts(frozen, as_user, instructor, course, assignment):
    """(page queries, export queries) with a class of ``size`` students."""

    def count(size: int) -> tuple[int, int]:
        big_class(course, assignment, size)
        client = as_user(instructor)
        with CaptureQueriesContext(connection) as page_queries:
            page = client.get(insights_url(course))
        with CaptureQueriesContext(connection) as export_queries:
            rows = read_csv(client.get(csv_url(course)))
        assert f"{2 * size} held interviews by {size} students." in text_of(page)
        assert len(rows) == 1 + 2 * size
        return len(page_queries), len(export_queries)

    return count


def test_queries_stay_flat_from_10_to_1000_students(query_counts):
    small = query_counts(10)
    Interview.objects.all().delete()
    Membership.objects.filter(user__email__startswith="s", role=Role.STUDENT).delete()
    User.objects.filter(email__regex=r"^s\d+@example\.edu$").delete()

    large = query_counts(1000)

    assert small == large
    # Sign-in (session, user), the course membership, the unread notifications of the header,
    # then the page's seven reads; the export: the same three, then one read.
    assert small == (3 + 1 + 7, 3 + 1)
