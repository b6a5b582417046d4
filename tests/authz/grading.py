"""Authorization walk expectations for the grading pages (merged by the walk).

The queue and the grading page are for the course's staff (assistants grade too); releasing,
reviewing and the review setting are the instructors'. Students get 403 on every course page
here, outsiders and other courses' staff 404. The comment bank belongs to each grader: staff of
any course keep one, everyone else gets 403, and someone else's saved comment is not found.
"""

from interviews.models import SavedComment
from tests.authz.common import (
    POST_ONLY,
    instructor_page,
    signed_in,
    staff_page,
)

__all__: list[str] = []  # fixtures this part adds, imported by the walk


def _own_comment(status) -> dict:
    """The walk's saved comment is the instructor's (grading_rows)."""
    return signed_in(404, instructor=status)


def _grader(status) -> dict:
    return signed_in(403, assistant=status, instructor=status, other_instructor=status)


EXPECTED: dict[str, dict[str, dict]] = {
    "interviews:grading": {"GET": staff_page(200), "POST": signed_in(405)},
    # GET asks for confirmation; the confirmed POST releases.
    "interviews:grading_release": {"GET": instructor_page(200), "POST": instructor_page(302)},
    "interviews:grading_review_setting": {"GET": POST_ONLY, "POST": instructor_page(302)},
    "interviews:grade": {"GET": staff_page(200), "POST": staff_page(302)},
    "interviews:grade_release": {"GET": POST_ONLY, "POST": instructor_page(302)},
    # The walk's grade is not released: hiding it again changes nothing.
    "interviews:grade_unrelease": {"GET": POST_ONLY, "POST": instructor_page(302)},
    "interviews:grade_review": {"GET": POST_ONLY, "POST": instructor_page(302)},
    "interviews:comment_bank": {"GET": _grader(200), "POST": _grader(302)},
    "interviews:saved_comment_edit": {"GET": _own_comment(200), "POST": _own_comment(302)},
    "interviews:saved_comment_delete": {"GET": POST_ONLY, "POST": _own_comment(302)},
    "interviews:saved_comment_use": {"GET": POST_ONLY, "POST": _own_comment(200)},
}

EFFECTIVE_POSTS: dict[str, set[str]] = {
    "interviews:grading_release": {"instructor"},  # releases the student's complete grade
    "interviews:grading_review_setting": {"instructor"},
    "interviews:grade": {"assistant", "instructor"},
    "interviews:grade_release": {"instructor"},
    "interviews:grade_review": {"instructor"},
    "interviews:comment_bank": {"assistant", "instructor", "other_instructor"},
    "interviews:saved_comment_edit": {"instructor"},
    "interviews:saved_comment_delete": {"instructor"},
    "interviews:saved_comment_use": {"instructor"},
}


def grade_form_data(fx) -> dict:
    """The grading form for the student's write-up at its grade's revision: Weak on both
    criteria of the walk's rubric."""
    grade = fx("student_grade")
    data = {"revision": grade.revision, "overall_comment": "Regraded in the walk"}
    for criterion in fx("walk_rubric").criteria.all():
        data[f"criterion_{criterion.pk}"] = criterion.levels.get(title="Weak").pk
    return data


POST_DATA: dict = {
    # The confirmation as its page carries it: the student's grade is the one releasable.
    "interviews:grading_release": lambda fx: {"count": 1},
    "interviews:grade": grade_form_data,
    "interviews:grading_review_setting": lambda fx: {"require_review": "on"},
    "interviews:comment_bank": lambda fx: {"text": "Cite what the professional said."},
    "interviews:saved_comment_edit": lambda fx: {"text": "Great, open questions."},
}
KWARGS: dict = {
    "comment_id": lambda fx: SavedComment.objects.get(owner=fx("instructor")).pk,
}
OTHER_COURSE_KWARGS: dict = {}
CLASSMATE_KWARGS: dict = {}
# Routes of this part the cross-course (IDOR) walk must cover.
IDOR_ROUTES: set[str] = {
    "interviews:grading",
    "interviews:grading_release",
    "interviews:grading_review_setting",
    "interviews:grade",
    "interviews:grade_release",
    "interviews:grade_unrelease",
    "interviews:grade_review",
}
STUDENT_IDOR_ROUTES: set[str] = set()
