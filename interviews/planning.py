"""The student's interview workflow: contacts, the plan, prepared questions, the log, the
thank-you and follow-up, and the outcome.

Every change a student makes to a contact or an interview goes through one function here, so the
rules (a plan needs the student's own contact, nothing new after the hard cut-off, holding an
interview counts as being in touch with the contact) live in one place.
"""

import re
import zoneinfo
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Literal
from urllib.parse import quote

from django.db import transaction
from django.db.models import Max, ProtectedError

from common.ordering import swap_with_neighbour
from common.refused import Refused

from .models import (
    FOLLOW_UP_AFTER,
    FOLLOW_UP_UNTIL,
    THANK_YOU_WITHIN,
    Assignment,
    BankQuestion,
    Contact,
    DueDates,
    Interview,
    PreparedQuestion,
)
from .reminders import cancel_contact_reminders, replan_contact_later, replan_later

# Dates --------------------------------------------------------------------------------------


def interview_deadline(dates: DueDates) -> tuple[str, datetime]:
    """(label, moment) an interview should be held by: the interview milestone if the
    assignment has one, else the write-up due date."""
    if dates.interview_due_at is not None:
        return "the interview-held-by date", dates.interview_due_at
    return "the write-up due date", dates.writeup_due_at


def plan_warnings(*, interview: Interview, dates: DueDates) -> list[str]:
    """Things about a plan the student may keep but should know (allowed, not refused)."""
    if interview.scheduled_at is None or not interview.is_active:
        return []
    label, deadline = interview_deadline(dates)
    if interview.scheduled_at > deadline:
        return [
            f"This interview is planned after {label}. You can keep this date, but it will "
            "count as late; ask your contact for an earlier time if you can."
        ]
    return []


def day_to_moment(
    day: date | None, *, zone_name: str, now: datetime, keep: datetime | None = None
) -> datetime | None:
    """A day the student typed (in their zone) as an aware moment.

    Today means now; another day means its midday, which stays on the same day in any nearby
    zone. If ``keep`` already falls on that day it is kept, so saving a form again does not
    move times that were recorded exactly.
    """
    if day is None:
        return None
    zone = zoneinfo.ZoneInfo(zone_name)
    if keep is not None and keep.astimezone(zone).date() == day:
        return keep
    if day == now.astimezone(zone).date():
        return now
    return datetime.combine(day, time(12, 0), tzinfo=zone)


def _touch_contact(contact: Contact, at: datetime | None) -> None:
    """Holding an interview or writing to the contact counts as keeping in touch."""
    if at is not None and (contact.last_contacted_at is None or at > contact.last_contacted_at):
        contact.last_contacted_at = at
        contact.save(update_fields=["last_contacted_at", "updated_at"])
        replan_contact_later(contact.pk)


def _replan(interview: Interview) -> None:
    """The interview's reminders follow its new state once the transaction commits."""
    replan_later(assignment_id=interview.assignment_id, student_id=interview.student_id)


# Contacts -----------------------------------------------------------------------------------

CONTACT_FIELDS = (
    "name", "job_title", "organisation", "industry", "email", "phone", "linkedin_url",
    "how_met", "referred_by", "notes", "keep_in_touch_weeks", "last_contacted_at",
)  # fmt: skip


def _check_referrer(owner, contact: Contact | None, referred_by: Contact | None) -> None:
    if referred_by is None:
        return
    if referred_by.owner_id != owner.pk or (contact is not None and referred_by.pk == contact.pk):
        raise Refused(
            "Choose another of your own contacts as the one who referred them.", field="referred_by"
        )


def contact_create(*, owner, **fields) -> Contact:
    """A new contact of ``owner``; ``fields`` are Contact fields (see CONTACT_FIELDS)."""
    _check_referrer(owner, None, fields.get("referred_by"))
    contact = Contact.objects.create(owner=owner, **fields)
    replan_contact_later(contact.pk)
    return contact


def contact_update(*, contact: Contact, **fields) -> Contact:
    _check_referrer(contact.owner, contact, fields.get("referred_by"))
    for name, value in fields.items():
        setattr(contact, name, value)
    contact.save()
    replan_contact_later(contact.pk)
    return contact


