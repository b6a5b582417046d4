"""Grading a write-up: saving a grade against the rubric, review, release, the comment bank.

A grade is saved whole (every criterion score with the comments) in one transaction, on top of
the revision the grader's page showed. When another grader saved in between, the save is
refused with GradeConflict and nothing is overwritten. Grades stay hidden from the student
until released; releasing one notifies its student.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from decimal import Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import (
    Case,
    CharField,
    Count,
    DecimalField,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce, Lag, Lead, RowNumber
from django.urls import reverse

from common.numbers import HUNDRED, number
from common.paging import PAGE_SIZES, Paged, Sorting, paged, sorting
from common.refused import Refused
from common.summaries import course_summary
from courses.models import Membership, Role
from notifications.notify import notify

from .hooks import grades_changed
from .models import (
    FOLLOW_UP_AFTER,
    FOLLOW_UP_UNTIL,
    THANK_YOU_WITHIN,
    Assignment,
    Criterion,
    CriterionScore,
    Grade,
    Interview,
    PreparedQuestion,
    Rubric,
    SavedComment,
    Submission,
    SubmissionVersion,
)
from .notices import Kind, grading_scope
from .summaries import work_changed

ZERO = Decimal("0")


class GradeConflict(Refused):
    """Someone saved this grade after the revision the grader started from: a revision
    conflict, which the page answers with who saved it and when, keeping the grader's input."""

    def __init__(self, grade: Grade):
        self.grade = grade
        self.saved_by = grade.graded_by
        self.saved_at = grade.graded_at or grade.updated_at
        self.revision = grade.revision
        who = self.saved_by.display_name if self.saved_by is not None else ""
        super().__init__(
            f"{who or 'Someone else'} saved this grade while you were working on it. "
            "Your input is kept here; nothing was overwritten."
        )


def criterion_field(criterion: Criterion | int) -> str:
    """The form field (and error key) of a criterion's level or points."""
    return f"criterion_{getattr(criterion, 'pk', criterion)}"


def comment_field(criterion: Criterion | int) -> str:
    return f"comment_{getattr(criterion, 'pk', criterion)}"


def rubric_of(assignment: Assignment) -> Rubric | None:
    """The assignment's rubric with its criteria and levels loaded (two queries), or None."""
    return Rubric.objects.filter(assignment=assignment).prefetch_related("criteria__levels").first()


def criteria_of(rubric: Rubric | None) -> list[Criterion]:
    return list(rubric.criteria.all()) if rubric is not None else []


def is_instructor(*, assignment: Assignment, user) -> bool:
    """Whether ``user`` instructs the assignment's course now."""
    return (
        Membership.objects.instructors().filter(course_id=assignment.course_id, user=user).exists()
    )


@dataclass(frozen=True)
class _Scored:
    criterion: Criterion
    level: object | None
    points: Decimal | None
    comment: str


def _validate(
    *,
    criteria: list[Criterion],
    levels: dict,
    points: dict,
    criterion_comments: dict,
    score: Decimal | None,
    penalty_override_percent: Decimal | None,
    penalty_override_reason: str,
    possible: Decimal,
) -> list[_Scored]:
    errors: dict[str, str] = {}
    scored = []
    for criterion in criteria:
        key = criterion_field(criterion)
        own_levels = {level.pk: level for level in criterion.levels.all()}
        level, value = None, None
        level_id = levels.get(criterion.pk)
        given = points.get(criterion.pk)
        if level_id not in (None, ""):
            try:
                level = own_levels.get(int(level_id))
            except (TypeError, ValueError):
                level = None
            if level is None:
                errors[key] = "Choose one of the levels listed for this criterion."
            else:
                value = level.points
        elif given is not None:
            if own_levels:
                errors[key] = "Choose one of the levels listed for this criterion."
            elif given < ZERO or given > criterion.points:
                errors[key] = f"Give from 0 to {number(criterion.points)} points."
            else:
                value = given
        comment = (criterion_comments.get(criterion.pk) or "").strip()
        scored.append(_Scored(criterion, level, value, comment))
    if not criteria and score is not None and not ZERO <= score <= possible:
        errors["score"] = f"Give a score from 0 to {number(possible)}."
    if penalty_override_percent is not None:
        if not ZERO <= penalty_override_percent <= HUNDRED:
            errors["penalty_override_percent"] = "Give a penalty from 0 to 100%."
        if not penalty_override_reason.strip():
            errors["penalty_override_reason"] = (
                "Say why the late penalty differs from the policy's; the student sees this."
            )
    if errors:
        raise ValidationError(errors)
    return scored


