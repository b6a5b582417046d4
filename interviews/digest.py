"""The grading digest: once a day, each teacher learns what new work waits for grading."""

from collections import defaultdict
from datetime import datetime, time, timedelta

from django.conf import settings
from django.db.models import Max
from django.urls import reverse

from courses.models import Membership
from notifications.models import Notification, Preference
from notifications.planner import Planned, reconcile

from .models import Grade, Submission
from .notices import Kind


def plan_grading_digests(*, now: datetime) -> int:
    """Create today's digest for every staff member whose local digest hour has come and who
    has new submissions since their previous digest. Safe to run as often as wanted: a run
    that was missed is caught up by the next one. Returns how many digests were planned."""
    staff = (
        Membership.objects.staff()
        .filter(course__archived_at__isnull=True)
        .select_related("user", "course")
    )
    courses_of: dict[int, list] = defaultdict(list)
    users = {}
    for membership in staff:
        courses_of[membership.user_id].append(membership.course)
        users[membership.user_id] = membership.user
    due_users = {}
    for user_id, user in users.items():
        local = now.astimezone(user.zoneinfo)
        if local.hour >= settings.NOTIFICATION_DIGEST_HOUR:
            due_users[user_id] = local.date()
    if not due_users:
        return 0
    previous = dict(
        Notification.objects.filter(
            kind=Kind.GRADING_DIGEST, recipient_id__in=due_users, state=Notification.State.SENT
        )
        .values("recipient_id")
        .annotate(last=Max("send_at"))
        .values_list("recipient_id", "last")
    )
    # A course someone muted is left out of their digest, as every other reminder about it.
    muted: dict[int, set[int]] = defaultdict(set)
    for user_id, course_id in Preference.muted_courses.through.objects.filter(
        preference__user_id__in=due_users
    ).values_list("preference__user_id", "course_id"):
        muted[user_id].add(course_id)
    planned = 0
    for user_id, day in due_users.items():
        key = f"digest:{user_id}:{day.isoformat()}"  # the row's key and its scope
        since = previous.get(user_id) or now - timedelta(days=1)
        course_ids = [c.pk for c in courses_of[user_id] if c.pk not in muted[user_id]]
        if not course_ids:
            continue
        # New since the last digest and still waiting: work graded in the meantime is left out.
        waiting = (
            Submission.objects.filter(assignment__course_id__in=course_ids, submitted_at__gt=since)
            .exclude(grade__state=Grade.State.COMPLETE)
            .values_list("assignment__course_id", "assignment__course__title", "assignment_id")
        )
        counts: dict[tuple[int, str], int] = defaultdict(int)
        assignments = set()
        for course_id, title, assignment_id in waiting:
            counts[(course_id, title)] += 1
            assignments.add((course_id, assignment_id))
        if not counts:
            continue
        user = users[user_id]
        lines = [
            f"{title}: {n} new submission{'s' if n != 1 else ''}"
            for (_, title), n in sorted(counts.items(), key=lambda i: i[0][1])
        ]
        total = sum(counts.values())
        digest_hour = settings.NOTIFICATION_DIGEST_HOUR
        plan = Planned(
            recipient_id=user_id, kind=Kind.GRADING_DIGEST, dedupe_key=key,
            send_at=max(now, datetime.combine(day, time(digest_hour), tzinfo=user.zoneinfo)),
            subject=f"{total} new submission{'s' if total != 1 else ''} waiting for grading",
            body="\n".join(lines), url=_where_to_grade(assignments), scope=key,
        )  # fmt: skip
        result = reconcile(scope=key, planned=[plan], now=now)
        planned += result.created
    return planned


def _where_to_grade(assignments: set[tuple[int, int]]) -> str:
    """The grading queue when all the work is for one assignment, else the teacher's courses."""
    if len(assignments) == 1:
        course_id, assignment_id = next(iter(assignments))
        return reverse("interviews:grading", args=[course_id, assignment_id]) + "?filter=ungraded"
    return reverse("courses:mine")
