"""Who may see or do what in a course. Every course view goes through these helpers.

Outsiders get 404 (a course's existence is not revealed); members without the needed role
get 403. A helper that checks the viewer's role returns their membership beside what it found,
``(course, membership)``, for the page to show what that role may do.
"""

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from .models import Course, Invitation, Membership, RosterImport


def _membership_in(user, course_id) -> Membership:
    """``user``'s active membership of the course, with the course loaded (one query)."""
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
    return membership


def get_course_for_member(user, course_id) -> tuple[Course, Membership]:
    """The course if ``user`` belongs to it in any role, with their membership (the role the
    page shows them in)."""
    membership = _membership_in(user, course_id)
    return membership.course, membership


def get_course_for_staff(user, course_id) -> tuple[Course, Membership]:
    """The course if ``user`` teaches or assists in it, with their membership."""
    membership = _membership_in(user, course_id)
    if not membership.is_staff:
        raise PermissionDenied("Only the course's staff can do this.")
    return membership.course, membership


def get_course_for_instructor(user, course_id) -> tuple[Course, Membership]:
    """The course if ``user`` is one of its instructors, with their membership."""
    membership = _membership_in(user, course_id)
    if not membership.is_instructor:
        raise PermissionDenied("Only the course's instructors can do this.")
    return membership.course, membership


def require_instructor(membership: Membership) -> None:
    """Instructor-only actions on a page assistants can open too (releasing, reviewing)."""
    if not membership.is_instructor:
        raise PermissionDenied("Only the course's instructors can do this.")


def _in_instructed_course(user, course_id, rows: Callable[[Course], QuerySet], pk, *, what: str):
    """(row ``pk`` of ``rows(course)``, ``user``'s membership), for an instructor of that course
    only.

    Looking it up through the course means an id from another course is simply not found.
    """
    course, membership = get_course_for_instructor(user, course_id)
    queryset = rows(course)
    try:
        obj = queryset.get(pk=pk)
    except queryset.model.DoesNotExist as exc:
        raise Http404(f"No such {what}.") from exc
    obj.course = course
    return obj, membership


def get_membership_for_instructor(user, course_id, membership_id) -> tuple[Membership, Membership]:
    """(another person's membership, the instructor's own) in a course ``user`` instructs."""
    return _in_instructed_course(
        user, course_id, lambda c: c.memberships.select_related("user"), membership_id,
        what="member",
    )  # fmt: skip


def get_invitation_for_instructor(user, course_id, invitation_id) -> tuple[Invitation, Membership]:
    return _in_instructed_course(
        user, course_id, lambda c: c.invitations.all(), invitation_id, what="invitation"
    )


def get_roster_import_for_instructor(user, course_id, import_id) -> tuple[RosterImport, Membership]:
    return _in_instructed_course(
        user, course_id, lambda c: c.roster_imports.all(), import_id, what="import"
    )


COURSE_CREATOR_MODES = ("anyone", "domains", "approved")
ADD_COURSE = "courses.add_course"  # granted in the admin, usually through a group


def course_creation_refusal(user) -> str | None:
    """Why ``user`` may not create a course here (``settings.COURSE_CREATORS``), in words for
    them with what to do; None when they may.

    "anyone": every signed-in account. "domains": an account with a verified address in one of
    ``ALLOWED_COURSE_CREATOR_DOMAINS``, or one granted ``courses.add_course``. "approved": only
    accounts granted ``courses.add_course`` (superusers hold every permission).
    """
    if not user.is_authenticated:
        return "Sign in to create a course."
    mode = settings.COURSE_CREATORS
    if mode == "anyone" or user.has_perm(ADD_COURSE):
        return None
    approval = (
        "ask your institution's Rapport administrator to approve you as an instructor. "
        "To take a course, use the join code or invitation your instructor gives you."
    )
    if mode == "domains":
        domains = allowed_creator_domains()
        verified = user.emailaddress_set.filter(verified=True).values_list("email", flat=True)
        if any(email.rpartition("@")[2].lower() in domains for email in verified):
            return None
        if domains:
            return (
                "Courses here are created by staff with a verified address at "
                f"{' or '.join(sorted(domains))}. Add that address to your account and confirm "
                f"it, or {approval}"
            )
    return f"Courses here are created by approved instructors: {approval}"


def allowed_creator_domains() -> set[str]:
    return {d.strip().lower().lstrip("@") for d in settings.ALLOWED_COURSE_CREATOR_DOMAINS if d}
