"""Authoring assignments: saving one with its prompts and question bank, duplicating it into
another term, and granting per-student extensions.

Every workflow runs in one transaction: an assignment is never saved without its prompts and
question bank, and an extension grant to several students lands for all of them or for none.
"""

import zoneinfo
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db import transaction
from django.db.models import Count, Prefetch
from django.utils import timezone

from common.summaries import course_summary
from courses.models import Course, Membership

from .models import (
    DATE_FIELDS,
    Assignment,
    AssignmentReminderSettings,
    BankQuestion,
    Extension,
    Interview,
    ReflectionPrompt,
    Rubric,
    Submission,
)
from .reminders import Schedule, replan_later
from .rubrics import rubric_copy

DEFAULT_PROMPTS = (
    "What did you learn about the work, the field or the path into it?",
    "Does this career path still fit you? Why, or why not?",
    "What would you do differently in your next informational interview?",
)


@dataclass(frozen=True)
class PromptInput:
    """One reflection prompt as typed by the instructor; ``id`` names an existing prompt."""

    text: str
    id: int | None = None


@dataclass(frozen=True)
class QuestionInput:
    """One question of the bank as typed by the instructor; ``id`` names an existing one."""

    text: str
    group: str = BankQuestion.Group.ROLE
    is_behavioural: bool = False
    id: int | None = None


Group = BankQuestion.Group
DEFAULT_QUESTIONS = (
    QuestionInput("What does a typical day or week look like for you?", Group.ROLE),
    QuestionInput("What do you enjoy most about your work, and what least?", Group.ROLE),
    QuestionInput(
        "Tell me about a time you handled a difficult situation at work.",
        Group.ROLE,
        is_behavioural=True,
    ),
    QuestionInput("How did you get into this field?", Group.PATH),
    QuestionInput("Which skills or experiences helped you most to get where you are?", Group.PATH),
    QuestionInput(
        "How is your industry changing, and what will matter in five years?", Group.INDUSTRY
    ),
    QuestionInput("What advice would you give someone starting out?", Group.ADVICE),
    QuestionInput("Who else would you suggest I talk to?", Group.ADVICE),
)

# The order milestones happen in; a later one dated before an earlier one deserves a warning.
MILESTONE_ORDER = (
    ("contact_due_at", "Contact chosen by"),
    ("questions_due_at", "Questions prepared by"),
    ("interview_due_at", "Interview held by"),
    ("writeup_due_at", "Write-up due"),
)
DATE_FORMAT = "%a %-d %b %Y, %H:%M"


def format_in_zone(moment: datetime, zone_name: str) -> str:
    """``Fri 30 Apr 2027, 17:00 EDT``: wall time in ``zone_name``, for messages and help."""
    local = moment.astimezone(zoneinfo.ZoneInfo(zone_name))
    return f"{local.strftime(DATE_FORMAT)} {local.tzname()}"


def date_order_warnings(dates: dict[str, datetime | None], *, zone_name: str) -> list[str]:
    """Sentences describing milestones dated before the milestone that precedes them.

    Such dates are allowed (an instructor may want questions before the contact is final) but
    are usually a typing mistake, so they are pointed out rather than refused.
    """
    present = [(field, label, dates[field]) for field, label in MILESTONE_ORDER if dates[field]]
    warnings = []
    for (_, earlier_label, earlier), (_, later_label, later) in zip(
        present, present[1:], strict=False
    ):
        if earlier > later:
            first, second = format_in_zone(earlier, zone_name), format_in_zone(later, zone_name)
            warnings.append(
                f"“{earlier_label}” ({first}) is after “{later_label}” ({second}). "
                "Check the order of the milestones."
            )
    return warnings


def past_dates_at_publish(*, assignment: Assignment, now: datetime) -> list[str]:
    """Each of ``assignment``'s dates already past at ``now``, as "Write-up due (Fri 30 Apr
    2027, 17:00 EDT)" in the course's zone; empty when every date is still ahead."""
    labelled = (*MILESTONE_ORDER, ("cutoff_at", "Nothing accepted after"))
    zone_name = assignment.course.time_zone
    return [
        f"{label} ({format_in_zone(getattr(assignment, field), zone_name)})"
        for field, label in labelled
        if getattr(assignment, field) is not None and getattr(assignment, field) < now
    ]


@transaction.atomic
def assignment_publish(*, assignment: Assignment, by, now: datetime) -> Assignment:
    """Show ``assignment`` to the students of its course (``by``, an instructor, asked) and plan
    their reminders. Published once, it keeps its first publication moment."""
    assignment.state = Assignment.State.PUBLISHED
    assignment.published_at = assignment.published_at or now
    assignment.save(update_fields=["state", "published_at", "updated_at"])
    replan_later(assignment_id=assignment.pk)
    return assignment


