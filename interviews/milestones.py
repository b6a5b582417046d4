"""Where a student stands on each milestone of an assignment: done, late, missing or not due.

Pure functions over rows the caller has already loaded, so a page for 200 students costs the
same few queries as a page for 10.
"""

from dataclasses import dataclass
from datetime import datetime

from .models import Assignment, DueDates, Interview, Milestone, Submission


class Status:
    DONE = "done"
    LATE = "late"
    MISSING = "missing"
    NOT_DUE = "not_due"

    LABELS = {DONE: "Done", LATE: "Done late", MISSING: "Missing", NOT_DUE: "Not due yet"}


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
