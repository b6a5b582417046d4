"""Authoring workflows: saving an assignment with its prompts and bank in one go, duplicating
it into another term with shifted dates, extensions, and what each viewer's list holds."""

import zoneinfo
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from courses.editing import course_archive
from courses.enrolment import course_create
from interviews.authoring import (
    DEFAULT_PROMPTS,
    DEFAULT_QUESTIONS,
    PromptInput,
    QuestionInput,
    assignment_duplicate,
    assignment_publish,
    assignment_save,
    assignments_for_viewer,
    date_order_warnings,
    extension_grant,
    shift_moment,
    shift_to_due,
    students_with_work,
)
from interviews.forms.authoring import AssignmentForm, DuplicateForm, ExtensionForm
from interviews.models import (
    Assignment,
    BankQuestion,
    Contact,
    Criterion,
    Extension,
    Interview,
    Submission,
)
from interviews.rubrics import rubric_adopt_template
from tests.factories import make_authored_assignment

NEW_YORK = zoneinfo.ZoneInfo("America/New_York")
BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
UTC = zoneinfo.ZoneInfo("UTC")


def ny(*args):
    return datetime(*args, tzinfo=NEW_YORK)


def membership_of(course, user):
    return course.memberships.select_related("course").get(user=user)


pytestmark = pytest.mark.assignment(
    build=make_authored_assignment,
    title="Informational interview",
    instructions="Find a professional.",
    contact_due_at=ny(2027, 2, 1, 17, 0),
    interview_due_at=ny(2027, 2, 20, 17, 0),
    writeup_due_at=ny(2027, 3, 1, 17, 0),
    cutoff_at=ny(2027, 3, 8, 17, 0),
    late_percent_per_day=Decimal("5"),
    min_words=400,
)


# Saving with prompts and bank


def test_new_assignment_gets_the_default_prompts_and_question_bank_in_order(assignment):
    assert [p.text for p in assignment.prompts.all()] == list(DEFAULT_PROMPTS)
    assert [p.position for p in assignment.prompts.all()] == [0, 1, 2]
    texts = list(assignment.bank_questions.order_by("position").values_list("text", flat=True))
    assert texts == [q.text for q in DEFAULT_QUESTIONS]
    assert "What advice would you give someone starting out?" in texts
    behavioural = assignment.bank_questions.get(is_behavioural=True)
    assert behavioural.text == "Tell me about a time you handled a difficult situation at work."


def test_default_prompts_cover_learning_fit_and_next_time():
    joined = " ".join(DEFAULT_PROMPTS).lower()
    assert "learn" in joined and "still fit" in joined and "differently" in joined


def test_editing_keeps_the_rows_it_keeps_so_students_picks_stay_attached(assignment):
    first, second, third = assignment.prompts.all()
    question = assignment.bank_questions.get(text="How did you get into this field?")

    assignment_save(
        assignment=assignment,
        prompts=[
            PromptInput(third.text, id=third.pk),
            PromptInput("What surprised you?"),
            PromptInput("What did you learn? (edited)", id=first.pk),
        ],
        questions=[
            QuestionInput("How did you start out?", BankQuestion.Group.PATH, id=question.pk)
        ],
    )

    prompts = list(assignment.prompts.all())
    assert [p.text for p in prompts] == [
        third.text, "What surprised you?", "What did you learn? (edited)",
    ]  # fmt: skip
    assert prompts[0].pk == third.pk and prompts[2].pk == first.pk
    assert not assignment.prompts.filter(pk=second.pk).exists()
    assert list(assignment.bank_questions.values_list("pk", "text")) == [
        (question.pk, "How did you start out?")
    ]


def test_an_id_of_another_assignments_prompt_makes_a_new_prompt_and_leaves_that_one_alone(
    assignment, course, instructor
):
    other = assignment_save(
        assignment=Assignment(course=course, title="Other", writeup_due_at=ny(2027, 5, 1, 9)),
        prompts=[PromptInput("Theirs")],
        questions=[],
    )
    theirs = other.prompts.get()

    assignment_save(
        assignment=assignment, prompts=[PromptInput("Mine", id=theirs.pk)], questions=[]
    )

    theirs.refresh_from_db()
    assert theirs.assignment == other and theirs.text == "Theirs"
    assert [p.text for p in assignment.prompts.all()] == ["Mine"]
    assert assignment.prompts.get().pk != theirs.pk


