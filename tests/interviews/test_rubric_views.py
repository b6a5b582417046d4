"""Rubric pages through the test client: reading the rubric, building it, the ready-made
rubric, copying, CSV download and upload, and who may do what."""

import csv
import io
import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from courses.editing import course_archive
from courses.enrolment import course_create, member_enrol
from courses.models import Role
from interviews import rubrics
from interviews.models import Assignment, Criterion, CriterionScore, Rubric
from interviews.rubrics import criteria_of
from tests.authz.common import make_grade, submitted
from tests.interviews.grading_samples import (
    HEADER,
    nine_point_rubric,
    points_of,
    rubric_assignment,
)
from tests.pages import messages_of, section, text_of

D = Decimal

pytestmark = pytest.mark.assignment(build=rubric_assignment)


@pytest.fixture
def rubric(assignment):
    """The nine-point rubric these pages edit (the grading tests' is make_rubric's)."""
    return nine_point_rubric(assignment)


def url(name, assignment, *args):
    return reverse(f"interviews:{name}", args=[assignment.course_id, assignment.pk, *args])


def field_block(response, auto_id: str) -> str:
    """The HTML of one crispy field (label, input, error) by its id."""
    content = response.content.decode()
    match = re.search(rf'<div id="div_{auto_id}".*?(?=<div id="div_|</form>)', content, re.S)
    assert match, f"no field {auto_id}"
    return match.group(0)


def table_rows(response) -> list[str]:
    """The text of each row of the rubric table's body."""
    content = response.content.decode()
    body = re.search(r"<tbody>(.*?)</tbody>", content, re.S).group(1)
    return [text_of(row) for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)]


# Reading the rubric ---------------------------------------------------------------------------


def test_student_reads_the_rubric_as_a_table_without_editing_controls(as_user, student, rubric):
    response = as_user(student).get(url("rubric", rubric.assignment))

    assert response.status_code == 200
    assert table_rows(response) == [
        "Preparation Research and questions. Strong: 5 points Open-ended questions. "
        "Fair: 3 points Weak: 1 point 5",
        "Writing Clear and organised. No levels: the grader gives 0 to 4 points. 4",
    ]
    page = text_of(response)
    assert "This is how your write-up will be graded: 9 points in all." in page
    assert "Edit the criteria" not in page and "Add a criterion" not in page
    assert "<caption" in response.content.decode() and 'scope="row"' in response.content.decode()


def test_assistant_reads_the_rubric_and_may_download_it_but_not_edit(as_user, assistant, rubric):
    response = as_user(assistant).get(url("rubric", rubric.assignment))

    assert response.status_code == 200
    assert "Worth 9 points in all" in text_of(response)
    assert "Edit the criteria" not in text_of(response)
    assert url("rubric_export", rubric.assignment) in response.content.decode()
    edit = url("rubric_criterion_add", rubric.assignment)
    assert as_user(assistant).post(edit, {"title": "X", "points": "1"}).status_code == 403


def test_students_do_not_see_the_rubric_of_a_draft(as_user, student, instructor, course):
    draft = rubric_assignment(course, state=Assignment.State.DRAFT)
    nine_point_rubric(draft)

    assert as_user(student).get(url("rubric", draft)).status_code == 404
    assert as_user(instructor).get(url("rubric", draft)).status_code == 200


def test_people_outside_the_course_do_not_learn_the_rubric_exists(
    as_user, outsider, other_instructor, rubric
):
    for person in (outsider, other_instructor):
        assert as_user(person).get(url("rubric", rubric.assignment)).status_code == 404


def test_instructor_sees_the_controls_and_the_total_the_assignment_is_worth(
    as_user, instructor, rubric
):
    response = as_user(instructor).get(url("rubric", rubric.assignment))

    edit = section(response, "edit-heading")
    assert "1. Preparation (5 points)" in edit and "2. Writing (4 points)" in edit
    assert "Strong: 5 points Move up level “Strong” of “Preparation”" in edit
    assert "Worth 9 points in all: the rubric's total is what the assignment is worth." in (
        text_of(response)
    )
    html = response.content.decode()
    # The first criterion cannot move up, the last cannot move down.
    assert 'value="up" disabled>Move up<span class="visually-hidden"> “Preparation”' in html
    assert 'value="down" disabled>Move down<span class="visually-hidden"> “Writing”' in html


