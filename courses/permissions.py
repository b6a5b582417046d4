"""Who may see or do what in a course. Every course view goes through these helpers.

Outsiders get 404 (a course's existence is not revealed); members without the needed role
get 403.
"""

from collections.abc import Callable

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from .models import Course, Invitation, Membership, RosterImport


def _course_with_membership(user, course_id) -> Course:
    if not user.is_authenticated:
        raise Http404
    membership = (
        Membership.objects.active()
        .select_related("course")
        .filter(course_id=course_id, user=user)
        .first()
    )
    if membership is None:
        raise Http404("No such course.")
    course = membership.course
    course.viewer_membership = membership
    return course


def get_course_for_member(user, course_id) -> Course:
    """The course if ``user`` belongs to it in any role; ``course.viewer_membership`` is set."""
    return _course_with_membership(user, course_id)


def get_course_for_staff(user, course_id) -> Course:
    """The course if ``user`` teaches or assists in it."""
    course = _course_with_membership(user, course_id)
    if not course.viewer_membership.is_staff:
        raise PermissionDenied("Only the course's staff can do this.")
    return course


def get_course_for_instructor(user, course_id) -> Course:
    """The course if ``user`` is one of its instructors."""
    course = _course_with_membership(user, course_id)
    if not course.viewer_membership.is_instructor:
        raise PermissionDenied("Only the course's instructors can do this.")
    return course


def _in_instructed_course(user, course_id, rows: Callable[[Course], QuerySet], pk, *, what: str):
    """Row ``pk`` of ``rows(course)``, for an instructor of that course only.

    Looking it up through the course means an id from another course is simply not found.
    """
    course = get_course_for_instructor(user, course_id)
    queryset = rows(course)
    try:
        obj = queryset.get(pk=pk)
    except queryset.model.DoesNotExist as exc:
        raise Http404(f"No such {what}.") from exc
    obj.course = course
    return obj


def get_membership_for_instructor(user, course_id, membership_id) -> Membership:
    """Another person's membership in a course that ``user`` instructs."""
    return _in_instructed_course(
        user, course_id, lambda c: c.memberships.select_related("user"), membership_id,
        what="member",
    )  # fmt: skip


def get_invitation_for_instructor(user, course_id, invitation_id) -> Invitation:
    return _in_instructed_course(
        user, course_id, lambda c: c.invitations.all(), invitation_id, what="invitation"
    )


def get_roster_import_for_instructor(user, course_id, import_id) -> RosterImport:
    return _in_instructed_course(
        user, course_id, lambda c: c.roster_imports.all(), import_id, what="import"
    )
