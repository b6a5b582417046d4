"""A verified LTI launch becomes a signed-in Rapport person in a Rapport course."""

import logging
import uuid
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.db import transaction
from lti_tool.models import LtiLaunch, LtiLineItem, LtiMembership, LtiUser
from lti_tool.utils import sync_data_from_launch

from accounts.models import User
from common.refused import Refused
from courses.enrolment import course_create, member_change_role, member_enrol
from courses.models import Course, Membership, Role

from .models import AssignmentLink, CourseLink

log = logging.getLogger(__name__)

MEMBERSHIP = "http://purl.imsglobal.org/vocab/lis/v2/membership"
TEACHING_ASSISTANT = f"{MEMBERSHIP}/Instructor#TeachingAssistant"
INSTRUCTOR = f"{MEMBERSHIP}#Instructor"
LEARNER = f"{MEMBERSHIP}#Learner"
PLACEHOLDER_EMAIL_DOMAIN = "lti.invalid"  # RFC 2606: never delivered


def _full_role(role: str) -> str:
    """Context roles may come short ("Learner"); expand them to the LIS URI."""
    return role if ":" in role else f"{MEMBERSHIP}#{role}"


def role_from_claim(roles: list[str]) -> str | None:
    """The Rapport role for the LTI roles claim, or None when it names none of ours.

    A teaching assistant is also an instructor in LIS terms; the narrower role wins."""
    roles = {_full_role(role) for role in roles}
    if TEACHING_ASSISTANT in roles:
        return Role.ASSISTANT
    if INSTRUCTOR in roles:
        return Role.INSTRUCTOR
    if LEARNER in roles:
        return Role.STUDENT
    return None


def frame_origins(registration) -> list[str]:
    """Where this platform's pages live, for ``frame-ancestors``: its issuer and sign-in URL."""
    return frame_origins_of(registration.issuer, registration.auth_url)


def frame_origins_of(*urls: str) -> list[str]:
    """The distinct http(s) origins of ``urls``, in order."""
    origins = []
    for url in urls:
        parts = urlsplit(url)
        if parts.scheme in ("https", "http") and parts.netloc:
            origin = f"{parts.scheme}://{parts.netloc}"
            if origin not in origins:
                origins.append(origin)
    return origins


@dataclass(frozen=True)
class Arrival:
    user: User
    course: Course
    role: str
    assignment_id: int | None


class AccountToLink(Exception):
    """The LMS names an address that a Rapport account already has. The LMS saying so is not
    proof enough to hand that account over: its owner links it by signing in to it (or the
    person chooses an account of their own for this LMS)."""

    def __init__(self, email: str):
        super().__init__(email)
        self.email = email


def lms_user(lti_user: LtiUser, claims: dict, *, separate: bool = False) -> User:
    """The Rapport person behind (issuer, sub): linked once, never found by email alone.
    ``claims`` are a launch's or an NRPS member's (name, given_name, family_name, email).

    Raises ``AccountToLink`` when the claimed address is an existing account's, unless
    ``separate``: then the person gets an account of their own, without an address (its
    reminders reach the inbox only)."""
    if lti_user.auth_user_id is not None:
        return lti_user.auth_user
    name = (claims.get("name") or " ".join(
        part for part in (claims.get("given_name"), claims.get("family_name")) if part
    )).strip()[:150]  # fmt: skip
    email = (claims.get("email") or "").strip().lower()
    if email and User.objects.filter(email__iexact=email).exists():
        if not separate:
            raise AccountToLink(email)
        email = ""
    if not email:
        email = f"lti-{uuid.uuid4().hex}@{PLACEHOLDER_EMAIL_DOMAIN}"
    user = User.objects.create_user(email=email, password=None, full_name=name or "LMS user")
    lti_user.auth_user = user
    lti_user.save(update_fields=["auth_user", "datetime_modified"])
    return user


def link_account(*, lti_launch: LtiLaunch, user: User) -> Arrival:
    """The owner of the account the LMS named, signed in to it, links this LMS identity to it;
    then the launch arrives as theirs. Refused if the identity is another account's already."""
    with transaction.atomic():
        sync_data_from_launch(lti_launch)
        lti_user = LtiUser.objects.select_for_update().get(pk=lti_launch.user.pk)
        if lti_user.auth_user_id is None:
            lti_user.auth_user = user
            lti_user.save(update_fields=["auth_user", "datetime_modified"])
        elif lti_user.auth_user_id != user.pk:
            raise Refused("This LMS identity is linked to another Rapport account already.")
        lti_launch.user.auth_user = user  # the launch's own copy, which it arrives with
        return launch_arrive(lti_launch=lti_launch)


def _course_for(lti_launch: LtiLaunch, *, user: User, role: str) -> Course:
    context = lti_launch.context
    link = CourseLink.objects.select_related("course").filter(context=context).first()
    if link is not None:
        return link.course
    if role != Role.INSTRUCTOR:
        raise Refused(
            "This LMS course is not linked to Rapport yet. Your instructor opens Rapport "
            "from the course once; after that the link works for everyone."
        )
    claim = lti_launch.context_claim or {}
    title = (claim.get("title") or claim.get("label") or "Course from the LMS")[:200]
    course = course_create(creator=user, title=title, code=(claim.get("label") or "")[:40])
    CourseLink.objects.create(context=context, course=course)
    return course


