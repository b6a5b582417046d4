"""The course gradebook (every student × every published assignment, with totals, statistics
and the grade distribution) and its CSV exports: a whole-course file Canvas or Moodle imports,
and one assignment's scores per rubric criterion.

The page (``gradebook_page``) shows 50 or 100 students at a time, searched and sorted in SQL;
its statistics and counts are for the whole class, as SQL aggregates. The exports
(``gradebook_stream``) read the whole class a chunk at a time. Every read is a fixed number of
queries, so a class of 10,000 costs the same number of queries as a class of 10, and only the
rows shown or written are ever Python objects.

How ungraded work counts in the totals:

- A grade counts once it is complete ("Graded"), released to the student or not. Grades still
  in progress never count; with ``released_only`` only released grades count.
- ``current``: points earned over the points of the assignments that have a counting grade —
  where the student stands on what has been graded (Canvas calls this "Current Score").
- ``overall``: points earned over the points of every published assignment, so work missing or
  not graded yet counts as zero (Canvas's "Final Score").
"""

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from django.db import connection
from django.db.models import (
    Aggregate,
    BooleanField,
    Case,
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    FloatField,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.functions import Cast, Coalesce, Least, Lower, NullIf, Round, RowNumber
from django.urls import reverse

from accounts.models import display_name_sql
from common.numbers import number, percent
from common.paging import Paged, SortColumn, Sorting, paged, sorting
from common.spreadsheets import csv_bytes
from common.summaries import course_summary
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
    """A published assignment and, on the page, what its grades look like across the whole
    class (``gradebook_page``; the exports leave the statistics empty)."""

    assignment_id: int
    title: str
    points: Decimal
    due: datetime
    grading_url: str
    sort: SortColumn | None = None  # on the page: the link that sorts by this score
    graded: int = 0
    unreleased: int = 0  # of ``graded``, not released yet
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
    """Every student of the book (a list, or an iterator when an export streams)."""

    course: Course
    columns: list[Column]
    rows: list[Row]
    total_points: Decimal
    released_only: bool = False


@dataclass
class GradebookPage:
    """One page of students, with the statistics and counts of the whole class."""

    course: Course
    columns: list[Column]  # with the whole class's statistics
    rows: list[Row]  # this page's students
    students: Paged  # the page's position among the students matching the search
    sorting: Sorting
    headers: dict[str, SortColumn]  # the Student, Current and Overall sort links, by key
    total_points: Decimal
    class_size: int  # students in the book, whatever the search
    removed: int  # of them, removed from the course and kept for their graded work

    @property
    def unreleased(self) -> int:
        return sum(column.unreleased for column in self.columns)


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


def _row(
    member: dict,
    work_of: dict[int, dict],
    *,
    columns: list[Column],
    grade_urls: list[Callable[[int], str]],
    total_points: Decimal,
    released_only: bool,
    with_comments: bool,
) -> Row:
    """``member``'s row, from their work by assignment id."""
    student_id = member["user_id"]
    row = Row(
        student_id=student_id,
        display_name=member["name"],
        email=member["user__email"],
        is_removed=member["removed_at"] is not None,
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


def _rows(members: Iterable[dict], lines: Iterable[dict], **row_args) -> list[Row]:
    """The rows of ``members`` (in their order) from their ``lines`` of work (any order)."""
    work: dict[int, dict[int, dict]] = {}
    for line in lines:
        work.setdefault(line["student_id"], {})[line["assignment_id"]] = line
    return [_row(member, work.get(member["user_id"], {}), **row_args) for member in members]


def _published(course: Course) -> list[dict]:
    return list(
        Assignment.objects.published()
        .filter(course=course)
        .order_by("writeup_due_at", "pk")
        .values("pk", "title", "points", "writeup_due_at")
    )


def _in_book(course: Course, assignments: list[dict]):
    """The memberships of the students the book lists: the active ones, and removed ones who
    have a grade on a published assignment (kept for their graded work)."""
    graded = Submission.objects.filter(
        assignment_id__in=[a["pk"] for a in assignments], grade__isnull=False
    ).values("student_id")
    # IN, not a correlated EXISTS: PostgreSQL prices that EXISTS per member, and a price that
    # high has it compile every query of the book just in time (20 ms to 0.9 s at 10,000).
    return Membership.objects.filter(course=course, role=Role.STUDENT).filter(
        Q(removed_at__isnull=True) | Q(user_id__in=graded)
    )


_BY_NAME = (Lower("user__full_name"), "user__email")
_MEMBER_FIELDS = ("user_id", "removed_at", "user__email")


def _students(course: Course, assignments: list[dict]):
    return (
        _in_book(course, assignments)
        .order_by(*_BY_NAME)
        .values(*_MEMBER_FIELDS, name=display_name_sql("user"))
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


def _row_args(
    course: Course, columns: list[Column], *, released_only: bool, with_comments: bool
) -> dict:
    """What ``_row`` needs besides the student and their work."""
    return {
        "columns": columns,
        "grade_urls": _grade_urls(course, columns),
        "total_points": sum((column.points for column in columns), ZERO),
        "released_only": released_only,
        "with_comments": with_comments,
    }


def gradebook_for(
    *, course: Course, released_only: bool = False, with_comments: bool = False
) -> Gradebook:
    """Every student of ``course`` × every published assignment (ordered by due date), at once
    and without statistics: the rows ``gradebook_stream`` writes, read another way (what the
    streamed exports are checked and measured against).

    Students: the active ones, plus removed ones who have a grade on a published assignment
    (marked ``is_removed``), by name. ``released_only`` counts only released grades (what
    students already see); ``with_comments`` also reads each counting grade's overall comment.
    Three queries, whatever the size of the class.
    """
    assignments = _published(course)
    columns = _columns(course, assignments)
    args = _row_args(course, columns, released_only=released_only, with_comments=with_comments)
    lines = _work(assignments, with_comments=with_comments) if assignments else ()
    return Gradebook(
        course=course,
        columns=columns,
        rows=_rows(_students(course, assignments), lines, **args),
        total_points=args["total_points"],
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
    args = _row_args(course, columns, released_only=released_only, with_comments=with_comments)

    def rows() -> Iterator[Row]:
        # The work comes in the students' order, only for the book's students: each student's
        # work is the run of lines at the head of the stream that are theirs.
        lines: Iterator[dict] = iter(())
        if assignments:
            lines = (
                _work(assignments, with_comments=with_comments)
                .filter(student__in=_in_book(course, assignments).values("user_id"))
                .order_by(Lower("student__full_name"), "student__email", "assignment_id")
                .iterator(chunk_size=STREAM_CHUNK)
            )
        line = next(lines, None)
        for member in _students(course, assignments).iterator(chunk_size=STREAM_CHUNK):
            work_of = {}
            while line is not None and line["student_id"] == member["user_id"]:
                work_of[line["assignment_id"]] = line
                line = next(lines, None)
            yield _row(member, work_of, **args)

    return Gradebook(
        course=course,
        columns=columns,
        rows=rows(),  # type: ignore[arg-type]
        total_points=args["total_points"],
        released_only=released_only,
    )


# The page: a page of students, the whole class's statistics ----------------------------------

SORT_DEFAULT = "name"


def _score() -> Case:
    """A counting grade's final score as its cell shows it (``_cell``): on the assignment's
    points now, rounded to the cent, when it was graded out of other points."""
    final, points = F("grade__final_score"), F("assignment__points")
    possible = F("grade__points_possible")
    rescaled = final * points / possible
    if connection.vendor != "postgresql":
        # SQLite keeps whole numbers as integers, and would make 7 × 20 / 15 a 9.
        rescaled = Cast(final * points, FloatField()) / Cast(possible, FloatField())
    return Case(
        When(grade__points_possible=points, then=final),
        When(grade__points_possible=0, then=final),
        default=Round(rescaled, 2),
        output_field=DecimalField(max_digits=12, decimal_places=2),
    )


def _counting(assignments: list[dict]):
    """Submissions on these assignments whose grade counts on the page (complete, with a final
    score, released or not), as ``_cell`` decides it."""
    return Submission.objects.filter(
        assignment_id__in=[a["pk"] for a in assignments],
        grade__state=_COMPLETE,
        grade__final_score__isnull=False,
    ).order_by()


class _Median(Aggregate):
    """PostgreSQL's median: the middle value, or halfway between the two middle ones (as
    ``statistics.median``). percentile_cont works in double precision; back in numeric with
    three decimals (exact: a median of cents has at most three), it rounds to the cent as
    Python does."""

    function = "PERCENTILE_CONT"
    template = "CAST(%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s) AS NUMERIC(12, 3))"
    output_field = DecimalField(max_digits=12, decimal_places=3)


def _middle_scores(graded) -> dict[int, list[Decimal]]:
    """The portable median (SQLite has no percentile_cont): each assignment's middle score, or
    its two middle scores, in one query whatever the number of assignments."""
    ranked = (
        graded.annotate(score=_score())
        .annotate(
            place=Window(RowNumber(), partition_by=F("assignment_id"), order_by=F("score").asc()),
            size=Window(Count("pk"), partition_by=F("assignment_id")),
        )
        .filter(place__gte=(F("size") + 1) / 2, place__lte=(F("size") + 2) / 2)
    )
    middles: dict[int, list[Decimal]] = {}
    for assignment_id, score in ranked.values_list("assignment_id", "score"):
        middles.setdefault(assignment_id, []).append(score)
    return middles


def _bin() -> Case:
    """Which bar of the distribution a score falls in, in whole cents so that SQLite's floating
    point puts a score on a boundary (15 of 20) where Python's decimals do: 100 % (or more)
    joins the 90s, and every score of an assignment worth nothing is in the last bar."""
    cents = Cast(Round(F("score") * 100), IntegerField())
    whole = Cast(Round(F("assignment__points") * 100), IntegerField())
    return Case(
        When(assignment__points=0, then=Value(BINS - 1)),
        default=Least(cents * BINS / NullIf(whole, 0), Value(BINS - 1)),
        output_field=IntegerField(),
    )


def _medians(graded) -> dict[int, Decimal]:
    """Each assignment's median score: percentile_cont on PostgreSQL; elsewhere the middle
    score, or the mean of the two middle ones."""
    if connection.vendor == "postgresql":
        lines = (
            graded.alias(score=_score()).values("assignment_id").annotate(median=_Median("score"))
        )
        return {line["assignment_id"]: line["median"] for line in lines}
    return {key: sum(middle, ZERO) / len(middle) for key, middle in _middle_scores(graded).items()}


_STATISTICS = ("graded", "unreleased", "average", "median", "lowest", "highest", "bins")


def _statistics(course: Course, assignments: list[dict]) -> dict[int, dict]:
    """Each assignment's statistics over the whole book: how many grades count, their average,
    median, lowest and highest, the distribution and how many are unreleased. Two queries:
    one line per assignment and bar (each score's bar is worked out once, which is several
    times cheaper than a count per bar), then the medians."""
    graded = _counting(assignments).filter(
        student__in=_in_book(course, assignments).values("user_id")
    )
    bars = (
        graded.alias(score=_score())
        .annotate(bar=_bin())
        .values("assignment_id", "bar")
        .annotate(
            graded=Count("pk"),
            total=Sum("score"),
            lowest=Min("score"),
            highest=Max("score"),
            unreleased=Count("pk", filter=Q(grade__released_at__isnull=True)),
        )
    )
    found: dict[int, dict] = {}
    for bar in bars:
        line = found.setdefault(
            bar["assignment_id"],
            {"graded": 0, "unreleased": 0, "total": ZERO, "bins": [0] * BINS, "lowest": None,
             "highest": None},
        )  # fmt: skip
        line["bins"][bar["bar"]] = bar["graded"]
        line["graded"] += bar["graded"]
        line["unreleased"] += bar["unreleased"]
        line["total"] += bar["total"]
        lowest, highest = bar["lowest"], bar["highest"]
        line["lowest"] = lowest if line["lowest"] is None else min(line["lowest"], lowest)
        line["highest"] = highest if line["highest"] is None else max(line["highest"], highest)
    medians = _medians(graded) if found else {}
    for key, line in found.items():
        line["average"] = (line.pop("total") / line["graded"]).quantize(CENT, ROUND_HALF_UP)
        line["median"] = medians[key].quantize(CENT, ROUND_HALF_UP)
    return found


def _column_statistics(course: Course, assignments: list[dict], columns: list[Column]) -> None:
    """Fill in each column's statistics (``_statistics``), remembered until the course's work
    changes (common/summaries.py)."""
    found = course_summary(
        course.pk, "gradebook-statistics", lambda: _statistics(course, assignments)
    )
    for column in columns:
        for name, value in found.get(column.assignment_id, {}).items():
            setattr(column, name, value)


def _score_key(key: str, assignments: list[dict]):
    """What sorting by ``key`` ("score-<id>", "current" or "overall") orders the students by,
    as an expression on a membership; None where the student has no such score."""
    theirs = _counting(assignments).filter(student=OuterRef("user_id"))
    if key.startswith("score-"):
        one = theirs.filter(assignment_id=int(key.removeprefix("score-")))
        return Subquery(one.values(score=_score())[:1])
    totals = theirs.alias(score=_score()).values("student")
    if key == "current":  # earned over the points graded, as Row.current
        # In floating point: SQLite divides whole numbers as integers (31 / 40 = 0).
        earned, graded = (Cast(Sum(name), FloatField()) for name in ("score", "assignment__points"))
        share = earned / NullIf(graded, Value(0.0))
        return Subquery(totals.annotate(key=share).values("key"))
    # Overall divides what was earned by the same points for everyone: earned orders it.
    earned = Subquery(totals.annotate(key=Sum("score")).values("key"))
    return Coalesce(earned, Value(ZERO), output_field=DecimalField())


def _order_by(order: Sorting, assignments: list[dict]) -> list:
    if order.key == SORT_DEFAULT:
        if order.direction == "desc":
            return [Lower("user__full_name").desc(), "-user__email"]
        return list(_BY_NAME)
    key = _score_key(order.key, assignments)
    # Missing scores last either way; equal ones by name.
    first = key.desc(nulls_last=True) if order.direction == "desc" else key.asc(nulls_last=True)
    return [first, *_BY_NAME]


def _sort_labels(columns: list[Column]) -> dict[str, str]:
    return {
        SORT_DEFAULT: "Student",
        **{f"score-{column.assignment_id}": "Score" for column in columns},
        "current": "Current",
        "overall": "Overall",
    }


def gradebook_page(
    *, course: Course, query: str = "", sort: str = "", direction: str = "", per="", page=""
) -> GradebookPage:
    """One page of the book's students matching ``query`` (name or email), sorted by name, an
    assignment's score, Current or Overall (missing scores last, then by name); junk or
    out-of-range ``page``/``per``/``sort`` fall back to the first or last page, 50, name. The
    statistics, the number of students and of unreleased grades are the whole class's. Seven
    queries whatever the size of the class."""
    assignments = _published(course)
    columns = _columns(course, assignments)
    order = sorting(_sort_labels(columns), sort, direction, default=SORT_DEFAULT)
    sort_links = {column.key: column for column in order.columns}
    for column in columns:
        column.sort = sort_links.pop(f"score-{column.assignment_id}")
    book = _in_book(course, assignments)
    counts = course_summary(
        course.pk,
        "gradebook-students",
        lambda: book.aggregate(
            students=Count("pk"), removed=Count("pk", filter=Q(removed_at__isnull=False))
        ),
    )
    students = paged(
        book.search(query)
        .order_by(*_order_by(order, assignments))
        .values(*_MEMBER_FIELDS, name=display_name_sql("user")),
        per=per,
        page=page,
        # Unsearched, the page lists the whole book, already counted.
        count=None if query.strip() else counts["students"],
    )
    members = students.items
    args = _row_args(course, columns, released_only=False, with_comments=False)
    rows: list[Row] = []
    if assignments:
        lines = _work(assignments, with_comments=False).filter(
            student_id__in=[member["user_id"] for member in members]
        )
        rows = _rows(members, lines, **args)
        _column_statistics(course, assignments, columns)
    return GradebookPage(
        course=course,
        columns=columns,
        rows=rows,
        students=students,
        sorting=order,
        headers=sort_links,
        total_points=args["total_points"],
        class_size=counts["students"],
        removed=counts["removed"],
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
