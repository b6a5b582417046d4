"""The read models (the whole book, and the page with the class's statistics) and the CSV
writers of ``interviews/gradebook.py``."""

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from courses.enrolment import member_remove
from courses.models import Membership
from interviews.gradebook import (
    CellState,
    ExportFormat,
    canvas_titles,
    criteria_rows,
    gradebook_csv,
    gradebook_for,
    gradebook_page,
)
from interviews.models import (
    Assignment,
    Criterion,
    CriterionScore,
    Level,
    Rubric,
    Submission,
)
from tests.factories import enrol_many
from tests.interviews.grading_samples import DUE, enrol, gradebook_assignment, graded, submitted


def row_of(book, user):
    return next(row for row in book.rows if row.student_id == user.pk)


# Who and what is in the book


def test_columns_are_published_assignments_by_due_date(course):
    later = gradebook_assignment(course, "Second interview", due=DUE + timedelta(days=20))
    first = gradebook_assignment(course, "First interview", due=DUE)
    gradebook_assignment(course, "Draft idea", state=Assignment.State.DRAFT)

    book = gradebook_for(course=course)

    assert [c.assignment_id for c in book.columns] == [first.pk, later.pk]
    assert book.total_points == Decimal("40")
    assert book.columns[0].grading_url == reverse("interviews:grading", args=[course.pk, first.pk])


def test_rows_are_active_students_and_removed_students_with_graded_work(
    course, student, classmate, instructor
):
    assignment = gradebook_assignment(course)
    ada = enrol(course, "ada@example.edu", "Ada Ångström")
    left_early = enrol(course, "gone@example.edu", "Gone Early")
    graded(assignment, classmate, "15")
    member_remove(membership=Membership.objects.get(course=course, user=classmate))
    member_remove(membership=Membership.objects.get(course=course, user=left_early))

    book = gradebook_for(course=course)

    assert [row.display_name for row in book.rows] == [
        "Ada Ångström",
        "Carl Classmate",
        "Stella Student",
    ]
    assert [row.is_removed for row in book.rows] == [False, True, False]
    page = gradebook_page(course=course)
    assert [row.display_name for row in page.rows] == [row.display_name for row in book.rows]
    assert (page.class_size, page.removed) == (3, 1)
    assert instructor.pk not in {row.student_id for row in book.rows}
    assert ada.pk in {row.student_id for row in book.rows}


def test_each_cell_says_where_the_work_stands(course, student):
    states = {}
    for state in CellState:
        states[state] = gradebook_assignment(course, state.value)
    Submission.objects.create(assignment=states[CellState.NOT_SUBMITTED], student=student)  # draft
    submitted(states[CellState.SUBMITTED], student)
    graded(states[CellState.IN_PROGRESS], student, "5", complete=False)
    graded(states[CellState.UNRELEASED], student, "12", late=True, needs_review=True)
    graded(states[CellState.RELEASED], student, "18", released=True)

    book = gradebook_for(course=course)

    cells = {
        c.assignment_id: cell
        for c, cell in zip(book.columns, row_of(book, student).cells, strict=True)
    }
    for state, assignment in states.items():
        cell = cells[assignment.pk]
        assert cell.state == state
        expected_url = (
            ""
            if state == CellState.NOT_SUBMITTED
            else reverse("interviews:grade", args=[course.pk, assignment.pk, student.pk])
        )
        assert cell.url == expected_url
    assert cells[states[CellState.IN_PROGRESS].pk].final_score is None
    assert cells[states[CellState.UNRELEASED].pk].final_score == Decimal("12")
    assert cells[states[CellState.UNRELEASED].pk].is_late
    assert cells[states[CellState.UNRELEASED].pk].needs_review
    assert not cells[states[CellState.RELEASED].pk].is_late
    assert gradebook_page(course=course).unreleased == 1


# Totals and statistics


