"""Assignments, rubrics, write-ups and grades that the grading, rubric, feedback and gradebook
tests share (their fixtures are in conftest.py). Each test file keeps the data it asserts on:
the helpers differ where the tests need different numbers."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.utils import timezone

from accounts.models import User
from courses.enrolment import member_enrol
from interviews import rubrics
from interviews.models import (
    Assignment,
    Criterion,
    CriterionScore,
    Grade,
    Level,
    Rubric,
    Submission,
)
from interviews.rubrics import CriterionInput, LevelInput
from tests.factories import NOW

D = Decimal


# Grading (test_grading, test_grading_views; their rubric is factories.make_rubric)


def criteria(rubric):
    preparation, reflection, follow_up = rubric.criteria.order_by("position")
    return preparation, reflection, follow_up


def level(criterion, title):
    return criterion.levels.get(title=title)


# Building rubrics (test_rubrics, test_rubric_views)

HEADER = "criterion,criterion_description,criterion_points,level,level_description,level_points"


def rubric_assignment(course, title="Meet a professional", **fields) -> Assignment:
    """Published unless told otherwise, due in ten days."""
    return Assignment.objects.create(
        course=course,
        title=title,
        writeup_due_at=timezone.now() + timedelta(days=10),
        state=fields.pop("state", Assignment.State.PUBLISHED),
        **fields,
    )


def nine_point_rubric(assignment, *, described=True) -> Rubric:
    """Preparation (levels 5/3/1) and Writing (points only, 4): 9 points. Without
    ``described``, Preparation and its Strong level have no description."""
    return rubrics.rubric_replace(
        assignment=assignment,
        title="Interview rubric",
        criteria=[
            CriterionInput(
                "Preparation",
                description="Research and questions." if described else "",
                levels=(
                    LevelInput("Strong", D(5), "Open-ended questions." if described else ""),
                    LevelInput("Fair", D(3)),
                    LevelInput("Weak", D(1)),
                ),
            ),
            CriterionInput("Writing", D(4), "Clear and organised."),
        ],
    )


def points_of(assignment) -> Decimal:
    return Assignment.objects.get(pk=assignment.pk).points


# Feedback (test_feedback, test_feedback_views)

REASON = "The preparation criterion says Fair, but I sent my questions two days ahead."
PRIVATE = "Staff only: the student copied last year's structure"


def feedback_assignment(course, *, instructor) -> Assignment:
    """Due five days before NOW, worth 20 points, with a rubric of Preparation (10) and
    Reflection (10), each with Strong / Fair / Weak levels."""
    assignment = Assignment.objects.create(
        course=course, title="Meet a professional", state=Assignment.State.PUBLISHED,
        writeup_due_at=NOW - timedelta(days=5), points=Decimal("20"), created_by=instructor,
    )  # fmt: skip
    rubric = Rubric.objects.create(assignment=assignment, title="Interview rubric")
    for position, title in enumerate(("Preparation", "Reflection")):
        criterion = Criterion.objects.create(
            rubric=rubric, position=position, title=title, points=Decimal("10"),
            description=f"How well the {title.lower()} went.",
        )  # fmt: skip
        for rank, (name, points) in enumerate((("Strong", 10), ("Fair", 6), ("Weak", 2))):
            Level.objects.create(
                criterion=criterion, position=rank, title=name, points=Decimal(points),
                description=f"{name} {title.lower()}.",
            )  # fmt: skip
    return assignment


def feedback_submission(assignment, student, *, at=NOW - timedelta(days=4)) -> Submission:
    return Submission.objects.create(
        assignment=assignment, student=student, body="What I learned", word_count=3,
        revision=1, submitted_revision=1, submitted_at=at,
    )  # fmt: skip


def make_grade(submission, grader, *, released=False, levels=("Strong", "Fair"), **fields):
    """A complete grade of 16/20 with a 10% late penalty (final 14.40), one comment per
    criterion, an overall comment and a private note."""
    values = {
        "state": Grade.State.COMPLETE, "score": Decimal("16"), "points_possible": Decimal("20"),
        "late_penalty_percent": Decimal("10"), "final_score": Decimal("14.40"),
        "overall_comment": "A **thoughtful** reflection.", "private_note": PRIVATE,
        "graded_by": grader, "graded_at": NOW - timedelta(days=2),
        "released_at": NOW - timedelta(days=1) if released else None,
        "released_by": grader if released else None, **fields,
    }  # fmt: skip
    grade = Grade.objects.create(submission=submission, **values)
    rubric = getattr(submission.assignment, "rubric", None)
    if rubric is not None:
        for criterion, level_title in zip(rubric.criteria.all(), levels, strict=False):
            level = criterion.levels.get(title=level_title)
            CriterionScore.objects.create(
                grade=grade, criterion=criterion, position=criterion.position,
                title=criterion.title, level=level, level_title=level.title,
                points=level.points, max_points=criterion.points,
                comment=f"About {criterion.title.lower()}: see the notes.",
            )  # fmt: skip
    return grade


# The gradebook (test_gradebook, test_gradebook_views)

DUE = datetime(2027, 3, 15, 14, 0, tzinfo=UTC)


def gradebook_assignment(
    course, title="Informational interview", *, due=DUE, **fields
) -> Assignment:
    values = {"state": Assignment.State.PUBLISHED, "points": Decimal("20"), **fields}
    return Assignment.objects.create(course=course, title=title, writeup_due_at=due, **values)


def submitted(assignment, student, *, late=False) -> Submission:
    return Submission.objects.create(
        assignment=assignment, student=student, revision=1, submitted_revision=1,
        submitted_at=assignment.writeup_due_at + timedelta(days=2 if late else -1),
        is_late=late, late_days=2 if late else 0,
    )  # fmt: skip


def graded(
    assignment, student, final, *, released=False, complete=True, late=False, **fields
) -> Grade:
    """A submitted write-up with a grade whose final score is ``final``."""
    final = Decimal(final) if final is not None else None
    return Grade.objects.create(
        submission=submitted(assignment, student, late=late),
        state=Grade.State.COMPLETE if complete else Grade.State.DRAFT,
        score=final, final_score=final, points_possible=fields.pop("points_possible", None)
        or assignment.points, released_at=DUE if released else None, **fields,
    )  # fmt: skip


def enrol(course, email, name) -> User:
    user = User.objects.create_user(email=email, full_name=name)
    member_enrol(course=course, user=user)
    return user
