"""The rubric workflow (interviews/rubrics.py): criteria and levels, points that follow them,
the ready-made rubric, copies that share nothing, and CSV export and import."""

import csv
import io
from decimal import Decimal

import pytest
from django.utils import timezone

from common.refused import Refused
from courses.editing import course_archive
from courses.enrolment import course_create, member_enrol
from courses.models import Role
from interviews import rubrics
from interviews.models import Criterion, CriterionScore, Grade, Rubric
from interviews.rubrics import (
    IMPORT_MAX_BYTES,
    IMPORT_MAX_ROWS,
    CriterionInput,
    LevelInput,
    RubricFileRefused,
    criteria_of,
    rubric_parse_csv,
)
from tests.authz.common import make_grade, submitted
from tests.factories import make_user
from tests.interviews.grading_samples import (
    HEADER,
    nine_point_rubric,
    points_of,
    rubric_assignment,
)

D = Decimal

pytestmark = pytest.mark.assignment(build=rubric_assignment)


def titles(rubric) -> list[str]:
    return list(rubric.criteria.values_list("title", flat=True))


def level_titles(criterion) -> list[str]:
    return list(criterion.levels.values_list("title", flat=True))


def parse_problems(text: str | bytes) -> list[str]:
    data = text.encode() if isinstance(text, str) else text
    with pytest.raises(RubricFileRefused) as caught:
        rubric_parse_csv(data)
    return [str(problem) for problem in caught.value.problems]


# The ready-made rubric -----------------------------------------------------------------------


def test_adopting_the_template_gives_five_criteria_of_four_described_levels(assignment):
    rubric = rubrics.rubric_adopt_template(assignment=assignment)

    assert titles(rubric) == [
        "Preparation and questions",
        "Professional conduct, thank-you and follow-up",
        "Depth of reflection",
        "Career insight",
        "Writing",
    ]
    for criterion in rubric.criteria.all():
        assert level_titles(criterion) == ["Exemplary", "Proficient", "Developing", "Beginning"]
        assert criterion.points == criterion.levels.first().points == D(20)
        assert all(level.description for level in criterion.levels.all())
    assert rubric.total_points() == D(100) == points_of(assignment)
    assert rubric.source == rubrics.TEMPLATE_SOURCE


def test_template_speaks_about_informational_interviews():
    text = " ".join(
        f"{c.description} {level.description}" for c in rubrics.TEMPLATE for level in c.levels
    )
    for phrase in ("open-ended", "STAR", "24–48 hours", "Followed up once", "next steps",
                   "own path", "organised"):  # fmt: skip
        assert phrase in text, phrase


def test_adopted_template_can_be_adjusted_without_touching_the_template(assignment):
    rubric = rubrics.rubric_adopt_template(assignment=assignment)
    writing = rubric.criteria.get(title="Writing")

    rubrics.criterion_update(criterion=writing, title="Writing style", description="")
    rubrics.level_update(
        level=writing.levels.first(), title="Excellent", points=D(10), description="Polished."
    )

    assert rubrics.TEMPLATE[4].title == "Writing"
    assert rubrics.TEMPLATE[4].levels[0].points == D(20)
    assert points_of(assignment) == D(95)  # Writing is now worth 15, its highest level


def test_adopting_the_template_replaces_the_current_criteria(assignment):
    nine_point_rubric(assignment)

    rubric = rubrics.rubric_adopt_template(assignment=assignment)

    assert Rubric.objects.filter(assignment=assignment).count() == 1
    assert "Preparation" not in titles(rubric) and len(titles(rubric)) == 5


# Criteria and levels, and the points that follow them --------------------------------------


def test_assignment_is_worth_the_rubric_total_after_every_change(assignment):
    rubric = rubrics.rubric_create(assignment=assignment, title="Rubric")
    assert points_of(assignment) == D(100)  # no criteria yet: the assignment's own points

    research = rubrics.criterion_add(rubric=rubric, title="Research", points=D(10))
    assert points_of(assignment) == D(10)
    rubrics.criterion_add(rubric=rubric, title="Writing", points=D("7.5"))
    assert points_of(assignment) == D("17.5")
    rubrics.criterion_update(criterion=research, title="Research", description="", points=D(12))
    assert points_of(assignment) == D("19.5")
    rubrics.criterion_delete(criterion=research)
    assert points_of(assignment) == D("7.5")
    assert assignment.points == D("7.5")  # the instance the caller holds follows too


