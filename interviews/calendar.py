"""The personal iCalendar feed (RFC 5545): milestone dates and scheduled interviews.

Written by hand: the format needs only a few rules (CRLF line ends, TEXT escaping, folding
at 75 octets), and a dependency for them would be larger than this module.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.urls import reverse

from courses.models import Membership, Role

from .models import Assignment, Extension, Interview, Milestone

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


@dataclass(frozen=True)
class Event:
    uid: str
    start: datetime
    end: datetime
    summary: str
    description: str = ""
    location: str = ""
    url: str = ""


def escape_text(value: str) -> str:
    """A TEXT value (RFC 5545 §3.3.11): backslash, semicolon, comma and newlines escaped."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def fold(line: str) -> str:
    """Split a content line into pieces of at most 75 octets, never inside a UTF-8 character;
    continuation lines start with one space (RFC 5545 §3.1)."""
    pieces, current, size = [], "", 0
    for char in line:
        width = len(char.encode())
        limit = 75 if not pieces else 74  # continuation lines spend one octet on the space
        if size + width > limit:
            pieces.append(current)
            current, size = "", 0
        current += char
        size += width
    pieces.append(current)
    return "\r\n ".join(pieces)


def utc_stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _assignment_path(assignment: Assignment, *, staff: bool) -> str:
    if staff:
        return reverse("interviews:progress", args=[assignment.course_id, assignment.pk])
    return reverse("interviews:assignment_detail", args=[assignment.course_id, assignment.pk])


def events_for(*, user, base_url: str) -> list[Event]:
    """The user's events: as a student, each dated milestone of each published assignment
    (extension applied) and each non-cancelled interview with a time; as staff, each
    milestone of the published assignments of the courses they teach. Five queries."""
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
            extended = " Your extended date." if dates.extended and not staff else ""
            events.append(
                Event(
                    uid=f"milestone-{assignment.pk}-{key}-{user.pk}@rapport",
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
        .filter(student=user, assignment__in=mine, scheduled_at__isnull=False)
        .select_related("contact")
    )
    for interview in interviews:
        assignment = mine[interview.assignment_id]
        link = base_url + reverse(
            "interviews:interview_detail",
            args=[assignment.course_id, assignment.pk, interview.pk],
        )
        events.append(
            Event(
                uid=f"interview-{interview.pk}@rapport",
                start=interview.scheduled_at,
                end=interview.ends_at,
                summary=f"Informational interview with {interview.contact.name}",
                description=f"{interview.get_mode_display()} · for “{assignment.title}” "
                f"({assignment.course}).\n{link}",
                location=interview.location,
                url=link,
            )
        )
    return sorted(events, key=lambda event: (event.start, event.uid))


def render_calendar(*, name: str, events: list[Event], now: datetime) -> str:
    """The iCalendar text: CRLF line ends, escaped TEXT values, lines folded at 75 octets."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape_text(name)}",
        "REFRESH-INTERVAL;VALUE=DURATION:PT1H",
        "X-PUBLISHED-TTL:PT1H",
    ]
    stamp = utc_stamp(now)
    for event in events:
        lines += [
            "BEGIN:VEVENT",
            f"UID:{event.uid}",
            f"DTSTAMP:{stamp}",
            f"DTSTART:{utc_stamp(event.start)}",
            f"DTEND:{utc_stamp(event.end)}",
            f"SUMMARY:{escape_text(event.summary)}",
        ]
        if event.description:
            lines.append(f"DESCRIPTION:{escape_text(event.description)}")
        if event.location:
            lines.append(f"LOCATION:{escape_text(event.location)}")
        if event.url:
            lines.append(f"URL:{event.url}")
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)


def calendar_for(*, user, base_url: str, now: datetime) -> str:
    """The whole feed of ``user``, ready to serve as text/calendar."""
    return render_calendar(
        name=f"Rapport — {user.full_name or user.email}",
        events=events_for(user=user, base_url=base_url),
        now=now,
    )
