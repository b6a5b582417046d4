"""Which reminders exist: a pure function of an assignment, a student's work and the clock.

``plan_student`` returns the reminders one student should get for one assignment;
``replan_student`` / ``replan_assignment`` / ``replan_contact`` write them through
``notifications.planner.reconcile``, which makes the database match, so re-running any of them
at any time converges.

Moments are computed in the recipient's own zone with calendar arithmetic: "1 day before" a
deadline on Monday 09:00 is Sunday 09:00 local time, whether or not the clocks changed
overnight. A reminder that would fall in the recipient's quiet hours moves to the evening
before (so it still comes before the deadline).
"""

import zoneinfo
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.urls import reverse
from django.utils import timezone

from courses.models import Role
from notifications.planner import Planned, cancel_scope, pending_scopes, reconcile
from notifications.quiet import after_quiet_hours, before_quiet_hours

from .milestones import completed_at
from .models import (
    DEFAULT_BEFORE_DAYS,
    FOLLOW_UP_AFTER,
    THANK_YOU_WITHIN,
    Assignment,
    Contact,
    DueDates,
    Interview,
    Submission,
    before_days_from,
)
from .notices import Kind, assignment_scope, contact_scope, student_scope

UTC = zoneinfo.ZoneInfo("UTC")
EVENING_HOUR = 18
MORNING_HOUR = 10
THANK_YOU_AFTER = timedelta(hours=3)


@dataclass(frozen=True)
class Schedule:
    """The instructor's reminder choices for an assignment."""

    before_days: tuple[int, ...] = DEFAULT_BEFORE_DAYS
    disabled_kinds: frozenset[str] = frozenset()

    def allows(self, kind: str) -> bool:
        return kind not in self.disabled_kinds


def schedule_for(assignment: Assignment) -> Schedule:
    settings_row = getattr(assignment, "reminder_settings", None)
    if settings_row is None:
        return Schedule()
    days = before_days_from(settings_row.before_days)
    return Schedule(before_days=days, disabled_kinds=frozenset(settings_row.disabled_kinds))


def local_days_before(moment: datetime, days: int, zone: zoneinfo.ZoneInfo) -> datetime:
    """The same local wall time ``days`` calendar days earlier, in UTC.

    A wall time that does not exist that day (skipped by a clock change) is read with the offset
    from before the change, i.e. it lands one hour later in real time, as zoneinfo does.
    """
    local = moment.astimezone(zone)
    earlier = datetime.combine(local.date() - timedelta(days=days), local.time(), tzinfo=zone)
    return earlier.astimezone(UTC)


def at_local_hour(day, hour: int, zone: zoneinfo.ZoneInfo) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=zone).astimezone(UTC)


def out_of_quiet_hours(moment: datetime, zone: zoneinfo.ZoneInfo) -> datetime:
    """``moment`` if it is a decent local hour, else the evening before it (18:00 local)."""
    return before_quiet_hours(moment, zone, EVENING_HOUR)


def _key(*parts) -> str:
    return ":".join(str(p) for p in parts)


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%MZ")


def _format(moment: datetime, zone: zoneinfo.ZoneInfo) -> str:
    local = moment.astimezone(zone)
    return f"{local:%a %-d %b, %H:%M} {local.tzname()}"


def _format_with_course(moment: datetime, zone: zoneinfo.ZoneInfo, course) -> str:
    """``moment`` in the student's zone, with the course's time beside it where it differs."""
    course_zone = zoneinfo.ZoneInfo(course.time_zone)
    mine = _format(moment, zone)
    if moment.astimezone(course_zone).utcoffset() == moment.astimezone(zone).utcoffset():
        return mine
    return f"{mine} ({_format(moment, course_zone)} course time)"


