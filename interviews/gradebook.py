"""The course gradebook (every student × every published assignment, with totals, statistics
and the grade distribution) and its CSV exports: a whole-course file Canvas or Moodle imports,
and one assignment's scores per rubric criterion.

Each read is a fixed number of queries (``values()`` rows, computed in Python), so a class of
1,000 costs the same number of queries as a class of 10.

How ungraded work counts in the totals:

- A grade counts once it is complete ("Graded"), released to the student or not. Grades still
  in progress never count; with ``released_only`` only released grades count.
- ``current``: points earned over the points of the assignments that have a counting grade —
  where the student stands on what has been graded (Canvas calls this "Current Score").
- ``overall``: points earned over the points of every published assignment, so work missing or
  not graded yet counts as zero (Canvas's "Final Score").
"""

import re
import statistics
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from django.db.models import BooleanField, ExpressionWrapper, Q
from django.db.models.functions import Lower
from django.urls import reverse

from accounts.models import display_name_sql
from common.numbers import number, percent
from common.spreadsheets import csv_bytes
from courses.models import Course, Membership, Role

from .models import Assignment, Criterion, CriterionScore, Grade, Submission
from .models.grading import CENT, ZERO

BINS = 10  # the distribution's bars: 0–9 %, 10–19 %, …, 90–100 %
# Reversing once per assignment with a placeholder student, then substituting, is what keeps
# 10,000 cells from costing 10,000 reverse() calls.
_PLACEHOLDER = 987654321987
# Rows a server-side cursor brings per fetch when an export streams: memory stays that of a
# chunk, and the query count stays one per read (fetches are not queries).
STREAM_CHUNK = 2_000


class CellState(StrEnum):
    NOT_SUBMITTED = "not_submitted"
    SUBMITTED = "submitted"
    IN_PROGRESS = "in_progress"
    UNRELEASED = "unreleased"
    RELEASED = "released"


# The gradebook --------------------------------------------------------------------------------


@dataclass(slots=True)
class Cell:
    """One student's standing on one assignment.

    ``counts`` says whether ``final_score`` enters the totals, statistics and exports.
    ``url`` leads to the grading page once there is submitted work to grade.
    """

    state: CellState
    final_score: Decimal | None = None
    is_late: bool = False
    needs_review: bool = False
    counts: bool = False
    graded_as: str = ""  # "8 / 10" when graded out of other points than the assignment's now
    text: str = ""  # the final score as shown
    comment: str = ""
    url: str = ""


@dataclass(frozen=True, slots=True)
class Bar:
    """One bar of a distribution chart; coordinates are in the chart's viewBox units."""

    label: str
    count: int
    x: int
    y: str
    height: str
    text_y: str


@dataclass
class Column:
    """A published assignment and what its grades look like across the class."""

    assignment_id: int
    title: str
    points: Decimal
    due: datetime
    grading_url: str
    graded: int = 0
    average: Decimal | None = None
    median: Decimal | None = None
    highest: Decimal | None = None
    lowest: Decimal | None = None
    bins: list[int] = field(default_factory=lambda: [0] * BINS)

    CHART_WIDTH = BINS * 20
    CHART_HEIGHT = 90
    PLOT_TOP, PLOT_HEIGHT = 14, 60  # room for the counts above the bars

    def bars(self) -> list[Bar]:
        """The distribution as SVG bars, tallest bar filling the plot."""
        tallest = max(self.bins) or 1
        bars = []
        for index, count in enumerate(self.bins):
            height = Decimal(self.PLOT_HEIGHT * count) / tallest
            y = self.PLOT_TOP + self.PLOT_HEIGHT - height
            low = index * 10
            label = f"{low}–{low + 9} %" if index < BINS - 1 else f"{low}–100 %"
            bars.append(
                Bar(label, count, index * 20 + 1, f"{y:.1f}", f"{height:.1f}", f"{y - 3:.1f}")
            )
        return bars

    def summary(self) -> str:
        """The chart in words, for screen readers (the chart is one image to them)."""
        if not self.graded:
            return f"{self.title}: nothing graded yet."
        counts = ", ".join(f"{bar.label}: {bar.count}" for bar in self.bars())
        return f"{self.title}, {self.graded} graded, by percentage of the points: {counts}."


@dataclass
class Row:
    student_id: int
    display_name: str
    email: str
    is_removed: bool
    cells: list[Cell]
    earned: Decimal = ZERO
    graded_points: Decimal = ZERO
    graded: int = 0
    current: Decimal | None = None
    overall: Decimal | None = None