def test_criterion_with_levels_is_worth_its_highest_level(assignment):
    rubric = rubrics.rubric_create(assignment=assignment, title="Rubric")
    criterion = rubrics.criterion_add(rubric=rubric, title="Research", points=D(10))

    fair = rubrics.level_add(criterion=criterion, title="Fair", points=D(6))
    criterion.refresh_from_db()
    assert criterion.points == D(6)  # was 10 as a points-only criterion

    strong = rubrics.level_add(criterion=criterion, title="Strong", points=D(8))
    criterion.refresh_from_db()
    assert criterion.points == D(8) == points_of(assignment)

    rubrics.level_update(level=strong, title="Strong", points=D(4), description="")
    criterion.refresh_from_db()
    assert criterion.points == D(6)  # Fair is now the highest

    rubrics.level_delete(level=fair)
    criterion.refresh_from_db()
    assert criterion.points == D(4) == points_of(assignment)

    rubrics.level_delete(level=strong)  # the last level: points-only, keeps its maximum
    criterion.refresh_from_db()
    assert criterion.points == D(4) and not criterion.levels.exists()


def test_criterion_added_with_levels_takes_the_highest(assignment):
    rubric = rubrics.rubric_create(assignment=assignment, title="Rubric")

    criterion = rubrics.criterion_add(
        rubric=rubric, title="Research", points=D(99),
        levels=[LevelInput("Good", D(3)), LevelInput("Great", D(7))],
    )  # fmt: skip

    assert criterion.points == D(7) == points_of(assignment)
    assert level_titles(criterion) == ["Good", "Great"]


def test_criteria_move_up_and_down_and_stop_at_the_ends(assignment):
    rubric = nine_point_rubric(assignment)
    third = rubrics.criterion_add(rubric=rubric, title="Career insight", points=D(2))
    first = rubric.criteria.get(title="Preparation")

    assert rubrics.criterion_move(criterion=third, up=True)
    assert titles(rubric) == ["Preparation", "Career insight", "Writing"]
    assert rubrics.criterion_move(criterion=first, up=False)
    assert titles(rubric) == ["Career insight", "Preparation", "Writing"]
    assert not rubrics.criterion_move(criterion=rubric.criteria.get(title="Writing"), up=False)
    assert not rubrics.criterion_move(criterion=rubric.criteria.first(), up=True)
    assert list(rubric.criteria.values_list("position", flat=True)) == [0, 1, 2]


def test_levels_move_within_their_criterion(assignment):
    rubric = nine_point_rubric(assignment)
    criterion = rubric.criteria.get(title="Preparation")
    weak = criterion.levels.get(title="Weak")

    assert rubrics.level_move(level=weak, up=True)
    assert level_titles(criterion) == ["Strong", "Weak", "Fair"]
    assert rubrics.level_move(level=weak, up=True)
    assert not rubrics.level_move(level=weak, up=True)
    assert level_titles(criterion) == ["Weak", "Strong", "Fair"]
    assert criterion.points == D(5)  # order does not change what it is worth


def test_the_rules_of_criteria_and_levels_refuse_and_change_nothing(assignment):
    rubric = nine_point_rubric(assignment)
    preparation = rubric.criteria.get(title="Preparation")
    strong = preparation.levels.get(title="Strong")
    writing = rubric.criteria.get(title="Writing")

    with pytest.raises(Refused, match="worth more than 9999.99 points") as too_much:
        rubrics.criterion_add(rubric=rubric, title="Extra", points=D("9999"))
    with pytest.raises(Refused, match="“fair” is already a level") as same_title:
        rubrics.level_add(criterion=preparation, title="fair", points=D(2))
    with pytest.raises(Refused, match="At most 9995.99 here"):
        rubrics.level_update(level=strong, title="Strong", points=D("9996"), description="")
    with pytest.raises(Refused, match="At most 9994.99 here"):
        rubrics.criterion_update(
            criterion=writing, title="Renamed", description="", points=D("9995")
        )

    assert (too_much.value.field, same_title.value.field) == ("points", "title")
    assert titles(rubric) == ["Preparation", "Writing"] and points_of(assignment) == D(9)
    assert level_titles(preparation) == ["Strong", "Fair", "Weak"]
    assert writing.title == "Writing"  # the instance is left as it was, too


