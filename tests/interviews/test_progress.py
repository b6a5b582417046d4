"""The read models of ``interviews/progress.py``: the class grid, one student's record, home."""

import zoneinfo
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.utils import timezone

from courses.editing import course_archive
from courses.enrolment import course_create, member_enrol, member_remove
from courses.models import Membership, Role
from interviews.milestones import Status
from interviews.models import (
    Assignment,
    Extension,
    Interview,
    ReflectionPrompt,
)
from interviews.progress import assignment_progress, home_for, student_record, wall_time
from tests.factories import enrol_many, local, make_assignment, make_submission, plan_interview


def statuses(table, student) -> dict[str, str]:
    row = next(r for r in table.rows if r.student == student)
    return {key: state.status for key, state in row.states.items()}


# The class grid


def test_each_student_gets_a_status_on_each_dated_milestone(assignment, student, classmate):
    plan_interview(assignment, student, created=local(2027, 2, 25, 10, 0))

    table = assignment_progress(assignment=assignment, now=local(2027, 3, 2, 9, 0))

    assert [c.key for c in table.columns] == ["contact", "interview", "writeup"]
    assert statuses(table, student) == {
        "contact": Status.DONE, "interview": Status.NOT_DUE, "writeup": Status.NOT_DUE,
    }  # fmt: skip
    assert statuses(table, classmate)["contact"] == Status.MISSING
    assert [r.student for r in table.rows] == [classmate, student]  # by name


def test_staff_are_not_rows_of_the_grid(assignment, instructor, assistant):
    table = assignment_progress(assignment=assignment, now=local(2027, 3, 2, 9, 0))

    assert {r.student for r in table.rows}.isdisjoint({instructor, assistant})
    assert table.total == 2


def test_an_extension_moves_that_students_dates_only(assignment, student, classmate, instructor):
    Extension.objects.create(
        assignment=assignment, student=classmate, contact_due_at=local(2027, 3, 5, 17, 0),
        reason="Family emergency", granted_by=instructor,
    )  # fmt: skip

    table = assignment_progress(assignment=assignment, now=local(2027, 3, 2, 9, 0))

    assert statuses(table, classmate)["contact"] == Status.NOT_DUE
    assert statuses(table, student)["contact"] == Status.MISSING
    row = next(r for r in table.rows if r.student == classmate)
    assert row.extension.reason == "Family emergency" and row.dates.extended


def test_counts_cover_each_milestone_and_status(assignment, student, classmate):
    plan_interview(assignment, student, created=local(2027, 3, 3, 10, 0))  # after the due date

    table = assignment_progress(assignment=assignment, now=local(2027, 3, 4, 9, 0))

    contact = table.counts[0]
    assert (contact.key, contact.due) == ("contact", local(2027, 3, 1, 17, 0))
    assert contact.counts == {
        Status.DONE: 0, Status.LATE: 1, Status.MISSING: 1, Status.NOT_DUE: 0,
    }  # fmt: skip
    assert [(s.status, s.x, s.width) for s in contact.segments()] == [
        (Status.LATE, "0.00%", "50.00%"),
        (Status.MISSING, "50.00%", "50.00%"),
    ]
    assert contact.summary() == ("Contact chosen: 0 done, 1 done late, 1 missing, 0 not due yet")


def test_removed_students_appear_only_when_asked(assignment, course, classmate):
    member_remove(membership=Membership.objects.get(course=course, user=classmate))
    now = local(2027, 3, 2, 9, 0)

    assert classmate not in [
        r.student for r in assignment_progress(assignment=assignment, now=now).rows
    ]
    table = assignment_progress(assignment=assignment, now=now, include_removed=True)
    assert classmate in [r.student for r in table.rows]
    assert table.removed_count == 1 and table.total == 2


def test_filter_by_milestone_and_status_shows_missing_writeups(assignment, student, classmate):
    make_submission(assignment, student, at=local(2027, 3, 14, 9, 0))
    now = local(2027, 3, 16, 9, 0)

    missing = assignment_progress(
        assignment=assignment, now=now, milestone="writeup", status=Status.MISSING
    )
    assert [r.student for r in missing.rows] == [classmate]
    assert missing.total == 2  # the counts still describe the whole class

    any_missing = assignment_progress(assignment=assignment, now=now, status=Status.MISSING)
    assert {r.student for r in any_missing.rows} == {student, classmate}  # contact missing too


def test_name_search_matches_name_or_email_in_any_case(assignment, student, classmate):
    now = local(2027, 3, 2, 9, 0)

    assert [
        r.student for r in assignment_progress(assignment=assignment, now=now, query="STELLA").rows
    ] == [student]
    assert [
        r.student
        for r in assignment_progress(assignment=assignment, now=now, query="carl.class").rows
    ] == [classmate]