@dataclass
class Gradebook:
    course: Course
    columns: list[Column]
    rows: list[Row]
    total_points: Decimal
    released_only: bool = False

    def count(self, state: CellState) -> int:
        return sum(1 for row in self.rows for cell in row.cells if cell.state == state)

    @property
    def unreleased(self) -> int:
        return self.count(CellState.UNRELEASED)

    @property
    def awaiting_review(self) -> int:
        return sum(1 for row in self.rows for cell in row.cells if cell.needs_review)

    @property
    def removed(self) -> int:
        return sum(1 for row in self.rows if row.is_removed)


def _url_maker(name: str, **kwargs) -> Callable[[int], str]:
    """A function student_id -> URL of ``name`` for that student (reversed once)."""
    template = reverse(name, kwargs={**kwargs, "student_id": _PLACEHOLDER})
    placeholder = str(_PLACEHOLDER)
    return lambda student_id: template.replace(placeholder, str(student_id))


def _is_set(name: str) -> ExpressionWrapper:
    return ExpressionWrapper(Q(**{f"{name}__isnull": False}), output_field=BooleanField())


_COMPLETE = Grade.State.COMPLETE.value
_NOT_SUBMITTED, _SUBMITTED, _IN_PROGRESS, _UNRELEASED, _RELEASED = CellState


def _cell(work: dict | None, *, points: Decimal, released_only: bool, with_comments: bool) -> Cell:
    # Called once per student and assignment (10,000 times for a class of 1,000): plain local
    # names instead of attribute lookups on the enums.
    if work is None or (not work["submitted"] and work["grade__state"] is None):
        return Cell(_NOT_SUBMITTED)
    state = work["grade__state"]
    graded = False
    if state is None:
        cell_state = _SUBMITTED
    elif state != _COMPLETE or work["grade__final_score"] is None:
        cell_state = _IN_PROGRESS
    else:
        graded = True
        cell_state = _RELEASED if work["released"] else _UNRELEASED
    counts = graded and (cell_state is _RELEASED or not released_only)
    final, graded_as = work["grade__final_score"] if graded else None, ""
    possible = work["grade__points_possible"]
    if final is not None and possible and possible != points:
        # Graded before the rubric's total changed: shown (and exported) on the assignment's
        # current scale, so every cell of the column is out of the same points.
        graded_as = f"{number(final)} / {number(possible)}"
        final = (final * points / possible).quantize(CENT, ROUND_HALF_UP)
    return Cell(
        state=cell_state,
        final_score=final,
        graded_as=graded_as,
        text=number(final) if final is not None else "",
        is_late=work["is_late"],
        needs_review=graded and bool(work["grade__needs_review"]),
        counts=counts,
        comment=(work.get("grade__overall_comment") or "") if counts and with_comments else "",
    )


def _column_statistics(column: Column, scores: list[Decimal]) -> None:
    column.graded = len(scores)
    if not scores:
        return
    column.average = (sum(scores, ZERO) / len(scores)).quantize(CENT, ROUND_HALF_UP)
    column.median = Decimal(statistics.median(scores)).quantize(CENT, ROUND_HALF_UP)
    column.highest, column.lowest = max(scores), min(scores)
    for score in scores:
        index = int(score * BINS / column.points) if column.points else BINS - 1
        column.bins[min(index, BINS - 1)] += 1  # 100 % (or more) joins the 90s


def _row(
    member: dict,
    work_of: dict[int, dict],
    *,
    columns: list[Column],
    grade_urls: list[Callable[[int], str]],
    total_points: Decimal,
    released_only: bool,
    with_comments: bool,
) -> Row | None:
    """``member``'s row, from their work by assignment id; None for a removed student with no
    grade on a published assignment."""
    student_id = member["user_id"]
    removed = member["removed_at"] is not None
    if removed and not any(w["grade__state"] for w in work_of.values()):
        return None
    row = Row(
        student_id=student_id,
        display_name=member["name"],
        email=member["user__email"],
        is_removed=removed,
        cells=[],
    )
    for index, column in enumerate(columns):
        cell = _cell(
            work_of.get(column.assignment_id),
            points=column.points,
            released_only=released_only,
            with_comments=with_comments,
        )
        if cell.state != CellState.NOT_SUBMITTED:
            cell.url = grade_urls[index](student_id)
        if cell.counts:
            row.earned += cell.final_score
            row.graded_points += column.points
            row.graded += 1
        row.cells.append(cell)
    row.current = percent(row.earned, row.graded_points)
    row.overall = percent(row.earned, total_points)
    return row


