"""Authoring rubrics: criteria and their levels, the ready-made informational-interview rubric,
copying a rubric from another assignment, and CSV import and export.

Two rules hold after every change:

- A criterion with levels is worth its highest level (``Criterion.points`` follows it).
- When the rubric has criteria, the assignment is worth the rubric's total
  (``Assignment.points`` follows it), so the grade and the gradebook agree with the rubric.

Reuse is always a copy: the rows are new, so editing one assignment's rubric never changes
another's, nor a score already given (``CriterionScore`` keeps its own snapshot).
"""

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Count, Max, Q, QuerySet, Sum

from common.numbers import number
from common.ordering import renumber, swap_with_neighbour
from common.refused import Refused
from common.spreadsheets import NotCsvText, NotUtf8, csv_bytes, csv_text, unguarded
from courses.models import Membership

from .models import Assignment, Criterion, Grade, Level, Rubric
from .models.grading import CENT, ZERO

MAX_POINTS = Decimal("1000")  # one criterion or level
MAX_TOTAL = Decimal("9999.99")  # the most Assignment.points holds
MAX_CRITERIA = 30
MAX_LEVELS = 10
MAX_DESCRIPTION = 5000
IMPORT_MAX_BYTES = 1024 * 1024
IMPORT_MAX_ROWS = MAX_CRITERIA * MAX_LEVELS
CSV_COLUMNS = (
    "criterion",
    "criterion_description",
    "criterion_points",
    "level",
    "level_description",
    "level_points",
)


@dataclass(frozen=True)
class LevelInput:
    title: str
    points: Decimal
    description: str = ""


@dataclass(frozen=True)
class CriterionInput:
    """A criterion to create. With levels, ``points`` is ignored: the highest level counts."""

    title: str
    points: Decimal = ZERO
    description: str = ""
    levels: tuple[LevelInput, ...] = ()


# The ready-made rubric -------------------------------------------------------------------

TEMPLATE_TITLE = "Informational interview rubric"
TEMPLATE_SOURCE = "Rapport's ready-made informational-interview rubric"
LEVEL_NAMES = ("Exemplary", "Proficient", "Developing", "Beginning")
LEVEL_POINTS = (Decimal("20"), Decimal("15"), Decimal("10"), Decimal("5"))


def _criterion(title: str, description: str, *level_descriptions: str) -> CriterionInput:
    levels = tuple(
        LevelInput(name, points, text)
        for name, points, text in zip(LEVEL_NAMES, LEVEL_POINTS, level_descriptions, strict=True)
    )
    return CriterionInput(title, LEVEL_POINTS[0], description, levels)