def grade_save(
    *,
    submission: Submission,
    grader,
    levels: dict[int, int] | None = None,
    points: dict[int, Decimal] | None = None,
    criterion_comments: dict[int, str] | None = None,
    overall_comment: str = "",
    private_note: str = "",
    score: Decimal | None = None,
    penalty_override_percent: Decimal | None = None,
    penalty_override_reason: str = "",
    expected_revision: int,
    now: datetime,
) -> Grade:
    """Save the grade of ``submission`` as the grader's form has it; returns the saved Grade.

    ``levels`` maps criterion ids to the chosen level id, ``points`` criterion ids to points
    for criteria without levels; ``score`` is used only when the assignment has no rubric.
    Raises ValidationError (keyed by form field, nothing saved) for points out of range, a
    level of another criterion, or a penalty override out of range or without a reason; raises
    GradeConflict when the grade was saved by someone else after ``expected_revision``.
    A released grade saved by someone whose grades need review is held back from the student
    until an instructor reviews it (``grade_review`` releases it again); saved by anyone else
    it stays released and the student sees the new version.
    """
    assignment = submission.assignment
    rubric = rubric_of(assignment)
    criteria = criteria_of(rubric)
    possible = rubric.total_points() if criteria else assignment.points
    scored = _validate(
        criteria=criteria, levels=levels or {}, points=points or {},
        criterion_comments=criterion_comments or {}, score=score,
        penalty_override_percent=penalty_override_percent,
        penalty_override_reason=penalty_override_reason, possible=possible,
    )  # fmt: skip
    instructor = is_instructor(assignment=assignment, user=grader)

    with transaction.atomic():
        # Lock the write-up, so two first saves of one grade cannot both create it.
        Submission.objects.select_for_update().filter(pk=submission.pk).first()
        grade = Grade.objects.filter(submission=submission).first()
        if grade is None:
            grade = Grade(submission=submission, created_at=now)
        elif grade.revision != expected_revision:
            raise GradeConflict(grade)

        if criteria:
            given = [s.points for s in scored if s.points is not None]
            grade.score = sum(given, ZERO) if given else None
            complete = len(given) == len(criteria)
        else:
            grade.score = score
            complete = score is not None
        grade.state = Grade.State.COMPLETE if complete else Grade.State.DRAFT
        grade.points_possible = possible
        grade.late_penalty_percent = submission.penalty_percent
        grade.penalty_override_percent = penalty_override_percent
        grade.penalty_override_reason = (
            penalty_override_reason.strip() if penalty_override_percent is not None else ""
        )
        grade.final_score = grade.compute_final_score()
        grade.overall_comment = overall_comment.strip()
        grade.private_note = private_note.strip()
        grade.graded_by, grade.graded_at = grader, now
        if assignment.require_review and not instructor:
            grade.needs_review = True
            grade.reviewed_by, grade.reviewed_at = None, None
            if grade.is_released:
                # Held back rather than left showing the last reviewed version: that would need
                # a snapshot of every score and comment, and a student would read (and could
                # ask to regrade) feedback staff no longer stand by. The review releases it again.
                grade.released_at, grade.released_by = None, None
                grade.held_for_review_at = now
        elif grade.needs_review:
            grade.needs_review = False
            grade.reviewed_by, grade.reviewed_at = grader, now
        grade.revision += 1
        grade.save()
        _save_scores(grade, scored)
        if instructor:  # an instructor's save is their review
            _release_again(grade, by=grader, now=now)
        grades_changed(grade_ids=[grade.pk], now=now)
    return grade


def _save_scores(grade: Grade, scored: list[_Scored]) -> None:
    """Keep one row per criterion that has a score or a comment; drop the rest (and rows of
    criteria removed from the rubric since: the grader has just graded against the new one)."""
    existing = {row.criterion_id: row for row in grade.scores.all()}
    keep = []
    for position, item in enumerate(scored):
        if item.points is None and not item.comment:
            continue
        criterion = item.criterion
        row = existing.get(criterion.pk) or CriterionScore(grade=grade, criterion=criterion)
        row.position, row.title = position, criterion.title
        row.level = item.level
        row.level_title = item.level.title if item.level else ""
        row.points, row.max_points, row.comment = item.points, criterion.points, item.comment
        row.save()
        keep.append(row.pk)
    grade.scores.exclude(pk__in=keep).delete()


def grade_review(*, grade: Grade, reviewer, now: datetime) -> Grade:
    """An instructor confirms the grade: it no longer waits for review. A grade that was held
    back from its student for this review is released to them again (and they are notified);
    ``grade.is_released`` says whether it is."""
    with transaction.atomic():
        Grade.objects.filter(pk=grade.pk).update(
            needs_review=False, reviewed_by=reviewer, reviewed_at=now
        )
        grade.needs_review, grade.reviewed_by, grade.reviewed_at = False, reviewer, now
        _release_again(grade, by=reviewer, now=now)
        work_changed(grade)
        grades_changed(grade_ids=[grade.pk], now=now)
    return grade


