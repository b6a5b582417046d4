"""Read models for the progress pages: the class grid, one student's record, and the home page.

Each function loads what its page needs in a fixed number of queries, whatever the class size:
what covers the whole class (counts, filters, sorting) is SQL, and only the rows a page shows
are loaded and worked out in Python.
"""

import operator
import zoneinfo
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import reduce

from django.db.models import Case, Count, F, FilteredRelation, Prefetch, Q, Value, When
from django.db.models.functions import Coalesce

from common.paging import Paged, SortColumn, Sorting, paged, sorting
from common.summaries import course_summary, minute
from courses.models import Course, Membership, Role

from .milestones import MilestoneState, Status, milestone_states, status_field, with_statuses
from .models import (
    Assignment,
    DueDates,
    Extension,
    Interview,
    Milestone,
    ReflectionPrompt,
    Submission,
    SubmissionVersion,
)

UPCOMING_DAYS = 30
WALL_TIME_FORMAT = "%a %-d %b %Y, %H:%M"
# Statuses in the order the page counts and draws them.
STATUS_ORDER = (Status.DONE, Status.LATE, Status.MISSING, Status.NOT_DUE)


def wall_time(moment: datetime | None, zone_name: str) -> str:
    """``Tue 3 Mar 2027, 17:00 CET``: the moment as read on a clock in ``zone_name``."""
    if moment is None:
        return "—"
    try:
        zone = zoneinfo.ZoneInfo(zone_name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, TypeError):
        zone = zoneinfo.ZoneInfo("UTC")
    local = moment.astimezone(zone)
    return f"{local.strftime(WALL_TIME_FORMAT)} {local.tzname()}"


# The class grid ----------------------------------------------------------------------------


@dataclass
class StudentProgress:
    """One row of the grid: a student and where they stand on each milestone."""

    membership: Membership
    dates: DueDates
    extension: Extension | None
    states: dict[str, MilestoneState]
    submission: Submission | None
    cells: list["Cell"] = field(default_factory=list)  # one per column
    held: int = 0  # interviews held, shown where fewer than required

    @property
    def student(self):
        return self.membership.user

    @property
    def is_removed(self) -> bool:
        return not self.membership.is_active

    def matches(self, query: str) -> bool:
        query = query.casefold()
        return query in self.student.full_name.casefold() or query in self.student.email.casefold()


@dataclass(frozen=True)
class Segment:
    """One status's share of a milestone's bar; ``x`` and ``width`` are SVG percentages."""

    status: str
    label: str
    count: int
    x: str
    width: str


@dataclass(frozen=True)
class Cell:
    """A student's state under one column; ``moved`` when their date differs from the
    assignment's (an extension). ``state`` is None where they have no such date."""

    state: MilestoneState | None
    moved: bool


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    due: datetime | None  # the assignment's own date; extensions may move it per student


@dataclass
class MilestoneCount:
    key: str
    label: str
    due: datetime | None
    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def by_status(self) -> list[tuple[str, str, int]]:
        return [(s, Status.LABELS[s], self.counts[s]) for s in STATUS_ORDER]

    def segments(self) -> list[Segment]:
        total = self.total or 1
        segments, done = [], 0
        for status, label, count in self.by_status():
            if count:
                x, width = 100 * done / total, 100 * count / total
                segments.append(Segment(status, label, count, f"{x:.2f}%", f"{width:.2f}%"))
            done += count
        return segments

    def summary(self) -> str:
        """The bar in words, for screen readers."""
        parts = ", ".join(f"{count} {label.lower()}" for _, label, count in self.by_status())
        return f"{self.label}: {parts}"


# Sort keys of the grid. "status" sorts by the chosen milestone's status, so it is offered only
# once a milestone is chosen; "late" by days late on the write-up.
PROGRESS_SORT_LABELS = {"name": "Student", "status": "Status", "late": "Late write-up"}
_STATUS_RANK = Case(
    *(When(_status=status, then=Value(rank)) for rank, status in enumerate(STATUS_ORDER)),
    default=Value(len(STATUS_ORDER)),  # no date for this student: last
)


@dataclass
class ProgressTable:
    assignment: Assignment
    columns: list[Column]
    rows: list[StudentProgress]  # this page's students only
    counts: list[MilestoneCount]  # the whole class
    total: int  # the whole class (removed students only when included)
    removed_count: int
    students: Paged  # the page: position, links and the count of students matching the filters
    sorting: Sorting
    milestone: str = ""  # the milestone whose column sorts by status ("": none)

    @property
    def sorts(self) -> dict[str, SortColumn]:
        """The sortable column headers by key, for a template placing them among others."""
        return {column.key: column for column in self.sorting.columns}

    @property
    def matching(self) -> int:
        return self.students.page.paginator.count