def test_a_failure_while_saving_the_bank_leaves_nothing_half_saved(course, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(BankQuestion.objects, "bulk_create", broken)

    with pytest.raises(RuntimeError):
        assignment_save(
            assignment=Assignment(course=course, title="Half", writeup_due_at=ny(2027, 5, 1, 9)),
            prompts=[PromptInput(text) for text in DEFAULT_PROMPTS],
            questions=DEFAULT_QUESTIONS,
        )

    assert not Assignment.objects.filter(title="Half").exists()
    assert not Assignment.objects.exists()


# Date order


def test_milestones_out_of_order_give_a_warning_naming_both_dates():
    warnings = date_order_warnings(
        {
            "contact_due_at": ny(2027, 2, 10, 17),
            "questions_due_at": ny(2027, 2, 5, 17),
            "interview_due_at": ny(2027, 3, 5, 17),
            "writeup_due_at": ny(2027, 3, 1, 17),
        },
        zone_name="America/New_York",
    )

    assert len(warnings) == 2
    assert (
        "“Contact chosen by” (Wed 10 Feb 2027, 17:00 EST) is after “Questions prepared by”"
        in (warnings[0])
    )
    assert "“Interview held by” (Fri 5 Mar 2027, 17:00 EST) is after “Write-up due”" in warnings[1]


def test_milestones_in_order_or_missing_give_no_warning():
    dates = {
        "contact_due_at": None,
        "questions_due_at": ny(2027, 2, 5, 17),
        "interview_due_at": None,
        "writeup_due_at": ny(2027, 3, 1, 17),
    }
    assert date_order_warnings(dates, zone_name="America/New_York") == []


def form_data(**overrides):
    return {
        "title": "Interview",
        "points": "100",
        "required_interviews": "1",
        "writeup_due_at": "2027-03-01T17:00",
        "late_percent_per_day": "10",
        "late_max_percent": "50",
        "late_grace_minutes": "0",
        "min_words": "0",
        **overrides,
    }


def test_form_refuses_a_cut_off_before_the_write_up_due_date(course):
    form = AssignmentForm(
        form_data(cutoff_at="2027-02-28T17:00"), instance=Assignment(course=course), course=course
    )

    assert not form.is_valid()
    assert list(form.errors) == ["cutoff_at"]
    assert "at or after the write-up due date" in form.errors["cutoff_at"][0]


def test_form_reads_dates_in_the_course_zone_and_refuses_the_skipped_hour(course):
    form = AssignmentForm(
        form_data(writeup_due_at="2027-03-14T02:30", contact_due_at="2027-03-14T03:30"),
        instance=Assignment(course=course),
        course=course,
    )

    assert not form.is_valid()
    assert "does not exist in America/New_York" in form.errors["writeup_due_at"][0]
    assert form.cleaned_data["contact_due_at"] == datetime(2027, 3, 14, 7, 30, tzinfo=UTC)


def test_form_accepts_out_of_order_dates_with_warnings(course):
    form = AssignmentForm(
        form_data(interview_due_at="2027-03-05T17:00"),
        instance=Assignment(course=course),
        course=course,
    )

    assert form.is_valid(), form.errors
    assert len(form.warnings) == 1 and "Interview held by" in form.warnings[0]


def test_form_needs_a_file_type_when_attachments_are_allowed(course):
    form = AssignmentForm(
        form_data(allow_attachments="on"), instance=Assignment(course=course), course=course
    )

    assert not form.is_valid()
    assert "Choose at least one file type" in form.errors["attachment_types"][0]


# Duplicating


def test_shift_keeps_the_wall_clock_time_across_a_daylight_saving_change():
    winter = ny(2027, 3, 1, 17, 0)  # 22:00 UTC

    summer = shift_moment(
        winter, by=timedelta(days=14), from_zone="America/New_York", to_zone="America/New_York"
    )

    assert summer == ny(2027, 3, 15, 17, 0)
    assert summer.astimezone(UTC).hour == 21


def test_shift_into_a_course_in_another_zone_keeps_the_local_time_there():
    moved = shift_moment(
        ny(2027, 3, 1, 17, 0), by=timedelta(days=7), from_zone="America/New_York",
        to_zone="Europe/Berlin",
    )  # fmt: skip

    assert moved == datetime(2027, 3, 8, 17, 0, tzinfo=BERLIN)


def test_shift_onto_the_skipped_hour_lands_just_after_it():
    moved = shift_moment(
        ny(2027, 3, 7, 2, 30), by=timedelta(days=7), from_zone="America/New_York",
        to_zone="America/New_York",
    )  # fmt: skip

    assert moved == ny(2027, 3, 14, 3, 30)
    assert moved.astimezone(NEW_YORK).utcoffset() == timedelta(hours=-4)


def test_duplicate_into_another_course_copies_prompts_and_bank_as_a_draft_with_shifted_dates(
    assignment, instructor, student
):
    assignment_publish(assignment=assignment, by=assignment.created_by, now=timezone.now())
    extension_grant(
        assignment=assignment, students=[student], dates={"writeup_due_at": ny(2027, 3, 5, 17)},
        reason="Illness", granted_by=instructor,
    )  # fmt: skip
    next_term = course_create(
        creator=instructor, title="Career Exploration, fall", time_zone="America/New_York"
    )

    copy = assignment_duplicate(
        assignment=assignment, into=next_term, shift=timedelta(days=182), created_by=instructor
    )

    assert copy.course == next_term and copy.state == Assignment.State.DRAFT
    assert copy.published_at is None
    assert copy.title == assignment.title and copy.min_words == 400
    assert copy.late_percent_per_day == Decimal("5")
    assert copy.writeup_due_at == ny(2027, 8, 30, 17, 0)  # same wall time, now in summer time
    assert copy.contact_due_at == ny(2027, 8, 2, 17, 0)
    assert copy.cutoff_at == ny(2027, 9, 6, 17, 0)
    assert copy.questions_due_at is None
    assert [p.text for p in copy.prompts.all()] == list(DEFAULT_PROMPTS)
    assert copy.bank_questions.count() == len(DEFAULT_QUESTIONS)
    assert copy.bank_questions.get(is_behavioural=True).group == BankQuestion.Group.ROLE
    assert not copy.extensions.exists()
    assignment.refresh_from_db()
    assert assignment.is_published and assignment.course.title == "Career Exploration"
    assert assignment.writeup_due_at == ny(2027, 3, 1, 17, 0)
    assert assignment.prompts.count() == 3 and assignment.extensions.count() == 1


def test_shift_to_a_new_due_date_moves_by_the_wall_clock_difference(assignment):
    shift = shift_to_due(assignment, new_due=ny(2027, 9, 3, 23, 0), to_zone="America/New_York")

    assert shift == timedelta(days=186, hours=6)


def test_duplicate_form_reads_the_new_due_date_in_the_target_courses_zone(assignment, instructor):
    berlin_course = course_create(creator=instructor, title="Berlin", time_zone="Europe/Berlin")
    form = DuplicateForm(
        {
            "target_course": berlin_course.pk,
            "title": "Copy",
            "new_writeup_due_at": "2027-09-06T17:00",
        },
        assignment=assignment,
        user=instructor,
    )

    assert form.is_valid(), form.errors
    assert form.cleaned_data["new_writeup_due_at"] == datetime(2027, 9, 6, 17, tzinfo=BERLIN)
    assert form.shift() == timedelta(days=189)


def test_duplicate_form_offers_only_active_courses_the_user_instructs(
    assignment, instructor, other_course
):
    archived = course_create(creator=instructor, title="Old term")
    course_archive(course=archived, by=archived.created_by, now=timezone.now())
    form = DuplicateForm(assignment=assignment, user=instructor)

    assert list(form.fields["target_course"].queryset) == [assignment.course]


def test_duplicate_form_refuses_both_days_and_a_new_date(assignment, instructor):
    form = DuplicateForm(
        {
            "target_course": assignment.course.pk,
            "title": "Copy",
            "shift_days": "7",
            "new_writeup_due_at": "2027-09-06T17:00",
        },
        assignment=assignment,
        user=instructor,
    )

    assert not form.is_valid()
    assert "not both" in form.errors["new_writeup_due_at"][0]


# Extensions


def test_extensions_for_several_students_change_their_dates_only(
    assignment, instructor, student, classmate, course
):
    extension_grant(
        assignment=assignment,
        students=[student, classmate],
        dates={"writeup_due_at": ny(2027, 3, 5, 17), "cutoff_at": ny(2027, 3, 12, 17)},
        reason="Hospital placement week",
        granted_by=instructor,
    )

    for person in (student, classmate):
        extension = Extension.objects.get(assignment=assignment, student=person)
        dates = assignment.dates_for(extension)
        assert dates.writeup_due_at == ny(2027, 3, 5, 17)
        assert dates.cutoff_at == ny(2027, 3, 12, 17)
        assert dates.contact_due_at == assignment.contact_due_at
        assert extension.reason == "Hospital placement week"
        assert extension.granted_by == instructor
    assert assignment.dates_for(None).writeup_due_at == ny(2027, 3, 1, 17)


def test_granting_again_replaces_the_students_extension(assignment, instructor, student):
    extension_grant(
        assignment=assignment, students=[student],
        dates={"writeup_due_at": ny(2027, 3, 5, 17), "interview_due_at": ny(2027, 2, 25, 17)},
        reason="Illness", granted_by=instructor,
    )  # fmt: skip

    extension_grant(
        assignment=assignment, students=[student], dates={"writeup_due_at": ny(2027, 3, 9, 17)},
        reason="Still ill", granted_by=instructor,
    )  # fmt: skip

    extension = Extension.objects.get()
    assert extension.writeup_due_at == ny(2027, 3, 9, 17)
    assert extension.interview_due_at is None
    assert extension.reason == "Still ill"


def test_extension_form_needs_a_date_and_refuses_a_due_date_past_the_cut_off(assignment):
    base = {"students": [], "reason": "Illness"}
    empty = ExtensionForm({**base}, assignment=assignment)
    assert not empty.is_valid()
    assert "Choose at least one student." in empty.errors["students"]

    student = assignment.course.memberships.filter(role="student").first().user
    no_date = ExtensionForm({**base, "students": [student.pk]}, assignment=assignment)
    assert not no_date.is_valid()
    assert "Give at least one new date" in no_date.non_field_errors()[0]

    past_cutoff = ExtensionForm(
        {**base, "students": [student.pk], "writeup_due_at": "2027-03-10T17:00"},
        assignment=assignment,
    )
    assert not past_cutoff.is_valid()
    assert "Give a later hard cut-off as well" in past_cutoff.errors["writeup_due_at"][0]


def test_extension_form_offers_only_the_courses_current_students(
    assignment, student, classmate, other_student, assistant
):
    form = ExtensionForm(assignment=assignment)

    assert set(form.fields["students"].queryset) == {student, classmate}


# What each viewer lists


def test_students_list_published_assignments_with_their_own_dates(
    assignment, course, instructor, student, classmate
):
    draft = Assignment.objects.create(course=course, title="Draft", writeup_due_at=ny(2027, 4, 1))
    assignment_publish(assignment=assignment, by=assignment.created_by, now=timezone.now())
    extension_grant(
        assignment=assignment, students=[student], dates={"writeup_due_at": ny(2027, 3, 4, 17)},
        reason="Illness", granted_by=instructor,
    )  # fmt: skip

    mine = assignments_for_viewer(membership=membership_of(course, student))
    theirs = assignments_for_viewer(membership=membership_of(course, classmate))
    staff = assignments_for_viewer(membership=membership_of(course, instructor))

    assert [row.assignment for row in mine] == [assignment]
    assert mine[0].dates.writeup_due_at == ny(2027, 3, 4, 17) and mine[0].dates.extended
    assert theirs[0].dates.writeup_due_at == ny(2027, 3, 1, 17)
    assert [row.assignment for row in staff] == [assignment, draft]
    assert staff[0].submitted_count == 0


def test_students_with_work_counts_each_student_once(assignment, student, classmate):
    assert students_with_work(assignment) == 0
    contact = Contact.objects.create(owner=student, name="Pat Professional")
    Interview.objects.create(assignment=assignment, student=student, contact=contact)
    Interview.objects.create(assignment=assignment, student=student, contact=contact)
    Submission.objects.create(assignment=assignment, student=student, body="Draft")
    Submission.objects.create(assignment=assignment, student=classmate, body="Draft")

    assert students_with_work(assignment) == 2


def test_duplicating_an_assignment_copies_its_rubric_without_sharing_it(
    course, other_course, instructor
):
    source = Assignment.objects.create(
        course=course, title="Interview", writeup_due_at=datetime(2030, 3, 1, 17, 0, tzinfo=UTC)
    )
    rubric_adopt_template(assignment=source)

    copy = assignment_duplicate(
        assignment=source, into=other_course, shift=timedelta(days=7), created_by=instructor
    )

    copied = copy.rubric
    assert copied.pk != source.rubric.pk
    assert [c.title for c in copied.criteria.all()] == [
        c.title for c in source.rubric.criteria.all()
    ]
    assert copy.points == source.points == copied.total_points()
    Criterion.objects.filter(rubric=copied).update(title="Changed in the copy")
    assert not source.rubric.criteria.filter(title="Changed in the copy").exists()
