"""Authorization walk expectations for the rubrics pages (merged by the walk).

Every member reads the rubric (students only of published assignments); assistants may also
download it; only instructors change it. The walk's assignment has ``walk_rubric`` (two
criteria of three levels); ``criterion_id`` and ``level_id`` are its first criterion and that
criterion's first level, so moving them down and deleting them changes something.
"""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from interviews.models import Assignment, Level
from tests.authz.common import (
    POST_ONLY,
    instructor_page,
    make_rubric,
    member_page,
    signed_in,
    staff_page,
)

__all__ = ["other_rubric", "spare_rubric_assignment"]  # fixtures this part adds

EXPECTED: dict[str, dict[str, dict]] = {
    "interviews:rubric": {"GET": member_page(200), "POST": signed_in(405)},
    # The walk's assignment already has a rubric: creating another changes nothing.
    "interviews:rubric_create": {"GET": POST_ONLY, "POST": instructor_page(302)},
    "interviews:rubric_title": {"GET": POST_ONLY, "POST": instructor_page(302)},
    "interviews:rubric_delete": {"GET": instructor_page(200), "POST": instructor_page(302)},
    "interviews:rubric_template": {"GET": instructor_page(200), "POST": instructor_page(302)},
    "interviews:rubric_copy": {"GET": instructor_page(200), "POST": instructor_page(302)},
    "interviews:rubric_export": {"GET": staff_page(200), "POST": signed_in(405)},
    "interviews:rubric_import": {"GET": instructor_page(200), "POST": instructor_page(302)},
    "interviews:rubric_criterion_add": {"GET": POST_ONLY, "POST": instructor_page(302)},
    "interviews:rubric_criterion_edit": {
        "GET": instructor_page(200),
        "POST": instructor_page(302),
    },
    "interviews:rubric_criterion_delete": {
        "GET": instructor_page(200),
        "POST": instructor_page(302),
    },
    "interviews:rubric_criterion_move": {"GET": POST_ONLY, "POST": instructor_page(302)},
    "interviews:rubric_level_add": {"GET": POST_ONLY, "POST": instructor_page(302)},
    "interviews:rubric_level_edit": {"GET": instructor_page(200), "POST": instructor_page(302)},
    "interviews:rubric_level_delete": {
        "GET": instructor_page(200),
        "POST": instructor_page(302),
    },
    "interviews:rubric_level_move": {"GET": POST_ONLY, "POST": instructor_page(302)},
}

EFFECTIVE_POSTS: dict[str, set[str]] = {
    name: {"instructor"}
    for name in EXPECTED
    if name.split(":")[1] not in ("rubric", "rubric_create")
}
EFFECTIVE_POSTS.pop("interviews:rubric_export")

WALK_CSV = (
    b"criterion,criterion_description,criterion_points,level,level_description,level_points\n"
    b"Punctuality,,4,On time,,4\n"
    b"Punctuality,,4,Late,,1\n"
)

POST_DATA: dict = {
    "interviews:rubric_create": lambda fx: {"title": "Another rubric"},
    "interviews:rubric_title": lambda fx: {"title": "Renamed rubric"},
    "interviews:rubric_template": lambda fx: {"replace": "on"},
    "interviews:rubric_copy": lambda fx: {
        "source": fx("spare_rubric_assignment").pk,
        "replace": "on",
    },
    "interviews:rubric_import": lambda fx: {
        "file": SimpleUploadedFile("rubric.csv", WALK_CSV, content_type="text/csv"),
        "replace": "on",
    },
    "interviews:rubric_criterion_add": lambda fx: {
        "title": "Punctuality",
        "points": "2",
        "levels": "none",
    },
    "interviews:rubric_criterion_edit": lambda fx: {"title": "Research", "description": "Why"},
    "interviews:rubric_criterion_move": lambda fx: {"direction": "down"},
    "interviews:rubric_level_add": lambda fx: {"title": "Outstanding", "points": "6"},
    "interviews:rubric_level_edit": lambda fx: {"title": "Excellent", "points": "5"},
    "interviews:rubric_level_move": lambda fx: {"direction": "down"},
}


def _first_level(rubric) -> Level:
    return Level.objects.filter(criterion=rubric.criteria.first()).first()


KWARGS: dict = {
    "criterion_id": lambda fx: fx("walk_rubric").criteria.first().pk,
    "level_id": lambda fx: _first_level(fx("walk_rubric")).pk,
}
OTHER_COURSE_KWARGS: dict = {
    "criterion_id": lambda fx: fx("other_rubric").criteria.first().pk,
    "level_id": lambda fx: _first_level(fx("other_rubric")).pk,
}
CLASSMATE_KWARGS: dict = {}
# Routes of this part the cross-course (IDOR) walk must cover.
IDOR_ROUTES: set[str] = set(EXPECTED)
STUDENT_IDOR_ROUTES: set[str] = set()


@pytest.fixture
def other_rubric(other_assignment):
    """A rubric in the other course, whose criteria and levels nobody here may reach."""
    return make_rubric(other_assignment)


@pytest.fixture
def spare_rubric_assignment(course, instructor):
    """A draft assignment of the walk's course with a rubric to copy from."""
    assignment = Assignment.objects.create(
        course=course,
        title="Last year's interview",
        writeup_due_at=timezone.now() + timedelta(days=30),
        created_by=instructor,
    )
    make_rubric(assignment)
    return assignment
