"""Authorization walk expectations for the gradebook pages (merged by the walk).

The gradebook and both exports are read-only pages for the course's staff, assistants
included: students (the student and the classmate, whose grades are in it), outsiders and
other courses' staff never get them. Nothing is ever posted.
"""

from tests.authz.common import signed_in, staff_page

__all__: list[str] = []  # fixtures this part adds, imported by the walk

EXPECTED: dict[str, dict[str, dict]] = {
    "interviews:gradebook": {"GET": staff_page(200), "POST": signed_in(405)},
    "interviews:gradebook_export": {"GET": staff_page(200), "POST": signed_in(405)},
    "interviews:criteria_export": {"GET": staff_page(200), "POST": signed_in(405)},
}
EFFECTIVE_POSTS: dict[str, set[str]] = {}
POST_DATA: dict = {}
KWARGS: dict = {}
OTHER_COURSE_KWARGS: dict = {}
CLASSMATE_KWARGS: dict = {}
# Routes of this part the cross-course (IDOR) walk must cover.
IDOR_ROUTES: set[str] = {"interviews:criteria_export"}
STUDENT_IDOR_ROUTES: set[str] = set()