def _release_again(grade: Grade, *, by, now: datetime) -> bool:
    """Release a grade held back for review once it is reviewed and complete, notifying the
    student that it changed; False when it was not held back or is not releasable yet."""
    if grade.held_for_review_at is None or not grade.is_releasable:
        return False
    released = (
        Grade.objects.releasable()
        .filter(pk=grade.pk, held_for_review_at__isnull=False)
        .update(released_at=now, released_by=by, held_for_review_at=None)
    )
    if not released:
        return False
    grade.released_at, grade.released_by, grade.held_for_review_at = now, by, None
    grades_changed(grade_ids=[grade.pk], now=now)
    submission = grade.submission
    if _active_student_ids(submission.assignment, [submission.student_id]):
        _notify_released(grade, submission.assignment, submission.student_id, now, again=True)
    return True


def _notify_released(
    grade: Grade, assignment: Assignment, student_id: int, now: datetime, *, again: bool = False
):
    course = assignment.course
    if again:
        subject = f"Your grade and feedback were updated: {assignment.title}"
        body = (
            f"Your teacher has reviewed and released an updated grade and feedback on your "
            f"write-up for “{assignment.title}” in {course.title}."
        )
    else:
        subject = f"Your grade and feedback are ready: {assignment.title}"
        body = (
            f"Your teacher has released the grade and feedback on your write-up for "
            f"“{assignment.title}” in {course.title}."
        )
    # Released again after review only ever follows a new revision: one notice per revision.
    key = f"released:{grade.pk}:" + (
        f"revision-{grade.revision}" if again else f"{now:%Y%m%dT%H%M%S}"
    )
    notify(
        recipient_id=student_id,
        kind=Kind.FEEDBACK_RELEASED,
        key=key,
        subject=subject,
        body=body,
        url=reverse("interviews:feedback", args=[assignment.course_id, assignment.pk]),
        course_id=assignment.course_id,
        scope=grading_scope(assignment.pk),
        now=now,
    )


def _active_student_ids(assignment: Assignment, student_ids) -> set[int]:
    """Of ``student_ids``, those still in the course: withdrawn students are not notified
    (they can no longer open the course), though their grade is released all the same."""
    return set(
        Membership.objects.students()
        .filter(course_id=assignment.course_id, user_id__in=student_ids)
        .values_list("user_id", flat=True)
    )


def grade_release(*, grade: Grade, by, now: datetime) -> bool:
    """Show the grade to its student and notify them; False when it was already released.

    Refused while the grade is incomplete or waits for an instructor's review.
    """
    if grade.is_released:
        return False
    if not grade.is_complete:
        raise Refused("Not released. This grade is not complete: score every criterion first.")
    if grade.needs_review:
        raise Refused("Not released. An instructor must review this grade before it is released.")
    submission = grade.submission
    with transaction.atomic():
        released = (
            Grade.objects.releasable()
            .filter(pk=grade.pk)
            .update(released_at=now, released_by=by, held_for_review_at=None)
        )
        if not released:
            return False
        grade.released_at, grade.released_by, grade.held_for_review_at = now, by, None
        work_changed(grade)
        grades_changed(grade_ids=[grade.pk], now=now)
        if _active_student_ids(submission.assignment, [submission.student_id]):
            _notify_released(grade, submission.assignment, submission.student_id, now)
    return True


def grade_unrelease(*, grade: Grade, by, now: datetime) -> bool:
    """Hide a released grade from its student again; False when it was not released."""
    with transaction.atomic():
        hidden = Grade.objects.filter(pk=grade.pk, released_at__isnull=False).update(
            released_at=None, released_by=None
        )
        # Hidden on purpose: also no longer held for review, so a review does not release it.
        Grade.objects.filter(pk=grade.pk).update(held_for_review_at=None)
        grade.released_at, grade.released_by, grade.held_for_review_at = None, None, None
        if hidden:
            work_changed(grade)
            grades_changed(grade_ids=[grade.pk], now=now)
    return bool(hidden)


