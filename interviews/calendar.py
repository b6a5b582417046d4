"""The personal iCalendar feed (RFC 5545): milestone dates and interviews, written with the
``icalendar`` library.

A held interview is shown when it was held. An event whose time changes (held on another day,
an extension, an edited due date) keeps its UID and gets a higher ``SEQUENCE`` and a new
``LAST-MODIFIED``, so calendar apps move it instead of keeping the old one: what the feed last
said about each event is kept in ``CalendarEventStamp``.
"""

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import icalendar
from django.conf import settings
from django.db.models import Q
from django.urls import reverse

from accounts.fields import EARLIEST_YEAR, LATEST_YEAR
from courses.models import Membership, Role

from .models import Assignment, CalendarEventStamp, Extension, Interview, Milestone

PRODID = "-//Rapport//Informational interviews//EN"
MILESTONE_MINUTES = 15  # a due moment is an instant; a short block keeps it visible
SHORT_NAMES = {
    Milestone.CONTACT: "Contact chosen",
    Milestone.QUESTIONS: "Questions prepared",
    Milestone.INTERVIEW: "Interview held",
    Milestone.WRITEUP: "Write-up",
}
SHORT_NAMES_DUE = {
    Milestone.CONTACT: "Contact chosen by",
    Milestone.QUESTIONS: "Questions prepared by",
    Milestone.INTERVIEW: "Interview held by",
    Milestone.WRITEUP: "Write-up due",
}


# Characters that end a line for some readers (U+0085, U+2028, U+2029, VT, FF, a lone CR) and
# the other control characters, which RFC 5545 forbids in a TEXT value.
LINE_ENDS = re.compile(r"\r\n?|[\x0b\x0c\x85\u2028\u2029]")
CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f]")


def ical_text(value: str) -> str:
    """``value`` as a TEXT value may carry it: every kind of line end a newline (which the
    library escapes as ``\\n``), other control characters a space; tabs stay."""
    return CONTROLS.sub(" ", LINE_ENDS.sub("\n", value))


def in_feed_range(moment: datetime | None) -> bool:
    """Whether ``moment`` can be shown: a date typed before dates were bounded may lie at the
    edge of what a datetime holds (year 9999), where adding an event's length overflows."""
    return moment is not None and EARLIEST_YEAR <= moment.year <= LATEST_YEAR


@dataclass(frozen=True)
class Event:
    uid: str
    start: datetime
    end: datetime
    summary: str
    description: str = ""
    location: str = ""
    url: str = ""


def _uid(local: str) -> str:
    """A UID unique in the world (RFC 5545 3.8.4.7): the event's name at this site's domain."""
    return f"{local}@{urlsplit(settings.SITE_URL).hostname or 'localhost'}"


def _assignment_path(assignment: Assignment, *, staff: bool) -> str:
    if staff:
        return reverse("interviews:progress", args=[assignment.course_id, assignment.pk])
    return reverse("interviews:assignment_detail", args=[assignment.course_id, assignment.pk])