TEMPLATE: tuple[CriterionInput, ...] = (
    _criterion(
        "Preparation and questions",
        "Research on the professional and their organisation before the interview, and the "
        "questions prepared for it.",
        "Researched the professional, their organisation and field beforehand (profile, "
        "company site, recent news), and it shows in the questions. Prepared open-ended "
        "questions that go beyond what a quick search answers, including at least one "
        "behavioural (STAR) question, in a sensible order.",
        "Researched the professional and the organisation. Questions are mostly open-ended "
        "and relevant; one or two could have been answered by a quick search or with a yes "
        "or no.",
        "Little sign of research. Questions are generic (they could be asked of anyone), "
        "several are closed yes/no questions, or there are too few to carry the conversation.",
        "No evidence of research, and few or no prepared questions, or questions unrelated to "
        "the person's work.",
    ),
    _criterion(
        "Professional conduct, thank-you and follow-up",
        "How the interview was requested and held, the thank-you note and the follow-up.",
        "Asked for the interview politely and clearly, was on time and kept to the agreed "
        "length. Sent a personal thank-you within 24–48 hours that names something specific "
        "they learned. Followed up once, politely, where it made sense (sharing an outcome, "
        "or asking about a suggested contact).",
        "Professional throughout. The thank-you went out within 48 hours but is generic, or a "
        "follow-up that was called for is missing.",
        "Some lapses: late, ran over time or unclear arrangements. The thank-you was sent "
        "after 48 hours or is very brief, or the follow-up was pushy or repeated.",
        "Unprofessional conduct, or no thank-you sent.",
    ),
    _criterion(
        "Depth of reflection",
        "How far the write-up goes beyond a summary of the conversation.",
        "Goes well beyond summarising: analyses what surprised them and what confirmed or "
        "challenged their assumptions, and why. Supports each point with specific examples "
        "or quotes from the interview.",
        "Reflects on what was learned, with some specific examples; the analysis of why it "
        "matters is brief in places.",
        "Mostly a summary of what the professional said, with little personal reflection or "
        "few specifics.",
        "Reflection missing, or only a few general statements not tied to the interview.",
    ),
    _criterion(
        "Career insight",
        "What the student learned about the career and how it connects to their own path.",
        "Connects what was learned to their own path: skills, values and interests that fit "
        "or do not, and how their view of the career changed. Names concrete next steps (a "
        "course, a skill to build, another person to talk to, an application) with a "
        "timeline.",
        "Connects the interview to their own plans and names at least one next step, though "
        "it could be more specific.",
        "Describes the career in general terms; the link to their own path is vague and next "
        "steps are missing or unrealistic.",
        "No connection between the interview and their own career thinking; no next steps.",
    ),
    _criterion(
        "Writing",
        "Organisation, clarity and correctness of the write-up.",
        "Clear and well organised (introduction, body, conclusion), each paragraph making one "
        "point. Professional tone, almost no errors in grammar, spelling or punctuation, and "
        "meets the length asked for.",
        "Organised and readable; a few errors or awkward passages that do not get in the way "
        "of meaning.",
        "Hard to follow in places; frequent errors sometimes obscure the meaning, or it falls "
        "short of the length asked for.",
        "Disorganised or very short; errors make it hard to understand.",
    ),
)


def rubric_sources_for(*, user, exclude: Assignment) -> QuerySet[Assignment]:
    """Assignments, in every course ``user`` instructs (archived ones too), whose rubric has
    criteria and can be copied; ``exclude`` is left out. Each carries ``criterion_count`` and
    ``rubric_total``."""
    instructed = Membership.objects.instructors().filter(user=user).values("course_id")
    return (
        Assignment.objects.filter(course_id__in=instructed, rubric__isnull=False)
        .exclude(pk=exclude.pk)
        .annotate(
            criterion_count=Count("rubric__criteria"),
            rubric_total=Sum("rubric__criteria__points"),
        )
        .filter(criterion_count__gt=0)
        .select_related("course", "rubric")
        .order_by("-course__created_at", "course_id", "writeup_due_at", "pk")
    )


def graded_count(assignment: Assignment) -> int:
    """How many of ``assignment``'s submissions already have a score (draft grades too)."""
    return (
        Grade.objects.filter(submission__assignment=assignment)
        .filter(Q(score__isnull=False) | Q(scores__isnull=False))
        .distinct()
        .count()
    )


def rubric_room(*, rubric: Rubric, criterion: Criterion | None = None) -> Decimal:
    """The most ``criterion`` (None: a new one) may be worth before the rubric's total passes
    what an assignment can be worth."""
    others = rubric.criteria.exclude(pk=criterion.pk if criterion else None)
    used = others.aggregate(total=Sum("points"))["total"] or ZERO
    return max(MAX_TOTAL - used, ZERO)


def _refuse_past_room(points: Decimal | None, room: Decimal) -> None:
    if points is not None and points > room:
        raise Refused(
            f"The rubric would then be worth more than {MAX_TOTAL} points in all, more than an "
            f"assignment can be worth. At most {number(room)} here.",
            field="points",
        )


def _refuse_same_title(criterion: Criterion, title: str, *, level: Level | None = None) -> None:
    others = criterion.levels.exclude(pk=level.pk if level else None)
    if others.filter(title__iexact=title).exists():
        raise Refused(
            f"“{title}” is already a level of this criterion: give each level its own title.",
            field="title",
        )


# Keeping the points right -----------------------------------------------------------------


def _locked(rubric: Rubric) -> None:
    """Serialise changes to one rubric (positions are renumbered, totals recomputed)."""
    Rubric.objects.select_for_update().filter(pk=rubric.pk).first()