def _by_student(rows) -> dict[int, list]:
    grouped = defaultdict(list)
    for row in rows:
        grouped[row.student_id].append(row)
    return grouped


def _whole_class_counts(students, *, assignment: Assignment, now: datetime) -> dict[str, int]:
    """How many of ``students`` stand at each status of each milestone (``"<milestone>_<status>"``,
    those without a date for it in none), how many there are and how many were removed. One
    query over the whole class."""
    counted = with_statuses(students, assignment=assignment, now=now).annotate(
        **{f"s_{m}": F(status_field(m)) for m in Milestone}
    )
    counts = {
        f"{m}_{status}": Count("pk", filter=Q(**{f"s_{m}": status}))
        for m in Milestone
        for status in STATUS_ORDER
    }
    return counted.aggregate(
        **counts,
        total=Count("pk"),
        removed=Count("pk", filter=Q(removed_at__isnull=False)),
    )


def _page_rows(
    memberships: list[Membership], *, assignment: Assignment, columns: list[Column], now: datetime
) -> list[StudentProgress]:
    """The grid's rows for the students on one page: three queries for their work."""
    ids = [m.user_id for m in memberships]
    extensions = {e.student_id: e for e in assignment.extensions.filter(student_id__in=ids)}
    interviews = _by_student(
        assignment.interviews.filter(student_id__in=ids).only(
            "assignment_id", "student_id", "status", "created_at", "questions_ready_at", "held_at"
        )
    )
    submissions = {
        s.student_id: s
        for s in assignment.submissions.filter(student_id__in=ids).only(
            "assignment_id",
            "student_id",
            "submitted_at",
            "is_late",
            "late_days",
            "penalty_percent",
        )
    }
    rows = []
    for membership in memberships:
        student_id = membership.user_id
        extension = extensions.get(student_id)
        dates = assignment.dates_for(extension)
        found = interviews.get(student_id, [])
        states = milestone_states(
            assignment=assignment,
            dates=dates,
            interviews=found,
            submission=submissions.get(student_id),
            now=now,
        )
        by_key = {state.key: state for state in states}
        rows.append(
            StudentProgress(
                membership=membership,
                dates=dates,
                extension=extension,
                states=by_key,
                submission=submissions.get(student_id),
                cells=[
                    Cell(state, moved=state is not None and state.due != column.due)
                    for column in columns
                    for state in [by_key.get(column.key)]
                ],
                held=sum(1 for i in found if i.status == Interview.Status.HELD),
            )
        )
    return rows


def assignment_progress(
    *,
    assignment: Assignment,
    now: datetime,
    include_removed: bool = False,
    milestone: str = "",
    status: str = "",
    query: str = "",
    sort: str = "",
    direction: str = "",
    per="",
    page="",
) -> ProgressTable:
    """One page of the assignment's students × every dated milestone, with counts for the
    whole class.

    Counts cover the whole class (removed students only when included); ``milestone``,
    ``status`` and ``query`` narrow the students listed, sorted by a whitelisted key and paged
    (junk ``sort``/``per``/``page`` fall back to name, 50 and the first or last page). The same
    queries whatever the class size: the counts, the filters and the sort are SQL; only the
    page's students are loaded.
    """
    students = Membership.objects.filter(course_id=assignment.course_id, role=Role.STUDENT)
    if not include_removed:
        students = students.active()
    # Statuses follow the clock (a date passes), so the minute is part of the summary's name.
    tally = course_summary(
        assignment.course_id,
        f"progress-counts:{assignment.pk}:{include_removed}:{minute(now)}",
        lambda: _whole_class_counts(students, assignment=assignment, now=now),
    )

    own = assignment.dates_for()
    columns = [
        Column(m.value, m.label, own.due(m))
        for m in Milestone
        if own.due(m) is not None or any(tally[f"{m}_{s}"] for s in STATUS_ORDER)
    ]
    counts = [
        MilestoneCount(c.key, c.label, c.due, {s: tally[f"{c.key}_{s}"] for s in STATUS_ORDER})
        for c in columns
    ]
    # A status sorts by one milestone's column, so only once a milestone with a column is chosen.
    sorted_milestone = milestone if milestone in {c.key for c in columns} else ""
    labels = dict(PROGRESS_SORT_LABELS)
    if sorted_milestone:
        labels["status"] = dict(Milestone.choices)[sorted_milestone]
    else:
        del labels["status"]
    order = sorting(labels, sort, direction, default="name")

    listed = students.search(query).select_related("user")
    if status or order.key == "status":
        listed = with_statuses(listed, assignment=assignment, now=now)
    if status:
        keys = [milestone] if milestone else [c.key for c in columns]
        listed = listed.filter(
            reduce(operator.or_, (Q(**{status_field(k): status}) for k in keys), Q(pk__in=[]))
        )
    by_name = ["user__full_name", "user__email", "pk"]
    if order.key == "status":
        listed = listed.alias(_status=F(status_field(sorted_milestone)), _rank=_STATUS_RANK)
        by_key = ["_rank"]
    elif order.key == "late":
        listed = listed.alias(
            _late=FilteredRelation(
                "user__submissions", condition=Q(user__submissions__assignment=assignment)
            ),
            _late_days=Coalesce(F("_late__late_days"), 0),
        )
        by_key = ["_late_days"]
    else:
        by_key, by_name = by_name, []
    # Ties under the chosen key go by name, A to Z.
    listed = listed.order_by(*[order.sign + f for f in by_key], *by_name)
    # Unfiltered, the page lists the whole class, already counted.
    unfiltered = not status and not (query or "").strip()
    shown = paged(listed, per=per, page=page, count=tally["total"] if unfiltered else None)
    return ProgressTable(
        assignment=assignment,
        columns=columns,
        rows=_page_rows(shown.items, assignment=assignment, columns=columns, now=now),
        counts=counts,
        total=tally["total"],
        removed_count=tally["removed"],
        students=shown,
        sorting=order,
        milestone=sorted_milestone,
    )