def test_a_rubric_and_a_criterion_have_at_most_so_many_parts(assignment):
    rubric = rubrics.rubric_create(assignment=assignment, title="Rubric")
    for number in range(rubrics.MAX_CRITERIA):
        last = rubrics.criterion_add(rubric=rubric, title=f"C{number}", points=D(1))
    for number in range(rubrics.MAX_LEVELS):
        rubrics.level_add(criterion=last, title=f"L{number}", points=D(1))

    with pytest.raises(Refused, match="A rubric has at most 30 criteria.") as criteria:
        rubrics.criterion_add(rubric=rubric, title="One more", points=D(1))
    with pytest.raises(Refused, match="A criterion has at most 10 levels."):
        rubrics.level_add(criterion=last, title="One more", points=D(1))

    assert criteria.value.field is None  # about the rubric, not a field
    assert rubric.criteria.count() == 30 and last.levels.count() == 10


def test_deleting_a_criterion_keeps_positions_in_sequence(assignment):
    rubric = nine_point_rubric(assignment)
    rubrics.criterion_add(rubric=rubric, title="Career insight", points=D(2))

    rubrics.criterion_delete(criterion=rubric.criteria.get(title="Writing"))

    assert list(rubric.criteria.values_list("title", "position")) == [
        ("Preparation", 0),
        ("Career insight", 1),
    ]
    assert points_of(assignment) == D(7)


def test_scores_already_given_keep_their_snapshot_when_the_rubric_changes(
    assignment, student, instructor
):
    rubric = nine_point_rubric(assignment)
    grade = make_grade(submitted(assignment, student), instructor)
    score = grade.scores.get()
    assert (score.title, score.level_title, score.points) == ("Preparation", "Strong", D(5))

    criterion = rubric.criteria.get(title="Preparation")
    rubrics.level_update(
        level=criterion.levels.get(title="Strong"), title="Top", points=D(9), description=""
    )
    rubrics.criterion_delete(criterion=criterion)

    score.refresh_from_db()
    assert (score.title, score.level_title, score.points, score.max_points) == (
        "Preparation", "Strong", D(5), D(5),
    )  # fmt: skip
    assert score.criterion is None
    assert rubrics.graded_count(assignment) == 1


def test_graded_count_counts_scored_submissions_only(assignment, student, classmate, instructor):
    nine_point_rubric(assignment)
    make_grade(submitted(assignment, student), instructor)
    Grade.objects.create(submission=submitted(assignment, classmate), points_possible=D(9))

    assert rubrics.graded_count(assignment) == 1


def test_room_is_what_keeps_the_total_within_what_an_assignment_can_be_worth(assignment):
    rubric = rubrics.rubric_create(assignment=assignment, title="Rubric")
    for n in range(9):
        rubrics.criterion_add(rubric=rubric, title=f"Part {n}", points=D(1000))
    last = rubrics.criterion_add(rubric=rubric, title="Last", points=D(500))

    assert rubrics.rubric_room(rubric=rubric) == D("499.99")
    assert rubrics.rubric_room(rubric=rubric, criterion=last) == D("999.99")


# Copies share nothing --------------------------------------------------------------------------


@pytest.fixture
def last_term(instructor, other_instructor):
    """Last term's course, archived, taught by the instructor (and a colleague)."""
    course = course_create(creator=instructor, title="Career Exploration", term="Fall 2026")
    member_enrol(course=course, user=other_instructor, role=Role.INSTRUCTOR)
    course_archive(course=course, by=course.created_by, now=timezone.now())
    return course