def feedback_release(*, assignment: Assignment, by, now: datetime) -> int:
    """Release every releasable grade of ``assignment`` (complete, reviewed where review is
    required) and notify each student; returns how many were released."""
    with transaction.atomic():
        # Locked, so two instructors pressing Release at once release (and notify) each once.
        grades = list(
            Grade.objects.releasable()
            .filter(submission__assignment=assignment)
            .select_related("submission")
            .select_for_update(of=("self",))
        )
        if not grades:
            return 0
        Grade.objects.filter(pk__in=[g.pk for g in grades]).update(
            released_at=now, released_by=by, held_for_review_at=None
        )
        work_changed(assignment)
        grades_changed(grade_ids=[g.pk for g in grades], now=now)
        active = _active_student_ids(assignment, [g.submission.student_id for g in grades])
        for grade in grades:
            grade.released_at, grade.released_by = now, by
            if grade.submission.student_id in active:
                _notify_released(grade, assignment, grade.submission.student_id, now)
    return len(grades)


def assignment_require_review(
    *, assignment: Assignment, required: bool, by=None, now: datetime | None = None
) -> int:
    """Turn instructor review of assistants' grades on or off; returns how many unreleased
    grades changed. Turning it on puts assistants' unreleased grades up for review; turning it
    off lets every complete grade be released, and releases again (as ``by``) the grades that
    were held back from their students for review."""
    Assignment.objects.filter(pk=assignment.pk).update(require_review=required)
    assignment.require_review = required
    work_changed(assignment)
    unreleased = Grade.objects.filter(submission__assignment=assignment, released_at__isnull=True)
    if not required:
        changed = unreleased.filter(needs_review=True).update(needs_review=False)
        # Grades held back for a review that is no longer required go back to their students.
        for grade in unreleased.filter(held_for_review_at__isnull=False).select_related(
            "submission__assignment__course"
        ):
            _release_again(grade, by=by, now=now or datetime.now(UTC))
        return changed
    instructors = Membership.objects.filter(
        course_id=assignment.course_id, role=Role.INSTRUCTOR, removed_at__isnull=True
    ).values("user_id")
    return (
        unreleased.filter(needs_review=False, graded_by__isnull=False)
        .exclude(graded_by__in=instructors)
        .update(needs_review=True)
    )


def prompt_answers(prompts, answers: dict) -> list[tuple[str, str]]:
    """(prompt, answer) for each reflection prompt; answers to prompts removed since the
    student submitted come last, so nothing they wrote is hidden from the grader."""
    answers = {str(key): str(value or "") for key, value in (answers or {}).items()}
    shown = [(prompt.text, answers.pop(str(prompt.pk), "")) for prompt in prompts]
    return shown + [
        ("A prompt removed after submission", text) for text in answers.values() if text
    ]


# The queue --------------------------------------------------------------------------------

FILTER_KEYS = ("all", "ungraded", "late", "mine", "review")
# The sortable columns, in the order the queue shows them. Each sorts by its own value, then by
# name from A (the name column by name alone, either way), and last by the write-up, so the
# order is total and the grading page's Previous / Next can walk it from any student.
QUEUE_SORT_LABELS = {
    "name": "Student",
    "submitted": "Submitted",
    "late": "Late",
    "status": "State",
    "score": "Score",
}
QUEUE_PAGE_SIZES = PAGE_SIZES
MAX_SEARCH = 100
# Write-ups without a score sort below the lowest score (a sort key is never NULL, so a row's
# neighbours are found by comparing its values).
NO_SCORE = Decimal("-1")


class Status:
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    GRADED = "graded"
    NEEDS_REVIEW = "needs_review"
    RELEASED = "released"
    LABELS = {
        NOT_STARTED: "Not started",
        IN_PROGRESS: "In progress",
        GRADED: "Graded",
        NEEDS_REVIEW: "Needs review",
        RELEASED: "Released",
    }
    # The "State" sort: as far as the work has got.
    ORDER = (NOT_STARTED, IN_PROGRESS, NEEDS_REVIEW, GRADED, RELEASED)


def _status() -> Case:
    """A write-up's ``Status`` in SQL, so the queue filters, counts and sorts by it."""
    return Case(
        When(grade__isnull=True, then=Value(Status.NOT_STARTED)),
        When(grade__released_at__isnull=False, then=Value(Status.RELEASED)),
        When(grade__needs_review=True, then=Value(Status.NEEDS_REVIEW)),
        When(grade__state=Grade.State.COMPLETE, then=Value(Status.GRADED)),
        default=Value(Status.IN_PROGRESS),
        output_field=CharField(),
    )


def _filter(key: str, viewer_id: int) -> Q | None:
    """The rows filter ``key`` keeps (None: all of them)."""
    return {
        "all": None,
        "ungraded": Q(q_status__in=(Status.NOT_STARTED, Status.IN_PROGRESS)),
        "late": Q(is_late=True),
        "mine": Q(grade__graded_by=viewer_id),
        "review": Q(q_status=Status.NEEDS_REVIEW),
    }[key]