def _published(course: Course) -> list[dict]:
    return list(
        Assignment.objects.published()
        .filter(course=course)
        .order_by("writeup_due_at", "pk")
        .values("pk", "title", "points", "writeup_due_at")
    )


def _students(course: Course):
    return (
        Membership.objects.filter(course=course, role=Role.STUDENT)
        .order_by(Lower("user__full_name"), "user__email")
        .values("user_id", "removed_at", "user__email", name=display_name_sql("user"))
    )


def _work(assignments: list[dict], *, with_comments: bool):
    fields = [
        "assignment_id", "student_id", "is_late", "grade__state", "grade__final_score",
        "grade__points_possible", "grade__needs_review", "submitted", "released",
    ]  # fmt: skip
    if with_comments:
        fields.append("grade__overall_comment")
    # Whether there is a moment, not the moment: booleans are much cheaper to load than
    # thousands of datetimes.
    return (
        Submission.objects.filter(
            Q(submitted_at__isnull=False) | Q(grade__isnull=False),
            assignment_id__in=[a["pk"] for a in assignments],
        )
        .annotate(
            submitted=_is_set("submitted_at"),
            released=_is_set("grade__released_at"),
        )
        .values(*fields)
    )


def _columns(course: Course, assignments: list[dict]) -> list[Column]:
    return [
        Column(
            assignment_id=a["pk"],
            title=a["title"],
            points=a["points"],
            due=a["writeup_due_at"],
            grading_url=reverse(
                "interviews:grading", kwargs={"course_id": course.pk, "assignment_id": a["pk"]}
            ),
        )
        for a in assignments
    ]


def _grade_urls(course: Course, columns: list[Column]) -> list[Callable[[int], str]]:
    return [
        _url_maker("interviews:grade", course_id=course.pk, assignment_id=column.assignment_id)
        for column in columns
    ]


def gradebook_for(
    *, course: Course, released_only: bool = False, with_comments: bool = False
) -> Gradebook:
    """Every student of ``course`` × every published assignment (ordered by due date).

    Students: the active ones, plus removed ones who have a grade on a published assignment
    (marked ``is_removed``). ``released_only`` counts only released grades (what students
    already see); ``with_comments`` also reads each counting grade's overall comment. Three
    queries, whatever the size of the class.
    """
    assignments = _published(course)
    members = list(_students(course))
    work: dict[int, dict[int, dict]] = {}
    if assignments:
        for line in _work(assignments, with_comments=with_comments):
            work.setdefault(line["student_id"], {})[line["assignment_id"]] = line
    columns = _columns(course, assignments)
    grade_urls = _grade_urls(course, columns)
    total_points = sum((column.points for column in columns), ZERO)
    scores: list[list[Decimal]] = [[] for _ in columns]
    rows = []
    for member in members:
        row = _row(
            member,
            work.get(member["user_id"], {}),
            columns=columns,
            grade_urls=grade_urls,
            total_points=total_points,
            released_only=released_only,
            with_comments=with_comments,
        )
        if row is None:
            continue
        for index, cell in enumerate(row.cells):
            if cell.counts:
                scores[index].append(cell.final_score)
        rows.append(row)
    for column, column_scores in zip(columns, scores, strict=True):
        _column_statistics(column, column_scores)
    return Gradebook(
        course=course,
        columns=columns,
        rows=rows,
        total_points=total_points,
        released_only=released_only,
    )


def gradebook_stream(
    *, course: Course, released_only: bool = False, with_comments: bool = False
) -> Gradebook:
    """The rows of ``gradebook_for`` (same students, cells and totals, in the same order) for
    an export: ``rows`` is an iterator that reads the class a chunk at a time, so a class of
    10,000 is never in memory at once. No column statistics. Three queries, the last two when
    the rows are first read."""
    assignments = _published(course)
    columns = _columns(course, assignments)
    total_points = sum((column.points for column in columns), ZERO)

    def rows() -> Iterator[Row]:
        grade_urls = _grade_urls(course, columns)
        # The work comes in the students' order, only for the course's students: each
        # student's work is the run of lines at the head of the stream that are theirs.
        lines: Iterator[dict] = iter(())
        if assignments:
            lines = (
                _work(assignments, with_comments=with_comments)
                .filter(
                    student__memberships__course=course,
                    student__memberships__role=Role.STUDENT,
                )
                .order_by(Lower("student__full_name"), "student__email", "assignment_id")
                .iterator(chunk_size=STREAM_CHUNK)
            )
        line = next(lines, None)
        for member in _students(course).iterator(chunk_size=STREAM_CHUNK):
            work_of = {}
            while line is not None and line["student_id"] == member["user_id"]:
                work_of[line["assignment_id"]] = line
                line = next(lines, None)
            row = _row(
                member,
                work_of,
                columns=columns,
                grade_urls=grade_urls,
                total_points=total_points,
                released_only=released_only,
                with_comments=with_comments,
            )
            if row is not None:
                yield row

    return Gradebook(
        course=course,
        columns=columns,
        rows=rows(),  # type: ignore[arg-type]
        total_points=total_points,
        released_only=released_only,
    )


