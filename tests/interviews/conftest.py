"""Shared by the interviews tests: the frozen moment most of them run at (``NOW``, from
tests/factories.py), and the write-ups and grades that the grading and feedback tests share.
Those build on the ``assignment`` fixture as the test module marks it; the helpers are in
grading_samples.py."""

import pytest
import time_machine

from tests.factories import NOW, local, make_rubric, make_submission


@pytest.fixture
def frozen():
    """Time stands still at NOW (test files with another moment define their own)."""
    with time_machine.travel(NOW, tick=False):
        yield NOW


# Grading (test_grading, test_grading_views)


@pytest.fixture
def rubric(assignment):
    return make_rubric(assignment)


@pytest.fixture
def writeup(assignment, student):
    return make_submission(assignment, student, at=local(2027, 3, 14, 9, 0), body="What I learned")


@pytest.fixture
def late_writeup(assignment, classmate):
    return make_submission(
        assignment, classmate, at=local(2027, 3, 17, 9, 0), late_days=2, penalty="20",
        body="Late but thoughtful",
    )  # fmt: skip


# Feedback (test_feedback, test_feedback_views)


@pytest.fixture
def submission(assignment, student):
    # Imported here: grading_samples reads NOW from this module.
    from tests.interviews.grading_samples import feedback_submission

    return feedback_submission(assignment, student)


@pytest.fixture
def released(submission, instructor):
    from tests.interviews.grading_samples import make_grade

    return make_grade(submission, instructor, released=True)
