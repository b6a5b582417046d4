"""CSV roster import: read and check every row first, then import all rows or none."""

import csv
import io
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from accounts.validators import has_control_characters
from common.refused import Refused
from common.spreadsheets import BinaryFile, NotUtf8, NulCharacter, csv_text

from .enrolment import COURSE_ARCHIVED, Invitee, invitations_send
from .invitation_limits import invitation_limit_problem
from .models import Course, Role, RosterImport

MAX_ROWS = 5000
CHUNK = 100
HEADER_ALIASES = {
    "name": {"name", "full name", "fullname", "student name", "student"},
    "email": {"email", "e-mail", "email address", "e-mail address", "mail"},
    "role": {"role", "course role"},
}
ROLE_ALIASES = {
    "": Role.STUDENT,
    "student": Role.STUDENT,
    "learner": Role.STUDENT,
    "assistant": Role.ASSISTANT,
    "ta": Role.ASSISTANT,
    "teaching assistant": Role.ASSISTANT,
    "instructor": Role.INSTRUCTOR,
    "teacher": Role.INSTRUCTOR,
}


# A refusal of the file as a whole (nothing about single rows) names the upload form's field.
FILE = "file"


def _decode(data: bytes) -> str:
    try:
        return csv_text(data)
    except BinaryFile as exc:
        raise Refused(
            "This file is not a CSV text file. Export the roster as CSV (comma-separated values).",
            field=FILE,
        ) from exc
    except NulCharacter as exc:
        raise Refused(
            f"Line {exc.line} holds a NUL character, which a CSV text file never has (the file "
            "may be damaged). Export the roster as CSV again, or remove the character, and "
            "upload again.",
            field=FILE,
        ) from exc
    except NotUtf8 as exc:
        raise Refused(
            f"The file is not UTF-8 text (first bad byte on line {exc.line}). In Excel choose "
            "“Save as → CSV UTF-8”, or in Google Sheets “Download → CSV”, and upload again.",
            field=FILE,
        ) from exc


def _column_map(header: list[str]) -> dict[str, int]:
    found = {}
    for index, raw in enumerate(header):
        label = " ".join(raw.strip().lower().replace("_", " ").split())
        for column, aliases in HEADER_ALIASES.items():
            if label in aliases and column not in found:
                found[column] = index
    missing = [column for column in ("name", "email") if column not in found]
    if missing:
        shown = ", ".join(f"“{h.strip()}”" for h in header if h.strip()) or "nothing"
        raise Refused(
            f"The first row must name the columns; missing: {' and '.join(missing)}. "
            f"Found {shown}. Expected a header like: name,email,role (role is optional).",
            field=FILE,
        )
    return found


def parse_roster(data: bytes, *, course: Course) -> list[dict]:
    """Return one dict per data row with ``line``, ``name``, ``email``, ``role``, ``action``
    ("invite", or "already" for an active member) and ``errors`` (a list of messages; empty
    when the row can be imported).

    Raises Refused (on the upload's field) when the file as a whole cannot be used.
    """
    if len(data) > settings.ROSTER_IMPORT_MAX_BYTES:
        limit = settings.ROSTER_IMPORT_MAX_BYTES // (1024 * 1024)
        raise Refused(
            f"The file is larger than {limit} MB. Split it into smaller files.", field=FILE
        )
    if not data.strip():
        raise Refused("The file is empty.", field=FILE)
    text = _decode(data)
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    try:
        header = next(reader)
        columns = _column_map(header)
        raw_rows = [(reader.line_num, row) for row in reader if any(cell.strip() for cell in row)]
    except csv.Error as exc:
        raise Refused(f"The file could not be read as CSV: {exc}.", field=FILE) from exc
    if not raw_rows:
        raise Refused("The file has a header but no people in it.", field=FILE)
    if len(raw_rows) > MAX_ROWS:
        raise Refused(
            f"The file has {len(raw_rows)} rows; at most {MAX_ROWS} at a time.", field=FILE
        )
    return _validate_rows(raw_rows, columns, course=course)


def _cell(row: list[str], index: int | None) -> str:
    if index is None or index >= len(row):
        return ""
    return row[index].strip()