def contact_delete(*, contact: Contact) -> None:
    """Delete a contact nobody's interview uses; the contacts they referred stay."""
    count = contact.interviews.count()
    if count:
        raise Refused(
            f"{contact.name} is the contact of {count} interview{'s' if count != 1 else ''}, "
            "so they stay in your contacts. You can edit their details instead."
        )
    contact_id = contact.pk
    try:
        contact.delete()
    except ProtectedError as exc:  # an interview planned with them a moment ago
        raise Refused(
            f"{contact.name} is now the contact of an interview, so they stay in your contacts."
        ) from exc
    cancel_contact_reminders(contact_id)


def contact_referred(contact: Contact) -> list[Contact]:
    """The contacts ``contact`` referred the student to: those naming them as referrer and
    those recorded as referrals in an interview with them."""
    named = Contact.objects.owned_by(contact.owner_id).filter(referred_by=contact)
    from_interviews = Contact.objects.owned_by(contact.owner_id).filter(
        referred_in__contact=contact
    )
    return list((named | from_interviews).distinct().order_by("name", "pk"))


# The plan -----------------------------------------------------------------------------------

NO_CONTACT_CHOSEN = "Choose one of your contacts"  # the plan form's empty choice
PLAN_FIELDS = ("contact", "scheduled_at", "time_zone", "duration_minutes", "mode", "location")


def _plan_contact(*, student, contact: Contact | None, new_contact: dict | None) -> Contact:
    """The contact of a plan: the one chosen, or the one typed into the plan (created now, in
    the plan's transaction, so a refused plan leaves no contact behind)."""
    if contact is not None and new_contact is not None:
        raise Refused(
            f"You chose {contact.name} and also typed a new contact. Keep one, not both: clear "
            f"the new contact’s fields, or set this list back to “{NO_CONTACT_CHOSEN}”.",
            field="contact",
        )
    if new_contact is not None:
        return contact_create(owner=student, **new_contact)
    if contact is None:
        raise Refused(
            "Choose the contact you will interview, or add a new one below.", field="contact"
        )
    return contact


def _check_plan(*, student, contact: Contact, status: str | None, scheduled_at) -> None:
    if contact.owner_id != student.pk:
        raise Refused("Choose one of your own contacts.", field="contact")
    if status == Interview.Status.SCHEDULED and scheduled_at is None:
        raise Refused(
            "Add the date and time before marking the interview scheduled.", field="scheduled_at"
        )


@transaction.atomic
def interview_plan(
    *,
    assignment: Assignment,
    student,
    contact: Contact | None = None,
    new_contact: dict | None = None,
    scheduled_at: datetime | None,
    time_zone: str,
    duration_minutes: int,
    mode: str,
    location: str,
    status: str,
    now: datetime,
) -> Interview:
    """A new interview plan for ``assignment`` with ``contact``, or with a contact created
    from ``new_contact`` (Contact fields) in the same transaction.

    Refused after the student's hard cut-off, for another person's contact, and for a moment
    already past; a refused plan creates no contact.
    """
    if not assignment.dates_for_student(student).accepts_work(now):
        raise Refused("The hard cut-off for this assignment has passed.")
    contact = _plan_contact(student=student, contact=contact, new_contact=new_contact)
    _check_plan(student=student, contact=contact, status=status, scheduled_at=scheduled_at)
    if scheduled_at is not None and scheduled_at <= now:
        raise Refused(
            "That moment has already passed. Plan a date in the future; if the interview "
            "already happened, leave the date empty, save, and log it as held.",
            field="scheduled_at",
        )
    if status not in (Interview.Status.PLANNING, Interview.Status.SCHEDULED):
        raise Refused("A new plan starts as planning or scheduled.", field="status")
    interview = Interview.objects.create(
        assignment=assignment,
        student=student,
        contact=contact,
        scheduled_at=scheduled_at,
        time_zone=time_zone,
        duration_minutes=duration_minutes,
        mode=mode,
        location=location,
        status=status,
        created_at=now,
    )
    _replan(interview)
    return interview


