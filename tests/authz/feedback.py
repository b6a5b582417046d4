"""Authorization walk expectations for the feedback pages (merged by the walk).

The student's routes take no student id: each student reaches only their own write-up. In the
walk the student's grade is NOT released (their regrade request is refused with the page back,
400) while the classmate's is, with a message and an open regrade request (so their second
request is refused the same way, and their message lands on their own thread). Staff post from
the grading page's panel and are sent back there.
"""

import pytest

from interviews.models import RegradeRequest
from tests.authz.common import POST_ONLY, course_page, signed_in, staff_page

__all__ = ["student_regrade_request"]  # fixtures this part adds, imported by the walk

EXPECTED: dict[str, dict[str, dict]] = {
    "interviews:feedback": {
        "GET": course_page(student=200, assistant=403, instructor=403),
        "POST": signed_in(405),
    },
    "interviews:feedback_message": {
        "GET": POST_ONLY,
        "POST": course_page(student=302, assistant=403, instructor=403),
    },
    "interviews:regrade_request": {
        "GET": POST_ONLY,
        "POST": course_page(student=400, assistant=403, instructor=403),
    },
    "interviews:grade_message": {"GET": POST_ONLY, "POST": staff_page(302)},
    "interviews:regrade_resolve": {"GET": POST_ONLY, "POST": staff_page(302)},
}
EFFECTIVE_POSTS: dict[str, set[str]] = {
    "interviews:feedback_message": {"student", "classmate"},  # each on their own thread
    "interviews:grade_message": {"assistant", "instructor"},
    "interviews:regrade_resolve": {"assistant", "instructor"},
}
POST_DATA: dict = {
    "interviews:feedback_message": lambda fx: {"body": "A question about my write-up"},
    "interviews:regrade_request": lambda fx: {
        "reason": "The reflection criterion overlooks my second interview entirely."
    },
    "interviews:grade_message": lambda fx: {"body": "Come to office hours."},
    "interviews:regrade_resolve": lambda fx: {"outcome": "unchanged", "response": "It stands."},
}
KWARGS: dict = {"request_id": lambda fx: fx("student_regrade_request").pk}
OTHER_COURSE_KWARGS: dict = {
    "request_id": lambda fx: fx("other_grade").regrade_requests.get().pk,
}
# A regrade request belongs to its student: the classmate's, reached through the student's
# grading URL, is not found (students are refused the staff route before that).
CLASSMATE_KWARGS: dict = {
    "request_id": lambda fx: fx("classmate_grade").regrade_requests.get().pk,
}
# Routes of this part the cross-course (IDOR) walk must cover.
IDOR_ROUTES: set[str] = {"interviews:grade_message", "interviews:regrade_resolve"}
STUDENT_IDOR_ROUTES: set[str] = set()


@pytest.fixture
def student_regrade_request(student_grade, student):
    """An open regrade request on the student's grade, as when feedback was released, asked
    about, then hidden again to be corrected (the walk's grade is not released)."""
    return RegradeRequest.objects.create(
        grade=student_grade, student=student, reason="Please look at the reflection again."
    )
