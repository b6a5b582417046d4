"""CSV roster import: read and check every row first, then import all rows or none.

Besides Rapport's own CSV (name, email, role) it reads the rosters LMSs export, unchanged:
Canvas's gradebook export (Student as "Last, First", SIS Login ID, a "Points Possible" row and
the Test Student, both skipped and listed), Canvas's users provisioning report, Moodle's
participants export (First name, Last name or Surname, Email address) and its user upload
file (username, firstname, lastname, email)."""

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass

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
    "first": {"first name", "firstname", "given name"},
    "last": {"last name", "lastname", "surname", "family name"},
    "email": {"email", "e-mail", "email address", "e-mail address", "mail"},
    "role": {"role", "course role", "roles"},
    # Canvas: the login, often the address itself; the provisioning report's account status.
    "login": {"sis login id", "login id"},
    "status": {"status"},
}
ROLE_ALIASES = {
    "": Role.STUDENT,
    "student": Role.STUDENT,
    "learner": Role.STUDENT,
    "assistant": Role.ASSISTANT,
    "ta": Role.ASSISTANT,
    "teaching assistant": Role.ASSISTANT,
    "non-editing teacher": Role.ASSISTANT,
    "instructor": Role.INSTRUCTOR,
    "teacher": Role.INSTRUCTOR,
    "editing teacher": Role.INSTRUCTOR,
}

CANVAS_GRADEBOOK = "Canvas gradebook export"
CANVAS_USERS = "Canvas users report"
MOODLE_PARTICIPANTS = "Moodle participants export"
MOODLE_USER_UPLOAD = "Moodle user upload file"
ROSTER_CSV = "CSV roster"
# Canvas's student view account, in the gradebook as "Student, Test" (older exports: "Test
# Student"); it is no person and has no address.
CANVAS_TEST_STUDENT = {"student, test", "test student"}
# Canvas's second row of a gradebook export, above "Points Possible", names each assignment's
# posting policy (older exports: "Muted") and holds no person.
CANVAS_POLICY_CELLS = {"manual posting", "muted"}


# A refusal of the file as a whole (nothing about single rows) names the upload form's field.
FILE = "file"


@dataclass(frozen=True)
class Roster:
    """An uploaded roster as read: what it was recognised as, one dict per person (see
    ``parse_roster``) and the rows that are no person, each with ``line``, ``text`` and
    ``reason``."""

    source: str
    rows: list[dict]
    skipped: list[dict]