@transaction.atomic
def interview_update_plan(
    *,
    interview: Interview,
    contact: Contact | None = None,
    new_contact: dict | None = None,
    scheduled_at: datetime | None,
    time_zone: str,
    duration_minutes: int,
    mode: str,
    location: str,
    status: str | None,
) -> Interview:
    """Change the plan. ``status`` None keeps it (a held interview's status changes only on
    the log page). ``new_contact`` (Contact fields) instead of ``contact`` creates the contact
    in the same transaction."""
    contact = _plan_contact(student=interview.student, contact=contact, new_contact=new_contact)
    _check_plan(
        student=interview.student, contact=contact, status=status, scheduled_at=scheduled_at
    )
    if status == Interview.Status.HELD and interview.status != Interview.Status.HELD:
        raise Refused("Log the interview as held on its log page.", field="status")
    interview.contact = contact
    interview.scheduled_at = scheduled_at
    interview.time_zone = time_zone
    interview.duration_minutes = duration_minutes
    interview.mode = mode
    interview.location = location
    if status is not None:
        interview.status = status
    interview.save()
    _replan(interview)
    return interview


# Prepared questions -------------------------------------------------------------------------


GROUP_ORDER = {value: index for index, value in enumerate(BankQuestion.Group.values)}


def bank_order(question: BankQuestion) -> tuple:
    """Sort key showing a question bank as the instructor grouped it: the role, the path, the
    industry, advice, other."""
    return (GROUP_ORDER.get(question.group, len(GROUP_ORDER)), question.position, question.pk)


def _next_position(interview: Interview) -> int:
    last = interview.questions.aggregate(last=Max("position"))["last"]
    return 0 if last is None else last + 1


def interview_add_bank_questions(
    *, interview: Interview, bank_questions: list[BankQuestion]
) -> int:
    """Add the picked bank questions not already on the list, at its end, in the bank's
    order; returns how many."""
    picked = set(
        interview.questions.filter(bank_question__isnull=False).values_list(
            "bank_question_id", flat=True
        )
    )
    position = _next_position(interview)
    added = []
    for question in sorted(bank_questions, key=bank_order):
        if question.assignment_id != interview.assignment_id or question.pk in picked:
            continue
        added.append(
            PreparedQuestion(
                interview=interview, position=position, text=question.text, bank_question=question
            )
        )
        picked.add(question.pk)
        position += 1
    PreparedQuestion.objects.bulk_create(added)
    return len(added)


def interview_add_question(*, interview: Interview, text: str) -> PreparedQuestion:
    """One of the student's own questions, at the end of the list."""
    return PreparedQuestion.objects.create(
        interview=interview, position=_next_position(interview), text=text.strip()
    )


@transaction.atomic
def interview_move_question(
    *, interview: Interview, question: PreparedQuestion, direction: Literal["up", "down"]
) -> bool:
    """Swap ``question`` with its neighbour; False when it is already first (last)."""
    questions = list(interview.questions.select_for_update().order_by("position", "pk"))
    return swap_with_neighbour(questions, question, up=direction == "up")


def interview_remove_question(*, interview: Interview, question: PreparedQuestion) -> None:
    """Remove a question; an empty list is no longer "ready"."""
    question.delete()
    if interview.questions_ready_at is not None and not interview.questions.exists():
        interview.questions_ready_at = None
        interview.save(update_fields=["questions_ready_at", "updated_at"])


def interview_set_questions_ready(*, interview: Interview, ready: bool, at: datetime) -> None:
    """Mark the questions ready (at ``at``) or take that back. Ready needs one question."""
    if ready and not interview.questions.exists():
        raise Refused("Add at least one question before marking your questions ready.")
    interview.questions_ready_at = (interview.questions_ready_at or at) if ready else None
    interview.save(update_fields=["questions_ready_at", "updated_at"])
    _replan(interview)


# The log, thank-you, follow-up and outcome ---------------------------------------------------