def test_copy_makes_new_rows_and_records_the_source(assignment, last_term):
    original = nine_point_rubric(rubric_assignment(last_term, title="Interview a professional"))

    copy = rubrics.rubric_copy(source=original, into=assignment)

    assert copy.pk != original.pk and copy.assignment_id == assignment.pk
    assert criteria_of(copy) == criteria_of(original)
    assert not set(copy.criteria.values_list("pk", flat=True)) & set(
        original.criteria.values_list("pk", flat=True)
    )
    assert copy.source == "Career Exploration (Fall 2026) · Interview a professional"
    assert copy.title == "Interview rubric"
    assert points_of(assignment) == D(9)


def test_editing_the_copy_never_changes_the_original_nor_its_grades(
    assignment, last_term, other_instructor, instructor
):
    source_assignment = rubric_assignment(last_term, title="Interview a professional")
    original = nine_point_rubric(source_assignment)
    old_student = make_user_in(last_term)
    old_score = make_grade(submitted(source_assignment, old_student), instructor).scores.get()
    before = criteria_of(original)
    snapshot = CriterionScore.objects.values().get(pk=old_score.pk)

    copy = rubrics.rubric_copy(source=original, into=assignment)
    prep = copy.criteria.get(title="Preparation")
    rubrics.criterion_update(criterion=prep, title="Research", description="Changed")
    rubrics.level_update(level=prep.levels.first(), title="Superb", points=D(8), description="")
    rubrics.level_delete(level=prep.levels.last())
    rubrics.criterion_move(criterion=copy.criteria.get(title="Writing"), up=True)
    rubrics.criterion_add(rubric=copy, title="Extra", points=D(3))
    rubrics.criterion_delete(criterion=copy.criteria.get(title="Writing"))

    assert criteria_of(original) == before
    assert CriterionScore.objects.values().get(pk=old_score.pk) == snapshot
    assert old_score.criterion_id in set(original.criteria.values_list("pk", flat=True))
    assert points_of(source_assignment) == D(9)


def test_editing_the_original_never_changes_the_copy(assignment, last_term, student, instructor):
    original = nine_point_rubric(rubric_assignment(last_term, title="Interview a professional"))
    copy = rubrics.rubric_copy(source=original, into=assignment)
    score = make_grade(submitted(assignment, student), instructor).scores.get()
    before = criteria_of(copy)

    prep = original.criteria.get(title="Preparation")
    rubrics.level_update(level=prep.levels.first(), title="Top", points=D(50), description="")
    rubrics.criterion_delete(criterion=original.criteria.get(title="Writing"))
    rubrics.rubric_delete(rubric=original)

    assert criteria_of(copy) == before
    score.refresh_from_db()
    assert score.criterion_id is not None and score.level_title == "Strong"
    assert points_of(assignment) == D(9)


def test_copy_replaces_the_rubric_already_there(assignment, course):
    rubrics.rubric_adopt_template(assignment=assignment)
    original = nine_point_rubric(rubric_assignment(course, title="Other"))

    copy = rubrics.rubric_copy(source=original, into=assignment)

    assert titles(copy) == ["Preparation", "Writing"]
    assert Criterion.objects.filter(rubric__assignment=assignment).count() == 2


def test_a_rubric_is_not_copied_onto_its_own_assignment(assignment):
    rubric = nine_point_rubric(assignment)

    with pytest.raises(ValueError):
        rubrics.rubric_copy(source=rubric, into=assignment)


def make_user_in(course):
    user = make_user("former.student@example.edu", "Former Student")
    member_enrol(course=course, user=user, role=Role.STUDENT)
    return user


def test_sources_are_rubrics_in_every_course_the_user_instructs(
    assignment, course, last_term, other_course, instructor, other_instructor
):
    here = rubric_assignment(course, title="Second interview")
    nine_point_rubric(here)
    old = rubric_assignment(last_term, title="Interview a professional")
    nine_point_rubric(old)
    rubrics.rubric_create(assignment=rubric_assignment(course, title="Empty rubric"), title="E")
    rubric_assignment(course, title="No rubric")
    nine_point_rubric(rubric_assignment(other_course, title="Not mine"))
    nine_point_rubric(assignment)  # this assignment's own rubric is not offered
    taking = course_create(creator=other_instructor, title="I only take this one")
    member_enrol(course=taking, user=instructor, role=Role.STUDENT)
    nine_point_rubric(rubric_assignment(taking, title="As a student"))

    sources = rubrics.rubric_sources_for(user=instructor, exclude=assignment)

    assert {a.title for a in sources} == {"Second interview", "Interview a professional"}
    assert {(a.criterion_count, a.rubric_total) for a in sources} == {(2, D(9))}


