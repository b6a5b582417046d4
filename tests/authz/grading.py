"""Authorization walk expectations for the grading pages (merged by the walk)."""

__all__: list[str] = []  # fixtures this part adds, imported by the walk

EXPECTED: dict[str, dict[str, dict]] = {}
EFFECTIVE_POSTS: dict[str, set[str]] = {}
POST_DATA: dict = {}
KWARGS: dict = {}
OTHER_COURSE_KWARGS: dict = {}
CLASSMATE_KWARGS: dict = {}
# Routes of this part the cross-course (IDOR) walk must cover.
IDOR_ROUTES: set[str] = set()
STUDENT_IDOR_ROUTES: set[str] = set()