def interview_mark_held(*, interview: Interview, at: datetime) -> None:
    """The interview took place at ``at``; that counts as being in touch with the contact."""
    interview.status = Interview.Status.HELD
    interview.held_at = at
    interview.save(update_fields=["status", "held_at", "updated_at"])
    _touch_contact(interview.contact, at)
    _replan(interview)


def interview_unmark_held(*, interview: Interview) -> None:
    """Take back "held": the interview is scheduled again (planning if it has no date)."""
    interview.status = (
        Interview.Status.SCHEDULED if interview.scheduled_at else Interview.Status.PLANNING
    )
    interview.held_at = None
    interview.save(update_fields=["status", "held_at", "updated_at"])
    _replan(interview)


@transaction.atomic
def interview_save_log(
    *, interview: Interview, held_at: datetime | None, notes: str, went_poorly: str
) -> None:
    """Save the notes; ``held_at`` marks the interview held then (None: not held)."""
    if held_at is not None and held_at != interview.held_at:
        interview_mark_held(interview=interview, at=held_at)
    elif held_at is None and interview.status == Interview.Status.HELD:
        interview_unmark_held(interview=interview)
    interview.notes = notes
    interview.went_poorly = went_poorly
    interview.save(update_fields=["notes", "went_poorly", "updated_at"])


@transaction.atomic
def interview_save_follow_up(
    *,
    interview: Interview,
    thank_you_sent_at: datetime | None,
    follow_up_sent_at: datetime | None,
    reply_received_at: datetime | None,
) -> None:
    interview.thank_you_sent_at = thank_you_sent_at
    interview.follow_up_sent_at = follow_up_sent_at
    interview.reply_received_at = reply_received_at
    interview.save(
        update_fields=["thank_you_sent_at", "follow_up_sent_at", "reply_received_at", "updated_at"]
    )
    latest = max(
        (m for m in (thank_you_sent_at, follow_up_sent_at, reply_received_at) if m), default=None
    )
    _touch_contact(interview.contact, latest)
    _replan(interview)


def interview_mark_thank_you_sent(*, interview: Interview, at: datetime) -> None:
    interview_save_follow_up(
        interview=interview,
        thank_you_sent_at=interview.thank_you_sent_at or at,
        follow_up_sent_at=interview.follow_up_sent_at,
        reply_received_at=interview.reply_received_at,
    )


@transaction.atomic
def interview_save_outcome(
    *,
    interview: Interview,
    insights: str,
    path_fit: str,
    referrals: list[Contact],
    offer: str,
    new_referral: dict | None = None,
) -> Contact | None:
    """Record the outcome. Referred contacts that have no referrer yet get the interview's
    contact as theirs, so the referral chain shows on both contacts.

    ``new_referral`` (Contact fields) is someone not yet among the student's contacts: they are
    added, referred by the interview's contact, and counted among the referrals. Returns that
    new contact, or None when there is none.
    """
    for contact in referrals:
        if contact.owner_id != interview.student_id or contact.pk == interview.contact_id:
            raise Refused("Referrals must be other contacts of your own.", field="referrals")
    added = None
    if new_referral is not None:
        added = contact_create(
            owner=interview.student, referred_by=interview.contact, **new_referral
        )
        referrals = [*referrals, added]
    interview.insights = insights
    interview.path_fit = path_fit
    interview.offer = offer
    interview.save(update_fields=["insights", "path_fit", "offer", "updated_at"])
    interview.referrals.set(referrals)
    Contact.objects.filter(pk__in=[c.pk for c in referrals], referred_by__isnull=True).update(
        referred_by=interview.contact
    )
    return added


# The thank-you draft ------------------------------------------------------------------------

BULLET = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+(.+?)\s*$")
SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def learned_points(text: str, limit: int = 2) -> list[str]:
    """The first ``limit`` bullets of ``text``, or else its first sentences."""
    bullets = [m.group(1) for line in text.splitlines() if (m := BULLET.match(line))]
    if bullets:
        points = bullets
    else:
        flat = " ".join(text.split())
        points = [s for s in SENTENCE_END.split(flat) if s]
    cleaned = []
    for point in points[:limit]:
        point = point.strip().rstrip(".!;:,")
        if len(point) > 200:
            point = point[:199].rsplit(" ", 1)[0] + "…"
        if point:
            cleaned.append(point)
    return cleaned