def test_rubric_page_reads_a_fixed_number_of_queries(
    as_user, instructor, rubric, django_assert_max_num_queries
):
    for n in range(5):
        criterion = rubrics.criterion_add(rubric=rubric, title=f"Extra {n}", points=D(1))
        for title in ("A", "B", "C"):
            rubrics.level_add(criterion=criterion, title=title, points=D(1))
    client = as_user(instructor)

    with django_assert_max_num_queries(12):
        response = client.get(url("rubric", rubric.assignment))

    assert len(table_rows(response)) == 7


def test_without_a_rubric_the_instructor_is_offered_every_way_to_start(
    as_user, instructor, student, assignment
):
    response = as_user(instructor).get(url("rubric", assignment))

    page = text_of(response)
    for offer in ("Ready-made for informational interviews", "Copy from another assignment",
                  "Import a CSV file", "Start from scratch"):  # fmt: skip
        assert offer in page
    student_page = text_of(as_user(student).get(url("rubric", assignment)))
    assert "This assignment has no rubric yet. Your instructor may add one" in student_page


def test_starting_from_scratch_creates_an_empty_rubric(as_user, instructor, assignment):
    response = as_user(instructor).post(url("rubric_create", assignment), {"title": "Mine"})

    assert response.status_code == 302
    assert Rubric.objects.get(assignment=assignment).title == "Mine"
    page = as_user(instructor).get(response.url)
    assert "This rubric has no criteria yet." in text_of(page)
    assert points_of(assignment) == D(100)  # no criteria: the assignment keeps its points


def test_rubric_title_is_required(as_user, instructor, rubric):
    response = as_user(instructor).post(url("rubric_title", rubric.assignment), {"title": " "})

    assert response.status_code == 200
    assert "This field is required." in field_block(response, "id_rubric_title")
    assert Rubric.objects.get(pk=rubric.pk).title == "Interview rubric"


# Building it, and the points that follow -------------------------------------------------------


def test_adding_a_criterion_says_what_the_assignment_is_now_worth(as_user, instructor, rubric):
    client = as_user(instructor)

    response = client.post(
        url("rubric_criterion_add", rubric.assignment),
        {"title": "Career insight", "description": "Next steps.", "points": "11", "levels": "none"},
    )

    assert response.status_code == 302
    assert response.url.endswith(f"#edit-criterion-{rubric.criteria.last().pk}")
    page = client.get(response.url)
    assert messages_of(page) == [
        "Criterion “Career insight” added. This assignment is now worth 20 points."
    ]
    assert points_of(rubric.assignment) == D(20)
    assert "Career insight Next steps. No levels: the grader gives 0 to 11 points. 11" in (
        table_rows(page)
    )


def test_a_criterion_can_start_with_four_levels(as_user, instructor, rubric):
    as_user(instructor).post(
        url("rubric_criterion_add", rubric.assignment),
        {"title": "Career insight", "points": "10", "levels": "four"},
    )

    criterion = rubric.criteria.get(title="Career insight")
    assert list(criterion.levels.values_list("title", "points")) == [
        ("Exemplary", D(10)),
        ("Proficient", D("7.5")),
        ("Developing", D(5)),
        ("Beginning", D("2.5")),
    ]


@pytest.mark.parametrize(
    ("points", "message"),
    [
        ("-1", "Points cannot be negative."),
        ("1001", "At most 1000 points."),
        ("ten", "Enter a number, such as 5 or 2.5."),
        ("1.555", "At most two decimal places."),
        ("", "Give the points."),
    ],
)
def test_criterion_points_out_of_range_are_refused_next_to_the_field(
    as_user, instructor, rubric, points, message
):
    response = as_user(instructor).post(
        url("rubric_criterion_add", rubric.assignment),
        {"title": "Career insight", "points": points, "levels": "none"},
    )

    assert response.status_code == 200
    assert message in text_of(field_block(response, "id_criterion_points"))
    assert 'value="Career insight"' in field_block(response, "id_criterion_title")  # kept
    assert rubric.criteria.count() == 2 and points_of(rubric.assignment) == D(9)


@pytest.mark.parametrize(
    ("points", "message"),
    [("-0.5", "Points cannot be negative."), ("5000", "At most 1000 points.")],
)
def test_level_points_out_of_range_are_refused_next_to_the_field(
    as_user, instructor, rubric, points, message
):
    criterion = rubric.criteria.get(title="Preparation")

    response = as_user(instructor).post(
        url("rubric_level_add", rubric.assignment, criterion.pk),
        {"title": "Outstanding", "points": points},
    )

    assert response.status_code == 200
    block = field_block(response, f"id_level_{criterion.pk}_points")
    assert message in text_of(block) and "is-invalid" in block
    assert f"<details open>\n        <summary>Add a level to “{criterion.title}”" in (
        response.content.decode()
    )
    assert criterion.levels.count() == 3


