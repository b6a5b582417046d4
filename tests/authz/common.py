"""Shared pieces of the authorization walk (tests/test_authorization.py): the actors, the
status shorthands, and the grading objects every grading page of the walk is tried on.

Each area's expectations live in a part module next to this one (``rubrics``, ``grading``,
``feedback``, ``gradebook``, ``insights``); the walk merges their EXPECTED, EFFECTIVE_POSTS,
POST_DATA, KWARGS, OTHER_COURSE_KWARGS and CLASSMATE_KWARGS into its own tables.
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from interviews.models import (
    Criterion,
    CriterionScore,
    FeedbackMessage,
    Grade,
    Level,
    RegradeRequest,
    Rubric,
    SavedComment,
    Submission,
)

__all__ = [
    "ACTORS",
    "LOGIN",
    "REFUSED",
    "POST_ONLY",
    "SIGNED_IN",
    "PRIVATE_NOTE",
    "everyone",
    "signed_in",
    "course_page",
    "member_page",
    "staff_page",
    "instructor_page",
    "own_page",
    "student_work_page",
    "walk_rubric",
    "student_grade",
    "classmate_grade",
    "other_grade",
    "grading_rows",
]

ACTORS = (
    "anonymous",
    "outsider",
    "student",
    "classmate",
    "assistant",
    "instructor",
    "other_instructor",
)
LOGIN = "login"  # a redirect to the sign-in page that comes back here
REFUSED = {LOGIN, 403, 404, 405}


def everyone(status) -> dict:
    return dict.fromkeys(ACTORS, status)


def signed_in(status, **overrides) -> dict:
    """Anonymous visitors are sent to sign in; everyone signed in gets ``status``."""
    return {**everyone(status), "anonymous": LOGIN, **overrides}


def course_page(*, student, assistant, instructor) -> dict:
    """Outsiders and other courses' staff get 404: a course's existence is not revealed."""
    return {
        "anonymous": LOGIN,
        "outsider": 404,
        "other_instructor": 404,
        "student": student,
        "classmate": student,
        "assistant": assistant,
        "instructor": instructor,
    }


def member_page(status) -> dict:
    return course_page(student=status, assistant=status, instructor=status)


def staff_page(status) -> dict:
    return course_page(student=403, assistant=status, instructor=status)


def instructor_page(status) -> dict:
    return course_page(student=403, assistant=403, instructor=status)


def own_page(status) -> dict:
    """A student's own contact: nobody else learns it exists."""
    return signed_in(404, student=status)


def student_work_page(status) -> dict:
    """The student's own interview pages: classmates and outsiders get 404; the course's staff
    get 403 (they see interviews on the student record of their course)."""
    return {**course_page(student=status, assistant=403, instructor=403), "classmate": 404}


POST_ONLY = signed_in(405)  # login_required wraps require_POST, so anonymous still signs in


SIGNED_IN = set(ACTORS) - {"anonymous"}

PRIVATE_NOTE = "Staff only: compare with last term's write-up"


def make_rubric(assignment) -> Rubric:
    """Two criteria with three levels each, worth 10 points in all."""
    rubric = Rubric.objects.create(assignment=assignment, title="Interview rubric")
    for position, title in enumerate(("Preparation", "Reflection")):
        criterion = Criterion.objects.create(
            rubric=rubric, position=position, title=title, points=Decimal("5")
        )
        for rank, (name, points) in enumerate((("Strong", 5), ("Fair", 3), ("Weak", 1))):
            Level.objects.create(
                criterion=criterion, position=rank, title=name, points=Decimal(points)
            )
    return rubric


def make_grade(submission, grader, *, released=False, score="8") -> Grade:
    """A complete grade with a private note and a per-criterion score (released or not)."""
    now = timezone.now()
    assignment = submission.assignment
    grade = Grade.objects.create(
        submission=submission, state=Grade.State.COMPLETE, score=Decimal(score),
        final_score=Decimal(score), points_possible=assignment.points, graded_by=grader,
        graded_at=now, overall_comment="Well prepared.", private_note=PRIVATE_NOTE,
        released_at=now if released else None, released_by=grader if released else None,
    )  # fmt: skip
    rubric = getattr(assignment, "rubric", None)
    if rubric is not None:
        criterion = rubric.criteria.first()
        level = criterion.levels.first()
        CriterionScore.objects.create(
            grade=grade, criterion=criterion, title=criterion.title, level=level,
            level_title=level.title, points=level.points, max_points=criterion.points,
            comment="Good questions.",
        )  # fmt: skip
    return grade


def submitted(assignment, student) -> Submission:
    now = timezone.now()
    submission, _ = Submission.objects.get_or_create(
        assignment=assignment, student=student,
        defaults={"body": "My reflection", "word_count": 2, "revision": 5,
                  "submitted_revision": 5, "submitted_at": now - timedelta(hours=1)},
    )  # fmt: skip
    return submission


@pytest.fixture
def walk_rubric(published_assignment):
    return make_rubric(published_assignment)


@pytest.fixture
def student_grade(walk_rubric, published_assignment, student, instructor):
    """The student's submitted write-up, graded by the instructor, NOT released."""
    return make_grade(published_assignment.submissions.get(student=student), instructor)


@pytest.fixture
def classmate_grade(walk_rubric, published_assignment, classmate, instructor):
    """The classmate's write-up, graded and released, with a message and an open regrade
    request."""
    grade = make_grade(submitted(published_assignment, classmate), instructor, released=True)
    FeedbackMessage.objects.create(submission=grade.submission, author=classmate, body="Thanks!")
    RegradeRequest.objects.create(grade=grade, student=classmate, reason="Please recheck.")
    return grade


@pytest.fixture
def other_grade(other_assignment, other_student, other_instructor):
    grade = make_grade(submitted(other_assignment, other_student), other_instructor, released=True)
    RegradeRequest.objects.create(grade=grade, student=other_student, reason="Recheck.")
    return grade


@pytest.fixture
def grading_rows(student_grade, classmate_grade, other_grade):
    """Every grading object of the walk, so each case runs against the same world."""
    SavedComment.objects.create(owner=student_grade.graded_by, text="Great questions.")
    return student_grade


# The grading tables a request could change (watched by the walk's state_of_everything).
GRADING_MODELS = (
    Rubric, Criterion, Level, Grade, CriterionScore, SavedComment, FeedbackMessage, RegradeRequest,
)  # fmt: skip
