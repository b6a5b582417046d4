"""The gradebook page and its CSV exports, read the way Canvas and Moodle import them.

The Canvas rules below are those of Canvas's gradebook importer (GradebookImporter in
canvas-lms): a header whose first cells are "Student" and "ID", then "SIS User ID" and "SIS
Login ID", the last student column "Section"; assignment columns after it, where "Title (123)"
means Canvas assignment 123 and columns named like its totals are ignored; an optional row
starting "Points Possible"; then one row per student. Moodle's "Import grades: CSV file"
(gradeimport_csv) takes the first line as the header and every further line as one student,
all with the same number of cells, the student found by the exact value of the mapped column.
See docs/gradebook-export.md.
"""

import csv
import io
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.http import StreamingHttpResponse
from django.urls import reverse

from accounts.models import User
from common.spreadsheets import csv_bytes
from courses.models import Membership, Role
from interviews.gradebook import (
    ExportFormat,
    criteria_rows,
    gradebook_csv,
    gradebook_for,
)
from interviews.models import Criterion, CriterionScore, Grade, Level, Rubric, Submission
from tests.factories import enrol_many
from tests.interviews.grading_samples import DUE, enrol, gradebook_assignment, graded, submitted
from tests.pages import section, text_of

CANVAS_ID_HEADER = re.compile(r"\A(.*)\s\((\d+)\)\Z")
CANVAS_READ_ONLY = re.compile(
    "Current Score|Current Points|Current Grade|Final Score|Final Points|Final Grade|"
    "Override Score|Override Grade|Override Status"
)
NUMBER = re.compile(r"\A\d+(\.\d{1,2})?\Z")


def gradebook_url(course) -> str:
    return reverse("interviews:gradebook", args=[course.pk])


def export_url(course, **query) -> str:
    url = reverse("interviews:gradebook_export", args=[course.pk])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def criteria_url(assignment) -> str:
    return reverse("interviews:criteria_export", args=[assignment.course_id, assignment.pk])


def read_csv(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="')
    assert response["Content-Disposition"].endswith('.csv"')
    content = b"".join(response.streaming_content)
    assert content.startswith(b"\xef\xbb\xbf")  # UTF-8 with a BOM
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))


def canvas_import(rows) -> dict:
    """What Canvas's importer reads from ``rows``: {"assignments": {header: points},
    "students": {login id: {header: grade}}}; fails where Canvas would refuse the file."""
    header = rows[0]
    assert len(header) > 3 and "Student" in header[0] and "ID" in header[1]
    if re.search(r"SIS\s+Login\s+ID", header[2]):
        student_columns = 4
    else:
        assert re.search(r"SIS\s+User\s+ID", header[2]) and re.search(
            r"SIS\s+Login\s+ID", header[3]
        )
        student_columns = 5
    assert "Section" in header[student_columns - 1], "Canvas: Invalid header row"
    login = student_columns - 2
    assignments = [
        (i, h)
        for i, h in enumerate(header)
        if i >= student_columns and not CANVAS_READ_ONLY.search(h)
    ]
    for _, title in assignments:
        assert not CANVAS_ID_HEADER.match(title), f"Canvas would read {title!r} as an id"
    assert len({h for _, h in assignments}) == len(assignments)
    body = rows[1:]
    points = {}
    if body and "Points Possible" in body[0][0]:
        points = {h: body[0][i] for i, h in assignments}
        body = body[1:]
    students = {}
    for row in body:
        assert len(row) == len(header)
        assert row[0] and row[login], "every student row names and identifies the student"
        assert row[login] not in students, "one row per student"
        grades = {h: row[i] for i, h in assignments}
        for value in grades.values():
            assert value == "" or NUMBER.match(value), f"not a number: {value!r}"
        students[row[login]] = grades
    return {"assignments": points, "students": students, "names": [r[0] for r in body]}


def moodle_import(rows) -> dict:
    """What Moodle's CSV grade import reads. Its mapping form picks the identifying column
    whose header equals a user field's label ("Email address" → useremail) and maps
    "<item> (Real)" / "<item> (Feedback)" to the grade item named <item> and its feedback."""
    header = [h.strip() for h in rows[0]]
    assert len(set(header)) == len(header)
    labels = ["User ID", "Username", "ID number", "Email address"]
    key = next(header.index(label) for label in labels if label in header)
    assert header[key] == "Email address"
    mapped = {}
    for h in header:
        if "(Real)" in h:
            mapped[h] = h.split("(Real)")[0].strip()
        elif "(Feedback)" in h:
            mapped[h] = "Feedback for " + h.split("(Feedback)")[0].strip()
    students = {}
    for row in rows[1:]:
        assert len(row) == len(header), "csvweirdcolumns: every line has the header's columns"
        assert row[key], "usermappingerrorusernotfound: every line is a student"
        assert row[key] not in students
        students[row[key]] = dict(zip(header, row, strict=True))
    return {"header": header, "students": students, "mapped": mapped}