# CSV export --------------------------------------------------------------------------------------


def rows_of(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))


def test_export_has_one_row_per_level_and_one_for_a_points_only_criterion(assignment):
    rubric = nine_point_rubric(assignment, described=False)

    rows = rows_of(rubrics.rubric_export_csv(rubric=rubric))

    assert rows == [
        HEADER.split(","),
        ["Preparation", "", "5", "Strong", "", "5"],
        ["Preparation", "", "5", "Fair", "", "3"],
        ["Preparation", "", "5", "Weak", "", "1"],
        ["Writing", "Clear and organised.", "4", "", "", ""],
    ]


def test_export_defuses_cells_a_spreadsheet_would_run_as_formulas(assignment):
    rubric = rubrics.rubric_create(assignment=assignment, title="R")
    criterion = rubrics.criterion_add(
        rubric=rubric, title="=HYPERLINK(\"http://evil\")", points=D("2.5"),
        description="- a Markdown list",
    )  # fmt: skip
    for title in ("+1", "@SUM(A1)", "\tTabbed"):
        rubrics.level_add(criterion=criterion, title=title, points=D(1), description="\rx")

    rows = rows_of(rubrics.rubric_export_csv(rubric=rubric))[1:]

    assert rows[0][:2] == ['\'=HYPERLINK("http://evil")', "'- a Markdown list"]
    assert [row[3] for row in rows] == ["'+1", "'@SUM(A1)", "'\tTabbed"]
    assert all(row[4] == "'\rx" for row in rows)
    assert rows[0][2] == "1"  # the criterion is worth its highest level now


def test_exported_file_imports_back_to_the_same_rubric(assignment, course):
    rubric = rubrics.rubric_adopt_template(assignment=assignment)
    writing = rubric.criteria.get(title="Writing")
    rubrics.criterion_update(
        criterion=writing, title='=Writing, "quoted"', description="Line one\nLine two"
    )
    rubrics.criterion_add(rubric=rubric, title="Attendance", points=D("2.25"), description="-")
    before = criteria_of(rubric)
    exported = rubrics.rubric_export_csv(rubric=rubric)

    rubrics.rubric_import_csv(assignment=assignment, data=exported, filename="rubric.csv")
    other = rubric_assignment(course, title="Elsewhere")
    rubrics.rubric_import_csv(assignment=other, data=exported)

    assert criteria_of(Rubric.objects.get(assignment=assignment)) == before
    assert criteria_of(Rubric.objects.get(assignment=other)) == before
    assert points_of(other) == D("102.25")


def test_import_replaces_the_criteria_and_keeps_the_title(assignment):
    nine_point_rubric(assignment)
    data = f"{HEADER}\nAttendance,,3,,,\n".encode()

    rubric = rubrics.rubric_import_csv(assignment=assignment, data=data, filename="mine.csv")

    assert titles(rubric) == ["Attendance"]
    assert rubric.title == "Interview rubric" and rubric.source == "Imported from mine.csv"
    assert points_of(assignment) == D(3)


def test_import_creates_a_rubric_when_there_is_none(assignment):
    rubric = rubrics.rubric_import_csv(assignment=assignment, data=f"{HEADER}\nA,,1,,,\n".encode())

    assert rubric.title == "Rubric for Meet a professional"


def test_import_reads_semicolons_decimal_commas_and_a_byte_order_mark():
    data = HEADER.replace(",", ";") + "\nResearch;;2,5;Good;;2,5\nResearch;;;Poor;;1\n"

    criteria = rubric_parse_csv(("\ufeff" + data).encode())

    assert criteria == [
        CriterionInput(
            "Research", D("2.5"), "", (LevelInput("Good", D("2.5")), LevelInput("Poor", D(1)))
        )
    ]