# What each sort but the name's compares first (the q_ annotations are _queue_rows').
_SORT_FIELDS = {
    "submitted": "submitted_at",
    "late": "late_days",
    "status": "q_status_rank",
    "score": "q_score",
}


@dataclass(frozen=True)
class QueueChoice:
    """Which write-ups the queue lists, and in what order, as the grader chose them: a filter
    (``FILTER_KEYS``), a search by name or email, and a sort (``QUEUE_SORT_LABELS``)."""

    filter_key: str = "all"
    query: str = ""
    sort: str = "name"
    direction: str = "asc"

    @classmethod
    def of(cls, *, filter_key="", query="", sort="", direction="") -> "QueueChoice":
        """The choice asked for; an unknown filter or sort falls back to all, by name."""
        order = sorting(QUEUE_SORT_LABELS, sort, direction, default="name")
        return cls(
            filter_key=filter_key if filter_key in FILTER_KEYS else "all",
            query=(query or "").strip()[:MAX_SEARCH],
            sort=order.key,
            direction=order.direction,
        )

    @property
    def sorting(self) -> Sorting:
        return sorting(QUEUE_SORT_LABELS, self.sort, self.direction, default="name")

    @property
    def keys(self) -> list[tuple[str, bool]]:
        """(field, descending) in the order the rows are sorted."""
        descending = self.direction == "desc"
        by_name = ("q_name", "q_email", "pk")
        if self.sort == "name":
            return [(name, descending) for name in by_name]
        own = _SORT_FIELDS[self.sort]
        return [(own, descending), *((name, False) for name in by_name)]

    def order_by(self, *, reverse: bool = False) -> list[str]:
        return ["-" + name if desc != reverse else name for name, desc in self.keys]

    def window_order(self) -> list:
        return [F(name).desc() if desc else F(name).asc() for name, desc in self.keys]

    def condition(self, viewer_id: int) -> Q:
        """What a row must be for this filter and search to keep it."""
        kept = _filter(self.filter_key, viewer_id) or Q()
        if self.query:
            kept &= Q(student__full_name__icontains=self.query) | Q(
                student__email__icontains=self.query
            )
        return kept


def _student_membership(assignment: Assignment) -> QuerySet:
    return Membership.objects.filter(
        course_id=assignment.course_id, user_id=OuterRef("student_id"), role=Role.STUDENT
    )


def _submitted(assignment: Assignment) -> QuerySet:
    """Every submitted write-up of the course's students, withdrawn ones too, with its state:
    all the counts need, so they join nothing else."""
    return (
        Submission.objects.filter(assignment=assignment, submitted_at__isnull=False)
        .filter(Exists(_student_membership(assignment)))
        .annotate(q_status=_status())
    )


def _sortable(assignment: Assignment) -> QuerySet:
    """``_submitted`` with what the queue sorts by (``QueueChoice.keys``), and nothing more:
    the rows of a page, their neighbours and the rows before them are found on these alone."""
    return (
        _submitted(assignment)
        .annotate(
            q_name=F("student__full_name"),
            q_email=F("student__email"),
            q_score=Coalesce("grade__final_score", Value(NO_SCORE), output_field=DecimalField()),
        )
        .annotate(
            q_status_rank=Case(
                *(When(q_status=status, then=Value(n)) for n, status in enumerate(Status.ORDER)),
                output_field=IntegerField(),
            )
        )
    )


def _shown(assignment: Assignment, which: Q) -> dict[int, Submission]:
    """The few write-ups ``which`` picks (a page's) as the page shows them, by id: the student,
    the grade and its grader, whether the student is in the course or has left it; one query
    looking them up by id (not checking the class again)."""
    membership = _student_membership(assignment).order_by()
    rows = (
        Submission.objects.filter(assignment=assignment, submitted_at__isnull=False)
        .filter(which)
        .annotate(
            q_status=_status(),
            in_course=Exists(membership),
            member_removed_at=Subquery(membership.values("removed_at")[:1]),
        )
        .select_related("student", "grade", "grade__graded_by")
    )
    return {row.pk: row for row in rows if row.in_course}


@dataclass(frozen=True)
class QueueRow:
    """One submitted write-up in the grading queue."""

    submission: Submission
    grade: Grade | None
    is_removed: bool
    status: str

    @classmethod
    def of(cls, submission: Submission, assignment: Assignment) -> "QueueRow":
        submission.assignment = assignment
        return cls(
            submission=submission,
            grade=getattr(submission, "grade", None),
            is_removed=submission.member_removed_at is not None,
            status=submission.q_status,
        )

    @property
    def student(self):
        return self.submission.student

    @property
    def status_label(self) -> str:
        return Status.LABELS[self.status]