def _settle(rubric: Rubric) -> None:
    """Make each criterion with levels worth its highest level, and the assignment worth the
    rubric's total (when the rubric has criteria)."""
    criteria = list(rubric.criteria.annotate(top=Max("levels__points")))
    stale = [c for c in criteria if c.top is not None and c.points != c.top]
    for criterion in stale:
        criterion.points = criterion.top
    if stale:
        Criterion.objects.bulk_update(stale, ["points"])
    rubric.save(update_fields=["updated_at"])
    if not criteria:
        return
    total = sum((c.points for c in criteria), ZERO)
    assignment = rubric.assignment
    if assignment.points != total:
        assignment.points = total
        assignment.save(update_fields=["points", "updated_at"])


def _create_criteria(
    rubric: Rubric, criteria: Sequence[CriterionInput], start: int = 0
) -> list[Criterion]:
    created = []
    for offset, item in enumerate(criteria):
        top = max((level.points for level in item.levels), default=item.points)
        criterion = Criterion.objects.create(
            rubric=rubric,
            position=start + offset,
            title=item.title,
            description=item.description,
            points=top,
        )
        Level.objects.bulk_create(
            Level(
                criterion=criterion,
                position=rank,
                title=level.title,
                description=level.description,
                points=level.points,
            )
            for rank, level in enumerate(item.levels)
        )
        created.append(criterion)
    return created


# The rubric as a whole --------------------------------------------------------------------


def rubric_create(*, assignment: Assignment, title: str) -> Rubric:
    """An empty rubric for ``assignment``; the one it already has is returned unchanged."""
    rubric, _ = Rubric.objects.get_or_create(assignment=assignment, defaults={"title": title})
    rubric.assignment = assignment
    return rubric


def rubric_update(*, rubric: Rubric, title: str) -> Rubric:
    rubric.title = title
    rubric.save(update_fields=["title", "updated_at"])
    return rubric


def rubric_delete(*, rubric: Rubric) -> None:
    """Delete the rubric. The assignment keeps its points; scores already given keep theirs."""
    rubric.delete()


def rubric_replace(
    *, assignment: Assignment, title: str, criteria: Sequence[CriterionInput], source: str = ""
) -> Rubric:
    """Give ``assignment`` a rubric with exactly ``criteria`` (its own is emptied first, or
    created). All or nothing. Returns the rubric."""
    with transaction.atomic():
        rubric, created = Rubric.objects.get_or_create(
            assignment=assignment, defaults={"title": title, "source": source[:300]}
        )
        rubric.assignment = assignment
        if not created:
            _locked(rubric)
            rubric.criteria.all().delete()
            rubric.title, rubric.source = title, source[:300]
            rubric.save(update_fields=["title", "source", "updated_at"])
        _create_criteria(rubric, criteria)
        _settle(rubric)
    return rubric


def rubric_adopt_template(*, assignment: Assignment) -> Rubric:
    """Replace ``assignment``'s rubric with the ready-made informational-interview rubric."""
    return rubric_replace(
        assignment=assignment, title=TEMPLATE_TITLE, criteria=TEMPLATE, source=TEMPLATE_SOURCE
    )


def criteria_of(rubric: Rubric) -> list[CriterionInput]:
    """``rubric``'s criteria and levels as plain data (to copy or compare them)."""
    return [
        CriterionInput(
            c.title,
            c.points,
            c.description,
            tuple(LevelInput(lv.title, lv.points, lv.description) for lv in c.levels.all()),
        )
        for c in rubric.criteria.prefetch_related("levels")
    ]


def source_label(assignment: Assignment) -> str:
    """“CAR 101 Career Exploration (Spring 2027) · Meet a professional”."""
    course = assignment.course
    term = f" ({course.term})" if course.term else ""
    return f"{course}{term} · {assignment.title}"


def rubric_copy(*, source: Rubric, into: Assignment) -> Rubric:
    """Replace ``into``'s rubric with a copy of ``source`` (new rows, nothing shared) and
    record where it came from."""
    if source.assignment_id == into.pk:
        raise ValueError("A rubric cannot be copied onto its own assignment.")
    return rubric_replace(
        assignment=into,
        title=source.title,
        criteria=criteria_of(source),
        source=source_label(source.assignment),
    )