@pytest.fixture
def assignments(course):
    return [
        gradebook_assignment(course, "Informational interview"),
        gradebook_assignment(
            course, "Follow-up", due=DUE + timedelta(days=14), points=Decimal("10")
        ),
    ]


@pytest.fixture
def grades(assignments, student, classmate):
    first, second = assignments
    graded(first, student, "18.5", released=True, overall_comment="Great questions.\nWell done.")
    graded(second, student, "7", late=True)  # not released
    graded(first, classmate, "12", complete=False)  # in progress
    submitted(second, classmate)


# The page


def test_instructor_sees_every_student_on_every_assignment_with_totals(
    as_user, instructor, course, assignments, grades, student, classmate
):
    response = as_user(instructor).get(gradebook_url(course))

    assert response.status_code == 200
    grades_text = section(response, "grades-heading")
    assert "Informational interview out of 20" in grades_text
    assert "Follow-up out of 10" in grades_text
    rows = re.findall(r"<tr>\s*<th scope=\"row\">.*?</tr>", response.content.decode(), re.S)
    carl, stella = text_of(rows[0]), text_of(rows[1])
    assert carl.startswith("Carl Classmate carl.classmate@example.edu In progress To grade")
    assert carl.endswith("0 / 0 — Nothing graded 0 %")
    assert stella.startswith("Stella Student stella.student@example.edu 18.5 7 Unreleased Late")
    assert stella.endswith("25.5 / 30 85 % 85 %")
    assert "Average 18.5 7 Median 18.5 7" in grades_text
    grade_url = reverse("interviews:grade", args=[course.pk, assignments[1].pk, student.pk])
    assert f'href="{grade_url}"' in rows[1]


def test_the_page_is_an_accessible_table_without_inline_styles_or_scripts(
    as_user, instructor, course, assignments, grades
):
    content = as_user(instructor).get(gradebook_url(course)).content.decode()

    assert '<caption id="grades-caption"' in content
    assert content.count('<th scope="col"') == 2 + 4  # student, 2 assignments, 3 totals
    assert content.count('<th scope="row">') == 2 + 3  # 2 students, 3 statistics rows
    assert "style=" not in content and "<script>" not in content and "onclick" not in content
    assert 'href="/static/css/gradebook.css"' in content
    assert content.count("<h1") == 1
    # Due dates through {% when %}: the viewer's zone, then the course's.
    assert '<time datetime="2027-03-15T14:00:00+00:00">' in content


def test_distribution_chart_is_an_svg_with_its_numbers_in_words(
    as_user, instructor, course, assignments, grades
):
    response = as_user(instructor).get(gradebook_url(course))

    content = response.content.decode()
    charts = re.findall(r'<svg class="d-block w-100 distribution-chart".*?</svg>', content, re.S)
    assert len(charts) == 2
    assert 'role="img"' in charts[0]
    assert (
        'aria-label="Informational interview, 1 graded, by percentage of the points: 0–9 %: 0,'
        in charts[0]
    )
    assert "<title>90–100 %: 1</title>" in charts[0]
    assert "1 graded · average 18.5 · median 18.5" in section(response, "distribution-heading")


def test_a_page_of_students_with_the_whole_classs_statistics(
    as_user, instructor, course, assignments, grades
):
    enrol_many(course, 60)  # with Stella and Carl, 62

    response = as_user(instructor).get(gradebook_url(course) + "?page=2&per=50")

    content = response.content.decode()
    assert text_of(re.search(r"<h2 id=\"grades-heading\".*?</h2>", content).group(0)) == (
        "Students 51–62 of 62"
    )
    assert "Grades of students 51–62 of 62 on 2 assignments" in content  # the caption
    rows = re.findall(r'<th scope="row">([^<]*)', content)
    assert rows[:2] == ["Zoe Pupil 049", "Zoe Pupil 050"] and len(rows) == 12 + 3
    grades_text = section(response, "grades-heading")
    assert "Graded 1 of 62 1 of 62" in grades_text
    assert "Average 18.5 7 Median 18.5 7" in grades_text
    assert "62 students · 2 published assignments · 30 points in all" in text_of(response)
    nav = re.search(r'<nav aria-label="Gradebook pages".*?</nav>', content, re.S).group(0)
    assert text_of(nav) == "Previous Page 1 Page 2"
    assert 'href="?page=1&amp;per=50" rel="prev"' in nav
    assert 'aria-current="page"' in nav