def queue_counts(
    *, assignment: Assignment, viewer, choice: "QueueChoice | None" = None
) -> dict[str, int]:
    """For the whole class: how many write-ups each filter (``FILTER_KEYS``) keeps, how many
    grades are ``releasable`` and how many complete ones are ``waiting_for_review``; with
    ``choice``, also how many it lists (``listed``). One query, remembered until the course's
    work changes (common/summaries.py)."""
    listing = "" if choice is None else f"{choice.filter_key}:{choice.query}"
    return course_summary(
        assignment.course_id,
        f"queue-counts:{assignment.pk}:{viewer.pk}:{listing}",
        lambda: _queue_counts(assignment=assignment, viewer=viewer, choice=choice),
    )


def _queue_counts(*, assignment: Assignment, viewer, choice: "QueueChoice | None") -> dict:
    counts = {key: Count("pk", filter=_filter(key, viewer.pk)) for key in FILTER_KEYS}
    if choice is not None:
        counts["listed"] = Count("pk", filter=choice.condition(viewer.pk) or None)
    return _submitted(assignment).aggregate(
        **counts,
        releasable=Count(
            "pk",
            filter=Q(
                grade__state=Grade.State.COMPLETE,
                grade__needs_review=False,
                grade__released_at__isnull=True,
            ),
        ),
        waiting_for_review=Count(
            "pk", filter=Q(q_status=Status.NEEDS_REVIEW, grade__state=Grade.State.COMPLETE)
        ),
    )


@dataclass(frozen=True)
class Queue:
    """One page of the queue as ``choice`` lists it, and the counts of the whole class."""

    choice: QueueChoice
    sorting: Sorting
    paged: Paged  # ``paged.page.paginator.count``: every write-up the choice lists
    rows: list[QueueRow]  # this page's
    counts: dict[str, int]  # queue_counts()

    @property
    def total(self) -> int:
        """Every submitted write-up of the class."""
        return self.counts["all"]

    @property
    def releasable(self) -> int:
        return self.counts["releasable"]

    @property
    def waiting_for_review(self) -> int:
        return self.counts["waiting_for_review"]


def grading_queue(
    *, assignment: Assignment, viewer, choice: QueueChoice | None = None, per="", page=""
) -> Queue:
    """Page ``page`` (of ``per`` rows) of the submitted write-ups of the course's students
    (withdrawn ones marked) that ``choice`` lists, in its order, with their grades; junk or
    out-of-range ``page``/``per`` fall back to the first or last page and 50. Three queries
    whatever the class size: the counts, this page's ids (sorted on the few columns the order
    needs), and this page's rows."""
    choice = choice or QueueChoice()
    counts = queue_counts(assignment=assignment, viewer=viewer, choice=choice)
    ids = (
        _sortable(assignment)
        .filter(choice.condition(viewer.pk))
        .order_by(*choice.order_by())
        .values_list("pk", flat=True)
    )
    shown = paged(ids, per=per, page=page, sizes=QUEUE_PAGE_SIZES, count=counts.pop("listed"))
    page_ids = shown.items
    found = _shown(assignment, Q(pk__in=page_ids)) if page_ids else {}
    return Queue(
        choice=choice,
        sorting=choice.sorting,
        paged=shown,
        rows=[QueueRow.of(found[pk], assignment) for pk in page_ids if pk in found],
        counts=counts,
    )


@dataclass(frozen=True)
class QueuePlace:
    """Where one write-up stands in the queue as a choice lists it."""

    row: QueueRow | None  # None: not in the queue (nobody's student in this course)
    previous: QueueRow | None
    following: QueueRow | None
    before: int  # how many listed write-ups come before it


def queue_place(
    *, assignment: Assignment, viewer, student_id: int, choice: QueueChoice
) -> QueuePlace:
    """``student_id``'s row in the queue, the rows just before and after it that ``choice``
    lists, in its order, and how many it lists before it. The student themself need not be
    listed: the one just graded is no longer "ungraded". Two queries whatever the class size:
    the neighbours (one pass of window functions over the list, in the database), then the
    three rows."""
    rows = _sortable(assignment)
    kept = choice.condition(viewer.pk)
    if kept:
        # Numbered with the list even when it leaves them out, so their neighbours are found.
        rows = rows.filter(kept | Q(student_id=student_id))
    order = choice.window_order()
    beside = (
        rows.annotate(
            after_student=Window(Lag("student_id"), order_by=order),
            before_student=Window(Lead("student_id"), order_by=order),
            position=Window(RowNumber(), order_by=order),
        )
        # Filtered after the windows are computed (Django puts the condition outside).
        .filter(Q(after_student=student_id) | Q(before_student=student_id))
        .values_list("pk", "after_student", "position")
    )
    previous = following = None
    before = 0  # the student's position is 1 + before
    for pk, after_student, position in beside:
        if after_student == student_id:
            following, before = pk, position - 2
        else:
            previous, before = pk, position
    found = _shown(assignment, Q(pk__in=[previous, following]) | Q(student_id=student_id))
    current = next((row for row in found.values() if row.student_id == student_id), None)
    if current is None:
        return QueuePlace(row=None, previous=None, following=None, before=0)
    return QueuePlace(
        row=QueueRow.of(current, assignment),
        previous=QueueRow.of(found[previous], assignment) if previous in found else None,
        following=QueueRow.of(found[following], assignment) if following in found else None,
        before=before,
    )


