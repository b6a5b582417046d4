"""Roster sync (LTI Names and Role Provisioning Services 2.0): the LMS's list of a course's
members becomes the Rapport course's roster, so nobody types a roster.

Each active member is found or created by (issuer, ``user_id`` = the launch's ``sub``) exactly
as a launch finds them (``lti.launch``) and enrolled with their mapped role, or given their new
role. A person the LMS no longer lists (or lists as Inactive/Deleted) is removed, their work
kept. Only people who came from the LMS are ever removed: those with an LMS membership of this
LMS course (``LtiMembership``, written by their launch or by a sync). People Rapport's staff
added by hand, and the course's last instructor, stay. A sync removal marks that
``LtiMembership`` inactive, which is how a later sync or launch knows the LMS may bring the
person back; a removal by Rapport's staff is never undone by the LMS.

The outcome of the last sync of each linked course is kept on its ``CourseLink`` for the
roster page.
"""

import logging
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from lti_tool.models import LtiMembership, LtiUser
from pylti1p3.exception import LtiException, LtiServiceException
from pylti1p3.names_roles import NamesRolesProvisioningService
from pylti1p3.service_connector import ServiceConnector

from common.refused import Refused
from courses.enrolment import member_remove
from courses.models import Role

from .launch import ADDED, ROLE_CHANGED, AccountToLink, lms_enrol, lms_user, role_from_claim
from .models import CourseLink
from .tool import PlatformSession

log = logging.getLogger(__name__)

ACTIVE = "Active"  # NRPS member status; Inactive and Deleted members are not in the course


class RosterUnavailable(Exception):
    """The LMS did not hand over the roster (down, refused the token, no NRPS for the course);
    the sync changed nothing and may be tried again."""


@dataclass(frozen=True)
class SyncOutcome:
    lms: str
    at: datetime
    added: int = 0
    removed: int = 0
    roles_changed: int = 0


def last_sync(course_link: CourseLink) -> SyncOutcome | None:
    """What the last sync of this linked course did, or None if none has run."""
    if course_link.synced_at is None:
        return None
    return SyncOutcome(
        lms=course_link.context.deployment.registration.name,
        at=course_link.synced_at,
        added=course_link.sync_added,
        removed=course_link.sync_removed,
        roles_changed=course_link.sync_roles_changed,
    )


def fetch_members(course_link: CourseLink) -> list[dict]:
    """Every member the LMS lists for the course, following ``Link: rel="next"`` pages, with a
    client-credentials token signed by Rapport's key. Raises ``RosterUnavailable``."""
    context = course_link.context
    if not context.memberships_url:
        raise RosterUnavailable("the LMS has not offered its roster (NRPS) for this course")
    registration = context.deployment.registration.to_registration()
    connector = ServiceConnector(registration, requests_session=PlatformSession())
    service = NamesRolesProvisioningService(
        connector, {"context_memberships_url": context.memberships_url}
    )
    try:
        return service.get_members()
    except (LtiServiceException, LtiException, OSError, ValueError) as error:
        raise RosterUnavailable(f"NRPS request failed: {error}") from error


def roster_sync(*, course_link: CourseLink, now: datetime | None = None) -> SyncOutcome:
    """Make the course's roster what the LMS lists; returns (and keeps) the counts."""
    now = now or timezone.now()
    members = fetch_members(course_link)
    context = course_link.context
    registration = context.deployment.registration
    course = course_link.course
    added = removed = roles_changed = 0
    with transaction.atomic():
        # Two syncs of one course (beat and a launch) take turns rather than race.
        CourseLink.objects.select_for_update().filter(pk=course_link.pk).first()
        listed = set()
        for member in members:
            role = role_from_claim(member.get("roles") or [])
            if member.get("status", ACTIVE) != ACTIVE or role is None or not member.get("user_id"):
                continue
            lti_user = _lti_user_for(registration, member)
            listed.add(lti_user.pk)
            outcome = _enrol_member(course=course, context=context, lti_user=lti_user, role=role,
                                    member=member)  # fmt: skip
            added += outcome == ADDED
            roles_changed += outcome == ROLE_CHANGED
        for lms_membership in (
            LtiMembership.objects.filter(context=context, is_active=True)
            .exclude(user__in=listed)
            .select_related("user")
        ):
            removed += _remove_dropped(course=course, lms_membership=lms_membership, now=now)
        CourseLink.objects.filter(pk=course_link.pk).update(
            synced_at=now, sync_added=added, sync_removed=removed, sync_roles_changed=roles_changed
        )
    outcome = SyncOutcome(
        lms=registration.name, at=now, added=added, removed=removed, roles_changed=roles_changed
    )
    log.info("LTI roster sync of course %s: %s", course.pk, outcome)
    return outcome


def _lti_user_for(registration, member: dict) -> LtiUser:
    """The LMS identity of an NRPS member, updated as a launch updates it."""
    details = {
        key: member[key]
        for key in ("given_name", "family_name", "name", "email")
        if member.get(key) is not None
    }
    lti_user, _ = LtiUser.objects.update_or_create(
        registration=registration, sub=member["user_id"], defaults=details
    )
    return lti_user


def _enrol_member(*, course, context, lti_user: LtiUser, role: str, member: dict) -> str | None:
    try:
        user = lms_user(lti_user, member)
    except AccountToLink:
        # Their address is a Rapport account's: they join when they open Rapport from the LMS
        # and link it (or choose an account of their own), never on the LMS's word alone.
        log.info("LTI roster sync left %s for their own launch: their account to link", lti_user)
        return None
    if not user.is_active:
        return None
    lms_membership, created = LtiMembership.objects.get_or_create(
        user=lti_user, context=context, defaults={"is_active": True}
    )
    try:
        outcome = lms_enrol(course=course, user=user, role=role,
                            lms_removed=not created and not lms_membership.is_active)  # fmt: skip
    except Refused as refusal:
        # Removed by Rapport's staff, or the course is archived: the LMS does not override it.
        log.info("LTI roster sync left %s out of course %s: %s", user, course.pk, refusal)
        return None
    flags = {
        "is_instructor": role != Role.STUDENT,
        "is_learner": role == Role.STUDENT,
        "is_active": True,
    }
    LtiMembership.objects.filter(pk=lms_membership.pk).update(**flags)
    return outcome


def _remove_dropped(*, course, lms_membership: LtiMembership, now: datetime) -> int:
    """Remove someone the LMS dropped; 1 if they were taken out now."""
    user_id = lms_membership.user.auth_user_id
    membership = course.memberships.active().filter(user_id=user_id).first()
    if user_id is None or membership is None:
        return 0
    try:
        member_remove(membership=membership, now=now)
    except Refused:
        log.info("LTI roster sync kept the last instructor of course %s", course.pk)
        return 0
    lms_membership.is_active = False
    lms_membership.save(update_fields=["is_active", "datetime_modified"])
    return 1


def roster_sync_panel(*, request, course, membership) -> str:
    """The roster page's line about the LMS (answers ``courses.hooks.roster_panels``): when
    each linked LMS last synced it and what changed, with "Sync now" for instructors."""
    links = list(
        CourseLink.objects.filter(course=course)
        .exclude(context__memberships_url="")
        .select_related("context__deployment__registration")
    )
    if not links:
        return ""
    syncs = [
        {"lms": link.context.deployment.registration.name, "outcome": last_sync(link)}
        for link in links
    ]
    return render_to_string(
        "lti/_roster_sync.html",
        {"syncs": syncs, "course": course, "can_sync": membership.is_instructor},
        request=request,
    )
