"""How people come into and leave a course: creation, join codes, invitations, roles."""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from common.paging import PAGE_SIZES, Paged, Sorting, paged, sorting
from common.refused import Refused
from common.summaries import course_summary, minute

from . import hooks
from .emails import inviter_address
from .invitation_limits import invitation_limit_problem
from .join_limits import join_failure_record, join_limit_problem
from .models import Course, Invitation, Membership, Role, hash_token, normalize_join_code

COURSE_ARCHIVED = "This course is archived and no longer takes new members."


@dataclass(frozen=True)
class InvitationSent:
    invitation: Invitation
    token: str


def course_create(
    *,
    creator,
    title: str,
    code: str = "",
    term: str = "",
    description: str = "",
    time_zone: str = "UTC",
) -> Course:
    """Create a course with ``creator`` as its first instructor."""
    with transaction.atomic():
        course = Course.objects.create(
            title=title,
            code=code,
            term=term,
            description=description,
            time_zone=time_zone,
            created_by=creator,
        )
        Membership.objects.create(course=course, user=creator, role=Role.INSTRUCTOR)
    return course


def member_enrol(*, course: Course, user, role: str = Role.STUDENT) -> tuple[Membership, bool]:
    """Add ``user`` to ``course``; returns (membership, created).

    A person already active keeps their current role; someone removed earlier comes back
    with ``role`` and their past work.
    """
    membership, created = Membership.objects.get_or_create(
        course=course, user=user, defaults={"role": role}
    )
    if not created and membership.removed_at is not None:
        membership.removed_at = None
        membership.left_by_choice = False
        membership.role = role
        membership.joined_at = timezone.now()
        membership.save(update_fields=["removed_at", "left_by_choice", "role", "joined_at"])
        created = True
    if created:
        _replan_for(membership)
    return membership, created


def _replan_for(membership: Membership) -> None:
    """Someone came, went or changed role: their reminders in this course follow (the hooks
    registered in ``courses.hooks``)."""
    hooks.membership_changed(membership)


def course_join_by_code(
    *, user, code: str, client_ip: str | None = None
) -> tuple[Membership, bool]:
    """Join the course whose code is ``code`` as a student.

    Wrong codes are counted per account and per ``client_ip`` (courses/join_limits.py); past
    the limit every code is refused for a while. Someone the course's staff removed cannot come
    back by code: they need a new invitation or the staff's re-admission.
    """
    problem = join_limit_problem(user=user, client_ip=client_ip)
    if problem:
        raise Refused(problem, field="code")
    normalized = normalize_join_code(code)
    course = Course.objects.filter(join_code=normalized).first() if normalized else None
    if course is None:
        join_failure_record(user=user, client_ip=client_ip)
        raise Refused(
            "No course has that code. Check it with your instructor; codes look like K7MP4QRX.",
            field="code",
        )
    earlier = course.memberships.filter(user=user).first()
    if earlier is not None and earlier.was_removed_by_staff:
        raise Refused(
            f"You were removed from {course} by its staff, so its join code no longer lets you "
            "in. Ask your instructor for a new invitation.",
            field="code",
        )
    if not course.join_enabled:
        raise Refused(
            "Joining this course by code is turned off. Ask your instructor for an invitation.",
            field="code",
        )
    if not course.accepts_new_members:
        raise Refused(COURSE_ARCHIVED, field="code")
    return member_enrol(course=course, user=user, role=Role.STUDENT)


def invitation_create(
    *, course: Course, email: str, role: str, invited_by, name: str = "", now=None
) -> InvitationSent:
    """Invite ``email`` into ``course`` and queue the email once the transaction commits.

    An earlier pending invitation of the same address is revoked so only the newest link works.
    Raises Refused (on the ``emails`` field) when an invitation limit is reached.
    """
    [sent] = invitations_send(
        course=course, invitees=[Invitee(email=email, role=role, name=name)],
        invited_by=invited_by, now=now,
    )  # fmt: skip
    return sent


@dataclass(frozen=True)
class Invitee:
    email: str
    role: str
    name: str = ""


def invitations_create(
    *, course: Course, emails: list[str], role: str, invited_by, now=None
) -> list[InvitationSent]:
    """Invite every address in ``emails`` or, when any refusal applies, none of them."""
    return invitations_send(
        course=course, invitees=[Invitee(email=email, role=role) for email in emails],
        invited_by=invited_by, now=now,
    )  # fmt: skip