NoteKind = Literal["thank_you", "follow_up"]
DRAFT_FIELDS: dict[str, str] = {"thank_you": "thank_you_draft", "follow_up": "follow_up_draft"}
LEARNED_PLACEHOLDER = "[one thing you learned from them, in your own words]"


@dataclass(frozen=True)
class NoteDraft:
    """A note to the contact: the student's saved edit (``body``) or, until they edit it, the
    suggested text. ``points`` are the things learned the suggestion names."""

    kind: str
    subject: str
    body: str
    suggested: str
    points: list[str]
    to: str

    @property
    def edited(self) -> bool:
        return self.body != self.suggested

    @property
    def has_placeholder(self) -> bool:
        return LEARNED_PLACEHOLDER in self.body

    @property
    def mailto(self) -> str:
        """A mailto: link carrying the note as it stands; without an address the email app
        opens with the recipient left to fill in."""
        address = quote(self.to, safe="@") if self.to else ""
        subject, body = quote(self.subject, safe=""), quote(self.body, safe="")
        return f"mailto:{address}?subject={subject}&body={body}"


def _about(contact: Contact) -> str:
    if contact.job_title and contact.organisation:
        return f"your work as {contact.job_title} at {contact.organisation}"
    if contact.organisation:
        return f"your work at {contact.organisation}"
    if contact.job_title:
        return f"your work as {contact.job_title}"
    return "your work"