ADDED = "added"
ROLE_CHANGED = "role changed"


def lms_enrol(*, course: Course, user: User, role: str, lms_removed: bool = False) -> str | None:
    """The LMS enrolled this person with this role: that is their consent to be in the course,
    recorded as any other enrolment is. Returns ``ADDED``, ``ROLE_CHANGED`` or None.

    ``lms_removed``: Rapport took them out because the LMS had dropped them (roster sync), so
    the LMS listing them again brings them back; a removal by Rapport's staff is not undone."""
    existing = Membership.objects.filter(course=course, user=user).first()
    if existing is not None and existing.was_removed_by_staff and not lms_removed:
        # Rapport's staff took this person out; the LMS still listing them does not undo it.
        raise Refused(
            "You were removed from this course in Rapport. Ask your instructor if that was a "
            "mistake."
        )
    if (existing is None or not existing.is_active) and not course.accepts_new_members:
        raise Refused("This course is archived in Rapport and takes no new members.")
    membership, created = member_enrol(course=course, user=user, role=role)
    if created:
        return ADDED
    if membership.role != role:
        try:
            member_change_role(membership=membership, role=role)
        except Refused:
            # The last instructor stays one; the LMS's role applies once another exists.
            log.info("LTI kept role %s for %s in course %s", membership.role, user, course)
            return None
        return ROLE_CHANGED
    return None


def launch_arrive(*, lti_launch: LtiLaunch, separate: bool = False) -> Arrival:
    """Record a verified resource-link launch: the person, the course, their role in it.

    Raises ``Refused`` when the launch names no role of ours or a learner comes before the
    course is linked."""
    role = role_from_claim(lti_launch.roles_claim or [])
    if role is None:
        raise Refused("Your role in this LMS course has no counterpart in Rapport.")
    with transaction.atomic():
        sync_data_from_launch(lti_launch)
        lti_user = lti_launch.user
        user = lms_user(lti_user, lti_launch.get_launch_data(), separate=separate)
        if not user.is_active:
            raise Refused("This Rapport account is disabled; ask Rapport's operators.")
        course = _course_for(lti_launch, user=user, role=role)
        dropped = LtiMembership.objects.filter(
            user=lti_user, context=lti_launch.context, is_active=False
        )
        lms_enrol(course=course, user=user, role=role, lms_removed=dropped.exists())
        dropped.update(is_active=True)
        assignment_id = None
        if not lti_launch.is_deep_link_launch:
            assignment_id = _linked_assignment(lti_launch, course=course)
            _record_line_item(lti_launch)
    return Arrival(user=user, course=course, role=role, assignment_id=assignment_id)


CUSTOM_CLAIM = "https://purl.imsglobal.org/spec/lti/claim/custom"
AGS_CLAIM = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"


def _record_line_item(lti_launch: LtiLaunch) -> None:
    """The gradebook column the platform names for this placement (the AGS claim's
    ``lineitem``), where released grades go: some platforms give no line items service, only
    this URL and the score scope. Its maximum is not in the claim: 0 until known (AGS requires
    a positive one), and a score is then sent on the grade's own scale (lti/passback.py)."""
    url = (lti_launch.get_claim(AGS_CLAIM) or {}).get("lineitem")
    # Longer than the column's 200: left to the line items service, as when none is named.
    if not url or len(url) > 200 or lti_launch.resource_link is None:
        return
    item, created = LtiLineItem.objects.get_or_create(
        url=url,
        defaults={
            "context": lti_launch.context, "resource_link": lti_launch.resource_link,
            "maximum_score": 0, "label": (lti_launch.resource_link.title or "")[:255],
        },
    )  # fmt: skip
    if not created and item.resource_link_id is None:
        item.resource_link = lti_launch.resource_link
        item.save(update_fields=["resource_link"])


def _linked_assignment(lti_launch: LtiLaunch, *, course: Course) -> int | None:
    """The assignment this placement opens: its link row, else the custom parameter
    ``rapport_assignment`` (an id in this course, as deep linking places it), which the first
    launch records as the link row; None for the course itself."""
    resource_link = lti_launch.resource_link
    link = AssignmentLink.objects.filter(resource_link=resource_link).first()
    if link is not None:
        return link.assignment_id if link.assignment.course_id == course.pk else None
    wanted = str((lti_launch.get_claim(CUSTOM_CLAIM) or {}).get("rapport_assignment", ""))
    if not wanted.isdigit():
        return None
    assignment = course.assignments.filter(pk=int(wanted)).first()
    if assignment is None:
        return None
    link, _ = AssignmentLink.objects.get_or_create(
        resource_link=resource_link, defaults={"assignment": assignment}
    )
    return link.assignment_id
