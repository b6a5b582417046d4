"""Who may see or do what in a course. Every course view goes through these helpers.

Outsiders get 404 (a course's existence is not revealed); members without the needed role
get 403.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from .models import Course, Membership


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


def get_membership_for_instructor(user, course_id, membership_id) -> Membership:
    """Another person's membership in a course that ``user`` instructs."""
    course = get_course_for_instructor(user, course_id)
    try:
        membership = course.memberships.select_related("user").get(pk=membership_id)
    except Membership.DoesNotExist as exc:
        raise Http404("No such member.") from exc
    membership.course = course
    return membership


def get_invitation_for_instructor(user, course_id, invitation_id):
    course = get_course_for_instructor(user, course_id)
    try:
        invitation = course.invitations.get(pk=invitation_id)
    except course.invitations.model.DoesNotExist as exc:
        raise Http404("No such invitation.") from exc
    invitation.course = course
    return invitation


def get_roster_import_for_instructor(user, course_id, import_id):
    course = get_course_for_instructor(user, course_id)
    try:
        roster_import = course.roster_imports.get(pk=import_id)
    except course.roster_imports.model.DoesNotExist as exc:
        raise Http404("No such import.") from exc
    roster_import.course = course
    return roster_import