# The grading page -------------------------------------------------------------------------

# The practice the evidence is judged against (interviews.models.work), in days.
FOLLOW_UP_DAYS = (FOLLOW_UP_AFTER.days, FOLLOW_UP_UNTIL.days)
DAY = timedelta(days=1)


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


@dataclass(frozen=True)
class Judgement:
    """How a step was timed against the practice: ``text`` says it, ``kept`` is True when it
    kept to the practice, False when it did not, None when there is nothing to judge yet."""

    text: str
    kept: bool | None = None


def _days(count: int) -> str:
    return f"{count} day{'s' if count != 1 else ''}"


def _days_between(start: datetime, end: datetime, zone: tzinfo) -> int:
    """Calendar days from ``start`` to ``end`` in ``zone`` (the course's): what "3 days after"
    means to the people involved, whatever the clock change in between."""
    return (end.astimezone(zone).date() - start.astimezone(zone).date()).days


def thank_you_judgement(
    interview: Interview, *, now: datetime, zone: tzinfo = UTC
) -> Judgement | None:
    """The thank-you note against "within 24 hours of the interview" (days counted in
    ``zone``); None until the interview is held."""
    held, sent = interview.happened_at, interview.thank_you_sent_at
    if held is None:
        return None
    if sent is None:
        waited = now - held
        if waited <= THANK_YOU_WITHIN:
            return Judgement("Not sent yet; still within 24 h")
        days = _days_between(held, now, zone)
        return Judgement(f"Not sent ({_days(days)} since the interview)", kept=False)
    after = sent - held
    if after < timedelta(0):
        return Judgement("Logged as sent before the interview was held")
    if after <= THANK_YOU_WITHIN:
        return Judgement("Within 24 h", kept=True)
    if after < 2 * DAY:
        return Judgement(f"{after // timedelta(hours=1)} h after: later than 24 h", kept=False)
    return Judgement(f"{_days(_days_between(held, sent, zone))} after: later than 24 h", kept=False)


def follow_up_judgement(
    interview: Interview, *, now: datetime, zone: tzinfo = UTC
) -> Judgement | None:
    """The follow-up against "after one to two weeks without a reply" (days counted in
    ``zone``); None until the interview is held."""
    held, sent = interview.happened_at, interview.follow_up_sent_at
    if held is None:
        return None
    early, late = FOLLOW_UP_DAYS
    if sent is None:
        if interview.reply_received_at is not None:
            return Judgement("Not needed: they replied", kept=True)
        waited = _days_between(held, now, zone)
        if waited < early:
            return Judgement(f"No reply yet, no follow-up; not due before {early} days")
        return Judgement(
            f"No reply yet, no follow-up ({_days(waited)} since the interview)", kept=False
        )
    days = _days_between(held, sent, zone)
    if days <= 0:
        return Judgement("The same day: sooner than 1–2 weeks", kept=False)
    if days < early:
        return Judgement(f"After {_days(days)}: sooner than 1–2 weeks", kept=False)
    if days <= late:
        return Judgement(f"After {_days(days)}: within 1–2 weeks", kept=True)
    return Judgement(f"After {_days(days)}: later than 1–2 weeks", kept=False)


@dataclass(frozen=True)
class InterviewEvidence:
    """One interview as the rubric grades it. ``anchors`` maps a contact id to the id of the
    interview with that contact shown on the same page, so the referral chain can be followed."""

    interview: Interview
    bank_questions: list[PreparedQuestion]
    own_questions: list[PreparedQuestion]
    thank_you: Judgement | None
    follow_up: Judgement | None
    referrals: list
    anchors: dict[int, int]

    @property
    def contact(self):
        return self.interview.contact

    @property
    def question_count(self) -> int:
        return len(self.bank_questions) + len(self.own_questions)

    @property
    def referred_by_anchor(self) -> int | None:
        return self.anchors.get(self.interview.contact.referred_by_id)

    @property
    def referral_links(self) -> list[tuple[object, int | None]]:
        return [(contact, self.anchors.get(contact.pk)) for contact in self.referrals]