# Criteria ----------------------------------------------------------------------------------


def criterion_add(
    *,
    rubric: Rubric,
    title: str,
    points: Decimal,
    description: str = "",
    levels: Sequence[LevelInput] = (),
) -> Criterion:
    """A new last criterion (with ``levels``, worth the highest of them). Refused past
    ``MAX_CRITERIA`` criteria, or when the rubric would be worth more than ``MAX_TOTAL``."""
    with transaction.atomic():
        _locked(rubric)
        if rubric.criteria.count() >= MAX_CRITERIA:
            raise Refused(f"A rubric has at most {MAX_CRITERIA} criteria.")
        _refuse_past_room(points, rubric_room(rubric=rubric))
        item = CriterionInput(title, points, description, tuple(levels))
        (criterion,) = _create_criteria(rubric, [item], start=rubric.criteria.count())
        _settle(rubric)
    return criterion


def criterion_update(
    *, criterion: Criterion, title: str, description: str, points: Decimal | None = None
) -> Criterion:
    """Rename and describe ``criterion``; ``points`` only counts when it has no levels, and is
    refused when the rubric would then be worth more than ``MAX_TOTAL``."""
    with transaction.atomic():
        _locked(criterion.rubric)
        typed_points = points is not None and not criterion.levels.exists()
        if typed_points:
            _refuse_past_room(points, rubric_room(rubric=criterion.rubric, criterion=criterion))
        criterion.title, criterion.description = title, description
        if typed_points:
            criterion.points = points
        criterion.save(update_fields=["title", "description", "points"])
        _settle(criterion.rubric)
    return criterion


def criterion_delete(*, criterion: Criterion) -> None:
    """Delete ``criterion`` and its levels; scores already given keep their snapshot."""
    rubric = criterion.rubric
    with transaction.atomic():
        _locked(rubric)
        criterion.delete()
        renumber(list(rubric.criteria.all()))
        _settle(rubric)


def criterion_move(*, criterion: Criterion, up: bool) -> bool:
    """Move ``criterion`` one place up or down; False when it is already first or last."""
    with transaction.atomic():
        _locked(criterion.rubric)
        moved = swap_with_neighbour(list(criterion.rubric.criteria.all()), criterion, up=up)
        if moved:
            criterion.rubric.save(update_fields=["updated_at"])
    return moved


# Levels -------------------------------------------------------------------------------------


def level_add(*, criterion: Criterion, title: str, points: Decimal, description: str = "") -> Level:
    """A new last level of ``criterion``; the criterion is then worth its highest level.
    Refused past ``MAX_LEVELS`` levels, for a title the criterion already has, and for points
    that would make the rubric worth more than ``MAX_TOTAL``."""
    with transaction.atomic():
        _locked(criterion.rubric)
        if criterion.levels.count() >= MAX_LEVELS:
            raise Refused(f"A criterion has at most {MAX_LEVELS} levels.")
        _refuse_same_title(criterion, title)
        _refuse_past_room(points, rubric_room(rubric=criterion.rubric, criterion=criterion))
        level = Level.objects.create(
            criterion=criterion,
            position=criterion.levels.count(),
            title=title,
            description=description,
            points=points,
        )
        _settle(criterion.rubric)
    return level


def level_update(*, level: Level, title: str, points: Decimal, description: str) -> Level:
    """Change ``level``; refused as ``level_add`` is (a title its criterion has, too many
    points)."""
    criterion = level.criterion
    with transaction.atomic():
        _locked(criterion.rubric)
        _refuse_same_title(criterion, title, level=level)
        _refuse_past_room(points, rubric_room(rubric=criterion.rubric, criterion=criterion))
        level.title, level.points, level.description = title, points, description
        level.save(update_fields=["title", "points", "description"])
        _settle(level.criterion.rubric)
    return level


def level_delete(*, level: Level) -> None:
    """Delete ``level``. The criterion is then worth its highest remaining level; without
    levels it keeps its points and is graded by typing points."""
    criterion = level.criterion
    with transaction.atomic():
        _locked(criterion.rubric)
        level.delete()
        renumber(list(criterion.levels.all()))
        _settle(criterion.rubric)


