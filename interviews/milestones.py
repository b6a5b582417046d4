"""Where a student stands on each milestone of an assignment: done, late, missing or not due.

Pure functions over rows the caller has already loaded (one student's page, or the students
shown on a page), and the same rule in SQL (``with_statuses``) for what covers a whole class:
counts, filters and sorting by status. ``tests/interviews/test_milestones.py`` checks that the two
agree on a varied class.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import (
    Case,
    CharField,
    Count,
    DateTimeField,
    F,
    FilteredRelation,
    Q,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from .models import MILESTONE_FIELDS, Assignment, DueDates, Interview, Milestone, Submission


class Status:
    DONE = "done"
    LATE = "late"
    MISSING = "missing"
    NOT_DUE = "not_due"

    LABELS = {DONE: "Done", LATE: "Done late", MISSING: "Missing", NOT_DUE: "Not due yet"}
    BADGES = {
        DONE: "text-bg-success",
        LATE: "text-bg-warning",
        MISSING: "text-bg-danger",
        NOT_DUE: "text-bg-light border",
    }


@dataclass(frozen=True)
class MilestoneState:
    key: str
    label: str
    due: datetime
    done_at: datetime | None
    status: str

    @property
    def status_label(self) -> str:
        return Status.LABELS[self.status]

    @property
    def badge_class(self) -> str:
        return Status.BADGES[self.status]


def _nth(moments: list[datetime | None], n: int) -> datetime | None:
    """The moment the n-th of several things was done (None until n are done)."""
    done = sorted(m for m in moments if m is not None)
    return done[n - 1] if len(done) >= n else None


def completed_at(
    assignment: Assignment, interviews: list[Interview], submission: Submission | None
) -> dict[str, datetime | None]:
    """When each milestone was reached (None: not yet). Cancelled interviews do not count."""
    active = [i for i in interviews if i.status != Interview.Status.CANCELLED]
    n = assignment.required_interviews
    return {
        Milestone.CONTACT: _nth([i.created_at for i in active], n),
        Milestone.QUESTIONS: _nth([i.questions_ready_at for i in active], n),
        Milestone.INTERVIEW: _nth(
            [i.held_at for i in active if i.status == Interview.Status.HELD], n
        ),
        Milestone.WRITEUP: submission.submitted_at if submission else None,
    }


def milestone_states(
    *,
    assignment: Assignment,
    dates: DueDates,
    interviews: list[Interview],
    submission: Submission | None,
    now: datetime,
) -> list[MilestoneState]:
    """One state per dated milestone, in workflow order."""
    done = completed_at(assignment, interviews, submission)
    states = []
    for key, label, due in dates.milestones():
        done_at = done[key]
        if done_at is not None:
            late = submission.is_late if key == Milestone.WRITEUP else done_at > due
            status = Status.LATE if late else Status.DONE
        elif key == Milestone.INTERVIEW and submission is not None and submission.submitted_at:
            # Submitted with fewer interviews held than required: nothing more is coming.
            status = Status.MISSING
        else:
            status = Status.MISSING if now > due else Status.NOT_DUE
        states.append(MilestoneState(key, label, due, done_at, status))
    return states


# The same rule in SQL, for a whole class at once.
#
# A milestone reached by the n-th of several interviews is late when that n-th moment is after
# the due date, which is the same as "fewer than n were done by the due date": so two counts per
# student decide it, and no n-th value has to be found in SQL.
_DONE, _LATE, _MISSING = Value(Status.DONE), Value(Status.LATE), Value(Status.MISSING)
_DONE_WHEN = {
    Milestone.CONTACT: ("created_at", Q()),
    Milestone.QUESTIONS: ("questions_ready_at", Q()),
    Milestone.INTERVIEW: ("held_at", Q(_iv__status=Interview.Status.HELD)),
}


def status_field(milestone: str) -> str:
    """The name of the annotation ``with_statuses`` gives ``milestone``'s status."""
    return f"status_{milestone}"


def with_statuses(students, *, assignment: Assignment, now: datetime, user: str = "user"):
    """``students`` (rows reaching a user through ``user``, e.g. memberships) with an alias
    ``status_<milestone>`` for every milestone: the rule of ``milestone_states`` (NULL where the
    student has no date for it), with their extension applied. One grouped query, whatever the
    class size: filter or order on the statuses, or ``annotate(x=F(...))`` to select one."""
    n = assignment.required_interviews
    students = students.annotate(
        _iv=FilteredRelation(
            f"{user}__interviews",
            condition=Q(**{f"{user}__interviews__assignment": assignment})
            & ~Q(**{f"{user}__interviews__status": Interview.Status.CANCELLED}),
        ),
        _ext=FilteredRelation(
            f"{user}__extensions", condition=Q(**{f"{user}__extensions__assignment": assignment})
        ),
        _sub=FilteredRelation(
            f"{user}__submissions",
            condition=Q(**{f"{user}__submissions__assignment": assignment}),
        ),
    )
    statuses = {}
    for milestone in Milestone:
        field = MILESTONE_FIELDS[milestone]
        # An extension's empty date keeps the assignment's, as in Assignment.dates_for.
        due = f"_due_{milestone}"
        students = students.alias(
            **{
                due: Coalesce(
                    F(f"_ext__{field}"),
                    Value(getattr(assignment, field), output_field=DateTimeField()),
                )
            }
        )
        if milestone == Milestone.WRITEUP:
            reached = [When(_sub__submitted_at__isnull=False, _sub__is_late=True, then=_LATE)]
            reached.append(When(_sub__submitted_at__isnull=False, then=_DONE))
        else:
            moment, counted = _DONE_WHEN[milestone]
            done, on_time = f"_done_{milestone}", f"_on_time_{milestone}"
            students = students.alias(
                **{
                    done: Count("_iv", filter=counted & Q(**{f"_iv__{moment}__isnull": False})),
                    on_time: Count("_iv", filter=counted & Q(**{f"_iv__{moment}__lte": F(due)})),
                }
            )
            reached = [
                When(**{f"{done}__gte": n, f"{on_time}__lt": n}, then=_LATE),
                When(**{f"{done}__gte": n}, then=_DONE),
            ]
            if milestone == Milestone.INTERVIEW:
                # Submitted with fewer interviews held than required: nothing more is coming.
                reached.append(When(_sub__submitted_at__isnull=False, then=_MISSING))
        statuses[status_field(milestone)] = Case(
            When(**{f"{due}__isnull": True}, then=Value(None)),
            *reached,
            When(**{f"{due}__lt": now}, then=_MISSING),
            default=Value(Status.NOT_DUE),
            output_field=CharField(),
        )
    return students.alias(**statuses)
