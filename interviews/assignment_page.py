"""The assignment page's data: one read function per page, returning a dataclass.

``assignment_page`` builds what the staff or the student version of the page shows; the view
only checks permission and renders it. The number of queries does not depend on the class.
"""

from dataclasses import dataclass, fields
from datetime import datetime

from django.urls import reverse

from courses.models import Membership

from .authoring import MILESTONE_ORDER, date_order_warnings, students_with_work
from .milestones import milestone_states
from .models import Assignment, AttachmentType, BankQuestion, DueDates, Interview, Submission


@dataclass(frozen=True)
class AssignmentPage:
    """What both versions show: the prompts, the question bank and what may be attached."""

    assignment: Assignment
    prompts: list
    bank: list[tuple[str, list[BankQuestion]]]
    has_behavioural: bool
    attachment_labels: list[str]
    dates: DueDates

    def context(self) -> dict:
        """The page's fields as template variables."""
        return {field.name: getattr(self, field.name) for field in fields(self)}


@dataclass(frozen=True)
class StaffAssignmentPage(AssignmentPage):
    date_warnings: list[str]
    students_with_work: int
    extension_count: int
    progress_url: str


@dataclass(frozen=True)
class StudentAssignmentPage(AssignmentPage):
    extension: object
    states: list
    accepts_work: bool
    interviews: list[tuple[Interview, str]]
    active_interviews: int
    submission: Submission | None
    plan_url: str
    writeup_url: str


def assignment_page(
    *, assignment: Assignment, viewer, membership: Membership, now: datetime
) -> StaffAssignmentPage | StudentAssignmentPage:
    """The assignment as ``viewer`` (whose membership of the course is ``membership``) sees it:
    the course dates and what needs the staff's attention, or the student's own dates,
    interviews and write-up."""
    questions = list(assignment.bank_questions.all())
    bank = [
        (label, [q for q in questions if q.group == group])
        for group, label in BankQuestion.Group.choices
        if any(q.group == group for q in questions)
    ]
    shared = {
        "assignment": assignment,
        "prompts": list(assignment.prompts.all()),
        "bank": bank,
        "has_behavioural": any(q.is_behavioural for q in questions),
        "attachment_labels": [
            AttachmentType(t).label
            for t in assignment.attachment_types
            if t in AttachmentType.values
        ],  # fmt: skip
    }
    course = assignment.course
    if membership.is_staff:
        return StaffAssignmentPage(
            **shared,
            dates=assignment.dates_for(None),
            date_warnings=date_order_warnings(
                {field: getattr(assignment, field) for field, _ in MILESTONE_ORDER},
                zone_name=course.time_zone,
            ),
            students_with_work=students_with_work(assignment),
            extension_count=assignment.extensions.count(),
            progress_url=reverse("interviews:progress", args=[course.pk, assignment.pk]),
        )
    student = viewer
    extension = assignment.extension_for(student)
    dates = assignment.dates_for(extension)
    interviews = list(assignment.interviews.filter(student=student).select_related("contact"))
    submission = assignment.submissions.filter(student=student).first()
    return StudentAssignmentPage(
        **shared,
        dates=dates,
        extension=extension,
        states=milestone_states(
            assignment=assignment,
            dates=dates,
            interviews=interviews,
            submission=submission,
            now=now,
        ),
        accepts_work=dates.accepts_work(now),
        interviews=[
            (i, reverse("interviews:interview_detail", args=[course.pk, assignment.pk, i.pk]))
            for i in interviews
        ],
        active_interviews=sum(1 for i in interviews if i.is_active),
        submission=submission,
        plan_url=reverse("interviews:interview_create", args=[course.pk, assignment.pk]),
        writeup_url=reverse("interviews:writeup", args=[course.pk, assignment.pk]),
    )
