"""The read model of ``interviews/insights.py``: what a course's held interviews led to."""

from datetime import UTC, date, datetime, timedelta

import pytest

from courses.enrolment import member_remove
from courses.models import Membership
from interviews.insights import Share, insights_page, outcome_rows
from interviews.models import Assignment, Contact, Interview
from tests.factories import held, local, term_assignment

NOW = datetime(2027, 3, 20, 15, 0, tzinfo=UTC)

pytestmark = pytest.mark.assignment(build=term_assignment)


def page_of(course, **kwargs):
    return insights_page(course=course, now=NOW, **kwargs)


def table(chart) -> list[tuple[str, int, int | None]]:
    return [(group.label, group.interviews, group.students) for group in chart.groups]


# Counts


def test_counts_only_held_interviews_and_groups_industries_whatever_their_case_and_spaces(
    course, assignment, student, classmate
):
    at = local(2027, 3, 3, 10, 0)
    held(assignment, student, at=at, industry="Tech")
    held(assignment, student, at=at, industry=" tech ")
    held(assignment, classmate, at=at, industry="TECH")
    held(assignment, classmate, at=at, industry="Health care")
    held(assignment, classmate, at=at, industry="")
    held(assignment, student, at=at, industry="Tech", status="scheduled", held_at=None)
    cancelled = held(assignment, student, at=at, industry="Tech")
    Interview.objects.filter(pk=cancelled.pk).update(status=Interview.Status.CANCELLED)

    page = page_of(course)

    assert (page.held, page.students, page.planned) == (5, 2, 1)
    labels = table(page.industries)
    assert labels[0][1:] == (3, 2)  # three interviews, by two students
    assert labels[0][0].casefold() == "tech"
    assert labels[1:] == [("Health care", 1, 1), ("Not recorded", 1, 1)]
    assert str(page.industries.groups[0].share) == "3 of 5 (60 %)"


def test_organisations_beyond_the_top_eight_are_one_other_row(course, assignment, student):
    at = local(2027, 3, 3, 10, 0)
    for n in range(10):
        for _ in range(12 - n):  # Org 0 most often, Org 9 least
            held(assignment, student, at=at, organisation=f"Org {n}")

    rows = table(page_of(course).organisations)

    assert [label for label, _, _ in rows[:8]] == [f"Org {n}" for n in range(8)]
    assert rows[8] == ("Other (2 more)", 4 + 3, None)  # students are not summed across orgs
    assert len(rows) == 9


def test_path_fit_counts_every_answer_and_the_interviews_without_one(
    course, assignment, student, classmate
):
    at = local(2027, 3, 3, 10, 0)
    for fit in ("yes", "yes", "unsure", "no", ""):
        held(assignment, student, at=at, path_fit=fit)

    rows = table(page_of(course).path_fit)

    assert rows == [
        ("Fits", 2, None), ("Unsure", 1, None), ("Does not fit", 1, None),
        ("Not recorded", 1, None),
    ]  # fmt: skip


def test_thank_you_counts_within_24_hours_of_the_held_time_not_the_planned_one(
    course, assignment, student
):
    planned = local(2027, 3, 1, 10, 0)
    moved = local(2027, 3, 4, 10, 0)  # held three days after the plan
    late = held(assignment, student, at=moved, thank_you_sent_at=moved + timedelta(hours=25))
    on_time = held(assignment, student, at=moved, thank_you_sent_at=moved + timedelta(hours=23))
    Interview.objects.filter(pk__in=[late.pk, on_time.pk]).update(scheduled_at=planned)
    held(assignment, student, at=moved)  # no thank-you at all

    page = page_of(course)

    assert str(page.thanked_in_time) == "1 of 3"
    assert str(page.thanked) == "2 of 3"


def test_follow_ups_are_counted_among_interviews_that_had_no_reply_before_one(
    course, assignment, student
):
    at = local(2027, 3, 3, 10, 0)
    later = at + timedelta(days=10)
    held(assignment, student, at=at, reply_received_at=at + timedelta(days=1))  # not needed
    held(assignment, student, at=at, follow_up_sent_at=later)
    held(assignment, student, at=at, follow_up_sent_at=later, reply_received_at=later)
    held(assignment, student, at=at)  # waiting, not followed up

    page = page_of(course)

    assert str(page.followed_up) == "2 of 3"
    assert str(page.replied) == "2 of 4"


def test_small_counts_are_shown_as_counts_and_percentages_start_at_five():
    assert str(Share(2, 3)) == "2 of 3"
    assert Share(4, 4).percent is None
    assert str(Share(3, 5)) == "3 of 5 (60 %)"
    assert str(Share(1, 6)) == "1 of 6 (17 %)"
    assert str(Share(0, 0)) == "0 of 0"