def interview_evidence(
    *, assignment: Assignment, student, now: datetime
) -> list[InterviewEvidence]:
    """Every interview ``student`` recorded for ``assignment``, with its contact, prepared
    questions, follow-through and outcome: three queries however many interviews there are."""
    interviews = list(
        Interview.objects.filter(assignment=assignment, student=student)
        .select_related("contact", "contact__referred_by")
        .prefetch_related(
            Prefetch(
                "questions", queryset=PreparedQuestion.objects.select_related("bank_question")
            ),
            "referrals",
        )
    )
    anchors = {interview.contact_id: interview.pk for interview in interviews}
    zone = _zone(assignment.course.time_zone)
    evidence = []
    for interview in interviews:
        questions = list(interview.questions.all())
        evidence.append(
            InterviewEvidence(
                interview=interview,
                bank_questions=[q for q in questions if q.bank_question is not None],
                own_questions=[q for q in questions if q.bank_question is None],
                thank_you=thank_you_judgement(interview, now=now, zone=zone),
                follow_up=follow_up_judgement(interview, now=now, zone=zone),
                referrals=list(interview.referrals.all()),
                anchors=anchors,
            )
        )
    return evidence


@dataclass
class GradingPage:
    """What the grading page of one write-up shows beside the grade form."""

    place: QueuePlace  # the row, and its neighbours in the queue as the grader chose it
    version: SubmissionVersion | None
    shown: Submission | SubmissionVersion
    answers: list[tuple[str, str]]
    attachments: list
    evidence: list[InterviewEvidence]
    saved_comments: list[SavedComment]

    @property
    def row(self) -> QueueRow | None:
        return self.place.row

    @property
    def previous(self) -> QueueRow | None:
        return self.place.previous

    @property
    def following(self) -> QueueRow | None:
        return self.place.following

    @property
    def is_removed(self) -> bool:
        return self.row.is_removed if self.row else False


def grading_page(
    *, submission: Submission, viewer, choice: QueueChoice, now: datetime
) -> GradingPage:
    """The write-up as submitted (its latest version), the student's interview evidence, its
    place in the queue as ``choice`` lists it and the viewer's comment bank; the number of
    queries does not grow with the class or the number of interviews."""
    assignment = submission.assignment
    student = submission.student
    version = submission.versions.prefetch_related("attachments").order_by("-number").first()
    # A write-up saved before versions were kept shows its submitted text as stored.
    shown = version or submission
    return GradingPage(
        place=queue_place(
            assignment=assignment, viewer=viewer, student_id=student.pk, choice=choice
        ),
        version=version,
        shown=shown,
        answers=prompt_answers(list(assignment.prompts.all()), shown.answers),
        attachments=list(version.attachments.all()) if version else [],
        evidence=interview_evidence(assignment=assignment, student=student, now=now),
        saved_comments=list(SavedComment.objects.filter(owner=viewer)),
    )


def require_grader(user) -> None:
    """The comment bank is for people who grade: staff of at least one course."""
    if not Membership.objects.staff().filter(user=user).exists():
        raise PermissionDenied("The comment bank is for the staff of a course.")


# The comment bank --------------------------------------------------------------------------

MAX_COMMENT = 2000


def _clean_text(text: str) -> str:
    text = (text or "").replace("\r\n", "\n").strip()
    if not text:
        raise Refused("Write the comment first.", field="text")
    if len(text) > MAX_COMMENT:
        raise Refused(f"Keep a saved comment under {MAX_COMMENT} characters.", field="text")
    return text


def saved_comment_add(*, owner, text: str, now: datetime) -> SavedComment:
    """Add ``text`` to ``owner``'s comment bank (the same text twice is kept once)."""
    text = _clean_text(text)
    existing = SavedComment.objects.filter(owner=owner, text=text).first()
    if existing is not None:
        return existing
    return SavedComment.objects.create(owner=owner, text=text, created_at=now)


def saved_comment_update(*, comment: SavedComment, text: str) -> SavedComment:
    comment.text = _clean_text(text)
    comment.save(update_fields=["text"])
    return comment


def saved_comment_delete(*, comment: SavedComment) -> None:
    comment.delete()


def saved_comment_use(*, comment: SavedComment) -> SavedComment:
    """Count one more use (the bank lists the most used first)."""
    SavedComment.objects.filter(pk=comment.pk).update(use_count=F("use_count") + 1)
    comment.use_count += 1
    return comment