def _validate_rows(raw_rows, columns, *, course: Course) -> list[dict]:
    rows = []
    for line, raw in raw_rows:
        name, email = _cell(raw, columns["name"]), _cell(raw, columns["email"]).lower()
        role_text = " ".join(_cell(raw, columns.get("role")).lower().split())
        errors = []
        if not name:
            errors.append("Name is empty.")
        elif len(name) > 150:
            errors.append("Name is longer than 150 characters.")
        elif has_control_characters(name):
            errors.append("Name holds a line break, tab or other control character.")
        if not email:
            errors.append("Email is empty.")
        else:
            try:
                validate_email(email)
            except ValidationError:
                errors.append(f"“{email[:80]}” is not a valid email address.")
        role = ROLE_ALIASES.get(role_text)
        if role is None:
            errors.append(f"Role “{role_text[:40]}” is not one of student, assistant, instructor.")
        rows.append(
            {
                "line": line,
                "name": name[:150],
                "email": email[:254],
                "role": role or "",
                "action": "",
                "errors": errors,
            }
        )

    first_line = {}
    for row in rows:
        if row["email"] in first_line:
            row["errors"].append(f"Same email as line {first_line[row['email']]}.")
        elif row["email"]:
            first_line[row["email"]] = row["line"]

    # Everyone not in the course yet is invited, account or not: nobody joins without
    # accepting, and the preview never tells whether an address has an account.
    active_members = _active_member_emails(course, [row["email"] for row in rows])
    for row in rows:
        row["action"] = "already" if row["email"] in active_members else "invite"
    return rows


def _active_member_emails(course: Course, emails: list[str]) -> set[str]:
    return set(
        course.memberships.active()
        .filter(user__email__in=[email for email in emails if email])
        .values_list("user__email", flat=True)
    )


def roster_import_create(*, course: Course, uploaded_by, upload) -> RosterImport:
    """Read ``upload`` and keep its checked rows for the preview. Raises Refused."""
    if not course.accepts_new_members:
        raise Refused(COURSE_ARCHIVED, field=FILE)
    data = upload.read(settings.ROSTER_IMPORT_MAX_BYTES + 1)
    rows = parse_roster(data, course=course)
    # Checked again row by row when the import runs; here so the preview says so at once.
    # Everyone not yet in the course counts, as the import invites everyone else.
    limit_problem = invitation_limit_problem(
        course=course,
        inviter=uploaded_by,
        emails=[row["email"] for row in rows if row["action"] != "already" and not row["errors"]],
        now=timezone.now(),
    )
    if limit_problem:
        raise Refused(limit_problem, field=FILE)
    return RosterImport.objects.create(
        course=course,
        uploaded_by=uploaded_by,
        filename=(upload.name or "roster.csv")[:255],
        rows=rows,
        error_count=sum(1 for row in rows if row["errors"]),
    )


def roster_import_start(*, roster_import: RosterImport) -> bool:
    """Queue the import once; a second click or tab finds it already queued. Returns queued."""
    from .tasks import run_roster_import

    queued = RosterImport.objects.filter(
        pk=roster_import.pk, state=RosterImport.State.PREVIEW, error_count=0
    ).update(state=RosterImport.State.QUEUED)
    if queued:
        run_roster_import.delay_on_commit(roster_import.pk)
    return bool(queued)


def roster_import_run(*, roster_import: RosterImport, report: Callable[[int], None]) -> dict:
    """Invite every row not in the course yet, in one transaction, calling ``report(done)``
    after each chunk. Nobody becomes a member here: each person accepts their invitation (by
    the emailed link, or on My courses when they have an account).

    Returns counts of people invited and already present. On any error nothing is kept.
    """
    course = roster_import.course
    summary = {"invited": 0, "already": 0}
    with transaction.atomic():
        rows = roster_import.rows
        for start in range(0, len(rows), CHUNK):
            chunk = rows[start : start + CHUNK]
            members = _active_member_emails(course, [row["email"] for row in chunk])
            invitees = [
                Invitee(email=row["email"], role=row["role"], name=row["name"])
                for row in chunk
                if row["email"] not in members
            ]
            # One check of the limits per chunk: they count what this transaction created.
            invitations_send(course=course, invitees=invitees, invited_by=roster_import.uploaded_by)
            summary["invited"] += len(invitees)
            summary["already"] += len(chunk) - len(invitees)
            report(start + len(chunk))
        roster_import.state = RosterImport.State.DONE
        roster_import.processed = len(rows)
        roster_import.summary = summary
        roster_import.finished_at = timezone.now()
        roster_import.save(update_fields=["state", "processed", "summary", "finished_at"])
    return summary