def test_level_edit_refuses_bad_points_and_keeps_what_was_typed(as_user, instructor, rubric):
    level = rubric.criteria.get(title="Preparation").levels.get(title="Fair")

    response = as_user(instructor).post(
        url("rubric_level_edit", rubric.assignment, level.pk),
        {"title": "Fairly good", "points": "-3", "description": "Typed"},
    )

    assert response.status_code == 200
    assert "Points cannot be negative." in text_of(field_block(response, "id_points"))
    assert 'value="Fairly good"' in response.content.decode()
    level.refresh_from_db()
    assert (level.title, level.points) == ("Fair", D(3))


def test_a_total_beyond_what_an_assignment_can_be_worth_is_refused(as_user, instructor, rubric):
    for n in range(9):
        rubrics.criterion_add(rubric=rubric, title=f"Part {n}", points=D(1000))

    response = as_user(instructor).post(
        url("rubric_criterion_add", rubric.assignment),
        {"title": "One too many", "points": "1000", "levels": "none"},
    )

    assert "At most 990.99 here." in text_of(field_block(response, "id_criterion_points"))


def test_level_titles_differ_within_a_criterion(as_user, instructor, rubric):
    criterion = rubric.criteria.get(title="Preparation")

    response = as_user(instructor).post(
        url("rubric_level_add", rubric.assignment, criterion.pk), {"title": "strong", "points": "2"}
    )

    assert "“strong” is already a level of this criterion" in text_of(
        field_block(response, f"id_level_{criterion.pk}_title")
    )


def test_raising_a_level_raises_the_criterion_and_the_assignment(as_user, instructor, rubric):
    level = rubric.criteria.get(title="Preparation").levels.get(title="Strong")
    client = as_user(instructor)

    response = client.post(
        url("rubric_level_edit", rubric.assignment, level.pk),
        {"title": "Excellent", "points": "8", "description": ""},
    )

    assert messages_of(client.get(response.url)) == [
        "Level “Excellent” saved. This assignment is now worth 12 points."
    ]
    assert rubric.criteria.get(title="Preparation").points == D(8)


def test_editing_a_criterion_with_levels_does_not_offer_its_points(as_user, instructor, rubric):
    prep = rubric.criteria.get(title="Preparation")
    writing = rubric.criteria.get(title="Writing")
    client = as_user(instructor)

    levelled = client.get(url("rubric_criterion_edit", rubric.assignment, prep.pk))
    points_only = client.get(url("rubric_criterion_edit", rubric.assignment, writing.pk))

    assert 'name="points"' not in levelled.content.decode()
    assert "It is worth its highest level, 5 points" in text_of(levelled)
    assert 'name="points"' in points_only.content.decode()
    response = client.post(
        url("rubric_criterion_edit", rubric.assignment, prep.pk),
        {"title": "Research", "description": "", "points": "99"},
    )
    assert response.status_code == 302
    prep.refresh_from_db()
    assert (prep.title, prep.points) == ("Research", D(5))


def test_up_and_down_buttons_reorder_criteria_and_levels(as_user, instructor, rubric):
    client = as_user(instructor)
    writing = rubric.criteria.get(title="Writing")
    weak = rubric.criteria.get(title="Preparation").levels.get(title="Weak")

    moved = client.post(
        url("rubric_criterion_move", rubric.assignment, writing.pk), {"direction": "up"}
    )
    client.post(url("rubric_level_move", rubric.assignment, weak.pk), {"direction": "up"})
    client.post(url("rubric_level_move", rubric.assignment, weak.pk), {"direction": "up"})

    assert moved.status_code == 302 and moved.url.endswith(f"#edit-criterion-{writing.pk}")
    rows = table_rows(client.get(url("rubric", rubric.assignment)))
    assert rows[0].startswith("Writing")
    assert rows[1].startswith("Preparation Research and questions. Weak: 1 point Strong")


def test_moving_past_the_end_changes_nothing(as_user, instructor, rubric):
    writing = rubric.criteria.get(title="Writing")

    response = as_user(instructor).post(
        url("rubric_criterion_move", rubric.assignment, writing.pk), {"direction": "down"}
    )

    assert response.status_code == 302
    assert list(rubric.criteria.values_list("title", flat=True)) == ["Preparation", "Writing"]