def level_move(*, level: Level, up: bool) -> bool:
    """Move ``level`` one place up or down; False when it is already first or last."""
    with transaction.atomic():
        _locked(level.criterion.rubric)
        moved = swap_with_neighbour(list(level.criterion.levels.all()), level, up=up)
        if moved:
            level.criterion.rubric.save(update_fields=["updated_at"])
    return moved


# CSV export ---------------------------------------------------------------------------------


def rubric_export_csv(*, rubric: Rubric) -> bytes:
    """The rubric as a CSV file (``csv_bytes``): one row per level, one row for a criterion
    without levels."""
    rows = [CSV_COLUMNS]
    for criterion in rubric.criteria.prefetch_related("levels"):
        head = [criterion.title, criterion.description, criterion.points]
        levels = list(criterion.levels.all())
        rows += [[*head, lv.title, lv.description, lv.points] for lv in levels] or [
            [*head, "", "", ""]
        ]
    return csv_bytes(rows)


# CSV import ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportProblem:
    """What is wrong, and where: ``line`` is the spreadsheet row (the header is line 1)."""

    message: str
    line: int | None = None
    column: str | None = None

    def __str__(self) -> str:
        where = []
        if self.line is not None:
            where.append(f"Line {self.line}")
        if self.column is not None:
            where.append(f"column {self.column}")
        return f"{', '.join(where)}: {self.message}" if where else self.message


class RubricFileRefused(Refused):
    """The file cannot be imported; nothing was changed. ``problems`` lists every reason found,
    each with its line and column, for the page to show one by one under the upload."""

    def __init__(self, problems: Sequence[ImportProblem]):
        # In file order; problems of the file as a whole (no line) last.
        self.problems = sorted(problems, key=lambda p: (p.line is None, p.line or 0))
        count = len(self.problems)
        super().__init__(
            f"The file was not imported: {count} problem{'' if count == 1 else 's'}, listed "
            "below. Nothing was changed; fix the file and upload it again.",
            field="file",
        )


def _file_problem(message: str, line: int | None = None) -> RubricFileRefused:
    return RubricFileRefused([ImportProblem(message, line)])


CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _decode(data: bytes) -> str:
    if len(data) > IMPORT_MAX_BYTES:
        raise _file_problem(
            "The file is larger than 1 MB. A rubric's CSV is far smaller: is this the right file?"
        )
    if not data.strip():
        raise _file_problem("The file is empty.")
    not_text = (
        "This is not a CSV text file. Save the rubric as CSV (comma-separated values) and "
        "upload that."
    )
    try:
        text = csv_text(data)
    except NotUtf8 as exc:
        raise _file_problem(
            "The file is not UTF-8 text (the first character that is not is on this line). In "
            "Excel choose “Save as → CSV UTF-8”, in Google Sheets “Download → CSV”.",
            exc.line,
        ) from exc
    except NotCsvText as exc:  # a NUL byte: a binary file, or text that is damaged
        raise _file_problem(not_text) from exc
    control = CONTROL_CHARACTERS.search(text)
    if control:
        raise _file_problem(not_text, text[: control.start()].count("\n") + 1)
    return text


def _unescape(cell: str) -> str:
    """Undo the formula guard of ``csv_bytes``, so an exported file imports back as it was."""
    return unguarded(cell).strip()


def _read_rows(text: str) -> list[tuple[int, dict[str, str]]]:
    """(line, {column: cell}) for each non-empty data row. Raises RubricFileRefused."""
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if "," not in first_line and ";" in first_line else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    line = 1
    try:
        header = [cell.strip().lower() for cell in next(reader)]
        missing = [column for column in CSV_COLUMNS if column not in header]
        if missing:
            raise _file_problem(
                f"The first row must name the columns {', '.join(CSV_COLUMNS)}; missing: "
                f"{', '.join(missing)}.",
                1,
            )
        index = {column: header.index(column) for column in CSV_COLUMNS}
        rows = []
        for cells in reader:
            line += 1
            if not any(cell.strip() for cell in cells):
                continue
            if len(rows) == IMPORT_MAX_ROWS:
                raise _file_problem(
                    f"The file has more than {IMPORT_MAX_ROWS} rows; a rubric has at most "
                    f"{MAX_CRITERIA} criteria of {MAX_LEVELS} levels.",
                    line,
                )
            values = {
                column: _unescape(cells[i]) if i < len(cells) else "" for column, i in index.items()
            }
            rows.append((line, values))
    except csv.Error as exc:
        raise _file_problem(f"The file could not be read as CSV: {exc}.", line + 1) from exc
    if not rows:
        raise _file_problem("The file has a header but no criteria.")
    return rows