def test_sort_links_keep_the_search_and_the_page_size_and_go_back_to_page_one(
    as_user, instructor, course, assignments, grades
):
    first = assignments[0]
    url = gradebook_url(course) + f"?q=example&per=100&page=1&sort=score-{first.pk}&dir=asc"

    response = as_user(instructor).get(url)

    content = response.content.decode()
    headers = re.findall(r'<th scope="col"(?: aria-sort="(\w+)")?>', content)
    assert headers == ["", "ascending", "", "", "", ""]  # the first assignment's score
    assert f'href="?q=example&amp;per=100&amp;sort=score-{first.pk}&amp;dir=desc"' in content
    assert 'href="?q=example&amp;per=100&amp;sort=current&amp;dir=asc"' in content
    assert (
        'Score<span class="visually-hidden"> (Informational interview)</span>'
        '<span class="visually-hidden"> sort descending</span></a> '
        '<span aria-hidden="true">▲</span>' in content
    )
    assert 'name="q" value="example"' in content
    assert '<option value="100" selected>' in content
    assert f'<input type="hidden" name="sort" value="score-{first.pk}">' in content
    rows = re.findall(r'<th scope="row">([^<]*)', content)
    assert rows == ["Stella Student", "Carl Classmate", "Graded", "Average", "Median"]


def test_a_search_that_matches_nobody_says_so_and_keeps_the_distribution(
    as_user, instructor, course, assignments, grades
):
    response = as_user(instructor).get(gradebook_url(course) + "?q=nobody-here&sort=overall")

    grades_text = section(response, "grades-heading")
    assert grades_text.startswith("Students (0) matching “nobody-here”")
    assert "Nobody matches “nobody-here”. Clear the search." in grades_text
    assert 'href="?sort=overall">Clear the search</a>' in response.content.decode()
    assert "1 graded · average 18.5 · median 18.5" in section(response, "distribution-heading")
    assert "2 students · 2 published assignments" in text_of(response)


def test_course_tabs_lead_staff_to_the_gradebook(as_user, instructor, assistant, student, course):
    course_home = reverse("courses:detail", args=[course.pk])
    for user in (instructor, assistant):
        assert f'href="{gradebook_url(course)}"' in as_user(user).get(course_home).content.decode()
    assert "Gradebook" not in as_user(student).get(course_home).content.decode()
    page = as_user(instructor).get(gradebook_url(course)).content.decode()
    assert f'aria-current="page" href="{gradebook_url(course)}">Gradebook</a>' in page


def test_only_the_courses_staff_reach_the_gradebook_and_its_exports(
    as_user, instructor, assistant, student, other_instructor, outsider, course, assignments
):
    urls = [gradebook_url(course), export_url(course), criteria_url(assignments[0])]
    for url in urls:
        assert as_user(instructor).get(url).status_code == 200
        assert as_user(assistant).get(url).status_code == 200
        assert as_user(student).get(url).status_code == 403
        assert as_user(other_instructor).get(url).status_code == 404
        assert as_user(outsider).get(url).status_code == 404
        assert as_user(None).get(url).status_code == 302


def test_a_course_without_published_assignments_says_so(as_user, instructor, course):
    response = as_user(instructor).get(gradebook_url(course))

    assert "No assignment is published yet" in text_of(response)


# Canvas


def test_canvas_file_follows_canvas_import_rules(
    as_user, instructor, course, assignments, grades, student, classmate
):
    rows = read_csv(as_user(instructor).get(export_url(course, format="canvas")))

    assert rows[0] == [
        "Student", "ID", "SIS User ID", "SIS Login ID", "Section", "Informational interview",
        "Follow-up", "Current Score", "Final Score",
    ]  # fmt: skip
    imported = canvas_import(rows)
    assert imported["assignments"] == {"Informational interview": "20", "Follow-up": "10"}
    assert imported["students"] == {
        "carl.classmate@example.edu": {"Informational interview": "", "Follow-up": ""},
        "stella.student@example.edu": {"Informational interview": "18.5", "Follow-up": "7"},
    }
    assert rows[3][-2:] == ["85", "85"]  # Stella's read-only totals


