"""The staff's progress grid and student record, and the upcoming work on "My courses"."""

import re
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import User
from courses.enrolment import course_create, member_enrol
from courses.models import Membership, Role
from interviews.models import Contact, Extension, Interview, ReflectionPrompt
from tests.factories import local, make_assignment, make_submission, plan_interview
from tests.pages import section, text_of

NOW = local(2027, 3, 16, 9, 0)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def progress_url(assignment, **query):
    url = reverse("interviews:progress", args=[assignment.course_id, assignment.pk])
    if query:
        url += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    return url


def record_url(assignment, student):
    return reverse(
        "interviews:student_record", args=[assignment.course_id, assignment.pk, student.pk]
    )


def student_rows(response) -> list[str]:
    """The text of each row of the students table."""
    content = response.content.decode()
    table = re.search(r'aria-labelledby="students-heading".*?</section>', content, re.S).group(0)
    return [text_of(row) for row in re.findall(r"<tr>\s*<th scope=\"row\">.*?</tr>", table, re.S)]


# The progress grid


def test_instructor_sees_every_student_on_every_milestone(
    as_user, instructor, assignment, student, classmate
):
    plan_interview(assignment, student, created=local(2027, 2, 25, 10, 0))
    make_submission(assignment, student, at=local(2027, 3, 17, 9, 0), late_days=2, penalty="20")

    response = as_user(instructor).get(progress_url(assignment))

    assert response.status_code == 200
    rows = student_rows(response)
    assert rows[0].startswith("Carl Classmate") and "Missing Missing Missing" in rows[0]
    assert rows[1].startswith("Stella Student")
    assert "Done 25 Feb" in rows[1] and "Late 2 days · −20%" in rows[1]
    counts = section(response, "counts-heading")
    assert "Contact chosen" in counts and "Write-up submitted" in counts


def test_a_write_up_submitted_with_fewer_interviews_held_shows_the_interview_missing(
    as_user, instructor, course, student
):
    assignment = make_assignment(
        course, interview_due_at=local(2027, 3, 30, 17, 0), writeup_due_at=local(2027, 4, 5, 9, 0),
        required_interviews=2,
    )  # fmt: skip
    held = plan_interview(assignment, student, created=local(2027, 2, 25, 10, 0))
    held.status, held.held_at = Interview.Status.HELD, local(2027, 3, 12, 10, 0)
    held.save()
    make_submission(assignment, student, at=local(2027, 3, 15, 9, 0))

    rows = student_rows(as_user(instructor).get(progress_url(assignment)))

    stella = next(row for row in rows if row.startswith("Stella Student"))
    assert "Missing 1 of 2 held, write-up submitted" in stella


def test_assistant_sees_the_grid_and_students_do_not(as_user, assistant, student, assignment):
    assert as_user(assistant).get(progress_url(assignment)).status_code == 200
    assert as_user(student).get(progress_url(assignment)).status_code == 403


def test_counts_are_drawn_as_bars_without_inline_styles(as_user, instructor, assignment, student):
    plan_interview(assignment, student, created=local(2027, 2, 25, 10, 0))

    content = as_user(instructor).get(progress_url(assignment)).content.decode()

    assert 'aria-label="Contact chosen: 1 done, 0 done late, 1 missing, 0 not due yet"' in content
    assert '<rect x="0.00%" y="0" width="50.00%"' in content
    assert '<rect x="50.00%" y="0" width="50.00%"' in content
    main = content.split("<main", 1)[1].split("</main>", 1)[0]
    assert "style=" not in main and "<script" not in main


def test_filter_missing_writeups_without_javascript(
    as_user, instructor, assignment, student, classmate
):
    make_submission(assignment, student, at=local(2027, 3, 14, 9, 0))

    response = as_user(instructor).get(
        progress_url(assignment, milestone="writeup", status="missing")
    )

    rows = student_rows(response)
    assert len(rows) == 1 and rows[0].startswith("Carl Classmate")
    assert "Showing 1 of 2 students." in text_of(response)
    assert '<option value="writeup" selected>' in response.content.decode()