def _held_in_their_zone(interview: Interview) -> datetime | None:
    """When it was held, on the professional's clock: the note is read by them."""
    if interview.status != Interview.Status.HELD or interview.starts_at is None:
        return None
    try:
        zone = zoneinfo.ZoneInfo(interview.time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = zoneinfo.ZoneInfo("UTC")
    return interview.starts_at.astimezone(zone)


def _signature(student) -> list[str]:
    return ["", "Best regards,", student.display_name]


def _suggested_thank_you(interview: Interview, student) -> tuple[str, str, list[str]]:
    """(subject, body, points). The things learned come from "What I learned", which the
    student writes in their own words for this note; the log's notes record what the contact
    said, in the third person, so they never go into a letter addressed to that contact."""
    contact = interview.contact
    points = learned_points(interview.insights)
    held = _held_in_their_zone(interview)
    when = f" on {held:%A}" if held else ""
    lines = [
        f"Dear {contact.name},",
        "",
        f"Thank you very much for taking the time to talk with me{when}. I really appreciated "
        f"hearing about {_about(contact)}.",
        "",
    ]
    if len(points) == 1:
        lines += [f"One thing I will take away from our conversation: {points[0]}.", ""]
    elif points:
        lines += ["Two things I will take away from our conversation:", ""]
        lines += [f"- {point}" for point in points]
        lines += [""]
    else:
        lines += [f"One thing I will take away from our conversation: {LEARNED_PLACEHOLDER}.", ""]
    lines += ["I will let you know how things develop. Thank you again for your time and advice."]
    lines += _signature(student)
    return "Thank you for our conversation", "\n".join(lines), points


def _suggested_follow_up(interview: Interview, student) -> tuple[str, str, list[str]]:
    """(subject, body, points): one polite follow-up, carrying the better answer the student
    wrote in the log when there is one."""
    contact = interview.contact
    held = _held_in_their_zone(interview)
    when = f" on {held:%A %-d %B}" if held else ""
    lines = [
        f"Dear {contact.name},",
        "",
        f"I hope you are well. I am writing to follow up on our conversation{when} about "
        f"{_about(contact)}, and to thank you again for your time.",
        "",
    ]
    better = interview.went_poorly.strip()
    if better:
        lines += [
            "Since we spoke I have kept thinking about one of your questions, and I would like "
            "to give you a better answer than I did on the day:",
            "",
            better,
            "",
        ]
    lines += [
        "If you have any further thoughts, or someone else you think I should talk to, I would "
        "be very glad to hear from you."
    ]
    lines += _signature(student)
    return "Following up on our conversation", "\n".join(lines), []


SUGGESTIONS = {"thank_you": _suggested_thank_you, "follow_up": _suggested_follow_up}


def note_draft(*, interview: Interview, student, kind: NoteKind) -> NoteDraft:
    """The thank-you or follow-up note as the page shows it: the saved edit, else the
    suggestion (which follows the log and outcome until the student edits it)."""
    subject, suggested, points = SUGGESTIONS[kind](interview, student)
    saved = getattr(interview, DRAFT_FIELDS[kind])
    return NoteDraft(
        kind=kind, subject=subject, body=saved or suggested, suggested=suggested,
        points=points, to=interview.contact.email,
    )  # fmt: skip


def thank_you_draft(*, interview: Interview, student) -> NoteDraft:
    """A thank-you note to the contact, naming one or two things learned."""
    return note_draft(interview=interview, student=student, kind="thank_you")


def follow_up_draft(*, interview: Interview, student) -> NoteDraft:
    return note_draft(interview=interview, student=student, kind="follow_up")


def interview_save_draft(*, interview: Interview, kind: NoteKind, text: str) -> bool:
    """Keep the student's edit of a note with the interview; returns True when an edit is
    kept. Empty text, or the suggestion itself, clears it ("not edited"), so the suggestion
    keeps following the log and outcome."""
    text = "\n".join(line.rstrip() for line in text.replace("\r\n", "\n").split("\n")).strip()
    _, suggested, _ = SUGGESTIONS[kind](interview, interview.student)
    kept = "" if text == suggested.strip() else text
    setattr(interview, DRAFT_FIELDS[kind], kept)
    interview.save(update_fields=[DRAFT_FIELDS[kind], "updated_at"])
    return bool(kept)


# Timing of the notes ------------------------------------------------------------------------


@dataclass(frozen=True)
class NoteTiming:
    """Where a note stands in time. ``state``: "not_held" (no interview to write about yet),
    "early" (wait until ``start``), "due" (send by ``end``), "late" (past ``end``: still
    worth sending), "sent" (at ``done_at``), "replied" (no follow-up needed)."""

    state: str
    held_at: datetime | None
    start: datetime | None = None
    end: datetime | None = None
    done_at: datetime | None = None


def thank_you_timing(*, interview: Interview, now: datetime) -> NoteTiming:
    """The thank-you goes the same day or within 24 hours of the interview."""
    held = interview.happened_at
    if interview.thank_you_sent_at is not None:
        return NoteTiming("sent", held, done_at=interview.thank_you_sent_at)
    if held is None:
        return NoteTiming("not_held", None)
    end = held + THANK_YOU_WITHIN
    return NoteTiming("due" if now <= end else "late", held, start=held, end=end)


def follow_up_timing(*, interview: Interview, now: datetime) -> NoteTiming:
    """One polite follow-up when nothing is heard within one to two weeks."""
    held = interview.happened_at
    if interview.reply_received_at is not None:
        return NoteTiming("replied", held, done_at=interview.reply_received_at)
    if interview.follow_up_sent_at is not None:
        return NoteTiming("sent", held, done_at=interview.follow_up_sent_at)
    if held is None:
        return NoteTiming("not_held", None)
    start, end = held + FOLLOW_UP_AFTER, held + FOLLOW_UP_UNTIL
    state = "early" if now < start else "due" if now <= end else "late"
    return NoteTiming(state, held, start=start, end=end)


@dataclass(frozen=True)
class NotePage:
    draft: NoteDraft
    timing: NoteTiming


def note_page(*, interview: Interview, student, kind: NoteKind, now: datetime) -> NotePage:
    """What the thank-you or follow-up page shows: the note and where it stands in time."""
    timing = thank_you_timing if kind == "thank_you" else follow_up_timing
    return NotePage(
        draft=note_draft(interview=interview, student=student, kind=kind),
        timing=timing(interview=interview, now=now),
    )