def test_deleting_a_criterion_asks_first_then_deletes(as_user, instructor, rubric):
    prep = rubric.criteria.get(title="Preparation")
    client = as_user(instructor)
    delete_url = url("rubric_criterion_delete", rubric.assignment, prep.pk)

    confirm = client.get(delete_url)
    assert "Delete the criterion “Preparation”? It is worth 5 points and has 3 levels." in (
        text_of(confirm)
    )
    assert rubric.criteria.count() == 2

    response = client.post(delete_url)
    assert messages_of(client.get(response.url)) == [
        "Criterion “Preparation” deleted. This assignment is now worth 4 points."
    ]
    assert list(rubric.criteria.values_list("title", flat=True)) == ["Writing"]


def test_deleting_a_level_asks_first_then_deletes(as_user, instructor, rubric):
    strong = rubric.criteria.get(title="Preparation").levels.get(title="Strong")
    client = as_user(instructor)
    delete_url = url("rubric_level_delete", rubric.assignment, strong.pk)

    assert "The criterion is then worth its highest remaining level." in text_of(
        client.get(delete_url)
    )
    client.post(delete_url)

    assert rubric.criteria.get(title="Preparation").points == D(3)
    assert points_of(rubric.assignment) == D(7)


def test_graded_submissions_are_pointed_out_to_the_instructor(
    as_user, instructor, student, classmate, rubric
):
    for person in (student, classmate):
        make_grade(submitted(rubric.assignment, person), instructor)

    page = text_of(as_user(instructor).get(url("rubric", rubric.assignment)))

    assert (
        "2 submissions were already graded with this rubric; their scores stay as given until "
        "regraded." in page
    )
    assert "already graded" not in text_of(as_user(student).get(url("rubric", rubric.assignment)))


def test_points_changed_elsewhere_are_pointed_out(as_user, instructor, rubric):
    Assignment.objects.filter(pk=rubric.assignment.pk).update(points=D(50))

    page = text_of(as_user(instructor).get(url("rubric", rubric.assignment)))

    assert "The assignment's points (50) differ from the rubric's total (9)." in page


def test_deleting_the_rubric_asks_first_and_keeps_the_assignment_points(
    as_user, instructor, rubric
):
    client = as_user(instructor)
    delete_url = url("rubric_delete", rubric.assignment)

    assert "Its 2 criteria and their levels are deleted." in text_of(client.get(delete_url))
    response = client.post(delete_url)

    assert not Rubric.objects.filter(pk=rubric.pk).exists()
    assert points_of(rubric.assignment) == D(9)
    assert messages_of(client.get(response.url))[0].startswith(
        "Rubric deleted. The assignment stays worth 9 points"
    )


def test_criteria_of_another_assignment_are_not_found(as_user, instructor, course, rubric):
    other = nine_point_rubric(rubric_assignment(course, title="Second"))
    criterion = other.criteria.first()
    level = criterion.levels.first()
    client = as_user(instructor)

    assert (
        client.get(url("rubric_criterion_edit", rubric.assignment, criterion.pk)).status_code == 404
    )
    assert client.post(url("rubric_level_delete", rubric.assignment, level.pk)).status_code == 404
    assert other.criteria.count() == 2 and criterion.levels.count() == 3


# The ready-made rubric -------------------------------------------------------------------------


def test_instructor_previews_and_adopts_the_ready_made_rubric(as_user, instructor, assignment):
    client = as_user(instructor)

    preview = client.get(url("rubric_template", assignment))
    rows = table_rows(preview)
    assert [row.split(" ")[0] for row in rows] == [
        "Preparation", "Professional", "Depth", "Career", "Writing",
    ]  # fmt: skip
    assert "Exemplary: 20 points" in rows[0] and "Beginning: 5 points" in rows[0]
    response = client.post(url("rubric_template", assignment))

    page = client.get(response.url)
    assert messages_of(page) == [
        "The informational-interview rubric is in place: adjust it to your course below. "
        "This assignment is worth 100 points, the rubric's total."
    ]
    assert len(table_rows(page)) == 5


def test_adopting_the_ready_made_rubric_over_one_asks_to_confirm(as_user, instructor, rubric):
    client = as_user(instructor)

    response = client.post(url("rubric_template", rubric.assignment))

    assert response.status_code == 200
    assert "Tick this box to confirm" in text_of(field_block(response, "id_replace"))
    assert "Replace the current rubric “Interview rubric” and its 2 criteria" in text_of(response)
    assert list(rubric.criteria.values_list("title", flat=True)) == ["Preparation", "Writing"]
    client.post(url("rubric_template", rubric.assignment), {"replace": "on"})
    assert rubric.criteria.count() == 5


