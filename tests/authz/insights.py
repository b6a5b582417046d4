"""Authorization walk expectations for the course Insights page and its export (merged by the
walk).

Both are read-only pages for the course's staff, assistants included: they are about every
student's interviews, so students (the student and the classmate), outsiders and other
courses' staff never get them. Nothing is ever posted. Their only id is the course's, so the
cross-course cases do not apply; an assignment of another course in the filter is tested in
tests/interviews/test_insights_views.py.
"""

from tests.authz.common import signed_in, staff_page

__all__: list[str] = []  # fixtures this part adds, imported by the walk

EXPECTED: dict[str, dict[str, dict]] = {
    "interviews:insights": {"GET": staff_page(200), "POST": signed_in(405)},
    "interviews:insights_csv": {"GET": staff_page(200), "POST": signed_in(405)},
}
EFFECTIVE_POSTS: dict[str, set[str]] = {}
POST_DATA: dict = {}
KWARGS: dict = {}
OTHER_COURSE_KWARGS: dict = {}
CLASSMATE_KWARGS: dict = {}
# Routes of this part the cross-course (IDOR) walk must cover.
IDOR_ROUTES: set[str] = set()
STUDENT_IDOR_ROUTES: set[str] = set()