def test_current_counts_graded_work_and_overall_counts_everything_published(course, student):
    first, second, third = (gradebook_assignment(course, f"A{i}") for i in range(3))
    graded(first, student, "18", released=True)
    graded(second, student, "12")  # complete, not released: counts for staff
    graded(third, student, "19", complete=False)  # in progress: never counts

    row = row_of(gradebook_for(course=course), student)

    assert (row.earned, row.graded_points, row.graded) == (Decimal("30"), Decimal("40"), 2)
    assert row.current == Decimal("75.00")  # 30 of the 40 points graded
    assert row.overall == Decimal("50.00")  # 30 of all 60 points


def test_released_only_counts_only_what_students_already_see(course, student):
    first, second = gradebook_assignment(course, "A"), gradebook_assignment(course, "B")
    graded(first, student, "18", released=True)
    graded(second, student, "12")

    row = row_of(gradebook_for(course=course, released_only=True), student)

    assert [cell.counts for cell in row.cells] == [True, False]
    assert (row.earned, row.current, row.overall) == (
        Decimal("18"),
        Decimal("90.00"),
        Decimal("45.00"),
    )


def test_a_student_with_nothing_graded_has_no_current_percentage(course, student):
    gradebook_assignment(course)

    row = row_of(gradebook_for(course=course), student)

    assert row.current is None and row.overall == Decimal("0.00")


def test_columns_carry_average_median_and_distribution(course, student, classmate):
    assignment = gradebook_assignment(course)
    others = [enrol(course, f"s{i}@example.edu", f"Student {i}") for i in range(3)]
    for user, final in zip(
        [student, classmate, *others], ["20", "19.5", "15", "9", "3"], strict=True
    ):
        graded(assignment, user, final)

    column = gradebook_page(course=course).columns[0]

    assert column.graded == 5
    assert column.average == Decimal("13.30")
    assert column.median == Decimal("15.00")
    assert (column.lowest, column.highest) == (Decimal("3"), Decimal("20"))
    # 15 %, 45 %, 75 %, 97.5 % and 100 % of 20 points
    assert column.bins == [0, 1, 0, 0, 1, 0, 0, 1, 0, 2]
    bars = column.bars()
    assert [bar.count for bar in bars] == column.bins
    assert bars[9].label == "90–100 %" and bars[9].height == "60.0"
    assert "5 graded" in column.summary() and "90–100 %: 2" in column.summary()


def test_a_grade_given_out_of_other_points_is_shown_on_the_assignments_scale(course, student):
    assignment = gradebook_assignment(course)  # 20 points now; the rubric was worth 10 then
    graded(assignment, student, "8", points_possible=Decimal("10"))

    cell = row_of(gradebook_for(course=course), student).cells[0]

    assert cell.final_score == Decimal("16.00")
    assert cell.graded_as == "8 / 10"


def test_an_even_count_has_the_median_halfway_between_the_middle_scores(course, student, classmate):
    assignment = gradebook_assignment(course)
    graded(assignment, student, "7")
    graded(assignment, classmate, "7.01")

    column = gradebook_page(course=course).columns[0]

    # 7.005 rounds half up to 7.01, as Python's decimals do (not to 7 as a float 7.00499… would)
    assert (column.graded, column.median, column.average) == (2, Decimal("7.01"), Decimal("7.01"))


def test_statistics_count_a_grade_on_the_assignments_points_now(course, student, classmate):
    assignment = gradebook_assignment(course)  # 20 points; Stella's rubric was worth 10 then
    graded(assignment, student, "8", points_possible=Decimal("10"))
    graded(assignment, classmate, "19")

    column = gradebook_page(course=course).columns[0]

    assert (column.lowest, column.highest, column.average) == (
        Decimal("16"),
        Decimal("19"),
        Decimal("17.50"),
    )
    assert column.bins == [0] * 8 + [1, 1]  # 80 % and 95 %


def test_statistics_leave_out_what_does_not_count(course, student, classmate, assistant):
    assignment = gradebook_assignment(course)
    graded(assignment, student, "18", released=True)
    graded(assignment, classmate, "5", complete=False)  # in progress
    graded(assignment, assistant, "20")  # staff trying the assignment: not in the book

    page = gradebook_page(course=course)

    assert (page.columns[0].graded, page.columns[0].median, page.unreleased) == (
        1,
        Decimal("18.00"),
        0,
    )
    assert page.class_size == 2