def plan_student(
    *,
    assignment: Assignment,
    student,
    dates: DueDates,
    interviews: list[Interview],
    submission: Submission | None,
    schedule: Schedule,
    now: datetime,
) -> list[Planned]:
    """Every reminder ``student`` should get for ``assignment`` as things stand at ``now``."""
    if not assignment.is_published or assignment.course.is_archived or not dates.accepts_work(now):
        return []
    zone = student.zoneinfo
    course = assignment.course
    base = {
        "recipient_id": student.pk, "course_id": course.pk,
        "scope": student_scope(assignment.pk, student.pk),
    }  # fmt: skip
    assignment_url = reverse("interviews:assignment_detail", args=[course.pk, assignment.pk])
    done = completed_at(assignment, interviews, submission)
    planned = []
    for key, label, due in dates.milestones():
        if done[key] is not None:
            continue
        when = _format(due, zone)
        if schedule.allows(Kind.MILESTONE_SOON):
            for days in schedule.before_days:
                send_at = out_of_quiet_hours(local_days_before(due, days, zone), zone)
                if send_at >= due:
                    continue
                planned.append(Planned(
                    **base, kind=Kind.MILESTONE_SOON,
                    dedupe_key=_key("soon", assignment.pk, student.pk, key, days, _stamp(due)),
                    send_at=send_at, url=assignment_url,
                    subject=f"{label} by {when}: {assignment.title}",
                    body=f"“{label}” for {assignment.title} ({course.title}) is due "
                    f"{_format_with_course(due, zone, course)}.",
                ))  # fmt: skip
        until = f", before the cut-off {_format(dates.cutoff_at, zone)}" if dates.cutoff_at else ""
        overdue_at = at_local_hour(
            due.astimezone(zone).date() + timedelta(days=1), MORNING_HOUR, zone
        )
        if schedule.allows(Kind.MILESTONE_OVERDUE) and dates.accepts_work(overdue_at):
            planned.append(Planned(
                **base, kind=Kind.MILESTONE_OVERDUE,
                dedupe_key=_key("overdue", assignment.pk, student.pk, key, _stamp(due)),
                send_at=max(overdue_at, due), url=assignment_url,
                subject=f"Missed: {label} for {assignment.title}",
                body=f"“{label}” was due {_format_with_course(due, zone, course)}. "
                f"It is not too late: do it now{until}.",
            ))  # fmt: skip
    for interview in interviews:
        planned += _interview_reminders(
            interview=interview, student=student, submission=submission, schedule=schedule,
            base=base, now=now,
        )  # fmt: skip
    return planned


def _interview_reminders(*, interview, student, submission, schedule, base, now) -> list[Planned]:
    """The reminders around one interview, counted from when it was held once it is logged
    held (what happened is the truth), else from the plan. Those of a held interview are never
    dated in the past: what is still owed when it is logged late comes once, now."""
    start, end = interview.starts_at, interview.ends_at
    if interview.status == Interview.Status.CANCELLED or start is None:
        return []
    zone = student.zoneinfo
    contact = interview.contact
    course_id, assignment_id = base["course_id"], interview.assignment_id
    url = reverse("interviews:interview_detail", args=[course_id, assignment_id, interview.pk])
    held = interview.status == Interview.Status.HELD
    stamp = _stamp(start)
    made = []

    def add(kind, tag, send_at, subject, body, link=url):
        if held:
            send_at = max(send_at, now)
        if schedule.allows(kind):
            made.append(Planned(
                **base, kind=kind, send_at=send_at, url=link,
                dedupe_key=_key(tag, interview.pk, stamp), subject=subject, body=body,
            ))  # fmt: skip

    if interview.status != Interview.Status.HELD:
        add(
            Kind.INTERVIEW_TOMORROW, "tomorrow",
            out_of_quiet_hours(local_days_before(start, 1, zone), zone),
            f"Tomorrow: interview with {contact.name}",
            f"Your informational interview with {contact.name} is at {_format(start, zone)}. "
            "Review your questions and what you know about their work.",
        )  # fmt: skip
    if interview.thank_you_sent_at is None:
        thanks_url = reverse(
            "interviews:thank_you_draft", args=[course_id, assignment_id, interview.pk]
        )
        if held and now > end + THANK_YOU_WITHIN:
            add(
                Kind.THANK_YOU, "thanks", now,
                f"Still to do: a thank-you note to {contact.name}",
                f"Your interview with {contact.name} was {_format(start, zone)}, more than a "
                "day ago. A thank-you is best within 24 hours, but a late one is still welcome: "
                "name one or two things you learned. Rapport drafts it for you.",
                thanks_url,
            )  # fmt: skip
        else:
            add(
                Kind.THANK_YOU, "thanks", after_quiet_hours(end + THANK_YOU_AFTER, zone),
                f"Send your thank-you note to {contact.name}",
                "A short note the same day, naming one or two things you learned, is "
                "remembered. Rapport drafts it for you.",
                thanks_url,
            )  # fmt: skip
    started = submission is not None and (submission.word_count > 0 or submission.is_submitted)
    if not started:
        next_morning = at_local_hour(
            end.astimezone(zone).date() + timedelta(days=1), MORNING_HOUR, zone
        )
        add(
            Kind.REFLECTION, "reflect", next_morning,
            "Start your reflection while the interview is fresh",
            f"Write down what you learned from {contact.name} before the details fade.",
            reverse("interviews:writeup", args=[course_id, assignment_id]),
        )  # fmt: skip
    if interview.reply_received_at is None and interview.follow_up_sent_at is None:
        later = at_local_hour(end.astimezone(zone).date() + FOLLOW_UP_AFTER, MORNING_HOUR, zone)
        add(
            Kind.FOLLOW_UP, "followup", later,
            f"No reply from {contact.name}? Send one polite follow-up",
            "If you have not heard back, one short follow-up is fine; it can carry a better "
            "answer to a question that went poorly.",
            reverse("interviews:interview_follow_up", args=[course_id, assignment_id, interview.pk]),  # noqa: E501
        )  # fmt: skip
    return made