def test_released_only_leaves_unreleased_grades_out(as_user, instructor, course, grades):
    rows = read_csv(as_user(instructor).get(export_url(course, released="only")))

    stella = canvas_import(rows)["students"]["stella.student@example.edu"]
    assert stella == {"Informational interview": "18.5", "Follow-up": ""}
    assert rows[3][-2:] == ["92.5", "61.67"]


def test_export_guards_against_formulas_and_keeps_accents(as_user, instructor, course):
    gradebook_assignment(course, "=cmd|' /C calc'!A0")
    enrol(course, "zoe@example.edu", "Zoë Ñúñez-Ødegård")
    sneaky = enrol(course, "=sneaky@example.edu", '=HYPERLINK("http://evil.example","x")')
    graded(course.assignments.get(), sneaky, "20")

    for export_format in ("canvas", "moodle"):
        response = as_user(instructor).get(export_url(course, format=export_format))
        rows = read_csv(response)
        cells = [cell for row in rows for cell in row]
        assert "Zoë Ñúñez-Ødegård" in cells
        assert '\'=HYPERLINK("http://evil.example","x")' in cells
        assert "'=sneaky@example.edu" in cells
        assert rows[0][5 if export_format == "canvas" else 2].startswith("'=cmd|' /C calc'!A0")
        assert not [cell for cell in cells if cell[:1] in ("=", "+", "-", "@")]
        assert "20" in cells  # the score stays a number


def test_repeated_titles_get_columns_canvas_and_moodle_tell_apart(
    as_user, instructor, course, student
):
    for days in (0, 7):
        graded(
            gradebook_assignment(course, "Interview", due=DUE + timedelta(days=days)), student, "9"
        )

    canvas = read_csv(as_user(instructor).get(export_url(course)))
    moodle = read_csv(as_user(instructor).get(export_url(course, format="moodle")))

    assert canvas[0][5:7] == ["Interview", "Interview [2]"]
    assert canvas_import(canvas)["students"]["stella.student@example.edu"] == {
        "Interview": "9",
        "Interview [2]": "9",
    }
    assert moodle[0][2:] == [
        "Interview (Real)", "Interview (Feedback)", "Interview [2] (Real)",
        "Interview [2] (Feedback)",
    ]  # fmt: skip
    assert len(set(moodle_import(moodle)["mapped"].values())) == 4


def test_unknown_export_choice_is_refused(as_user, instructor, course):
    response = as_user(instructor).get(export_url(course, format="excel"))

    assert response.status_code == 400
    assert b"format=canvas" in response.content


# Moodle


def test_moodle_file_has_one_line_per_student_with_grades_and_feedback(
    as_user, instructor, course, assignments, grades
):
    rows = read_csv(as_user(instructor).get(export_url(course, format="moodle")))

    imported = moodle_import(rows)
    assert imported["header"] == [
        "Email address", "Full name", "Informational interview (Real)",
        "Informational interview (Feedback)", "Follow-up (Real)", "Follow-up (Feedback)",
    ]  # fmt: skip
    assert imported["mapped"] == {
        "Informational interview (Real)": "Informational interview",
        "Informational interview (Feedback)": "Feedback for Informational interview",
        "Follow-up (Real)": "Follow-up",
        "Follow-up (Feedback)": "Feedback for Follow-up",
    }
    stella = imported["students"]["stella.student@example.edu"]
    assert stella["Informational interview (Real)"] == "18.5"
    assert stella["Informational interview (Feedback)"] == "Great questions. Well done."
    assert stella["Follow-up (Real)"] == "7"
    carl = imported["students"]["carl.classmate@example.edu"]
    assert carl["Informational interview (Real)"] == "" and carl["Follow-up (Real)"] == ""


# One assignment by criterion