# Copying from another assignment ---------------------------------------------------------------


@pytest.fixture
def last_term(instructor):
    course = course_create(creator=instructor, title="Career Exploration", term="Fall 2026")
    course_archive(course=course, by=course.created_by, now=timezone.now())
    return course


def test_copy_page_lists_rubrics_of_every_course_the_instructor_teaches(
    as_user, instructor, other_instructor, assignment, last_term
):
    nine_point_rubric(rubric_assignment(last_term, title="Interview a professional"))
    theirs = course_create(creator=other_instructor, title="Not mine")
    nine_point_rubric(rubric_assignment(theirs, title="Their interview"))
    taking = course_create(creator=other_instructor, title="Taking it")
    member_enrol(course=taking, user=instructor, role=Role.STUDENT)
    nine_point_rubric(rubric_assignment(taking, title="As a student"))

    page = text_of(as_user(instructor).get(url("rubric_copy", assignment)))

    assert (
        "Career Exploration (Fall 2026) · Interview a professional: “Interview rubric”, "
        "2 criteria, 9 points" in page
    )
    assert "Their interview" not in page and "As a student" not in page


def test_copying_a_rubric_from_another_course_makes_an_independent_copy(
    as_user, instructor, student, assignment, last_term
):
    source = rubric_assignment(last_term, title="Interview a professional")
    original = nine_point_rubric(source)
    member_enrol(course=last_term, user=student, role=Role.STUDENT)
    old_score = make_grade(submitted(source, student), instructor).scores.get()
    snapshot = CriterionScore.objects.values().get(pk=old_score.pk)
    client = as_user(instructor)

    response = client.post(url("rubric_copy", assignment), {"source": source.pk})

    assert response.status_code == 302
    assert messages_of(client.get(response.url))[0].startswith(
        "Copied the rubric of “Interview a professional” (Career Exploration)."
    )
    copy = Rubric.objects.get(assignment=assignment)
    assert copy.source == "Career Exploration (Fall 2026) · Interview a professional"
    assert points_of(assignment) == D(9)
    # Edit the copy through the pages: the original and its grade stay as they were.
    prep = copy.criteria.get(title="Preparation")
    client.post(
        url("rubric_criterion_edit", assignment, prep.pk), {"title": "Research", "description": ""}
    )
    client.post(
        url("rubric_level_edit", assignment, prep.levels.first().pk),
        {"title": "Superb", "points": "7"},
    )
    client.post(url("rubric_criterion_delete", assignment, copy.criteria.get(title="Writing").pk))
    assert [c.title for c in criteria_of(original)] == ["Preparation", "Writing"]
    assert original.criteria.get(title="Preparation").levels.first().title == "Strong"
    assert CriterionScore.objects.values().get(pk=old_score.pk) == snapshot
    assert points_of(source) == D(9)
    # And the other way round.
    strong = original.criteria.get(title="Preparation").levels.first()
    rubrics.level_update(level=strong, title="Strong", points=D(2), description="")
    assert copy.criteria.get().levels.first().points == D(7)


def test_copying_over_a_rubric_asks_to_confirm(as_user, instructor, course, rubric):
    source = rubric_assignment(course, title="Second")
    rubrics.rubric_adopt_template(assignment=source)
    client = as_user(instructor)

    response = client.post(url("rubric_copy", rubric.assignment), {"source": source.pk})

    assert response.status_code == 200
    assert "Tick this box to confirm" in text_of(field_block(response, "id_replace"))
    assert rubric.criteria.count() == 2
    client.post(url("rubric_copy", rubric.assignment), {"source": source.pk, "replace": "on"})
    assert rubric.criteria.count() == 5


def test_a_rubric_the_instructor_does_not_teach_cannot_be_copied(
    as_user, instructor, other_instructor, course, assignment
):
    nine_point_rubric(rubric_assignment(course, title="Second"))  # one they may copy
    theirs = course_create(creator=other_instructor, title="Not mine")
    source = rubric_assignment(theirs, title="Their interview")
    nine_point_rubric(source)

    response = as_user(instructor).post(url("rubric_copy", assignment), {"source": source.pk})

    assert response.status_code == 200
    assert "Choose one of the assignments listed." in text_of(field_block(response, "id_source"))
    assert "Their interview" not in text_of(response)
    assert not Rubric.objects.filter(assignment=assignment).exists()