def test_a_late_writeup_carries_its_penalty(assignment, student):
    make_submission(assignment, student, at=local(2027, 3, 17, 9, 0), late_days=2, penalty="20")

    table = assignment_progress(assignment=assignment, now=local(2027, 3, 18, 9, 0))

    row = next(r for r in table.rows if r.student == student)
    assert row.states["writeup"].status == Status.LATE
    assert (row.submission.late_days, row.submission.penalty_percent) == (2, Decimal("20"))


def test_a_milestone_dated_only_by_an_extension_gets_a_column(course, student):
    assignment = make_assignment(course, contact_due_at=None)
    Extension.objects.create(
        assignment=assignment, student=student, contact_due_at=local(2027, 3, 5, 17, 0),
        reason="Asked for a checkpoint",
    )  # fmt: skip

    table = assignment_progress(assignment=assignment, now=local(2027, 3, 2, 9, 0))

    assert [c.key for c in table.columns] == ["contact", "interview", "writeup"]
    classmate_row = next(r for r in table.rows if r.student != student)
    assert classmate_row.cells[0].state is None  # no date for them: no status
    student_row = next(r for r in table.rows if r.student == student)
    assert [c.moved for c in student_row.cells] == [True, False, False]


def test_a_page_of_students_with_counts_for_the_whole_class(course, assignment, student):
    enrol_many(course, 120)
    plan_interview(assignment, student, created=local(2027, 2, 25, 10, 0))

    table = assignment_progress(assignment=assignment, now=local(2027, 3, 2, 9, 0), page="2")

    assert [r.student.full_name for r in table.rows][:2] == ["Zoe Pupil 049", "Zoe Pupil 050"]
    assert len(table.rows) == 50 and table.matching == table.total == 122
    assert table.counts[0].counts == {
        Status.DONE: 1, Status.LATE: 0, Status.MISSING: 121, Status.NOT_DUE: 0,
    }  # fmt: skip
    assert (table.students.page.start_index(), table.students.page.end_index()) == (51, 100)


def test_the_status_filter_reaches_students_on_every_page(course, assignment, student):
    enrol_many(course, 120)
    plan_interview(assignment, student, created=local(2027, 2, 25, 10, 0))
    now = local(2027, 3, 2, 9, 0)

    done = assignment_progress(assignment=assignment, now=now, milestone="contact", status="done")
    missing = assignment_progress(assignment=assignment, now=now, status="missing", per="100")

    assert [r.student for r in done.rows] == [student] and done.matching == 1
    assert missing.matching == 121 and len(missing.rows) == 100
    assert student not in [r.student for r in missing.rows]


def test_sort_by_the_chosen_milestones_status_then_name(
    assignment, student, classmate, course, instructor
):
    plan_interview(assignment, student, created=local(2027, 2, 25, 10, 0))  # done
    plan_interview(assignment, classmate, created=local(2027, 3, 3, 10, 0))  # done late
    [zoe] = enrol_many(course, 1)  # missing
    now = local(2027, 3, 4, 9, 0)

    table = assignment_progress(
        assignment=assignment, now=now, milestone="contact", sort="status", direction="desc"
    )

    assert [r.student for r in table.rows] == [zoe, classmate, student]
    assert table.sorts["status"].label == "Contact chosen"
    assert table.sorts["status"].aria_sort == "descending"
    # Without a milestone, a status means nothing to sort by: the names decide.
    by_name = assignment_progress(assignment=assignment, now=now, sort="status")
    assert by_name.sorting.key == "name" and "status" not in by_name.sorts
    assert [r.student for r in by_name.rows] == [classmate, student, zoe]


def test_sort_by_days_late_on_the_write_up(assignment, student, classmate, course):
    make_submission(assignment, student, at=local(2027, 3, 17, 9, 0), late_days=2, penalty="20")
    make_submission(assignment, classmate, at=local(2027, 3, 16, 9, 0), late_days=1, penalty="10")
    [zoe] = enrol_many(course, 1)
    now = local(2027, 3, 18, 9, 0)

    latest_first = assignment_progress(
        assignment=assignment, now=now, sort="late", direction="desc"
    )
    on_time_first = assignment_progress(assignment=assignment, now=now, sort="late")

    assert [r.student for r in latest_first.rows] == [student, classmate, zoe]
    assert [r.student for r in on_time_first.rows] == [zoe, classmate, student]


def test_junk_paging_and_sorting_fall_back(assignment, student, classmate):
    table = assignment_progress(
        assignment=assignment, now=local(2027, 3, 2, 9, 0), sort="email", per="7", page="99"
    )

    assert table.sorting.key == "name" and table.students.per == 50
    assert [r.student for r in table.rows] == [classmate, student]