def test_criteria_export_lists_each_submitted_student_by_criterion(
    as_user, assistant, course, assignments, grades, student
):
    assignment = assignments[0]
    rubric = Rubric.objects.create(assignment=assignment, title="Rubric")
    criterion = Criterion.objects.create(rubric=rubric, title="Préparation", points=20)
    level = Level.objects.create(criterion=criterion, title="Très bien", points=20)
    CriterionScore.objects.create(
        grade=Grade.objects.get(submission__student=student, submission__assignment=assignment),
        criterion=criterion, title=criterion.title, level=level, level_title=level.title,
        points=Decimal("18.5"), max_points=20,
    )  # fmt: skip

    rows = read_csv(as_user(assistant).get(criteria_url(assignment)))

    assert rows[0][:4] == ["Student", "Email", "Préparation: points", "Préparation: level"]
    assert [row[0] for row in rows[1:]] == ["Carl Classmate", "Stella Student"]
    assert rows[2][2:4] == ["18.5", "Très bien"]
    assert rows[2][-2:] == ["18.5", "Released"]
    assert rows[1][-1] == "Grading in progress"


def test_criteria_export_of_another_courses_assignment_is_not_found(
    as_user, instructor, course, other_course, other_instructor
):
    theirs = gradebook_assignment(other_course)
    url = reverse("interviews:criteria_export", args=[course.pk, theirs.pk])

    assert as_user(instructor).get(url).status_code == 404


# The number of queries does not grow with the class


def big_class(course, size: int, assignments) -> None:
    """``size`` students, each graded on every assignment (rubric scores on the first)."""
    users = User.objects.bulk_create(
        User(email=f"s{i}@example.edu", full_name=f"Student {i:04}", password="!")
        for i in range(size)
    )
    Membership.objects.bulk_create(
        Membership(course=course, user=user, role=Role.STUDENT) for user in users
    )
    submissions = Submission.objects.bulk_create(
        Submission(assignment=a, student=u, submitted_at=DUE, revision=1, submitted_revision=1)
        for a in assignments
        for u in users
    )
    grades = Grade.objects.bulk_create(
        Grade(submission=s, state=Grade.State.COMPLETE, score=Decimal(i % 20),
              final_score=Decimal(i % 20), points_possible=20, released_at=DUE if i % 2 else None,
              overall_comment="Fine work.")
        for i, s in enumerate(submissions)
    )  # fmt: skip
    rubric = Rubric.objects.create(assignment=assignments[0], title="Rubric")
    criteria = [
        Criterion.objects.create(rubric=rubric, position=i, title=f"C{i}", points=10)
        for i in range(2)
    ]
    CriterionScore.objects.bulk_create(
        CriterionScore(grade=g, criterion=c, title=c.title, points=5, max_points=10)
        for g in grades
        if g.submission.assignment_id == assignments[0].pk
        for c in criteria
    )


def page_queries(*, searched: bool = True, remembered: bool = False) -> int:
    """Sign-in (session, user), the course membership and the header's unread notifications,
    then the page's reads: the assignments, the page of students and their work; the matching
    students' count when searched (else the class's count is theirs); and, unless remembered
    from an earlier view of the unchanged course, the class's counts, the statistics and the
    medians."""
    return 4 + 3 + searched + (0 if remembered else 3)


@pytest.mark.parametrize("size", [10, 500])
def test_queries_stay_flat_from_10_to_500_students(
    size, as_user, instructor, course, assignments, django_assert_num_queries,
    django_assert_max_num_queries,
):  # fmt: skip
    assignments = [
        *assignments,
        gradebook_assignment(course, "Third", due=DUE + timedelta(days=30)),
    ]
    big_class(course, size, assignments)
    client = as_user(instructor)
    searches = [
        "",
        "?sort=current&dir=desc&page=2",
        f"?sort=score-{assignments[1].pk}&q=Student+0&per=100",
    ]

    # The same number of queries at any size, sorted by a total or searched (a search that
    # finds nobody reads no page and no work). The exports stream: their reads happen while
    # the file is read, so it is read inside the count.
    pages = []
    for search in searches:
        cache.clear()  # as the first view of the course's book
        with django_assert_num_queries(page_queries(searched="q=" in search)):
            pages.append(client.get(gradebook_url(course) + search))
    # Viewed again, the class's counts and statistics are remembered: three reads fewer.
    with django_assert_num_queries(page_queries(searched=True, remembered=True)):
        again = client.get(gradebook_url(course) + searches[2])
    assert again.status_code == 200
    cache.clear()
    with django_assert_num_queries(page_queries() - 2):
        pages.append(client.get(gradebook_url(course) + "?sort=overall&q=nobody"))
    with django_assert_max_num_queries(3 + 3):
        canvas = read_csv(client.get(export_url(course)))
    with django_assert_max_num_queries(3 + 3):
        moodle = read_csv(client.get(export_url(course, format="moodle", released="only")))
    # The assignment, then four reads: criteria, removed criteria, submissions, scores.
    with django_assert_max_num_queries(3 + 1 + 4):
        criteria = read_csv(client.get(criteria_url(assignments[0])))

    shown = min(size + 2, 50)  # Stella and Carl too; a page holds 50
    assert pages[0].content.decode().count('<th scope="row">') == shown + 3
    assert f"Students 1–{shown} of {size + 2}" in text_of(pages[0])
    assert f"Graded {size} of {size + 2} {size} of {size + 2}" in text_of(pages[0])
    assert "Nobody matches “nobody”" in text_of(pages[3])
    assert len(canvas_import(canvas)["students"]) == size + 2
    assert len(moodle_import(moodle)["students"]) == size + 2
    assert len(criteria) == size + 1