# CSV download and upload ---------------------------------------------------------------------


def test_download_is_a_utf8_csv_attachment_safe_for_spreadsheets(as_user, assistant, rubric):
    rubrics.criterion_add(rubric=rubric, title="=cmd|' /C calc'!A0", points=D(1))

    response = as_user(assistant).get(url("rubric_export", rubric.assignment))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert (
        response["Content-Disposition"] == 'attachment; filename="meet-a-professional-rubric.csv"'
    )
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff" + HEADER + "\r\n")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[1] == [
        "Preparation",
        "Research and questions.",
        "5",
        "Strong",
        "Open-ended questions.",
        "5",
    ]
    assert rows[-1][0] == "'=cmd|' /C calc'!A0"


def test_students_cannot_download_the_rubric(as_user, student, rubric):
    assert as_user(student).get(url("rubric_export", rubric.assignment)).status_code == 403


def test_download_without_a_rubric_is_not_found(as_user, instructor, assignment):
    assert as_user(instructor).get(url("rubric_export", assignment)).status_code == 404


def upload(content: bytes | str, name="rubric.csv") -> SimpleUploadedFile:
    data = content.encode() if isinstance(content, str) else content
    return SimpleUploadedFile(name, data, content_type="text/csv")


def test_a_downloaded_rubric_uploads_back_unchanged(as_user, instructor, course, rubric):
    client = as_user(instructor)
    downloaded = client.get(url("rubric_export", rubric.assignment)).content
    other = rubric_assignment(course, title="Second")

    response = client.post(url("rubric_import", other), {"file": upload(downloaded)})

    assert response.status_code == 302
    assert messages_of(client.get(response.url)) == [
        "Rubric imported. This assignment is now worth 9 points."
    ]
    assert criteria_of(Rubric.objects.get(assignment=other)) == criteria_of(rubric)
    assert Rubric.objects.get(assignment=other).source == "Imported from rubric.csv"


def test_upload_with_problems_lists_each_and_changes_nothing(as_user, instructor, rubric):
    bad = f"{HEADER}\nResearch,,4,Good,,5\nResearch,,4,good,,x\n,,3,,,\n"

    response = as_user(instructor).post(
        url("rubric_import", rubric.assignment), {"file": upload(bad), "replace": "on"}
    )

    assert response.status_code == 200
    assert "The file was not imported: 4 problems, listed below. Nothing was changed" in text_of(
        field_block(response, "id_file")
    )
    assert section(response, "problems-heading") == (
        "Problems in the file "
        "Line 2, column level_points: 5 is above the criterion's points (4). "
        "Line 3, column level: “good” is already a level of this criterion (line 2); level "
        "titles differ within a criterion. "
        "Line 3, column level_points: “x” is not a number. "
        "Line 4, column criterion: The criterion's title is empty. Every row names its "
        "criterion, the rows of its second and later levels too."
    )
    assert [c.title for c in criteria_of(rubric)] == ["Preparation", "Writing"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("Résumé,3\n".encode("latin-1"), "The file is not UTF-8 text"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "This is not a CSV text file"),
        ("name,email\nA,a@example.edu\n", "The first row must name the columns"),
        (b"", "The submitted file is empty."),
    ],
    ids=["latin-1", "png", "wrong-header", "empty"],
)
def test_upload_of_the_wrong_kind_of_file_is_refused(
    as_user, instructor, assignment, content, message
):
    response = as_user(instructor).post(url("rubric_import", assignment), {"file": upload(content)})

    assert response.status_code == 200
    assert message in text_of(response)
    assert not Rubric.objects.filter(assignment=assignment).exists()


def test_upload_over_one_megabyte_is_refused(as_user, instructor, assignment):
    big = HEADER + "\n" + "x" * (1024 * 1024)

    response = as_user(instructor).post(url("rubric_import", assignment), {"file": upload(big)})

    assert "The file is larger than 1 MB." in text_of(field_block(response, "id_file"))
    assert not Criterion.objects.exists()


def test_upload_over_a_rubric_asks_to_confirm(as_user, instructor, rubric):
    good = f"{HEADER}\nAttendance,,3,,,\n"
    client = as_user(instructor)

    response = client.post(url("rubric_import", rubric.assignment), {"file": upload(good)})

    assert "Tick this box to confirm" in text_of(field_block(response, "id_replace"))
    assert rubric.criteria.count() == 2
