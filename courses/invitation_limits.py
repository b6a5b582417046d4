"""How much invitation email a course and a person may send.

Invitations go out from the platform's own address with a course title anyone can choose, so
the platform bounds them: per inviter and per course over the last 24 hours, and, for a course
no one has joined yet whose creator has never taught a course anyone joined, a small number of
addresses until the first person joins. Everything is counted from Invitation rows.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction

from .models import STAFF_ROLES, Course, Invitation, Membership

WINDOW = timedelta(hours=24)


def invitation_limit_problem(
    *, course: Course, inviter, emails: list[str], now: datetime
) -> str | None:
    """Why inviting ``emails`` into ``course`` now would pass a limit, in words for
    ``inviter``; None when all of them may be sent.

    Inside the caller's transaction the inviter's and the course's rows stay locked until it
    commits, so two requests cannot both spend the same remaining invitations.
    """
    if not emails:
        return None
    with transaction.atomic():
        if inviter is not None:
            _lock(get_user_model(), inviter.pk)
        _lock(Course, course.pk)
        recent = Invitation.objects.filter(created_at__gt=now - WINDOW)
        if inviter is not None:
            problem = _daily_problem(
                recent.filter(invited_by=inviter),
                limit=settings.INVITATIONS_PER_INVITER_PER_DAY,
                asking=len(emails),
                who="you may send {limit} invitations a day and have sent {count}",
                inviter=inviter,
                now=now,
            )
            if problem:
                return problem
        problem = _daily_problem(
            recent.filter(course=course),
            limit=settings.INVITATIONS_PER_COURSE_PER_DAY,
            asking=len(emails),
            who="this course may send {limit} invitations a day and has sent {count}",
            inviter=inviter,
            now=now,
        )
        if problem:
            return problem
        return _new_course_problem(course=course, emails=emails)


def course_is_unproven(course: Course) -> bool:
    """True while nobody but its creator has joined ``course`` and the creator has never
    been staff in another course that someone else joined (the account has no history)."""
    if Membership.objects.filter(course=course).exclude(user_id=course.created_by_id).exists():
        return False
    creator_has_history = (
        Membership.objects.filter(
            course__memberships__user_id=course.created_by_id,
            course__memberships__role__in=STAFF_ROLES,
        )
        .exclude(course=course)
        .exclude(user_id=course.created_by_id)
        .exists()
    )
    return not creator_has_history


def _lock(model, pk) -> None:
    list(model.objects.select_for_update().filter(pk=pk).values_list("pk", flat=True))


def _daily_problem(rows, *, limit, asking, who, inviter, now) -> str | None:
    count = rows.count()
    if count + asking <= limit:
        return None
    room = max(limit - count, 0)
    message = (
        "Daily invitation limit reached: "
        + who.format(limit=limit, count=count)
        + f" in the last 24 hours, so {room} more can go out now."
    )
    if asking > limit:
        return f"{message} Invite at most {limit} people at once. Nothing was sent."
    # The batch fits once enough of the oldest invitations in the window are 24 hours old.
    oldest_needed = rows.order_by("created_at").values_list("created_at", flat=True)[
        count + asking - limit - 1
    ]
    return (
        f"{message} There is room for {'all ' if asking > 1 else ''}{asking} from "
        f"{_moment(oldest_needed + WINDOW, inviter)}. Nothing was sent."
    )


def _new_course_problem(*, course: Course, emails: list[str]) -> str | None:
    limit = settings.NEW_COURSE_INVITATIONS_BEFORE_FIRST_ACCEPT
    if not course_is_unproven(course):
        return None
    # Every address ever invited counts, so withdrawing and inviting again gains nothing.
    invited = set(Invitation.objects.filter(course=course).values_list("email", flat=True))
    new = {email.lower() for email in emails} - invited
    if len(invited) + len(new) <= limit:
        return None
    room = max(limit - len(invited), 0)
    return (
        f"A new course may invite at most {limit} people until the first of them joins; "
        f"this course has invited {len(invited)}, so {room} more can be invited now. Once "
        "someone accepts an invitation or joins with the course code, only the daily limits "
        "apply. Nothing was sent."
    )


def _moment(moment: datetime, inviter) -> str:
    local = moment.astimezone(inviter.zoneinfo) if inviter is not None else moment
    return f"{local:%H:%M} {local.tzname()} on {local.day} {local:%B}"