# CSV files ----------------------------------------------------------------------------------


class ExportFormat(StrEnum):
    CANVAS = "canvas"
    MOODLE = "moodle"


# Canvas reads the first columns by these names (its GradebookImporter): "Student" and "ID"
# open the header, then "SIS User ID" and "SIS Login ID", and the last student column must be
# "Section". Everything after is an assignment, except columns whose name contains one of
# Canvas's read-only total headers, which it ignores.
CANVAS_STUDENT_COLUMNS = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
CANVAS_POINTS_ROW = "Points Possible"
CANVAS_TOTAL_COLUMNS = ["Current Score", "Final Score"]
# Canvas reads "Title (123)" as "assignment 123 of this Canvas course": a title that happens to
# end that way must not be taken for one.
_CANVAS_ID_SUFFIX = re.compile(r"\s\((\d+)\)$")


def unique_titles(titles: list[str], *, taken: Iterable[str] = ()) -> list[str]:
    """The titles as column headers an LMS can tell apart: a repeated title (or one of the
    ``taken`` headers) gets `` [2]``, `` [3]``, …"""
    headers, seen = [], {header.casefold() for header in taken}
    for title in titles:
        header = title.strip() or "Assignment"
        candidate, n = header, 1
        while candidate.casefold() in seen:
            n += 1
            candidate = f"{header} [{n}]"
        seen.add(candidate.casefold())
        headers.append(candidate)
    return headers


def canvas_titles(titles: list[str]) -> list[str]:
    """Column headers Canvas matches to its assignments by exact title: a trailing
    ``(digits)`` becomes ``[digits]``; repeated titles, and titles that are one of the
    student columns' names, get `` [2]``, `` [3]``, …"""
    plain = [_CANVAS_ID_SUFFIX.sub(r" [\1]", title.strip()) for title in titles]
    return unique_titles(plain, taken=CANVAS_STUDENT_COLUMNS)


def canvas_rows(gradebook: Gradebook) -> Iterator[list]:
    """The gradebook as Canvas's Grades → Import reads it: student columns, one column per
    assignment, a "Points Possible" row, then one row per student; identified by the email
    address as SIS Login ID. Cells without a counting grade stay empty (Canvas leaves the
    grade it has)."""
    columns = gradebook.columns
    header = [
        *CANVAS_STUDENT_COLUMNS,
        *canvas_titles([c.title for c in columns]),
        *CANVAS_TOTAL_COLUMNS,
    ]
    points = [CANVAS_POINTS_ROW, None, None, None, None, *(c.points for c in columns)]
    yield header
    yield [*points, "(read only)", "(read only)"]
    for row in gradebook.rows:
        scores = [cell.final_score if cell.counts else None for cell in row.cells]
        yield [row.display_name, None, None, row.email, None, *scores, row.current, row.overall]


# Moodle's import form maps a column to the user field of the same name ("Email address" to
# useremail), "<name> (Real)" to the grade item called <name>, and "<name> (Feedback)" to that
# item's feedback, by itself (in an English Moodle); every other choice is made by hand.
MOODLE_STUDENT_COLUMNS = ["Email address", "Full name"]
MOODLE_GRADE_SUFFIX = " (Real)"
MOODLE_FEEDBACK_SUFFIX = " (Feedback)"


def moodle_rows(gradebook: Gradebook) -> Iterator[list]:
    """The gradebook as Moodle's "Import grades: CSV file" reads it: the header, then exactly
    one row per student (Moodle takes every further line for a student); per assignment its
    final score and the grade's overall comment as feedback (on one line)."""
    header = list(MOODLE_STUDENT_COLUMNS)
    # Moodle refuses a file that maps two columns to one grade item: titles are made unique.
    for title in unique_titles([column.title for column in gradebook.columns]):
        header += [title + MOODLE_GRADE_SUFFIX, title + MOODLE_FEEDBACK_SUFFIX]
    yield header
    for row in gradebook.rows:
        line = [row.email, row.display_name]
        for cell in row.cells:
            line += [cell.final_score if cell.counts else None, " ".join(cell.comment.split())]
        yield line