def invitations_send(
    *, course: Course, invitees: list[Invitee], invited_by, now=None
) -> list[InvitationSent]:
    """Invite every one of ``invitees`` or, when any refusal applies, none of them. The limits
    are checked once for the whole batch, under their locks, which the transaction keeps."""
    from .tasks import send_invitation_email

    now = now or timezone.now()
    emails = [invitee.email.strip().lower() for invitee in invitees]
    with transaction.atomic():
        _refuse_invitations(course=course, emails=emails, invited_by=invited_by, now=now)
        sent = []
        for email, invitee in zip(emails, invitees, strict=True):
            course.invitations.for_email(email).pending(now=now).update(revoked_at=now)
            token, token_hash = Invitation.new_token()
            invitation = Invitation.objects.create(
                course=course, email=email, name=invitee.name, role=invitee.role,
                token_hash=token_hash, invited_by=invited_by, created_at=now,
                expires_at=now + timedelta(days=settings.INVITATION_VALID_DAYS),
            )  # fmt: skip
            send_invitation_email.delay_on_commit(invitation.pk, token)
            sent.append(InvitationSent(invitation=invitation, token=token))
    return sent


def _refuse_invitations(*, course: Course, emails: list[str], invited_by, now) -> None:
    if not course.accepts_new_members:
        raise Refused(COURSE_ARCHIVED)
    if invited_by is not None and inviter_address(invited_by) is None:
        # The email names the inviter's verified address so recipients can tell who sent it.
        raise Refused(
            "Verify your email address before inviting people: each invitation names it.",
            field="emails",
        )
    problem = invitation_limit_problem(
        course=course, inviter=invited_by, emails=[e.strip().lower() for e in emails], now=now
    )
    if problem:
        raise Refused(problem, field="emails")


def invitation_resend(*, invitation: Invitation, by) -> InvitationSent:
    """Send a fresh link for the same address and role; the old link stops working.

    Works for pending and expired invitations; accepted or withdrawn ones are refused.
    """
    if invitation.status() in (Invitation.Status.ACCEPTED, Invitation.Status.REVOKED):
        raise Refused(
            f"The invitation to {invitation.email} was already "
            f"{invitation.get_current_status_display().lower()}; send a new one instead."
        )
    return invitation_create(
        course=invitation.course,
        email=invitation.email,
        role=invitation.role,
        invited_by=by,
        name=invitation.name,
    )


def invitation_revoke(*, invitation: Invitation, now=None) -> None:
    """Withdraw a pending invitation. Refused if it was already used."""
    if invitation.status(now=now) == Invitation.Status.ACCEPTED:
        raise Refused(
            f"{invitation.email} already accepted this invitation; remove them from the roster "
            "instead."
        )
    if invitation.status(now=now) == Invitation.Status.PENDING:
        invitation.revoked_at = now or timezone.now()
        invitation.save(update_fields=["revoked_at"])


def invitation_by_token(token: str) -> Invitation | None:
    if not token:
        return None
    return Invitation.objects.select_related("course").filter(token_hash=hash_token(token)).first()


def invitation_problem(invitation: Invitation | None, *, now=None) -> str | None:
    """Why this invitation cannot be used, in words for the person holding the link."""
    if invitation is None:
        return "This invitation link is not valid. Check that you copied the whole link."
    status = invitation.status(now=now)
    if status == Invitation.Status.ACCEPTED:
        return "This invitation has already been used. If it was you, the course is in My courses."
    if status == Invitation.Status.REVOKED:
        return "This invitation was withdrawn or replaced by a newer one. Use the latest email."
    if status == Invitation.Status.EXPIRED:
        return "This invitation has expired. Ask your instructor to send a new one."
    if not invitation.course.accepts_new_members:
        return COURSE_ARCHIVED
    return None


def user_owns_email(user, email: str) -> bool:
    if user.email.lower() == email.lower():
        return True
    return user.emailaddress_set.filter(email__iexact=email, verified=True).exists()