# The exports stream


@pytest.mark.parametrize("query", [{}, {"format": "moodle"}, {"released": "only"}])
def test_exports_stream_the_same_bytes_as_the_whole_file(
    query, as_user, instructor, course, assignments, grades, monkeypatch
):
    # More students than a cursor fetch and than a sent batch, so both chunk edges are crossed;
    # a removed student with a grade stays, one without goes, an assistant's work is no row.
    monkeypatch.setattr("interviews.gradebook.STREAM_CHUNK", 3)
    monkeypatch.setattr("interviews.downloads.STREAM_BATCH", 2)
    for n in range(7):
        student = enrol(course, f"extra{n}@example.edu", f"Extra {n % 3}")
        if n % 2:
            graded(assignments[n % 2], student, str(n))
    removed = enrol(course, "gone@example.edu", "Gone Graded")
    graded(assignments[0], removed, "5")
    Membership.objects.filter(user=removed).update(removed_at=DUE)
    enrol(course, "left@example.edu", "Left Ungraded")
    Membership.objects.filter(user__email="left@example.edu").update(removed_at=DUE)
    helper = User.objects.create_user(email="helper@example.edu", full_name="A Helper")
    Membership.objects.create(course=course, user=helper, role=Role.ASSISTANT)
    submitted(assignments[0], helper)
    export_format = ExportFormat(query.get("format", "canvas"))
    book = gradebook_for(
        course=course,
        released_only=query.get("released") == "only",
        with_comments=export_format == ExportFormat.MOODLE,
    )

    response = as_user(instructor).get(export_url(course, **query))

    assert isinstance(response, StreamingHttpResponse)
    chunks = list(response.streaming_content)
    assert len(chunks) > 2
    assert b"".join(chunks) == gradebook_csv(book, export_format)
    cells = {cell for row in read_csv_bytes(b"".join(chunks)) for cell in row}
    assert "Gone Graded" in cells and "Left Ungraded" not in cells and "A Helper" not in cells


def test_criteria_export_streams_the_same_bytes_as_the_whole_file(
    as_user, instructor, course, assignments, grades, student, classmate, monkeypatch
):
    monkeypatch.setattr("interviews.gradebook.STREAM_CHUNK", 2)
    monkeypatch.setattr("interviews.downloads.STREAM_BATCH", 2)
    assignment = assignments[0]
    rubric = Rubric.objects.create(assignment=assignment, title="Rubric")
    kept = Criterion.objects.create(rubric=rubric, position=0, title="Kept", points=10)
    for n in range(5):
        grade = graded(assignment, enrol(course, f"extra{n}@example.edu", f"Extra {n}"), "4")
        CriterionScore.objects.create(
            grade=grade, criterion=kept, title="Kept", points=n, max_points=10
        )
        CriterionScore.objects.create(
            grade=grade, criterion=None, title="Dropped", points=1, max_points=1, position=1
        )

    response = as_user(instructor).get(criteria_url(assignment))

    assert isinstance(response, StreamingHttpResponse)
    content = b"".join(response.streaming_content)
    assert content == csv_bytes(criteria_rows(assignment=assignment))
    rows = read_csv_bytes(content)
    assert rows[0][2:6] == ["Kept: points", "Kept: level", "Dropped (removed): points",
                            "Dropped (removed): level"]  # fmt: skip
    assert [row[2] for row in rows[1:]] == ["", "0", "1", "2", "3", "4", ""]


def read_csv_bytes(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))