def test_import_derives_the_points_of_a_criterion_with_levels_when_left_empty():
    criteria = rubric_parse_csv(f"{HEADER}\nResearch,,,Good,,4\nResearch,,,Poor,,1\n".encode())

    assert criteria[0].points == D(4)


def test_failed_import_changes_nothing(assignment):
    rubric = nine_point_rubric(assignment)
    before = criteria_of(rubric)
    data = f"{HEADER}\nAttendance,,3,,,\nBroken,,x,,,\n".encode()

    with pytest.raises(RubricFileRefused):
        rubrics.rubric_import_csv(assignment=assignment, data=data)

    assert criteria_of(Rubric.objects.get(assignment=assignment)) == before
    assert points_of(assignment) == D(9)


# CSV import: every problem, with its line and column ------------------------------------------


def test_import_refuses_a_file_without_the_header():
    assert parse_problems("criterion,points\nResearch,5\n") == [
        "Line 1: The first row must name the columns criterion, criterion_description, "
        "criterion_points, level, level_description, level_points; missing: "
        "criterion_description, criterion_points, level, level_description, level_points."
    ]


def test_import_refuses_points_that_are_not_numbers_or_are_negative():
    problems = parse_problems(
        f"{HEADER}\nResearch,,five,,,\nWriting,,-2,,,\nStyle,,3,Good,,NaN\nTone,,1.234,,,\n"
    )

    assert problems == [
        "Line 2, column criterion_points: “five” is not a number.",
        "Line 3, column criterion_points: Points cannot be negative (-2).",
        "Line 4, column level_points: “NaN” is not a number.",
        "Line 5, column criterion_points: At most two decimal places (1.234).",
    ]


def test_import_refuses_points_over_the_maximum():
    assert parse_problems(f"{HEADER}\nResearch,,1001,,,\n") == [
        "Line 2, column criterion_points: At most 1000 points (1001 given)."
    ]


def test_import_refuses_level_points_above_the_criterion_points():
    problems = parse_problems(f"{HEADER}\nResearch,,4,Good,,5\nResearch,,4,Poor,,1\n")

    assert problems == [
        "Line 2, column level_points: 5 is above the criterion's points (4).",
    ]


def test_import_refuses_criterion_points_other_than_its_highest_level():
    problems = parse_problems(f"{HEADER}\nResearch,,10,Good,,8\nResearch,,10,Poor,,1\n")

    assert problems == [
        "Line 2, column criterion_points: 10, but the highest level is worth 8: a criterion "
        "with levels is worth its highest level. Make them equal, or leave criterion_points "
        "empty."
    ]


def test_import_refuses_empty_titles():
    problems = parse_problems(f"{HEADER}\n,,3,,,\nResearch,,,,,2\nResearch,,,Good,,2\n")

    assert problems[0].startswith("Line 2, column criterion: The criterion's title is empty.")
    assert problems[1] == (
        "Line 3, column level: The level's title is empty, but the row gives the level a "
        "description or points."
    )
    assert len(problems) == 2


def test_import_refuses_duplicate_level_titles_in_a_criterion():
    problems = parse_problems(
        f"{HEADER}\nResearch,,3,Good,,3\nResearch,,3,good,,2\nWriting,,3,Good,,3\n"
    )

    assert problems == [
        "Line 3, column level: “good” is already a level of this criterion (line 2); level "
        "titles differ within a criterion."
    ]


def test_import_refuses_a_criterion_split_by_others_and_mixed_rows():
    problems = parse_problems(
        f"{HEADER}\nResearch,,3,Good,,3\nWriting,,2,,,\nResearch,,3,Poor,,1\n"
        "Style,,2,,,\nStyle,,2,,,\nTone,,2,Good,,2\nTone,,2,,,\n"
    )

    assert problems == [
        "Line 4, column criterion: “Research” appears again after other criteria (first on "
        "line 2). Keep the rows of a criterion together, or give the criteria different "
        "titles.",
        "Line 6, column criterion: “Style” has no levels, so it takes one row only (first on "
        "line 5).",
        "Line 8, column level: Empty, but other rows of “Tone” have levels: give every level "
        "a title.",
    ]