@pytest.mark.parametrize("size", [10, 500])
def test_the_grid_costs_the_same_queries_whatever_the_class_size(
    course, assignment, size, django_assert_num_queries
):
    for user in enrol_many(course, size)[::2]:
        plan_interview(assignment, user, created=local(2027, 2, 25, 10, 0))
        Extension.objects.create(assignment=assignment, student=user, reason="More time")
    now = local(2027, 3, 2, 9, 0)

    # The counts (unfiltered, the page lists all of them: no count of its own), the page, and
    # the page's extensions, interviews, write-ups.
    with django_assert_num_queries(5):
        table = assignment_progress(assignment=assignment, now=now, sort="late")
    # Filtered, the page's count too; remembered, the class's counts are not counted again.
    with django_assert_num_queries(5):
        assignment_progress(assignment=assignment, now=now, milestone="contact", status="done")
    cache.clear()
    with django_assert_num_queries(6):
        assignment_progress(assignment=assignment, now=now, milestone="contact", status="done")

    assert table.total == size + 2 and len(table.rows) == min(size + 2, 50)


# One student's record


def test_record_shows_interview_times_in_the_students_and_professionals_zones(assignment, student):
    # 20 March 2027: New York is already on summer time, Berlin not yet.
    plan_interview(
        assignment, student, created=local(2027, 2, 20, 9, 0),
        scheduled_at=datetime(2027, 3, 20, 15, 0, tzinfo=zoneinfo.ZoneInfo("UTC")),
        time_zone="America/New_York", status=Interview.Status.SCHEDULED,
    )  # fmt: skip

    record = student_record(assignment=assignment, student=student, now=local(2027, 3, 2, 9, 0))

    [item] = record.interviews
    assert item.for_student == "Sat 20 Mar 2027, 16:00 CET"
    assert item.for_professional == "Sat 20 Mar 2027, 11:00 EDT"
    assert item.interview.contact.name == "Priya Patel"


def test_record_shows_the_current_version_answer_by_prompt(assignment, student):
    first = ReflectionPrompt.objects.create(
        assignment=assignment, position=1, text="What surprised you?"
    )
    second = ReflectionPrompt.objects.create(assignment=assignment, position=2, text="Does it fit?")
    make_submission(
        assignment, student, at=local(2027, 3, 12, 9, 0), answers={str(first.pk): "Old answer"}
    )
    make_submission(
        assignment, student, at=local(2027, 3, 14, 9, 0),
        answers={str(first.pk): "The hours", str(second.pk): "Mostly"}, body="More thoughts",
    )  # fmt: skip

    record = student_record(assignment=assignment, student=student, now=local(2027, 3, 16, 9, 0))

    assert [v.number for v in record.versions] == [2, 1]
    assert record.current_version.body == "More thoughts"
    assert [(a.prompt, a.answer) for a in record.answers] == [
        ("What surprised you?", "The hours"),
        ("Does it fit?", "Mostly"),
    ]


def test_answers_to_a_removed_prompt_are_still_shown(assignment, student):
    prompt = ReflectionPrompt.objects.create(assignment=assignment, text="Gone soon")
    make_submission(
        assignment, student, at=local(2027, 3, 14, 9, 0), answers={str(prompt.pk): "Kept"}
    )
    prompt.delete()

    record = student_record(assignment=assignment, student=student, now=local(2027, 3, 16, 9, 0))

    assert [a.answer for a in record.answers] == ["Kept"]


def test_record_steps_to_the_previous_and_next_student_by_name(
    assignment, course, student, classmate
):
    bea = Membership.objects.create(
        course=course, role=Role.STUDENT,
        user=type(student).objects.create_user(email="bea@example.edu", full_name="Bea Bell"),
    ).user  # fmt: skip
    now = local(2027, 3, 2, 9, 0)

    record = student_record(assignment=assignment, student=classmate, now=now)

    assert (record.previous_student, record.next_student) == (bea, student)
    last = student_record(assignment=assignment, student=student, now=now)
    assert (last.previous_student, last.next_student) == (classmate, None)


def test_record_of_a_removed_student_keeps_their_work(assignment, course, classmate):
    make_submission(assignment, classmate, at=local(2027, 3, 14, 9, 0), body="Still here")
    member_remove(membership=Membership.objects.get(course=course, user=classmate))

    record = student_record(assignment=assignment, student=classmate, now=local(2027, 3, 16, 9, 0))

    assert record.is_removed and record.current_version.body == "Still here"