# One student's record ----------------------------------------------------------------------


@dataclass(frozen=True)
class PromptAnswer:
    prompt: str
    answer: str


@dataclass
class InterviewRecord:
    interview: Interview
    for_student: str
    for_professional: str


@dataclass
class StudentRecord:
    assignment: Assignment
    student: object
    membership: Membership
    dates: DueDates
    extension: Extension | None
    states: list[MilestoneState]
    interviews: list[InterviewRecord]
    submission: Submission | None
    versions: list[SubmissionVersion]
    answers: list[PromptAnswer]
    previous_student: object | None
    next_student: object | None

    @property
    def current_version(self) -> SubmissionVersion | None:
        return self.versions[0] if self.versions else None

    @property
    def is_removed(self) -> bool:
        return not self.membership.is_active


def _answers(prompts: list[ReflectionPrompt], answers: dict) -> list[PromptAnswer]:
    """Each prompt with the student's answer; answers to prompts since removed come last."""
    answers = {str(key): value for key, value in (answers or {}).items()}
    result = [PromptAnswer(p.text, str(answers.pop(str(p.pk), "") or "")) for p in prompts]
    result += [
        PromptAnswer("A prompt that was removed after submission", str(value))
        for value in answers.values()
        if value
    ]
    return result


def student_record(*, assignment: Assignment, student, now: datetime) -> StudentRecord:
    """Everything one student did for one assignment, for the course's staff."""
    students = Membership.objects.filter(course_id=assignment.course_id, role=Role.STUDENT)
    membership = students.select_related("user").get(user=student)
    # Step through the active students; a removed student's record steps through everyone.
    if membership.is_active:
        students = students.active()
    name, email = student.full_name, student.email
    before = Q(user__full_name__lt=name) | Q(user__full_name=name, user__email__lt=email)
    after = Q(user__full_name__gt=name) | Q(user__full_name=name, user__email__gt=email)
    neighbours = students.select_related("user")
    previous = neighbours.filter(before).order_by("-user__full_name", "-user__email").first()
    following = neighbours.filter(after).order_by("user__full_name", "user__email").first()

    extension = assignment.extensions.filter(student=student).select_related("granted_by").first()
    interviews = list(
        assignment.interviews.filter(student=student)
        .select_related("contact", "contact__referred_by")
        .prefetch_related("questions", "referrals")
    )
    submission = (
        assignment.submissions.filter(student=student)
        .prefetch_related(
            Prefetch(
                "versions",
                queryset=SubmissionVersion.objects.prefetch_related("attachments"),
            )
        )
        .first()
    )
    versions = list(submission.versions.all()) if submission else []
    dates = assignment.dates_for(extension)
    prompts = list(assignment.prompts.all())
    return StudentRecord(
        assignment=assignment,
        student=student,
        membership=membership,
        dates=dates,
        extension=extension,
        states=milestone_states(
            assignment=assignment,
            dates=dates,
            interviews=interviews,
            submission=submission,
            now=now,
        ),
        interviews=[
            InterviewRecord(
                interview=i,
                for_student=wall_time(i.starts_at, student.time_zone),
                for_professional=wall_time(i.starts_at, i.time_zone),
            )
            for i in interviews
        ],
        submission=submission,
        versions=versions,
        answers=_answers(prompts, versions[0].answers) if versions else [],
        previous_student=previous.user if previous else None,
        next_student=following.user if following else None,
    )


# The home page -----------------------------------------------------------------------------


@dataclass(frozen=True)
class DueItem:
    """A milestone of one assignment as it applies to the signed-in student."""

    course: Course
    assignment: Assignment
    state: MilestoneState
    extended: bool

    @property
    def due(self) -> datetime:
        return self.state.due