def test_name_search_narrows_the_rows(as_user, instructor, assignment):
    response = as_user(instructor).get(progress_url(assignment, q="stella"))

    assert [row.split(" ")[0] for row in student_rows(response)] == ["Stella"]


def test_unknown_filter_values_are_ignored_with_a_note(as_user, instructor, assignment):
    response = as_user(instructor).get(progress_url(assignment, status="bogus", q="stella"))

    assert len(student_rows(response)) == 1  # the name search still applies
    assert "Some filters were not understood" in text_of(response)


def test_removed_students_show_when_the_toggle_is_on(
    as_user, instructor, assignment, course, classmate
):
    Membership.objects.filter(course=course, user=classmate).update(removed_at=NOW)

    assert len(student_rows(as_user(instructor).get(progress_url(assignment)))) == 1
    rows = student_rows(as_user(instructor).get(progress_url(assignment, removed="on")))
    assert len(rows) == 2 and "Removed" in rows[0]


def test_student_with_an_extension_is_marked_with_the_reason(
    as_user, instructor, assignment, classmate
):
    Extension.objects.create(
        assignment=assignment, student=classmate, writeup_due_at=local(2027, 3, 19, 9, 0),
        reason="Jury duty", granted_by=instructor,
    )  # fmt: skip

    rows = student_rows(as_user(instructor).get(progress_url(assignment)))

    assert "Extended (reason: Jury duty)" in rows[0]
    assert "Not due yet due 19 Mar, 09:00 for them" in rows[0]
    assert rows[0].count("for them") == 1  # only the moved date


def _class_of(course, assignment, size, *, start=0):
    users = User.objects.bulk_create(
        User(email=f"s{i}@example.edu", full_name=f"Student {i:03}", password="!")
        for i in range(start, start + size)
    )
    Membership.objects.bulk_create(
        Membership(course=course, user=u, role=Role.STUDENT) for u in users
    )
    Extension.objects.bulk_create(
        Extension(assignment=assignment, student=u, reason="More time") for u in users[::3]
    )
    for user in users[::2]:
        plan_interview(assignment, user, created=local(2027, 2, 25, 10, 0), status="held",
                       held_at=local(2027, 3, 5, 10, 0))  # fmt: skip
        make_submission(assignment, user, at=local(2027, 3, 14, 9, 0))


@pytest.mark.parametrize(
    "query", [{"removed": "on"}, {"milestone": "interview", "status": "done", "sort": "status"}]
)
def test_progress_page_queries_are_the_same_at_10_and_500_students(
    as_user, instructor, course, assignment, query, django_assert_max_num_queries
):
    _class_of(course, assignment, 10)
    client = as_user(instructor)
    with CaptureQueriesContext(connection) as small:
        client.get(progress_url(assignment, **query))
    _class_of(course, assignment, 490, start=10)

    with django_assert_max_num_queries(12) as large:
        response = client.get(progress_url(assignment, **query))

    assert len(large) == len(small)
    assert len(student_rows(response)) == 50
    heading = section(response, "students-heading").split("Showing")[0]
    assert heading.startswith("Students 1–50 of " + ("502" if "removed" in query else "250"))


def test_the_grid_pages_and_sorts_with_its_filters_in_the_links(
    as_user, instructor, course, assignment
):
    _class_of(course, assignment, 120)

    response = as_user(instructor).get(
        progress_url(assignment, milestone="writeup", status="done", per="50", page="2")
    )

    content = response.content.decode()
    assert "Students 51–60 of 60" in text_of(response)
    assert "Showing 60 of 122 students." in text_of(response)
    # Page links and sort headers keep the filters; the header of the chosen milestone sorts.
    assert 'href="?milestone=writeup&amp;status=done&amp;per=50&amp;page=1"' in content
    assert (
        'href="?milestone=writeup&amp;status=done&amp;per=50&amp;sort=status&amp;dir=asc"'
        in content
    )
    assert '<th scope="col" aria-sort="ascending"><a href="?milestone=writeup' in content
    assert 'Write-up submitted<span class="visually-hidden"> sort ascending' in content