def test_wall_time_reads_the_clock_in_the_given_zone():
    moment = datetime(2027, 3, 14, 7, 30, tzinfo=zoneinfo.ZoneInfo("UTC"))

    assert wall_time(moment, "America/New_York") == "Sun 14 Mar 2027, 03:30 EDT"
    assert wall_time(moment, "Not/AZone") == "Sun 14 Mar 2027, 07:30 UTC"
    assert wall_time(None, "UTC") == "—"


# Home: upcoming work


def test_home_lists_the_students_upcoming_milestones_with_their_extension(
    assignment, course, student, instructor
):
    Extension.objects.create(
        assignment=assignment, student=student, writeup_due_at=local(2027, 3, 19, 9, 0),
        reason="Illness", granted_by=instructor,
    )  # fmt: skip
    make_assignment(course, title="Draft one", state=Assignment.State.DRAFT)
    make_assignment(course, title="Far away", contact_due_at=None, interview_due_at=None,
                    writeup_due_at=local(2027, 6, 1, 9, 0), cutoff_at=None)  # fmt: skip

    home = home_for(user=student, now=local(2027, 3, 5, 9, 0))

    assert [(i.assignment.title, i.state.key, i.due) for i in home.upcoming] == [
        ("Informational interview", "interview", local(2027, 3, 10, 17, 0)),
        ("Informational interview", "writeup", local(2027, 3, 19, 9, 0)),
    ]
    assert home.upcoming[1].extended
    assert [(i.state.key, i.state.status) for i in home.late] == [("contact", Status.MISSING)]


def test_home_stops_listing_late_work_after_the_cutoff(assignment, student):
    home = home_for(user=student, now=local(2027, 3, 23, 9, 0))

    assert home.late == [] and home.upcoming == []


def test_home_gives_the_next_step_of_each_active_interview(assignment, student):
    plan_interview(
        assignment, student, created=local(2027, 2, 20, 9, 0), name="Held One",
        status=Interview.Status.HELD, held_at=local(2027, 3, 3, 9, 0),
        scheduled_at=local(2027, 3, 3, 9, 0),
    )  # fmt: skip
    plan_interview(
        assignment, student, created=local(2027, 2, 21, 9, 0), name="Cancelled One",
        status=Interview.Status.CANCELLED,
    )  # fmt: skip

    home = home_for(user=student, now=local(2027, 3, 5, 9, 0))

    assert [(s.interview.contact.name, s.text) for s in home.next_steps] == [
        ("Held One", "Send your thank-you note")
    ]


def test_home_counts_submitted_writeups_of_active_students_for_staff(
    assignment, course, student, classmate, assistant
):
    make_submission(assignment, student, at=local(2027, 3, 14, 9, 0))
    make_submission(assignment, classmate, at=local(2027, 3, 14, 9, 0))
    member_remove(membership=Membership.objects.get(course=course, user=classmate))

    home = home_for(user=assistant, now=local(2027, 3, 16, 9, 0))

    [taught] = home.teaching
    assert [(line.assignment, line.submitted, line.students) for line in taught.lines] == [
        (assignment, 1, 1)
    ]
    assert not home.is_student and not home.has_student_work


def test_home_leaves_out_archived_courses(assignment, course, student):
    course_archive(course=course, by=course.created_by, now=timezone.now())

    home = home_for(user=student, now=local(2027, 3, 5, 9, 0))

    assert home.upcoming == [] and home.late == []


def _courses_with_work(instructor, student, n):
    for i in range(n):
        course = course_create(creator=instructor, title=f"Course {i}", time_zone="UTC")
        member_enrol(course=course, user=student, role=Role.STUDENT)
        taught = course_create(creator=student, title=f"Taught {i}", time_zone="UTC")
        for j in range(3):
            make_assignment(taught, title=f"T{i}{j}")
            a = make_assignment(course, title=f"A{i}{j}")
            plan_interview(a, student, created=local(2027, 2, 20, 9, 0), name=f"P{i}{j}")
            make_submission(a, student, at=local(2027, 3, 2, 9, 0))
            Extension.objects.create(assignment=a, student=student, reason="More time")


@pytest.mark.parametrize("courses", [1, 6])
def test_home_costs_the_same_queries_however_many_courses(
    instructor, outsider, courses, django_assert_max_num_queries
):
    _courses_with_work(instructor, outsider, courses)

    with django_assert_max_num_queries(7):
        home = home_for(user=outsider, now=local(2027, 3, 1, 9, 0))
        names = [step.interview.contact.name for step in home.next_steps]

    assert len(home.teaching) == courses
    assert len(names) == courses * 3
    assert len(home.upcoming) == courses * 3 * 3  # each milestone of each assignment
    assert all(item.due - local(2027, 3, 1, 9, 0) > timedelta(0) for item in home.upcoming)