def _parse_points(
    text: str, line: int, column: str, problems: list[ImportProblem]
) -> Decimal | None:
    """The points typed in a cell; None when empty or wrong (the reason joins ``problems``)."""
    if not text:
        return None
    typed = text.replace(",", ".") if "." not in text else text
    try:
        points = Decimal(typed)
    except InvalidOperation:
        points = None
    if points is None or not points.is_finite():
        problems.append(ImportProblem(f"“{text[:40]}” is not a number.", line, column))
        return None
    if points < 0:
        problems.append(ImportProblem(f"Points cannot be negative ({text}).", line, column))
        return None
    if points > MAX_POINTS:
        problems.append(ImportProblem(f"At most {MAX_POINTS} points ({text} given).", line, column))
        return None
    if points != points.quantize(CENT):
        problems.append(ImportProblem(f"At most two decimal places ({text}).", line, column))
        return None
    return points.quantize(CENT)


def _check_text(value: str, limit: int, line: int, column: str, what: str, problems) -> None:
    if len(value) > limit:
        problems.append(
            ImportProblem(f"The {what} is longer than {limit} characters.", line, column)
        )


def _group(rows, problems) -> list[list[tuple[int, dict[str, str]]]]:
    """Consecutive rows naming the same criterion, one list per criterion."""
    groups: list[list] = []
    first_seen: dict[str, int] = {}
    for line, row in rows:
        title = row["criterion"]
        if not title:
            problems.append(
                ImportProblem(
                    "The criterion's title is empty. Every row names its criterion, the rows "
                    "of its second and later levels too.",
                    line,
                    "criterion",
                )
            )
            continue
        if groups and groups[-1][0][1]["criterion"] == title:
            groups[-1].append((line, row))
            continue
        key = title.casefold()
        if key in first_seen:
            problems.append(
                ImportProblem(
                    f"“{title[:80]}” appears again after other criteria (first on line "
                    f"{first_seen[key]}). Keep the rows of a criterion together, or give "
                    "the criteria different titles.",
                    line,
                    "criterion",
                )
            )
            continue
        first_seen[key] = line
        groups.append([(line, row)])
    return groups


def _same_on_every_row(group, column: str, problems) -> tuple[str, int]:
    """The value a criterion's rows give ``column`` (later rows may leave it empty)."""
    value, where = "", group[0][0]
    for line, row in group:
        if not row[column]:
            continue
        if not value:
            value, where = row[column], line
        elif row[column] != value:
            problems.append(
                ImportProblem(f"Differs from line {where} for the same criterion.", line, column)
            )
    return value, where