def plan_keep_in_touch(contact: Contact, *, now: datetime) -> list[Planned]:
    """The next keep-in-touch nudge for ``contact``, if its owner asked for a cadence."""
    if not contact.keep_in_touch_weeks:
        return []
    owner = contact.owner
    zone = owner.zoneinfo
    last = contact.last_contacted_at or contact.created_at
    due_day = (last + timedelta(weeks=contact.keep_in_touch_weeks)).astimezone(zone).date()
    # A rhythm set on a contact not heard from for longer is due now, not skipped as past.
    send_at = max(at_local_hour(due_day, MORNING_HOUR, zone), now)
    return [Planned(
        recipient_id=owner.pk, kind=Kind.KEEP_IN_TOUCH, scope=contact_scope(contact.pk),
        dedupe_key=_key("touch", contact.pk, due_day.isoformat()), send_at=send_at,
        url=reverse("interviews:contact_detail", args=[contact.pk]),
        subject=f"Time to get back in touch with {contact.name}",
        body=f"You wanted to keep in touch with {contact.name} every "
        f"{contact.keep_in_touch_weeks} week(s). Share news, or ask how they are.",
    )]  # fmt: skip


# Writing plans ---------------------------------------------------------------------------


def replan_later(*, assignment_id: int, student_id: int | None = None) -> None:
    """Re-plan once the current transaction commits (nothing happens if it rolls back)."""
    from .tasks import replan_assignment as assignment_task
    from .tasks import replan_student as student_task

    if student_id is None:
        assignment_task.delay_on_commit(assignment_id)
    else:
        student_task.delay_on_commit(assignment_id, student_id)


def replan_person_later(user) -> None:
    """Re-plan everything ``user`` is reminded of, once the current transaction commits (after
    a change of their time zone: the hours and the wording follow it)."""
    from .tasks import replan_person_task

    replan_person_task.delay_on_commit(user.pk)


def replan_contact_later(contact_id: int) -> None:
    from .tasks import replan_contact_task

    replan_contact_task.delay_on_commit(contact_id)


def replan_course_later(course, *, student_id: int | None = None) -> None:
    """Re-plan every assignment of ``course`` (for one student, or everyone)."""
    for assignment_id in course.assignments.values_list("pk", flat=True):
        replan_later(assignment_id=assignment_id, student_id=student_id)