# The student record


def test_record_shows_the_whole_interview_record(as_user, instructor, assignment, student):
    referrer = plan_interview(assignment, student, created=local(2027, 2, 1, 9, 0), name="Ref Erin")
    interview = plan_interview(
        assignment, student, created=local(2027, 2, 20, 9, 0), name="Priya Patel",
        scheduled_at=local(2027, 3, 5, 11, 0), time_zone="Europe/London",
        status=Interview.Status.HELD, held_at=local(2027, 3, 5, 11, 30),
        notes="Talked about <b>night shifts</b>", went_poorly="Salary question",
        thank_you_sent_at=local(2027, 3, 5, 18, 0), insights="Hours are long",
        path_fit=Interview.PathFit.UNSURE, offer=Interview.Offer.INTERNSHIP,
    )  # fmt: skip
    contact = interview.contact
    contact.job_title, contact.industry = "Charge nurse", "Healthcare"
    contact.linkedin_url, contact.how_met = "https://www.linkedin.com/in/priya", "Career fair"
    contact.referred_by = referrer.contact
    contact.save()
    interview.questions.create(position=1, text="What does a typical day look like?")
    referral = Contact.objects.create(owner=student, name="New Lead", organisation="Beta Clinic")
    interview.referrals.add(referral)
    prompt = ReflectionPrompt.objects.create(assignment=assignment, text="What did you learn?")
    make_submission(
        assignment, student, at=local(2027, 3, 14, 9, 0), answers={str(prompt.pk): "A lot"}
    )

    response = as_user(instructor).get(record_url(assignment, student))

    assert response.status_code == 200
    page = text_of(response)
    for expected in (
        "Interview with Priya Patel Held", "Charge nurse", "Acme Health", "Healthcare",
        "Career fair", "Referred by Ref Erin", "Mode Video call",
        # Held half an hour after the plan: what happened is shown, the plan beside it.
        "Student's time Fri 5 Mar 2027, 17:30 CET", "Professional's time Fri 5 Mar 2027, 16:30 GMT",
        "Held, your time Fri 5 Mar 2027, 11:30 EST", "Planned for Fri 5 Mar 2027, 11:00 EST",
        "What does a typical day look like?", "Talked about <b>night shifts</b>",
        "Salary question", "Hours are long", "Unsure", "Internship offer",
        "What did you learn? A lot", "Version 1, submitted", "On time.",
        "Referrals to new contacts New Lead (Beta Clinic)",
    ):  # fmt: skip
        assert expected in page, expected
    assert '<a href="https://www.linkedin.com/in/priya" rel="noopener noreferrer nofollow"' in (
        response.content.decode()
    )


def test_record_shows_extension_reason_and_late_penalty(as_user, instructor, assignment, student):
    Extension.objects.create(
        assignment=assignment, student=student, writeup_due_at=local(2027, 3, 16, 9, 0),
        reason="Hospital stay", granted_by=instructor,
    )  # fmt: skip
    submission = make_submission(
        assignment, student, at=local(2027, 3, 17, 10, 0), late_days=1, penalty="10"
    )

    page = text_of(as_user(instructor).get(record_url(assignment, student)))

    assert "Reason: Hospital stay" in page and "Granted by Ines Instructor" in page
    assert "Late 1 day late, penalty 10%" in page
    assert submission.penalty_percent == Decimal("10")


def test_record_links_the_previous_and_next_student(
    as_user, instructor, assignment, student, classmate
):
    content = as_user(instructor).get(record_url(assignment, classmate)).content.decode()

    assert f'href="{record_url(assignment, student)}" rel="next"' in content
    assert 'rel="prev"' not in content