def events_for(*, user, base_url: str) -> list[Event]:
    """The user's events: as a student, each dated milestone of each published assignment
    (extension applied) and each non-cancelled interview with a time; as staff, each
    milestone of the published assignments of the courses they teach. A held interview is shown
    when it was held. Five queries."""
    memberships = list(Membership.objects.active().filter(user=user).select_related("course"))
    courses = {m.course_id: m.course for m in memberships}
    taking = {m.course_id for m in memberships if m.role == Role.STUDENT}
    assignments = list(Assignment.objects.published().filter(course_id__in=courses))
    for assignment in assignments:
        assignment.course = courses[assignment.course_id]
    mine = {a.pk: a for a in assignments if a.course_id in taking}
    extensions = {
        e.assignment_id: e for e in Extension.objects.filter(student=user, assignment__in=mine)
    }

    events = []
    for assignment in assignments:
        staff = assignment.course_id not in taking
        dates = assignment.dates_for(None if staff else extensions.get(assignment.pk))
        link = base_url + _assignment_path(assignment, staff=staff)
        for key, _label, due in dates.milestones():
            if not in_feed_range(due):
                continue
            extended = " Your extended date." if dates.extended and not staff else ""
            events.append(
                Event(
                    uid=_uid(f"milestone-{assignment.pk}-{key}-{user.pk}"),
                    start=due,
                    end=due + timedelta(minutes=MILESTONE_MINUTES),
                    summary=f"{SHORT_NAMES_DUE[key]}: {assignment.title} ({assignment.course})",
                    description=f"{SHORT_NAMES[key]} for “{assignment.title}” in "
                    f"{assignment.course}.{extended}\n{link}",
                    url=link,
                )
            )

    interviews = (
        Interview.objects.active()
        .filter(student=user, assignment__in=mine)
        .filter(
            Q(scheduled_at__isnull=False) | Q(status=Interview.Status.HELD, held_at__isnull=False)
        )
        .select_related("contact")
    )
    for interview in interviews:
        if not in_feed_range(interview.starts_at):
            continue
        assignment = mine[interview.assignment_id]
        held = "Held. " if interview.status == Interview.Status.HELD else ""
        link = base_url + reverse(
            "interviews:interview_detail",
            args=[assignment.course_id, assignment.pk, interview.pk],
        )
        events.append(
            Event(
                uid=_uid(f"interview-{interview.pk}"),
                start=interview.starts_at,
                end=interview.ends_at,
                summary=f"Informational interview with {interview.contact.name}",
                description=f"{held}{interview.get_mode_display()} · for “{assignment.title}” "
                f"({assignment.course}).\n{link}",
                location=interview.location,
                url=link,
            )
        )
    return sorted(events, key=lambda event: (event.start, event.uid))


def stamp_events(*, user, events: list[Event], now: datetime) -> dict[str, CalendarEventStamp]:
    """What the feed says of each event's version: a new event starts at sequence 0; one whose
    start or end moved since the feed last said otherwise gets sequence + 1 and ``now`` as its
    last modification. Two queries, plus one write of each kind when something is new or moved."""
    stamps = {s.uid: s for s in CalendarEventStamp.objects.filter(user=user)}
    new, moved = [], []
    for event in events:
        stamp = stamps.get(event.uid)
        if stamp is None:
            stamp = CalendarEventStamp(
                user=user, uid=event.uid, start=event.start, end=event.end, modified_at=now
            )
            stamps[event.uid] = stamp
            new.append(stamp)
        elif (stamp.start, stamp.end) != (event.start, event.end):
            stamp.start, stamp.end = event.start, event.end
            stamp.sequence += 1
            stamp.modified_at = now
            moved.append(stamp)
    if new:
        CalendarEventStamp.objects.bulk_create(new, ignore_conflicts=True)
    if moved:
        CalendarEventStamp.objects.bulk_update(moved, ["start", "end", "sequence", "modified_at"])
    return stamps


def render_calendar(
    *, name: str, events: list[Event], stamps: dict[str, CalendarEventStamp], now: datetime
) -> str:
    """The iCalendar text of ``events`` (the library escapes, folds and ends lines)."""
    calendar = icalendar.Calendar()
    calendar.add("version", "2.0")
    calendar.add("prodid", PRODID)
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", ical_text(name))
    calendar.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", timedelta(hours=1))
    for event in events:
        stamp = stamps[event.uid]
        item = icalendar.Event()
        item.add("uid", event.uid)
        item.add("dtstamp", now.astimezone(UTC))
        item.add("dtstart", event.start.astimezone(UTC))
        item.add("dtend", event.end.astimezone(UTC))
        item.add("sequence", stamp.sequence)
        item.add("last-modified", stamp.modified_at.astimezone(UTC))
        item.add("summary", ical_text(event.summary))
        for prop in ("description", "location"):
            if getattr(event, prop):
                item.add(prop, ical_text(getattr(event, prop)))
        if event.url:
            item.add("url", event.url)
        calendar.add_component(item)
    if not events:
        # A calendar holds at least one component (RFC 5545 3.4): an empty feed carries the
        # UTC time zone its events would use, so strict readers accept it too.
        calendar.add_component(icalendar.Timezone.from_tzid("UTC"))
    return calendar.to_ical().decode()


def calendar_for(*, user, base_url: str, now: datetime) -> str:
    """The whole feed of ``user``, ready to serve as text/calendar."""
    events = events_for(user=user, base_url=base_url)
    return render_calendar(
        name=f"Rapport — {user.display_name}",
        events=events,
        stamps=stamp_events(user=user, events=events, now=now),
        now=now,
    )