def _parse_criterion(group, problems) -> CriterionInput | None:
    before = len(problems)
    first_line, first = group[0]
    title = first["criterion"]
    _check_text(title, 200, first_line, "criterion", "criterion's title", problems)
    description, where = _same_on_every_row(group, "criterion_description", problems)
    _check_text(
        description, MAX_DESCRIPTION, where, "criterion_description", "description", problems
    )
    points_text, where = _same_on_every_row(group, "criterion_points", problems)
    points = _parse_points(points_text, where, "criterion_points", problems)
    points_ok = len(problems) == before

    with_levels = [(line, row) for line, row in group if row["level"]]
    levels: list[LevelInput] = []
    level_lines: dict[str, int] = {}
    for line, row in group:
        if not row["level"]:
            if row["level_description"] or row["level_points"]:
                problems.append(
                    ImportProblem(
                        "The level's title is empty, but the row gives the level a description "
                        "or points.",
                        line,
                        "level",
                    )
                )
            elif with_levels:
                problems.append(
                    ImportProblem(
                        f"Empty, but other rows of “{title[:80]}” have levels: give every level "
                        "a title.",
                        line,
                        "level",
                    )
                )
            elif line != first_line:
                problems.append(
                    ImportProblem(
                        f"“{title[:80]}” has no levels, so it takes one row only (first on line "
                        f"{first_line}).",
                        line,
                        "criterion",
                    )
                )
            continue
        name = row["level"]
        _check_text(name, 100, line, "level", "level's title", problems)
        _check_text(
            row["level_description"],
            MAX_DESCRIPTION,
            line,
            "level_description",
            "description",
            problems,
        )
        if name.casefold() in level_lines:
            problems.append(
                ImportProblem(
                    f"“{name[:60]}” is already a level of this criterion (line "
                    f"{level_lines[name.casefold()]}); level titles differ within a criterion.",
                    line,
                    "level",
                )
            )
        level_lines.setdefault(name.casefold(), line)
        if len(level_lines) == MAX_LEVELS + 1:
            problems.append(
                ImportProblem(f"A criterion has at most {MAX_LEVELS} levels.", line, "level")
            )
        level_points = _parse_points(row["level_points"], line, "level_points", problems)
        if not row["level_points"]:
            problems.append(
                ImportProblem("Empty: every level needs its points.", line, "level_points")
            )
        elif level_points is not None and points is not None and level_points > points:
            problems.append(
                ImportProblem(
                    f"{number(level_points)} is above the criterion's points ({number(points)}).",
                    line,
                    "level_points",
                )
            )
            points_ok = False
        if level_points is not None:
            levels.append(LevelInput(name, level_points, row["level_description"]))

    if not with_levels and not points_text:
        problems.append(
            ImportProblem(
                "Empty: a criterion without levels needs its points.",
                first_line,
                "criterion_points",
            )
        )
    top = max((level.points for level in levels), default=None)
    if (
        points_ok
        and points is not None
        and top is not None
        and points != top
        and len(levels) == len(with_levels)
    ):
        problems.append(
            ImportProblem(
                f"{number(points)}, but the highest level is worth {number(top)}: a "
                "criterion with levels is worth its highest level. Make them equal, or leave "
                "criterion_points empty.",
                where,
                "criterion_points",
            )
        )
    if len(problems) > before:
        return None
    return CriterionInput(title, top if top is not None else points, description, tuple(levels))


def rubric_parse_csv(data: bytes) -> list[CriterionInput]:
    """The criteria a rubric CSV describes (the columns are ``CSV_COLUMNS``; one row per level,
    one row for a criterion without levels). Raises RubricFileRefused listing every problem
    found, each with its line and column where it has one."""
    rows = _read_rows(_decode(data))
    problems: list[ImportProblem] = []
    criteria = []
    for count, group in enumerate(_group(rows, problems), start=1):
        if count == MAX_CRITERIA + 1:
            problems.append(
                ImportProblem(
                    f"A rubric has at most {MAX_CRITERIA} criteria.", group[0][0], "criterion"
                )
            )
        criterion = _parse_criterion(group, problems)
        if criterion is not None:
            criteria.append(criterion)
    total = sum((c.points for c in criteria), ZERO)
    if not problems and total > MAX_TOTAL:
        problems.append(
            ImportProblem(
                f"The criteria are worth {number(total)} points in all; an assignment can "
                f"be worth at most {MAX_TOTAL}."
            )
        )
    if problems:
        raise RubricFileRefused(problems)
    return criteria


def rubric_import_csv(*, assignment: Assignment, data: bytes, filename: str = "") -> Rubric:
    """Replace ``assignment``'s criteria with those of a rubric CSV, all or nothing (a new
    rubric when it has none). Raises RubricFileRefused and then changes nothing."""
    criteria = rubric_parse_csv(data)
    existing = Rubric.objects.filter(assignment=assignment).first()
    title = existing.title if existing else f"Rubric for {assignment.title}"[:200]
    source = f"Imported from {filename}" if filename else "Imported from a CSV file"
    return rubric_replace(assignment=assignment, title=title, criteria=criteria, source=source)