def invitation_accept(*, invitation: Invitation, user, now=None) -> Membership:
    """Accept for ``user``, who must own the invited address; the token then stops working."""
    now = now or timezone.now()
    with transaction.atomic():
        invitation = (
            Invitation.objects.select_for_update().select_related("course").get(pk=invitation.pk)
        )
        problem = invitation_problem(invitation, now=now)
        if problem:
            raise Refused(problem)
        if not user_owns_email(user, invitation.email):
            raise Refused(
                f"This invitation was sent to {invitation.email}, but you are signed in as "
                f"{user.email}."
            )
        membership, _ = member_enrol(course=invitation.course, user=user, role=invitation.role)
        invitation.accepted_at = now
        invitation.accepted_by = user
        invitation.save(update_fields=["accepted_at", "accepted_by"])
    return membership


def _lock_instructors_and(membership: Membership) -> None:
    """Lock the course's active instructor memberships and ``membership`` itself until the
    transaction ends, then reload ``membership``.

    Two instructors stepping each other down at once would otherwise both see the other one
    still teaching and leave the course with none. Locked in primary-key order, so two callers
    never wait on each other in a circle.
    """
    list(
        Membership.objects.select_for_update()
        .filter(
            Q(course_id=membership.course_id, role=Role.INSTRUCTOR, removed_at__isnull=True)
            | Q(pk=membership.pk)
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    membership.refresh_from_db(fields=["role", "removed_at"])


def _refuse_if_last_instructor(membership: Membership) -> None:
    """Call with the instructors locked (``_lock_instructors_and``)."""
    if member_is_sole_instructor(membership):
        raise Refused(
            "A course needs at least one instructor. Make someone else an instructor first."
        )


def member_change_role(*, membership: Membership, role: str) -> Membership:
    if role not in Role.values:
        raise Refused("Choose instructor, assistant or student.")
    with transaction.atomic():
        _lock_instructors_and(membership)
        if not membership.is_active:
            raise Refused("This person has been removed from the course.")
        if role != Role.INSTRUCTOR:
            _refuse_if_last_instructor(membership)
        membership.role = role
        membership.save(update_fields=["role"])
        _replan_for(membership)
    return membership


def member_remove(*, membership: Membership, now=None) -> Membership:
    """Take someone out of the course; their past work stays and shows them as removed."""
    with transaction.atomic():
        _lock_instructors_and(membership)
        if not membership.is_active:
            return membership
        _refuse_if_last_instructor(membership)
        membership.removed_at = now or timezone.now()
        membership.save(update_fields=["removed_at"])
        _replan_for(membership)
    return membership


def pending_invitations_for(user):
    """Invitations waiting for any of ``user``'s verified addresses."""
    emails = {user.email.lower()} | {
        e.lower()
        for e in user.emailaddress_set.filter(verified=True).values_list("email", flat=True)
    }
    return (
        Invitation.objects.pending()
        .filter(email__in=emails, course__archived_at__isnull=True)
        # One subquery, so "active" and "this user" apply to the same membership row.
        .exclude(course__in=Membership.objects.active().filter(user=user).values("course"))
        .select_related("course")
    )


def member_leave(*, membership: Membership, now=None) -> Membership:
    """The member takes themselves out of the course: as a removal (their work stays, their
    reminders stop), except that they may come back with the join code. The last instructor
    cannot leave (Refused)."""
    now = now or timezone.now()
    with transaction.atomic():
        member_remove(membership=membership, now=now)
        if membership.removed_at == now:  # taken out now, not earlier by the staff
            membership.left_by_choice = True
            membership.save(update_fields=["left_by_choice"])
    return membership


def member_readmit(*, membership: Membership) -> Membership:
    """Bring back, in their former role, someone the course's staff removed.

    Someone who left of their own accord is not brought back without their consent: they
    rejoin with the code or accept a new invitation (the refusal says so).
    """
    who = membership.user.display_name
    if membership.is_active:
        raise Refused(f"{who} is already in the course.")
    if membership.left_by_choice:
        raise Refused(
            f"{who} left the course themselves, so only they can decide to come back: invite "
            "them again, or give them the join code."
        )
    if not membership.course.accepts_new_members:
        raise Refused(COURSE_ARCHIVED)
    readmitted, _ = member_enrol(
        course=membership.course, user=membership.user, role=membership.role
    )
    return readmitted


def invitation_decline(*, invitation: Invitation, user, now=None) -> None:
    """``user``, who owns the invited address, says no: the invitation stops working and
    leaves the course's list of pending invitations (it reads as withdrawn from then on)."""
    now = now or timezone.now()
    with transaction.atomic():
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if invitation.status(now=now) != Invitation.Status.PENDING:
            return  # accepted, withdrawn or expired meanwhile: nothing left to decline
        if not user_owns_email(user, invitation.email):
            raise Refused(f"This invitation was sent to {invitation.email}, not to you.")
        invitation.revoked_at = now
        invitation.save(update_fields=["revoked_at"])


def member_is_sole_instructor(membership: Membership) -> bool:
    """True when ``membership`` is the course's only active instructor (who cannot leave)."""
    return membership.is_instructor and not (
        membership.course.memberships.instructors().exclude(pk=membership.pk).exists()
    )


ROSTER_SORTS = {
    "name": ("user__full_name", "user__email"),
    "email": ("user__email",),
    "role": ("role", "user__full_name", "user__email"),
    "joined": ("joined_at", "user__full_name", "user__email"),
}
ROSTER_SORT_LABELS = {"name": "Name", "email": "Email", "role": "Role", "joined": "Joined"}
ROSTER_PAGE_SIZES = PAGE_SIZES
# Invitations and removed members are short in practice; a long list is capped, and search
# (which filters both) finds anyone beyond the cap.
ROSTER_LIST_CAP = 50


@dataclass(frozen=True)
class RosterPage:
    members: Paged  # the active members on this page, with ``user`` loaded
    sorting: Sorting
    counts: dict[str, int]  # the whole course, whatever the search
    sole_instructor_id: int | None
    invitations: list[Invitation]
    more_invitations: bool
    removed: list[Membership]
    more_removed: bool


def _count_of(queryset) -> Coalesce:
    rows = queryset.filter(course=OuterRef("pk")).order_by().values("course")
    return Coalesce(Subquery(rows.annotate(n=Count("pk")).values("n")), 0)


def _roster_counts(course: Course) -> dict:
    """The course's active members by role, its pending invitations and its first active
    instructor. One query; "n_" because Course has fields named like some of these counts."""
    memberships = Membership.objects.all()
    instructors = memberships.instructors().filter(course=OuterRef("pk"))
    row = (
        Course.objects.filter(pk=course.pk)
        .values(
            n_students=_count_of(memberships.students()),
            n_assistants=_count_of(memberships.active().filter(role=Role.ASSISTANT)),
            n_instructors=_count_of(memberships.instructors()),
            n_invitations=_count_of(Invitation.objects.pending()),
            first_instructor=Subquery(instructors.order_by("pk").values("pk")[:1]),
        )
        .get()
    )
    return {key.removeprefix("n_"): value for key, value in row.items()}


def roster_page(
    *, course: Course, query: str = "", sort: str = "", direction: str = "", per="", page=""
) -> RosterPage:
    """One page of ``course``'s active members matching ``query``, sorted by a whitelisted key;
    junk or out-of-range ``page``/``per``/``sort`` fall back to the first or last page, 50, name.
    A fixed number of queries whatever the class size."""
    order = sorting(ROSTER_SORT_LABELS, sort, direction, default="name")
    members = (
        course.memberships.active()
        .search(query)
        .select_related("user")
        .order_by(*(order.sign + field for field in (*ROSTER_SORTS[order.key], "pk")))
    )
    # Invitations lapse with the clock: the minute is part of the summary's name.
    counts = course_summary(
        course.pk, f"roster-counts:{minute(timezone.now())}", lambda: _roster_counts(course)
    )
    first_instructor = counts.pop("first_instructor")
    invitations = course.invitations.pending().select_related("invited_by")
    if query:
        invitations = invitations.filter(Q(email__icontains=query) | Q(name__icontains=query))
    invitations = list(invitations[: ROSTER_LIST_CAP + 1])
    removed = list(
        course.memberships.filter(removed_at__isnull=False)
        .search(query)
        .select_related("user")
        .order_by("-removed_at", "pk")[: ROSTER_LIST_CAP + 1]
    )
    # Unsearched, the page lists every active member, already counted.
    active = None if query else counts["students"] + counts["assistants"] + counts["instructors"]
    return RosterPage(
        members=paged(members, per=per, page=page, sizes=ROSTER_PAGE_SIZES, count=active),
        sorting=order,
        counts=counts,
        sole_instructor_id=first_instructor if counts["instructors"] == 1 else None,
        invitations=invitations[:ROSTER_LIST_CAP],
        more_invitations=len(invitations) > ROSTER_LIST_CAP,
        removed=removed[:ROSTER_LIST_CAP],
        more_removed=len(removed) > ROSTER_LIST_CAP,
    )