# The page: a page of students at a time


def test_a_page_holds_50_or_100_students_and_says_where_it_is(course):
    gradebook_assignment(course)
    enrol_many(course, 120)  # with Stella and Carl, 122

    first = gradebook_page(course=course)
    last = gradebook_page(course=course, per="100", page="2")
    junk = gradebook_page(course=course, per="7", page="99", sort="bogus", direction="sideways")

    assert len(first.rows) == 50 and first.students.page.paginator.count == 122
    assert [r.display_name for r in first.rows[:2]] == ["Carl Classmate", "Stella Student"]
    assert len(last.rows) == 22 and last.students.page.start_index() == 101
    assert junk.students.per == 50 and junk.students.page.number == 3
    assert junk.sorting.key == "name" and junk.sorting.direction == "asc"


def test_search_finds_students_by_name_or_email_and_keeps_the_class_statistics(
    course, student, classmate
):
    assignment = gradebook_assignment(course)
    graded(assignment, student, "18")
    graded(assignment, classmate, "10")

    by_name = gradebook_page(course=course, query="stella")
    by_email = gradebook_page(course=course, query="CARL.class")

    assert [row.display_name for row in by_name.rows] == ["Stella Student"]
    assert [row.display_name for row in by_email.rows] == ["Carl Classmate"]
    assert by_name.students.page.paginator.count == 1 and by_name.class_size == 2
    assert (by_name.columns[0].graded, by_name.columns[0].average) == (2, Decimal("14.00"))


def test_pages_hold_the_rows_of_the_whole_book(course, student, classmate):
    first, second = gradebook_assignment(course, "A"), gradebook_assignment(course, "B")
    people = [student, classmate, *enrol_many(course, 70)]
    for n, person in enumerate(people):
        if n % 3:
            graded(first, person, str(n % 21), released=n % 2 == 0)
        if n % 4 == 1:
            graded(second, person, "7", points_possible=Decimal("10"))
        elif n % 5 == 2:
            submitted(second, person, late=True)

    whole = gradebook_for(course=course).rows
    pages = [gradebook_page(course=course, page=str(n)).rows for n in (1, 2)]

    assert pages[0] + pages[1] == whole


def totals_class(course, student, classmate):
    """Ada: 20 of the 20 graded, of 40 (100 %, 50 %); Stella: 30 of 40 (75 %, 75 %); Carl:
    nothing graded (—, 0 %); Bea: 8 of 10 on A, shown 16 of 20 (80 %, 40 %)."""
    first, second = gradebook_assignment(course, "A"), gradebook_assignment(course, "B")
    ada, bea = enrol(course, "ada@example.edu", "Ada"), enrol(course, "bea@example.edu", "Bea")
    graded(first, ada, "20")
    graded(first, student, "15")
    graded(second, student, "15")
    graded(first, bea, "8", points_possible=Decimal("10"))
    submitted(first, classmate)
    return first, second


@pytest.mark.parametrize(
    "sort,direction,expected",
    [
        ("current", "asc", ["Stella Student", "Bea", "Ada", "Carl Classmate"]),
        ("current", "desc", ["Ada", "Bea", "Stella Student", "Carl Classmate"]),
        ("overall", "asc", ["Carl Classmate", "Bea", "Ada", "Stella Student"]),
        ("overall", "desc", ["Stella Student", "Ada", "Bea", "Carl Classmate"]),
        ("name", "desc", ["Stella Student", "Carl Classmate", "Bea", "Ada"]),
    ],
)
def test_sorting_by_a_total_follows_the_totals_shown_with_nothing_graded_last(
    course, student, classmate, sort, direction, expected
):
    totals_class(course, student, classmate)

    page = gradebook_page(course=course, sort=sort, direction=direction)

    assert [row.display_name for row in page.rows] == expected
    assert page.sorting.key == sort
    if sort == "current":
        shown = [row.current for row in page.rows if row.current is not None]
        assert shown == sorted(shown, reverse=direction == "desc")