def test_import_requires_points_where_they_cannot_be_derived():
    problems = parse_problems(f"{HEADER}\nResearch,,,,,\nWriting,,2,Good,,\n")

    assert problems == [
        "Line 2, column criterion_points: Empty: a criterion without levels needs its points.",
        "Line 3, column level_points: Empty: every level needs its points.",
    ]


def test_import_refuses_rows_that_disagree_about_their_criterion():
    problems = parse_problems(f"{HEADER}\nResearch,About,3,Good,,3\nResearch,Other,3,Poor,,1\n")

    assert problems == [
        "Line 3, column criterion_description: Differs from line 2 for the same criterion."
    ]


def test_import_refuses_text_that_is_not_utf8():
    data = f"{HEADER}\nRésumé,,3,,,\n".encode("latin-1")

    (problem,) = parse_problems(data)

    assert problem.startswith("Line 2: The file is not UTF-8 text")


@pytest.mark.parametrize(
    "data",
    [
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00",  # an image
        b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00",  # a spreadsheet (.xlsx)
        b"criterion\x01\x02\x03\x1b[0m garbage",  # control characters
    ],
    ids=["png", "xlsx", "control-characters"],
)
def test_import_refuses_binary_or_garbage_files(data):
    (problem,) = parse_problems(data)

    assert "This is not a CSV text file" in problem


def test_import_refuses_random_bytes():
    (problem,) = parse_problems(bytes(range(128, 256)) * 4)

    assert "not UTF-8" in problem or "not a CSV text file" in problem


def test_import_refuses_a_file_over_one_megabyte():
    data = (HEADER + "\n" + "Research,," + "x" * IMPORT_MAX_BYTES).encode()

    assert parse_problems(data) == [
        "The file is larger than 1 MB. A rubric's CSV is far smaller: is this the right file?"
    ]


def test_import_refuses_too_many_rows():
    rows = "".join(f"Criterion {n},,1,,,\n" for n in range(IMPORT_MAX_ROWS + 1))

    (problem,) = parse_problems(f"{HEADER}\n{rows}")

    assert problem.startswith(f"Line {IMPORT_MAX_ROWS + 2}: The file has more than 300 rows")


def test_import_refuses_too_many_criteria_or_levels():
    criteria = "".join(f"Criterion {n},,1,,,\n" for n in range(31))
    levels = "".join(f"Deep,,11,Level {n},,{11 - n}\n" for n in range(11))

    problems = parse_problems(f"{HEADER}\n{criteria}{levels}")

    assert problems == [
        "Line 32, column criterion: A rubric has at most 30 criteria.",
        "Line 43, column level: A criterion has at most 10 levels.",
    ]


def test_import_refuses_empty_files_and_files_with_only_a_header():
    assert parse_problems(b"  \n") == ["The file is empty."]
    assert parse_problems(f"{HEADER}\n,,,,,\n") == ["The file has a header but no criteria."]


def test_import_refuses_a_total_over_what_an_assignment_can_be_worth():
    rows = "".join(f"Criterion {n},,1000,,,\n" for n in range(10))

    assert parse_problems(f"{HEADER}\n{rows}") == [
        "The criteria are worth 10000 points in all; an assignment can be worth at most 9999.99."
    ]


def test_import_refuses_titles_that_are_too_long():
    problems = parse_problems(f"{HEADER}\n{'x' * 201},,1,{'y' * 101},,1\n")

    assert problems == [
        "Line 2, column criterion: The criterion's title is longer than 200 characters.",
        "Line 2, column level: The level's title is longer than 100 characters.",
    ]


def test_import_keeps_the_order_of_criteria_and_levels_without_touching_the_database():
    # No ``db`` fixture: parsing alone would fail loudly if it queried anything.
    criteria = rubric_parse_csv(
        f"{HEADER}\nB,,2,,,\nA,,3,Top,t,3\nA,,3,Mid,m,2\nA,,3,Low,l,0\n".encode()
    )

    assert [c.title for c in criteria] == ["B", "A"]
    assert [lv.title for lv in criteria[1].levels] == ["Top", "Mid", "Low"]
    assert criteria[1].levels[0].description == "t"