@dataclass(frozen=True)
class NextStep:
    course: Course
    assignment: Assignment
    interview: Interview

    @property
    def text(self) -> str:
        return self.interview.next_step().label


@dataclass(frozen=True)
class AssignmentLine:
    """One published assignment of a course the user teaches, with how many have submitted."""

    assignment: Assignment
    submitted: int
    students: int


@dataclass
class TaughtCourse:
    course: Course
    lines: list[AssignmentLine] = field(default_factory=list)


@dataclass
class Home:
    upcoming: list[DueItem]
    late: list[DueItem]
    next_steps: list[NextStep]
    teaching: list[TaughtCourse]
    is_student: bool

    @property
    def has_student_work(self) -> bool:
        return bool(self.upcoming or self.late or self.next_steps)


def home_context(*, user, now: datetime) -> dict:
    """What "My courses" (a courses page) shows of interviews: ``{"home": home_for(…)}``."""
    return {"home": home_for(user=user, now=now)}


def home_for(*, user, now: datetime, days: int = UPCOMING_DAYS) -> Home:
    """What ``user`` has coming up across all their courses, in seven queries at most.

    As a student: milestones due in the next ``days`` days (their own dates), milestones past
    due and not done while work is still accepted, and the next step of each active interview.
    As staff: per course, each published assignment with its count of submitted write-ups.
    Archived courses are over and left out.
    """
    memberships = list(
        Membership.objects.active()
        .filter(user=user, course__archived_at__isnull=True)
        .select_related("course")
        .order_by("course__title", "course__pk")
    )
    courses = {m.course_id: m.course for m in memberships}
    taking = {m.course_id for m in memberships if m.role == Role.STUDENT}
    teaching = [m.course for m in memberships if m.is_staff]
    assignments = list(
        Assignment.objects.published().filter(course_id__in=courses).order_by("writeup_due_at")
    )
    for assignment in assignments:
        assignment.course = courses[assignment.course_id]
    mine = [a for a in assignments if a.course_id in taking]

    upcoming, late, next_steps = [], [], []
    if mine:
        extensions = {
            e.assignment_id: e for e in Extension.objects.filter(student=user, assignment__in=mine)
        }
        interviews = _by_assignment(
            Interview.objects.filter(student=user, assignment__in=mine).select_related("contact")
        )
        submissions = {
            s.assignment_id: s for s in Submission.objects.filter(student=user, assignment__in=mine)
        }
        horizon = now + timedelta(days=days)
        for assignment in mine:
            dates = assignment.dates_for(extensions.get(assignment.pk))
            found = interviews.get(assignment.pk, [])
            for state in milestone_states(
                assignment=assignment,
                dates=dates,
                interviews=found,
                submission=submissions.get(assignment.pk),
                now=now,
            ):
                item = DueItem(assignment.course, assignment, state, dates.extended)
                if now <= state.due < horizon:
                    upcoming.append(item)
                elif state.status == Status.MISSING and dates.accepts_work(now):
                    late.append(item)
            next_steps += [NextStep(assignment.course, assignment, i) for i in found if i.is_active]

    lines = _assignment_lines([a for a in assignments if a.course_id not in taking])
    return Home(
        upcoming=sorted(upcoming, key=lambda item: item.due),
        late=sorted(late, key=lambda item: item.due),
        next_steps=next_steps,
        teaching=[TaughtCourse(c, lines.get(c.pk, [])) for c in teaching],
        is_student=bool(taking),
    )


def _by_assignment(rows) -> dict[int, list]:
    grouped = defaultdict(list)
    for row in rows:
        grouped[row.assignment_id].append(row)
    return grouped


def _assignment_lines(assignments: list[Assignment]) -> dict[int, list[AssignmentLine]]:
    """Per course: its published assignments with submitted / enrolled counts (two queries)."""
    if not assignments:
        return {}
    course_ids = {a.course_id for a in assignments}
    students = dict(
        Membership.objects.students()
        .filter(course_id__in=course_ids)
        .values("course_id")
        .annotate(n=Count("pk"))
        .values_list("course_id", "n")
    )
    # Only active students count, so "submitted" never exceeds "students".
    submitted = dict(
        Submission.objects.filter(assignment__in=assignments, submitted_at__isnull=False)
        .filter(
            student__memberships__course_id=F("assignment__course_id"),
            student__memberships__role=Role.STUDENT,
            student__memberships__removed_at__isnull=True,
        )
        .values("assignment_id")
        .annotate(n=Count("pk"))
        .values_list("assignment_id", "n")
    )
    lines = defaultdict(list)
    for assignment in assignments:
        lines[assignment.course_id].append(
            AssignmentLine(
                assignment,
                submitted.get(assignment.pk, 0),
                students.get(assignment.course_id, 0),
            )
        )
    return lines