def test_referrals_and_offers_come_with_the_interview_they_came_from(
    course, assignment, student, classmate
):
    at = local(2027, 3, 3, 10, 0)
    first = held(assignment, student, at=at, name="Priya Patel", organisation=" Acme Health ")
    first.referrals.set(
        [Contact.objects.create(owner=student, name=n) for n in ("Sam Lee", "Ana Ruiz")]
    )
    first.offer = Interview.Offer.INTERNSHIP
    first.save()
    held(assignment, classmate, at=at + timedelta(days=2), name="Jo Park", offer="job")
    held(assignment, classmate, at=at)

    page = page_of(course)

    assert page.referrals == 2
    assert str(page.referring) == "1 of 3"
    assert (page.internships, page.jobs) == (1, 1)
    assert [(o.student, o.contact, o.organisation, o.kind) for o in page.offers] == [
        ("Carl Classmate", "Jo Park", "", "Job offer"),
        ("Stella Student", "Priya Patel", "Acme Health", "Internship offer"),
    ]
    assert page.offers[1].url == (
        f"/courses/{course.pk}/assignments/{assignment.pk}/students/{student.pk}/"
    )


# Filter and scope


def test_filter_narrows_to_one_published_assignment_and_drafts_never_count(
    course, other_course, assignment, student
):
    second = term_assignment(course, title="Second interview")
    draft = term_assignment(course, title="Draft", state=Assignment.State.DRAFT)
    foreign = term_assignment(other_course, title="Elsewhere")
    at = local(2027, 3, 3, 10, 0)
    held(assignment, student, at=at, industry="Tech")
    held(second, student, at=at, industry="Law")
    held(draft, student, at=at, industry="Draft industry")

    whole = page_of(course)
    narrowed = page_of(course, assignment_id=second.pk)
    unknown = page_of(course, assignment_id=foreign.pk)

    assert [a.title for a in whole.assignments] == ["Informational interview", "Second interview"]
    assert (whole.held, whole.assignment, whole.unknown_assignment) == (2, None, False)
    assert table(narrowed.industries) == [("Law", 1, 1)]
    assert narrowed.assignment == second
    assert (unknown.held, unknown.assignment, unknown.unknown_assignment) == (2, None, True)


def test_students_removed_from_the_course_still_count(course, assignment, student):
    held(assignment, student, at=local(2027, 3, 3, 10, 0), industry="Tech")
    member_remove(membership=Membership.objects.get(course=course, user=student))

    assert table(page_of(course).industries) == [("Tech", 1, 1)]


def test_a_course_without_held_interviews_has_nothing_to_count(course, assignment, student):
    held(assignment, student, at=local(2027, 3, 3, 10, 0), status=Interview.Status.SCHEDULED)

    page = page_of(course)

    assert (page.held, page.planned) == (0, 1)
    assert page.industries.groups == [] and page.offers == []
    assert str(page.thanked_in_time) == "0 of 0"


# Weeks


def test_weeks_run_monday_to_monday_in_the_course_time_zone_from_publication_to_the_due_date(
    course, assignment, student
):
    # Sunday 7 March, 23:30 in New York is already Monday in UTC: it counts in the week of
    # Monday 1 March, where the course is.
    held(assignment, student, at=local(2027, 3, 7, 23, 30))
    held(assignment, student, at=local(2027, 3, 8, 0, 30))
    held(assignment, student, at=local(2027, 3, 9, 12, 0))

    weeks = page_of(course).weeks

    assert weeks.weeks == [
        (date(2027, 2, 22), 0), (date(2027, 3, 1), 1), (date(2027, 3, 8), 2),
        (date(2027, 3, 15), 0),
    ]  # fmt: skip
    assert weeks.summary().startswith(
        "Interviews held per week, 4 weeks from 22 Feb 2027 to 15 Mar 2027: 3 in all, at most "
        "2 in the week of 8 Mar 2027."
    )
    bars = weeks.bars()
    assert [bar.count for bar in bars] == [0, 1, 2, 0]
    assert bars[2].height == "60.0" and bars[1].height == "30.0"


# The CSV rows


def test_outcome_rows_are_one_per_held_interview_in_the_order_they_were_held(
    course, assignment, student, classmate
):
    at = local(2027, 3, 3, 22, 0)  # 4 March in UTC, 3 March in New York
    first = held(
        assignment, student, at=at, name="Priya Patel", organisation="Acme", industry="Health",
        path_fit="unsure", offer="internship", thank_you_sent_at=at + timedelta(hours=2),
    )  # fmt: skip
    first.referrals.set([Contact.objects.create(owner=student, name="Sam Lee")])
    held(assignment, classmate, at=at + timedelta(days=1), name="Jo Park")

    rows = list(outcome_rows(course=course))

    assert rows[0][:7] == [
        "Student", "Email", "Assignment", "Contact", "Organisation", "Industry",
        "Held on (course time)",
    ]  # fmt: skip
    assert rows[1] == [
        "Stella Student", "stella.student@example.edu", "Informational interview", "Priya Patel",
        "Acme", "Health", "2027-03-03", "Unsure", 1, "Internship offer", "yes", "no",
    ]  # fmt: skip
    assert rows[2][0] == "Carl Classmate" and rows[2][6:] == ["2027-03-04", "", 0, "", "no", "no"]
    assert len(rows) == 3