@transaction.atomic
def assignment_unpublish(*, assignment: Assignment, by) -> Assignment:
    """Back to draft (``by``, an instructor, asked): students no longer see it and its reminders
    stop; their work is kept."""
    assignment.state = Assignment.State.DRAFT
    assignment.save(update_fields=["state", "updated_at"])
    replan_later(assignment_id=assignment.pk)
    return assignment


def _sync_rows(existing, rows: Sequence, build, update_fields: tuple[str, ...]) -> None:
    """Make ``existing`` (a related manager) hold exactly ``rows``, keeping the rows whose ids
    match so that what refers to them (students' picked questions, answers) stays attached.

    An id that is not one of ``existing`` (another assignment's, or made up) makes a new row.
    """
    current = {obj.pk: obj for obj in existing.all()}
    kept, changed, created = set(), [], []
    for position, row in enumerate(rows):
        values = {**build(row), "position": position}
        obj = current.get(row.id)
        if obj is None or obj.pk in kept:
            created.append(existing.model(**{existing.field.name: existing.instance}, **values))
            continue
        kept.add(obj.pk)
        if any(getattr(obj, field) != value for field, value in values.items()):
            for field, value in values.items():
                setattr(obj, field, value)
            changed.append(obj)
    existing.exclude(pk__in=kept).delete()
    if changed:
        existing.model.objects.bulk_update(changed, [*update_fields, "position"])
    if created:
        existing.model.objects.bulk_create(created)


def assignment_save(
    *,
    assignment: Assignment,
    prompts: Sequence[PromptInput],
    questions: Sequence[QuestionInput],
    reminders: Schedule | None = None,
) -> Assignment:
    """Save ``assignment`` (new or edited) with exactly these prompts and bank questions, in
    the order given. Returns the saved assignment."""
    with transaction.atomic():
        assignment.save()
        _sync_rows(
            assignment.prompts,
            prompts,
            lambda row: {"text": row.text},
            ("text",),
        )
        _sync_rows(
            assignment.bank_questions,
            questions,
            lambda row: {
                "text": row.text,
                "group": row.group,
                "is_behavioural": row.is_behavioural,
            },
            ("text", "group", "is_behavioural"),
        )
        if reminders is not None:
            AssignmentReminderSettings.objects.update_or_create(
                assignment=assignment,
                defaults={
                    "before_days": list(reminders.before_days),
                    "disabled_kinds": sorted(reminders.disabled_kinds),
                },
            )
        replan_later(assignment_id=assignment.pk)
    return assignment


def shift_moment(moment: datetime, *, by: timedelta, from_zone: str, to_zone: str) -> datetime:
    """``moment`` moved by ``by`` on the wall clock, as an aware UTC datetime.

    17:00 in ``from_zone`` becomes 17:00 in ``to_zone`` on the shifted day, whatever
    daylight-saving does in between. A wall time that does not exist there (the skipped hour)
    lands one hour later, in the first minute the clocks show it.
    """
    wall = moment.astimezone(zoneinfo.ZoneInfo(from_zone)).replace(tzinfo=None) + by
    return wall.replace(tzinfo=zoneinfo.ZoneInfo(to_zone)).astimezone(UTC)


def shift_to_due(assignment: Assignment, *, new_due: datetime, to_zone: str) -> timedelta:
    """The wall-clock shift that moves ``assignment``'s write-up due date to ``new_due``."""
    old = assignment.writeup_due_at.astimezone(zoneinfo.ZoneInfo(assignment.course.time_zone))
    new = new_due.astimezone(zoneinfo.ZoneInfo(to_zone))
    return new.replace(tzinfo=None) - old.replace(tzinfo=None)


# Fields that describe the copy itself rather than the assignment being reused.
NOT_COPIED = {"id", "course", "state", "published_at", "created_by", "created_at", "updated_at"}