def test_record_is_for_staff_only(as_user, assignment, student, classmate, assistant):
    assert as_user(assistant).get(record_url(assignment, student)).status_code == 200
    assert as_user(classmate).get(record_url(assignment, student)).status_code == 403
    assert as_user(student).get(record_url(assignment, student)).status_code == 403


def test_record_of_a_student_of_another_course_is_not_found(
    as_user, instructor, assignment, other_student, other_course
):
    assert as_user(instructor).get(record_url(assignment, other_student)).status_code == 404


def test_record_of_a_staff_member_is_not_found(as_user, instructor, assignment, assistant):
    assert as_user(instructor).get(record_url(assignment, assistant)).status_code == 404
    assert as_user(instructor).get(record_url(assignment, instructor)).status_code == 404


def test_staff_of_another_course_cannot_open_the_record(
    as_user, other_instructor, assignment, student, other_course
):
    assert as_user(other_instructor).get(record_url(assignment, student)).status_code == 404


# My courses: upcoming work


def test_student_sees_upcoming_and_late_work_in_their_zone(as_user, assignment, student, course):
    plan_interview(
        assignment, student, created=local(2027, 2, 20, 9, 0),
        status=Interview.Status.HELD, held_at=local(2027, 3, 5, 9, 0),
        scheduled_at=local(2027, 3, 5, 9, 0),
    )  # fmt: skip
    Extension.objects.create(
        assignment=assignment, student=student, writeup_due_at=local(2027, 3, 18, 9, 0),
        reason="Illness",
    )  # fmt: skip

    response = as_user(student).get(reverse("courses:mine"))

    upcoming = section(response, "upcoming-heading")
    # Berlin is 5 hours ahead of New York on 18 March 2027 (the US changed its clocks first).
    assert (
        "Write-up submitted for Informational interview (Career Exploration) Extended" in upcoming
    )
    assert "Thu 18 Mar 2027, 14:00 CET (09:00 EDT course time)" in upcoming
    assert (
        "Interview with Priya Patel (Informational interview, Career Exploration): "
        "Send your thank-you note" in upcoming
    )


def test_student_sees_missing_work_before_the_cutoff(as_user, assignment, classmate):
    upcoming = section(as_user(classmate).get(reverse("courses:mine")), "upcoming-heading")

    assert "Late or missing" in upcoming
    assert "Contact chosen for Informational interview" in upcoming
    assert "Write-up submitted for Informational interview" in upcoming


def test_staff_see_a_submitted_count_per_published_assignment(
    as_user, instructor, assignment, student
):
    make_submission(assignment, student, at=local(2027, 3, 14, 9, 0))
    make_assignment(assignment.course, title="Unpublished", state="draft")

    response = as_user(instructor).get(reverse("courses:mine"))

    teaching = section(response, "teaching-heading")
    assert "Informational interview: 1 of 2 submitted" in teaching
    assert "Unpublished" not in teaching
    assert 'id="upcoming-heading"' not in response.content.decode()
    assert progress_url(assignment) in response.content.decode()


def _more_courses(instructor, student, n):
    for i in range(n):
        course = course_create(creator=instructor, title=f"Course {i}", time_zone="UTC")
        member_enrol(course=course, user=student, role=Role.STUDENT)
        for j in range(3):
            a = make_assignment(course, title=f"A{i}{j}")
            plan_interview(a, student, created=local(2027, 3, 10, 9, 0), name=f"P{i}{j}")


def test_my_courses_costs_the_same_queries_with_more_courses(as_user, instructor, outsider):
    _more_courses(instructor, outsider, 1)
    with CaptureQueriesContext(connection) as few:
        as_user(outsider).get(reverse("courses:mine"))
    _more_courses(instructor, outsider, 5)
    with CaptureQueriesContext(connection) as many:
        response = as_user(outsider).get(reverse("courses:mine"))

    assert len(many) == len(few)
    assert text_of(response).count("Agree a date and time with your contact") == 18