def _decode(data: bytes) -> str:
    try:
        return csv_text(data)
    except BinaryFile as exc:
        raise Refused(
            "This file is not a CSV text file. Export the roster as CSV (comma-separated values). "
            "A spreadsheet (.xlsx) must be saved as CSV first.",
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


def _label(raw: str) -> str:
    return " ".join(raw.strip().lower().replace("_", " ").split())


def _dialect(text: str) -> tuple[type[csv.Dialect] | csv.Dialect, str]:
    """The CSV dialect and its delimiter, the latter taken from the header line: the one of
    comma, semicolon and tab that splits it into the most columns (Moodle writes either comma
    or semicolon; names such as "Doe, Jane" further down must not make a comma file look like
    anything else)."""
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    first_line = text.split("\n", 1)[0]
    counts = {
        delimiter: len(next(csv.reader([first_line], delimiter=delimiter), []))
        for delimiter in (dialect.delimiter, ",", ";", "\t")
    }
    return dialect, max(counts, key=counts.get)  # a tie keeps the sniffed one


def _column_map(header: list[str]) -> tuple[str, dict[str, int]]:
    """What the file is, and the index of each column it has."""
    labels = [_label(raw) for raw in header]
    found = {}
    for index, label in enumerate(labels):
        for column, aliases in HEADER_ALIASES.items():
            if label in aliases and column not in found:
                found[column] = index
    present = set(labels)
    if {"student", "sis login id"} <= present:
        source = CANVAS_GRADEBOOK
    elif "canvas user id" in present:
        source = CANVAS_USERS
        # The report has first name, last name and full name: the full name is the one to show.
        if "full name" in present:
            found["name"] = labels.index("full name")
    elif {"username", "firstname", "lastname"} <= present:
        source = MOODLE_USER_UPLOAD
    elif "email address" in present and "first" in found and "last" in found:
        source = MOODLE_PARTICIPANTS
    else:
        source = ROSTER_CSV
    missing = []
    if "name" not in found and "first" not in found and "last" not in found:
        missing.append("name")
    if "email" not in found and "login" not in found:
        missing.append("email")
    if missing:
        shown = ", ".join(f"“{h.strip()}”" for h in header if h.strip()) or "nothing"
        raise Refused(
            f"The first row must name the columns; missing: {' and '.join(missing)}. "
            f"Found {shown}. Expected a header like: name,email,role (role is optional), "
            "or a Canvas gradebook export or Moodle participants export as downloaded.",
            field=FILE,
        )
    return source, found


def read_roster(data: bytes, *, course: Course) -> Roster:
    """Read an uploaded roster: Rapport's own CSV (name, email, role), a Canvas gradebook
    export or users report, a Moodle participants export or user upload file, each as the
    system writes it (UTF-8 with or without a byte-order mark; comma, semicolon or tab).

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
    dialect, delimiter = _dialect(text)
    reader = csv.reader(io.StringIO(text, newline=""), dialect, delimiter=delimiter)
    try:
        header = next(reader)
        source, columns = _column_map(header)
        raw_rows = [(reader.line_num, row) for row in reader if any(cell.strip() for cell in row)]
    except csv.Error as exc:
        raise Refused(f"The file could not be read as CSV: {exc}.", field=FILE) from exc
    people, skipped = [], []
    for line, row in raw_rows:
        reason = _skip_reason(row, columns, source=source)
        if reason:
            text = " · ".join([cell.strip() for cell in row if cell.strip()][:3])
            skipped.append({"line": line, "text": text[:80], "reason": reason})
        else:
            people.append((line, row))
    if not people:
        also = f" ({len(skipped)} rows skipped, none of them a person)" if skipped else ""
        raise Refused(f"The file has a header but no people in it{also}.", field=FILE)
    if len(people) > MAX_ROWS:
        raise Refused(f"The file has {len(people)} rows; at most {MAX_ROWS} at a time.", field=FILE)
    return Roster(
        source=source,
        rows=_validate_rows(people, columns, source=source, course=course),
        skipped=skipped,
    )


def parse_roster(data: bytes, *, course: Course) -> list[dict]:
    """Return one dict per person with ``line``, ``name``, ``email``, ``role``, ``action``
    ("invite", or "already" for an active member) and ``errors`` (a list of messages; empty
    when the row can be imported). Rows that are no person are left out (``read_roster``
    lists them).

    Raises Refused (on the upload's field) when the file as a whole cannot be used.
    """
    return read_roster(data, course=course).rows


def _cell(row: list[str], index: int | None) -> str:
    if index is None or index >= len(row):
        return ""
    return row[index].strip()


def _skip_reason(row: list[str], columns: dict[str, int], *, source: str) -> str:
    """Why a row of an LMS export is no person to invite, or "" for a person."""
    if source == CANVAS_GRADEBOOK:
        name = " ".join(_cell(row, columns.get("name")).lower().split())
        if name == "points possible":
            return "Canvas's “Points Possible” row (the points of each assignment), not a person."
        cells = {" ".join(cell.lower().split()) for cell in row}
        if not name and cells & CANVAS_POLICY_CELLS:
            return "Canvas's posting-policy row (“Manual Posting”), not a person."
        if name in CANVAS_TEST_STUDENT:
            return "Canvas's Test Student (the student view of the course), not a real student."
    if source == CANVAS_USERS and _cell(row, columns.get("status")).lower() == "deleted":
        return "Deleted in Canvas (status “deleted”)."
    return ""


def _name(raw: list[str], columns: dict[str, int], *, source: str) -> str:
    if "name" in columns:
        name = _cell(raw, columns["name"])
        if source == CANVAS_GRADEBOOK and "," in name:
            # Canvas's Student column is the sortable name, "Last, First".
            last, first = (part.strip() for part in name.split(",", 1))
            name = f"{first} {last}".strip()
        if name or "first" not in columns:
            return name
    return " ".join(
        part for part in (_cell(raw, columns.get("first")), _cell(raw, columns.get("last"))) if part
    )


def _is_email(value: str) -> bool:
    try:
        validate_email(value)
    except ValidationError:
        return False
    return True


def _no_email_reason(login: str, *, source: str, has_email_column: bool) -> str:
    if has_email_column:
        return "Email is empty."
    where = (
        "A Canvas gradebook export has no email column"
        if source == CANVAS_GRADEBOOK
        else "The file has no email column"
    )
    login_text = (
        f"the SIS Login ID “{login[:80]}” is not an email address"
        if login
        else "the SIS Login ID is empty"
    )
    return (
        f"No email address: {where}, and {login_text}. Add an “Email” column with each "
        "person's address (a Canvas administrator's users report has one), and upload again."
    )


def _validate_rows(raw_rows, columns, *, source: str, course: Course) -> list[dict]:
    rows = []
    for line, raw in raw_rows:
        name = _name(raw, columns, source=source)
        email = _cell(raw, columns.get("email")).lower()
        login = _cell(raw, columns.get("login"))
        role_text = " ".join(_cell(raw, columns.get("role")).lower().split())
        errors = []
        if not name:
            errors.append("Name is empty.")
        elif len(name) > 150:
            errors.append("Name is longer than 150 characters.")
        elif has_control_characters(name):
            errors.append("Name holds a line break, tab or other control character.")
        if not email and _is_email(login):
            # Canvas's gradebook has no address column; the login is often the address.
            email = login.lower()
        if not email:
            errors.append(
                _no_email_reason(login, source=source, has_email_column="email" in columns)
            )
        elif not _is_email(email):
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
    roster = read_roster(data, course=course)
    rows = roster.rows
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
        source=roster.source,
        rows=rows,
        skipped=roster.skipped,
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