def assignment_duplicate(
    *,
    assignment: Assignment,
    into: Course,
    shift: timedelta,
    created_by,
    title: str | None = None,
    now: datetime | None = None,
) -> Assignment:
    """A draft copy of ``assignment`` in ``into`` with every date moved by ``shift`` (wall
    clock, see ``shift_moment``), with the same prompts, question bank and a copy of its
    rubric. Extensions stay behind: they belong to last term's students."""
    source_zone = assignment.course.time_zone
    copy = Assignment(
        course=into,
        created_by=created_by,
        created_at=now or timezone.now(),
        state=Assignment.State.DRAFT,
    )
    for field in Assignment._meta.concrete_fields:
        if field.name not in NOT_COPIED and field.name not in DATE_FIELDS:
            setattr(copy, field.attname, getattr(assignment, field.attname))
    for field in DATE_FIELDS:
        moment = getattr(assignment, field)
        if moment is not None:
            moment = shift_moment(moment, by=shift, from_zone=source_zone, to_zone=into.time_zone)
        setattr(copy, field, moment)
    if title:
        copy.title = title
    with transaction.atomic():
        copy.save()
        ReflectionPrompt.objects.bulk_create(
            ReflectionPrompt(assignment=copy, position=p.position, text=p.text)
            for p in assignment.prompts.all()
        )
        BankQuestion.objects.bulk_create(
            BankQuestion(
                assignment=copy,
                group=q.group,
                text=q.text,
                is_behavioural=q.is_behavioural,
                position=q.position,
            )
            for q in assignment.bank_questions.all()
        )
        source_rubric = Rubric.objects.filter(assignment=assignment).first()
        if source_rubric is not None:
            # A copy, never shared: editing either rubric leaves the other as it was.
            rubric_copy(source=source_rubric, into=copy)
    return copy


def extension_grant(
    *,
    assignment: Assignment,
    students: Iterable,
    dates: dict[str, datetime | None],
    reason: str,
    granted_by,
    now: datetime | None = None,
) -> list[Extension]:
    """Give each of ``students`` these dates (None: the assignment's own) for ``reason``.

    A student who already has an extension gets it replaced by this one. Returns the
    extensions, one per student.
    """
    values = {field: dates.get(field) for field in DATE_FIELDS}
    granted = []
    with transaction.atomic():
        for student in students:
            extension, _ = Extension.objects.update_or_create(
                assignment=assignment,
                student=student,
                defaults={
                    **values,
                    "reason": reason,
                    "granted_by": granted_by,
                    "created_at": now or timezone.now(),
                },
            )
            granted.append(extension)
            replan_later(assignment_id=assignment.pk, student_id=extension.student_id)
    return granted


def extension_revoke(*, extension: Extension) -> None:
    """Take an extension back: the student's dates are the assignment's again."""
    with transaction.atomic():
        extension.delete()
        replan_later(assignment_id=extension.assignment_id, student_id=extension.student_id)


def students_with_work(assignment: Assignment) -> int:
    """How many students have planned an interview or written anything for ``assignment``."""
    with_interviews = Interview.objects.filter(assignment=assignment).values("student_id")
    with_writeups = Submission.objects.filter(assignment=assignment).values("student_id")
    with_interviews, with_writeups = with_interviews.order_by(), with_writeups.order_by()
    return len({row["student_id"] for row in with_interviews.union(with_writeups)})


@dataclass(frozen=True)
class AssignmentRow:
    """An assignment as one viewer sees it in a list: their dates, their write-up."""

    assignment: Assignment
    dates: object  # DueDates
    submission: Submission | None = None
    submitted_count: int | None = None


def course_home_context(*, membership: Membership) -> dict:
    """What a course's home (a courses page) shows of interviews: ``assignment_rows``."""
    return {"assignment_rows": assignments_for_viewer(membership=membership)}


def _submitted_counts(course_id: int) -> dict[int, int]:
    """How many write-ups of each of the course's assignments are submitted. One query."""
    lines = (
        Submission.objects.filter(assignment__course_id=course_id, submitted_at__isnull=False)
        .values("assignment_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {line["assignment_id"]: line["n"] for line in lines}


def assignments_for_viewer(*, membership: Membership) -> list[AssignmentRow]:
    """The assignments of the course of ``membership`` as its member sees them: every one with
    submission counts for staff, published ones with their own dates and write-up for a
    student. A fixed number of queries, however many assignments."""
    assignments = membership.course.assignments.all()
    if membership.is_staff:
        course_id = membership.course_id
        submitted = course_summary(
            course_id, "submitted-counts", lambda: _submitted_counts(course_id)
        )
        return [
            AssignmentRow(a, a.dates_for(None), submitted_count=submitted.get(a.pk, 0))
            for a in assignments
        ]
    student = membership.user_id
    assignments = assignments.published().prefetch_related(
        Prefetch("extensions", Extension.objects.filter(student_id=student), to_attr="mine"),
        Prefetch("submissions", Submission.objects.filter(student_id=student), to_attr="my_work"),
    )
    return [
        AssignmentRow(
            a,
            a.dates_for(a.mine[0] if a.mine else None),
            submission=a.my_work[0] if a.my_work else None,
        )
        for a in assignments
    ]