@pytest.mark.parametrize(
    "direction,expected",
    [("asc", ["Stella Student", "Bea", "Ada"]), ("desc", ["Ada", "Bea", "Stella Student"])],
)
def test_sorting_by_an_assignments_score_puts_missing_scores_last_either_way(
    course, student, classmate, direction, expected
):
    first, _ = totals_class(course, student, classmate)

    page = gradebook_page(course=course, sort=f"score-{first.pk}", direction=direction)

    assert [row.display_name for row in page.rows] == [*expected, "Carl Classmate"]
    assert page.columns[0].sort.aria_sort == {"asc": "ascending", "desc": "descending"}[direction]
    assert page.columns[1].sort.aria_sort is None and page.headers["name"].aria_sort is None


# CSV writing


def test_canvas_titles_are_unique_and_never_read_as_a_canvas_id_or_a_student_column():
    assert canvas_titles(["Interview", "Interview", "Part (2)", "interview", "Section"]) == [
        "Interview",
        "Interview [2]",
        "Part [2]",
        "interview [3]",
        "Section [2]",
    ]


# One assignment by criterion


def test_criteria_rows_list_each_criterion_in_rubric_order(course, student, classmate):
    assignment = gradebook_assignment(course, points=Decimal("10"))
    rubric = Rubric.objects.create(assignment=assignment, title="Rubric")
    second = Criterion.objects.create(rubric=rubric, position=1, title="Reflection", points=5)
    first = Criterion.objects.create(rubric=rubric, position=0, title="Preparation", points=5)
    strong = Level.objects.create(criterion=first, title="Strong", points=5)
    grade = graded(assignment, student, None, late=True, late_penalty_percent=Decimal("10"))
    grade.score, grade.final_score = Decimal("8"), Decimal("7.2")
    grade.save()
    CriterionScore.objects.create(
        grade=grade, criterion=first, title="Preparation", level=strong, level_title="Strong",
        points=Decimal("5"), max_points=5, position=0,
    )  # fmt: skip
    CriterionScore.objects.create(
        grade=grade, criterion=second, title="Reflection", points=Decimal("3"), max_points=5,
        position=1,
    )  # fmt: skip
    CriterionScore.objects.create(
        grade=grade, criterion=None, title="Punctuality", points=Decimal("0"), max_points=1,
        position=2,
    )  # fmt: skip
    submitted(assignment, classmate)

    rows = criteria_rows(assignment=assignment)

    assert rows[0] == [
        "Student", "Email", "Preparation: points", "Preparation: level", "Reflection: points",
        "Reflection: level", "Punctuality (removed): points", "Punctuality (removed): level",
        "Score", "Points possible", "Late", "Late penalty (%)", "Late penalty (points)",
        "Final score", "Status",
    ]  # fmt: skip
    assert rows[1] == ["Carl Classmate", "carl.classmate@example.edu", None, None, None, None,
                       None, None, None, Decimal("10"), "no", None, None, None,
                       "Not graded yet"]  # fmt: skip
    assert rows[2] == [
        "Stella Student", "stella.student@example.edu", Decimal("5.00"), "Strong",
        Decimal("3.00"), "", Decimal("0.00"), "", Decimal("8.00"), Decimal("10.00"), "yes",
        Decimal("10.00"), Decimal("0.80"), Decimal("7.20"), "Graded, not released",
    ]  # fmt: skip


@pytest.mark.parametrize("export_format", [ExportFormat.MOODLE, ExportFormat.CANVAS])
def test_exports_guard_a_fullwidth_formula_and_keep_a_plus_address(course, export_format):
    gradebook_assignment(course)
    enrol(course, "+plus@example.edu", '＝HYPERLINK("http://evil.example","Grades")')

    content = gradebook_csv(gradebook_for(course=course), export_format)

    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    cells = {cell for row in rows for cell in row}
    assert '\'＝HYPERLINK("http://evil.example","Grades")' in cells
    assert "+plus@example.edu" in cells
    assert "'+plus@example.edu" not in cells