def gradebook_lines(gradebook: Gradebook, export_format: ExportFormat) -> Iterator[list]:
    """The rows of the ``export_format`` file, read as they are written."""
    if export_format == ExportFormat.MOODLE:
        return moodle_rows(gradebook)
    return canvas_rows(gradebook)


def gradebook_csv(gradebook: Gradebook, export_format: ExportFormat) -> bytes:
    return csv_bytes(gradebook_lines(gradebook, export_format))


# One assignment, criterion by criterion ------------------------------------------------------


def criteria_rows(*, assignment: Assignment) -> list[list]:
    """The rows of ``criteria_lines``, as a list."""
    return list(criteria_lines(assignment=assignment))


def criteria_lines(*, assignment: Assignment) -> Iterator[list]:
    """One row per student who submitted: name, email, each rubric criterion's points and level
    (in rubric order; scores on criteria since removed from the rubric come after), the score,
    the late penalty and the final score. Read a chunk at a time; four queries."""
    criteria = list(
        Criterion.objects.filter(rubric__assignment=assignment)
        .order_by("position", "pk")
        .values("pk", "title")
    )
    submissions = (
        assignment.submissions.filter(
            submitted_at__isnull=False,
            student__memberships__course_id=assignment.course_id,
            student__memberships__role=Role.STUDENT,
        )
        .order_by(Lower("student__full_name"), "student__email")
        .values(
            "student_id", "student__email", "is_late", "grade__pk",
            "grade__state", "grade__score", "grade__points_possible", "grade__final_score",
            "grade__late_penalty_percent", "grade__penalty_override_percent",
            "grade__released_at", name=display_name_sql("student"),
        )
    )  # fmt: skip
    current = {c["pk"] for c in criteria}
    assignment_scores = CriterionScore.objects.filter(grade__submission__assignment=assignment)
    # Criteria scored but since taken off the rubric: the header needs them before any row.
    removed = set(
        assignment_scores.filter(Q(criterion__isnull=True) | ~Q(criterion_id__in=current))
        .values_list("position", "title")
        .distinct()
    )
    # The scores come in the submissions' order, only for those submissions: each grade's
    # scores are the run of lines at the head of the stream that are its own.
    lines = (
        assignment_scores.filter(
            grade__submission__submitted_at__isnull=False,
            grade__submission__student__memberships__course_id=assignment.course_id,
            grade__submission__student__memberships__role=Role.STUDENT,
        )
        .order_by(
            Lower("grade__submission__student__full_name"),
            "grade__submission__student__email",
            "position",
            "pk",
        )
        .values("grade_id", "criterion_id", "position", "title", "points", "level_title")
        .iterator(chunk_size=STREAM_CHUNK)
    )

    keys = [c["pk"] for c in criteria] + sorted(removed)
    titles = [c["title"] for c in criteria] + [f"{title} (removed)" for _, title in sorted(removed)]
    header = ["Student", "Email"]
    for title in titles:
        header += [f"{title}: points", f"{title}: level"]
    header += [
        "Score", "Points possible", "Late", "Late penalty (%)", "Late penalty (points)",
        "Final score", "Status",
    ]  # fmt: skip
    yield header
    pending = next(lines, None)
    for sub in submissions.iterator(chunk_size=STREAM_CHUNK):
        line = [sub["name"], sub["student__email"]]
        given: dict = {}
        while pending is not None and pending["grade_id"] == sub["grade__pk"]:
            key = pending["criterion_id"]
            given[key if key in current else (pending["position"], pending["title"])] = pending
            pending = next(lines, None)
        for key in keys:
            score = given.get(key)
            line += [score["points"], score["level_title"]] if score else [None, None]
        grade = None
        if sub["grade__pk"] is not None:
            grade = Grade(
                score=sub["grade__score"],
                late_penalty_percent=sub["grade__late_penalty_percent"],
                penalty_override_percent=sub["grade__penalty_override_percent"],
            )
        line += [
            sub["grade__score"],
            sub["grade__points_possible"] if grade else assignment.points,
            "yes" if sub["is_late"] else "no",
            grade.penalty_percent if grade else None,
            grade.penalty_points if grade and grade.score is not None else None,
            sub["grade__final_score"],
            _status(sub),
        ]
        yield line


def _status(sub: dict) -> str:
    if sub["grade__pk"] is None:
        return "Not graded yet"
    if sub["grade__state"] != Grade.State.COMPLETE:
        return "Grading in progress"
    return "Released" if sub["grade__released_at"] else "Graded, not released"