def replan_member_later(membership) -> None:
    """Re-plan ``membership``'s person in its course (they came, went or changed role)."""
    replan_course_later(membership.course, student_id=membership.user_id)


def _students_of(assignment: Assignment):
    return assignment.course.memberships.active().filter(role=Role.STUDENT).select_related("user")


def replan_assignment(assignment: Assignment, *, now: datetime | None = None) -> int:
    """Re-plan every student's reminders for ``assignment`` (after an edit, publish,
    unpublish or extension). Students no longer in the course lose theirs. Returns the number
    of pending reminders created, moved or cancelled."""
    now = now or timezone.now()
    schedule = schedule_for(assignment)
    students = [m.user for m in _students_of(assignment)]
    extensions = {e.student_id: e for e in assignment.extensions.all()}
    interviews: dict[int, list[Interview]] = {}
    for interview in assignment.interviews.select_related("contact"):
        interviews.setdefault(interview.student_id, []).append(interview)
    submissions = {s.student_id: s for s in assignment.submissions.all()}
    planned = []
    for student in students:
        planned += plan_student(
            assignment=assignment, student=student,
            dates=assignment.dates_for(extensions.get(student.pk)),
            interviews=interviews.get(student.pk, []), submission=submissions.get(student.pk),
            schedule=schedule, now=now,
        )  # fmt: skip
    result = reconcile(scope=assignment_scope(assignment.pk), planned=planned, now=now)
    return result.created + result.moved + result.cancelled


def replan_student(assignment: Assignment, student, *, now: datetime | None = None) -> int:
    """Re-plan one student's reminders for ``assignment`` (after their work changed)."""
    now = now or timezone.now()
    enrolled = _students_of(assignment).filter(user=student).exists()
    planned = []
    if enrolled:
        planned = plan_student(
            assignment=assignment, student=student,
            dates=assignment.dates_for_student(student),
            interviews=list(assignment.interviews.filter(student=student).select_related("contact")),
            submission=assignment.submissions.filter(student=student).first(),
            schedule=schedule_for(assignment), now=now,
        )  # fmt: skip
    scope = student_scope(assignment.pk, student.pk)
    result = reconcile(scope=scope, planned=planned, now=now)
    return result.created + result.moved + result.cancelled


def replan_person(user, *, now: datetime | None = None) -> int:
    """Re-plan every reminder of ``user``: each assignment of the courses they take, and the
    keep-in-touch nudges of their contacts. Returns the number of reminders changed."""
    now = now or timezone.now()
    taking = user.memberships.active().filter(role=Role.STUDENT).values("course_id")
    changed = 0
    for assignment in Assignment.objects.filter(course_id__in=taking).select_related("course"):
        changed += replan_student(assignment, user, now=now)
    for contact in user.contacts.filter(keep_in_touch_weeks__isnull=False):
        changed += replan_contact(contact, now=now)
    return changed


def replan_contact(contact: Contact, *, now: datetime | None = None) -> int:
    now = now or timezone.now()
    result = reconcile(
        scope=contact_scope(contact.pk),
        planned=plan_keep_in_touch(contact, now=now), now=now,
    )  # fmt: skip
    return result.created + result.moved + result.cancelled


def cancel_contact_reminders(contact_id: int) -> int:
    """A contact deleted: its keep-in-touch nudges still pending are cancelled."""
    return cancel_scope(contact_scope(contact_id))


def cancel_orphaned_reminders() -> int:
    """Cancel what is still pending about an assignment or a contact that no longer exists
    (deleted by an operator, say); returns how many rows. Part of the nightly safety net."""
    cancelled = 0
    for prefix, model in (("assignment", Assignment), ("contact", Contact)):
        scopes = pending_scopes(prefix)
        ids = {int(scope.split(":")[1]) for scope in scopes}
        gone = ids - set(model.objects.filter(pk__in=ids).values_list("pk", flat=True))
        for pk in gone:
            cancelled += cancel_scope(f"{prefix}:{pk}")
    return cancelled
