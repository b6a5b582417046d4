"""CSV roster import: ``courses/roster.py`` and the upload, preview and progress pages."""

import csv
import html
import io
import random
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from common.refused import Refused
from courses.editing import course_archive
from courses.models import Invitation, Membership, Role, RosterImport
from courses.roster import parse_roster
from tests.html_forms import press

MB = 1024 * 1024


def import_from_preview(client, preview, button, capture_on_commit):
    """Press the preview's import button, let the import task run, and read the import's page."""
    with capture_on_commit(execute=True):
        press(client, preview, button=button, page_url=preview.request["PATH_INFO"])
    return client.get(preview.request["PATH_INFO"])


def upload(client, course, data: bytes, filename: str = "roster.csv"):
    return client.post(
        reverse("courses:roster_import_upload", args=[course.pk]),
        {"file": SimpleUploadedFile(filename, data, content_type="text/csv")},
    )


def import_url(roster_import) -> str:
    return reverse("courses:roster_import", args=[roster_import.course_id, roster_import.pk])


def text_of(response) -> str:
    """The page as a person reads it: tags dropped, entities decoded, spaces collapsed."""
    content = response.content.decode()
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", content)).split())


def table_rows(response, caption: str) -> list[list[str]]:
    """Cell texts of each body row of the table captioned ``caption``."""
    content = response.content.decode()
    match = re.search(
        rf"<table[^>]*>\s*<caption>{re.escape(caption)}.*?</caption>(.*?)</table>", content, re.S
    )
    assert match, f"no table captioned {caption!r}"
    body = match.group(1).split("<tbody>", 1)[1]
    return [
        [html.unescape(re.sub(r"<[^>]+>", "", cell)).strip() for cell in cells]
        for cells in (
            re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
            for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
        )
    ]


def has_commit_form(response) -> bool:
    """A form posting back to the page itself (the sign-out form names its action)."""
    return re.search(r'<form method="post"(?![^>]*action=)', response.content.decode()) is not None


def enrolment_state(course):
    return (
        sorted(course.memberships.values_list("user_id", "role", "removed_at")),
        sorted(course.invitations.values_list("email", "revoked_at", "accepted_at")),
    )


@pytest.fixture
def instructor_client(as_user, instructor, course):
    return as_user(instructor)


# Reading and checking the file


def test_preview_says_everyone_will_be_invited_and_never_who_has_an_account(
    instructor_client, course, outsider
):
    data = (
        b"name,email,role\n"
        b"Otto Outsider,otto.outsider@example.edu,student\n"  # has an account → invited too
        b"Ada Lovelace,ada@example.edu,TA\n"  # no account → invited
        b"Grace Hopper,grace@example.edu,\n"  # no role → student, invited
        b"Stella Student,Stella.Student@example.edu,student\n"  # already in the course
    )
    before = enrolment_state(course)

    response = upload(instructor_client, course, data)

    roster_import = RosterImport.objects.get()
    assert response.status_code == 302
    assert response.url == import_url(roster_import)
    page = instructor_client.get(response.url)
    assert page.status_code == 200
    assert (
        "All 4 rows are valid: 3 will be invited, 1 are already in the course. Each invited "
        "person gets an email and, if they already use Rapport, finds the invitation on their "
        "My courses page; nobody joins until they accept."
    ) in text_of(page)
    assert "Import 4 people" in text_of(page)
    assert has_commit_form(page)
    assert table_rows(page, "Preview (all 4 rows)") == [
        ["2", "Otto Outsider", "otto.outsider@example.edu", "Student", "Will be invited"],
        ["3", "Ada Lovelace", "ada@example.edu", "Assistant", "Will be invited"],
        ["4", "Grace Hopper", "grace@example.edu", "Student", "Will be invited"],
        ["5", "Stella Student", "stella.student@example.edu", "Student", "Already in the course"],
    ]
    assert enrolment_state(course) == before  # a preview changes nothing
    assert mail.outbox == []


def test_missing_email_column_is_a_file_level_error_naming_it(instructor_client, course):
    response = upload(instructor_client, course, b"name,address,role\nAda,ada@example.edu,\n")

    assert response.status_code == 200
    assert (
        "The first row must name the columns; missing: email. "
        "Found “name”, “address”, “role”. Expected a header like: name,email,role"
    ) in text_of(response)
    assert not RosterImport.objects.exists()


def test_file_without_a_header_names_both_missing_columns(instructor_client, course):
    response = upload(instructor_client, course, b"Ada Lovelace,ada@example.edu\n")

    assert "missing: name and email" in text_of(response)
    assert not RosterImport.objects.exists()


def test_rows_with_problems_are_listed_by_line_and_nothing_can_be_imported(
    instructor_client, course, django_capture_on_commit_callbacks
):
    data = (
        b"name,email,role\n"
        b"Ada Lovelace,ada@example.edu,student\n"
        b",empty.name@example.edu,student\n"
        b"\n"  # blank lines are skipped but still counted
        b"Bad Email,not-an-email,student\n"
        b"Bad Role,bad.role@example.edu,dean\n"
        b"Ada Again,ADA@example.edu,\n"
    )
    before = enrolment_state(course)

    page = instructor_client.get(upload(instructor_client, course, data).url)

    assert "4 rows of 5 cannot be imported. Nothing has been imported." in text_of(page)
    assert table_rows(page, "Rows with problems") == [
        ["3", "", "empty.name@example.edu", "Name is empty."],
        ["5", "Bad Email", "not-an-email", "“not-an-email” is not a valid email address."],
        [
            "6",
            "Bad Role",
            "bad.role@example.edu",
            "Role “dean” is not one of student, assistant, instructor.",
        ],
        ["7", "Ada Again", "ada@example.edu", "Same email as line 2."],
    ]
    assert "Import 5 people" not in text_of(page)
    assert not has_commit_form(page)

    roster_import = RosterImport.objects.get()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        refused = instructor_client.post(import_url(roster_import), follow=True)

    assert "Fix the rows marked below and upload the file again." in text_of(refused)
    assert callbacks == []
    roster_import.refresh_from_db()
    assert roster_import.state == RosterImport.State.PREVIEW
    assert enrolment_state(course) == before
    assert mail.outbox == []


def test_each_problem_of_a_row_is_reported(course):
    rows = parse_roster(b"name,email,role\n,,boss\n", course=course)

    assert rows[0]["errors"] == [
        "Name is empty.",
        "Email is empty.",
        "Role “boss” is not one of student, assistant, instructor.",
    ]


def test_a_name_with_a_line_break_in_the_roster_is_refused_on_its_line(course):
    rows = parse_roster(
        b'name,email\n"Mallory\nBcc: all@example.edu",mallory@example.edu\n', course=course
    )

    assert rows[0]["errors"] == ["Name holds a line break, tab or other control character."]


@pytest.mark.parametrize(
    ("garbage", "message"),
    [
        (
            random.Random(20270110).randbytes(10 * MB),
            "This file is not a CSV text file. Export the roster as CSV (comma-separated values).",
        ),
        (
            random.Random(20270111).randbytes(10 * MB).replace(b"\x00", b"\x01"),
            "The file is not UTF-8 text (first bad byte on line 1).",
        ),
        (b"name,email\n" + b"x" * (10 * MB), "The file is larger than 10 MB."),
    ],
    ids=["binary", "random-text", "too-large"],
)
def test_garbage_upload_gets_a_clear_error_and_nothing_is_imported(
    instructor_client, course, garbage, message
):
    assert len(garbage) >= settings.ROSTER_IMPORT_MAX_BYTES
    before = enrolment_state(course)

    response = upload(instructor_client, course, garbage, filename="students.xlsx")

    assert response.status_code == 200
    assert message in text_of(response)
    assert not RosterImport.objects.exists()
    assert enrolment_state(course) == before


def test_latin1_file_is_refused_with_advice_to_save_as_utf8(instructor_client, course):
    data = "name,email\nJosé Díaz,jose@example.edu\n".encode("latin-1")

    response = upload(instructor_client, course, data)

    page = text_of(response)
    assert "The file is not UTF-8 text (first bad byte on line 2)." in page
    assert "Save as → CSV UTF-8" in page
    assert not RosterImport.objects.exists()


@pytest.mark.parametrize(
    "data",
    [
        "name;email;role\r\nJosé Díaz;jose@example.edu;student\r\n"
        "Ada Lovelace;ada@example.edu;ta\r\n",
        "\ufeffname,email,role\nJosé Díaz,jose@example.edu,student\n"
        "Ada Lovelace,ada@example.edu,ta\n",
        "\ufeffE-mail;Full Name\r\njose@example.edu;José Díaz\r\nada@example.edu;Ada Lovelace\r\n",
        "name\temail\nJosé Díaz\tjose@example.edu\nAda Lovelace\tada@example.edu\n",
    ],
    ids=["semicolons", "utf8-bom", "excel-bom-semicolons-crlf", "tabs"],
)
def test_spreadsheet_exports_are_accepted(instructor_client, course, data):
    response = upload(instructor_client, course, data.encode())

    roster_import = RosterImport.objects.get()
    assert response.url == import_url(roster_import)
    assert roster_import.error_count == 0
    assert [(r["name"], r["email"]) for r in roster_import.rows] == [
        ("José Díaz", "jose@example.edu"),
        ("Ada Lovelace", "ada@example.edu"),
    ]
    assert "All 2 rows are valid" in text_of(instructor_client.get(response.url))


def test_header_only_file_is_refused(course):
    with pytest.raises(Refused, match="has a header but no people"):
        parse_roster(b"name,email,role\n\n\n", course=course)


def test_too_many_rows_are_refused(course):
    data = "name,email\n" + "".join(f"P{i},p{i}@example.edu\n" for i in range(5001))

    with pytest.raises(Refused, match="has 5001 rows; at most 5000 at a time"):
        parse_roster(data.encode(), course=course)


def test_empty_upload_is_refused_by_the_form(instructor_client, course):
    response = upload(instructor_client, course, b"")

    assert response.status_code == 200
    assert "The submitted file is empty." in text_of(response)
    assert not RosterImport.objects.exists()


# Importing


def people_csv(count: int, *, existing: list[User]) -> bytes:
    lines = ["name,email,role"]
    lines += [f"{u.full_name},{u.email},student" for u in existing]
    lines += [f"New Person {i},new.person{i}@example.edu,student" for i in range(count)]
    return ("\n".join(lines) + "\n").encode()


@pytest.fixture
def existing_people(db):
    return User.objects.bulk_create(
        User(email=f"existing{i}@example.edu", full_name=f"Existing {i}") for i in range(100)
    )


def test_instructor_imports_1200_people_and_everyone_is_invited(
    instructor_client, course, existing_people, django_capture_on_commit_callbacks, settings
):
    # A large course in one go; the daily invitation limits are tested on their own.
    settings.INVITATIONS_PER_INVITER_PER_DAY = settings.INVITATIONS_PER_COURSE_PER_DAY = 2000
    data = people_csv(1100, existing=existing_people)

    preview = instructor_client.get(upload(instructor_client, course, data).url)
    roster_import = RosterImport.objects.get()
    assert "All 1200 rows are valid: 1200 will be invited." in text_of(preview)
    assert "Preview (first 200 of 1200 rows)" in text_of(preview)
    assert len(table_rows(preview, "Preview (first 200 of 1200 rows)")) == 200

    with django_capture_on_commit_callbacks(execute=True):
        response = instructor_client.post(import_url(roster_import))

    assert response.status_code == 302
    assert response.url == import_url(roster_import)
    roster_import.refresh_from_db()
    assert roster_import.state == RosterImport.State.DONE
    assert roster_import.processed == 1200
    assert roster_import.summary == {"invited": 1200, "already": 0}
    # Nobody joined: those with accounts are invited like everyone else.
    assert not course.memberships.filter(user__in=existing_people).exists()
    invited = set(course.invitations.pending().values_list("email", flat=True))
    assert invited == {f"new.person{i}@example.edu" for i in range(1100)} | {
        u.email for u in existing_people
    }
    assert len(mail.outbox) == 1200
    assert {m.to[0] for m in mail.outbox} == invited

    page = instructor_client.get(response.url)
    finished = "Import finished. 1200 invited. Each person joins when they accept their invitation."
    assert finished in text_of(page)
    assert "Import 1200 people" not in text_of(page)

    progress_url = reverse("courses:roster_import_progress", args=[course.pk, roster_import.pk])
    fragment = instructor_client.get(progress_url, headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    assert finished in text_of(fragment)
    assert "hx-get" not in fragment.content.decode()  # finished: polling stops
    assert fragment["HX-Refresh"] == "true"


def test_people_already_in_the_course_are_counted_not_changed(
    instructor_client, course, assistant, django_capture_on_commit_callbacks
):
    data = b"name,email,role\nAaron Assistant,aaron.assistant@example.edu,student\n"
    upload(instructor_client, course, data)
    roster_import = RosterImport.objects.get()

    with django_capture_on_commit_callbacks(execute=True):
        instructor_client.post(import_url(roster_import))

    roster_import.refresh_from_db()
    assert roster_import.summary == {"invited": 0, "already": 1}
    assert Membership.objects.get(course=course, user=assistant).role == Role.ASSISTANT
    assert not course.invitations.filter(email=assistant.email).exists()
    assert mail.outbox == []
    page = instructor_client.get(import_url(roster_import))
    assert "Import finished. 0 invited, 1 were already in the course." in text_of(page)


def test_double_click_on_import_queues_the_import_once(
    instructor_client, course, existing_people, django_capture_on_commit_callbacks
):
    upload(instructor_client, course, people_csv(20, existing=existing_people[:5]))
    roster_import = RosterImport.objects.get()

    with django_capture_on_commit_callbacks() as queued:
        first = instructor_client.post(import_url(roster_import))
        second = instructor_client.post(import_url(roster_import), follow=True)

    assert first.status_code == 302
    assert len(queued) == 1
    assert "Fix the rows" not in text_of(second)  # the second click is not told off
    with django_capture_on_commit_callbacks(execute=True):
        queued[0]()  # the worker runs the import
    roster_import.refresh_from_db()
    assert roster_import.state == RosterImport.State.DONE
    assert roster_import.summary == {"invited": 25, "already": 0}
    assert Invitation.objects.filter(course=course).count() == 25
    assert len(mail.outbox) == 25


def test_progress_fragment_shows_a_queued_import_waiting(instructor_client, course):
    upload(instructor_client, course, b"name,email\nAda,ada@example.edu\n")
    roster_import = RosterImport.objects.get()
    RosterImport.objects.filter(pk=roster_import.pk).update(state=RosterImport.State.QUEUED)

    fragment = instructor_client.get(
        reverse("courses:roster_import_progress", args=[course.pk, roster_import.pk])
    )

    assert "Waiting for a worker to start the import" in text_of(fragment)
    assert "hx-get" in fragment.content.decode()  # keeps polling
    assert "HX-Refresh" not in fragment


def test_failed_import_keeps_nothing_and_says_so(
    instructor_client, course, existing_people, monkeypatch, django_capture_on_commit_callbacks
):
    upload(instructor_client, course, people_csv(150, existing=existing_people[:50]))
    roster_import = RosterImport.objects.get()
    before = enrolment_state(course)
    calls = []

    def flaky_invitations_send(**kwargs):
        calls.append(kwargs)
        if len(calls) == 2:  # the second chunk
            raise RuntimeError("mail queue is down")
        return real_invitations_send(**kwargs)

    from courses import roster

    real_invitations_send = roster.invitations_send
    monkeypatch.setattr(roster, "invitations_send", flaky_invitations_send)

    with django_capture_on_commit_callbacks(execute=True):
        instructor_client.post(import_url(roster_import))

    roster_import.refresh_from_db()
    assert roster_import.state == RosterImport.State.FAILED
    assert enrolment_state(course) == before  # the first chunks were rolled back too
    assert mail.outbox == []
    page = text_of(instructor_client.get(import_url(roster_import)))
    assert "The import failed and nothing was imported." in page
    assert "RuntimeError: mail queue is down" in page


def test_archived_course_refuses_a_roster_upload(instructor_client, course):
    course_archive(course=course, by=course.created_by, now=timezone.now())

    response = upload(instructor_client, course, b"name,email\nAda Lovelace,ada@example.edu\n")

    assert "archived and no longer takes new members" in text_of(response)
    assert not RosterImport.objects.exists()


def test_a_nul_byte_after_the_first_4_kb_is_refused_with_the_line_and_nothing_is_imported(
    instructor_client, course
):
    rows = "".join(f"Student {i:04},student{i:04}@example.edu\n" for i in range(200))
    data = ("name,email\n" + rows).encode() + b"Nul\x00Byte,nul@example.edu\n"
    assert data.index(b"\x00") > 4096
    before = enrolment_state(course)

    response = upload(instructor_client, course, data)

    assert response.status_code == 200
    assert "Line 202 holds a NUL character, which a CSV text file never has" in text_of(response)
    assert not RosterImport.objects.exists()
    assert enrolment_state(course) == before


def test_roster_import_makes_nobody_a_member_until_they_accept_their_invitation(
    as_user, instructor_client, course, outsider, django_capture_on_commit_callbacks
):
    upload_url = reverse("courses:roster_import_upload", args=[course.pk])
    page = instructor_client.get(upload_url)
    roster = b"name,email\nOtto Outsider,otto.outsider@example.edu\nAda Lovelace,ada@example.edu\n"
    file = SimpleUploadedFile("roster.csv", roster, content_type="text/csv")
    preview = press(
        instructor_client,
        page,
        button="Check the file",
        page_url=upload_url,
        changes={"file": file},
    )
    assert [row[-1] for row in table_rows(preview, "Preview (all 2 rows)")] == [
        "Will be invited",  # Otto has an account: the preview does not say so
        "Will be invited",
    ]

    done = import_from_preview(
        instructor_client, preview, "Import 2 people", django_capture_on_commit_callbacks
    )
    assert "Import finished. 2 invited." in text_of(done)
    assert not course.memberships.filter(user=outsider).exists()  # not a member yet
    assert sorted(m.to[0] for m in mail.outbox) == ["ada@example.edu", "otto.outsider@example.edu"]
    # Otto finds the invitation on My courses and decides there.
    otto = as_user(outsider)
    mine = otto.get(reverse("courses:mine"))
    assert "CAR 101 Career Exploration · Spring 2027 — as student" in text_of(mine)
    assert "Career Exploration" not in text_of(mine).split("Taking", 1)[1]
    welcome = press(
        otto,
        mine,
        button="Accept invitation to Career Exploration",
        page_url=reverse("courses:mine"),
    )
    assert "Welcome to CAR 101 Career Exploration." in text_of(welcome)
    assert course.memberships.active().get(user=outsider).role == Role.STUDENT


def test_reimporting_a_member_changes_nothing_and_sends_nothing(
    instructor_client, course, student, django_capture_on_commit_callbacks
):
    data = b"name,email,role\nStella Student,stella.student@example.edu,assistant\n"
    upload(instructor_client, course, data)
    roster_import = RosterImport.objects.get()

    with django_capture_on_commit_callbacks(execute=True):
        instructor_client.post(import_url(roster_import))

    membership = Membership.objects.get(course=course, user=student)
    assert (membership.role, membership.is_active) == (Role.STUDENT, True)
    assert not course.invitations.exists()
    assert mail.outbox == []


# Exports from Canvas and Moodle, uploaded as they are

DATA = Path(__file__).resolve().parents[1] / "data"
CANVAS_GRADEBOOK = (DATA / "canvas-gradebook-export.csv").read_bytes()
MOODLE_PARTICIPANTS = (DATA / "moodle-participants-export.csv").read_bytes()


def check_file(client, course, data: bytes, filename: str):
    """Choose the file on the upload page as rendered and press "Check the file"."""
    upload_url = reverse("courses:roster_import_upload", args=[course.pk])
    page = client.get(upload_url)
    file = SimpleUploadedFile(filename, data, content_type="text/csv")
    return press(client, page, button="Check the file", page_url=upload_url, changes={"file": file})


def semicolons_crlf(data: bytes) -> bytes:
    """The file as Excel in a European locale saves it again: semicolons, CRLF, a BOM."""
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    out = io.StringIO()
    csv.writer(out, delimiter=";", lineterminator="\r\n").writerows(rows)
    return ("\ufeff" + out.getvalue()).encode()


def test_canvas_gradebook_export_imports_unchanged_and_its_non_people_are_listed_as_skipped(
    instructor_client, course, django_capture_on_commit_callbacks
):
    assert CANVAS_GRADEBOOK.startswith(b"\xef\xbb\xbfStudent,ID,SIS User ID,SIS Login ID,")

    preview = check_file(instructor_client, course, CANVAS_GRADEBOOK, "grades.csv")

    page = text_of(preview)
    assert "Read as a Canvas gradebook export." in page
    assert "All 4 rows are valid: 4 will be invited." in page
    assert table_rows(preview, "Preview (all 4 rows)") == [
        ["4", "José Díaz", "jose.diaz@example.edu", "Student", "Will be invited"],
        ["5", "Ada Lovelace", "ada.lovelace@example.edu", "Student", "Will be invited"],
        ["6", "Siobhán O'Brien", "siobhan.obrien@example.edu", "Student", "Will be invited"],
        ["7", "Minh Anh Nguyen", "minh.nguyen@example.edu", "Student", "Will be invited"],
    ]
    assert table_rows(preview, "Rows skipped (3)") == [
        ["2", "Manual Posting", "Canvas's posting-policy row (“Manual Posting”), not a person."],
        [
            "3",
            "Points Possible · 10.00 · 20.00",
            "Canvas's “Points Possible” row (the points of each assignment), not a person.",
        ],
        [
            "8",
            "Student, Test · 1299 · c0ffee5e2b1a4c1d8e9f0a1b2c3d4e5f",
            "Canvas's Test Student (the student view of the course), not a real student.",
        ],
    ]

    done = import_from_preview(
        instructor_client, preview, "Import 4 people", django_capture_on_commit_callbacks
    )
    assert "Import finished. 4 invited." in text_of(done)
    invited = [
        "ada.lovelace@example.edu",
        "jose.diaz@example.edu",
        "minh.nguyen@example.edu",
        "siobhan.obrien@example.edu",
    ]
    assert sorted(m.to[0] for m in mail.outbox) == invited
    # Invited, not enrolled: each person joins by accepting their invitation.
    assert (
        sorted(course.invitations.filter(accepted_at__isnull=True).values_list("email", flat=True))
        == invited
    )
    assert not course.memberships.filter(user__email__in=invited).exists()


def test_canvas_login_that_is_no_email_address_is_named_on_its_line_and_nothing_is_imported(
    instructor_client, course
):
    data = CANVAS_GRADEBOOK.replace(b"minh.nguyen@example.edu", b"mnguyen4")
    before = enrolment_state(course)

    preview = check_file(instructor_client, course, data, "grades.csv")

    assert "1 row of 4 cannot be imported. Nothing has been imported." in text_of(preview)
    assert table_rows(preview, "Rows with problems") == [
        [
            "7",
            "Minh Anh Nguyen",
            "",
            "No email address: A Canvas gradebook export has no email column, and the SIS "
            "Login ID “mnguyen4” is not an email address. Add an “Email” column with each "
            "person's address (a Canvas administrator's users report has one), and upload again.",
        ]
    ]
    assert not has_commit_form(preview)
    assert enrolment_state(course) == before


def test_canvas_gradebook_with_an_email_column_added_uses_it_and_still_skips_the_test_student(
    instructor_client, course
):
    data = (
        b"Student,ID,SIS User ID,SIS Login ID,Integration ID,Section,Email,Quiz (7)\n"
        b"    Points Possible,,,,,,,5.00\n"
        b'"Nguyen, Minh Anh",1204,20261004,mnguyen4,,CAREER 101,Minh.Nguyen@example.edu,4.00\n'
        b"Test Student,1299,,6b1d0f2e,,CAREER 101,,\n"
    )

    preview = check_file(instructor_client, course, data, "grades.csv")

    assert [row[1:3] for row in table_rows(preview, "Preview (all 1 rows)")] == [
        ["Minh Anh Nguyen", "minh.nguyen@example.edu"]
    ]
    assert [row[0] for row in table_rows(preview, "Rows skipped (2)")] == ["2", "4"]


def test_a_canvas_file_with_nobody_but_the_test_student_is_refused_saying_so(
    instructor_client, course
):
    data = (
        b"Student,ID,SIS User ID,SIS Login ID,Section\n"
        b"    Points Possible,,,,\n"
        b'"Student, Test",1299,,c0ffee,CAREER 101\n'
    )

    response = check_file(instructor_client, course, data, "grades.csv")

    assert (
        "The file has a header but no people in it (2 rows skipped, none of them a person)."
    ) in text_of(response)
    assert not RosterImport.objects.exists()


def test_a_test_student_in_a_roster_of_our_own_is_a_person(course):
    rows = parse_roster(b'name,email\n"Student, Test",test@example.edu\n', course=course)

    assert [(r["name"], r["errors"]) for r in rows] == [("Student, Test", [])]


@pytest.mark.parametrize(
    "data",
    [
        MOODLE_PARTICIPANTS,
        semicolons_crlf(MOODLE_PARTICIPANTS),
        MOODLE_PARTICIPANTS.replace(b"Last name", b"Surname"),
    ],
    ids=["as-downloaded", "semicolons-crlf", "surname-older-moodle"],
)
def test_moodle_participants_export_imports_unchanged(instructor_client, course, data):
    preview = check_file(instructor_client, course, data, "courseid_7_participants.csv")

    page = text_of(preview)
    assert "Read as a Moodle participants export." in page
    assert "All 4 rows are valid: 4 will be invited." in page
    assert [row[:3] for row in table_rows(preview, "Preview (all 4 rows)")] == [
        ["2", "José Díaz", "jose.diaz@example.edu"],
        ["3", "Ada Lovelace", "ada.lovelace@example.edu"],
        ["4", "Martin Luther King, Jr.", "mlk@example.edu"],
        ["5", "Siobhán O'Brien", "siobhan.obrien@example.edu"],
    ]
    assert "Rows skipped" not in page


def test_moodle_roles_map_onto_course_roles(course):
    data = (
        b"First name,Last name,Email address,Roles\n"
        b"Ada,Lovelace,ada@example.edu,Student\n"
        b"Grace,Hopper,grace@example.edu,Non-editing teacher\n"
        b"Alan,Turing,alan@example.edu,Teacher\n"
    )

    rows = parse_roster(data, course=course)

    assert [(r["name"], r["role"]) for r in rows] == [
        ("Ada Lovelace", Role.STUDENT),
        ("Grace Hopper", Role.ASSISTANT),
        ("Alan Turing", Role.INSTRUCTOR),
    ]


def test_moodle_user_upload_file_is_read_by_its_own_column_names(instructor_client, course):
    data = (
        "username,firstname,lastname,email,course1\njdiaz,José,Díaz,jose.diaz@example.edu,CAR101\n"
    ).encode()

    preview = check_file(instructor_client, course, data, "upload.csv")

    assert "Read as a Moodle user upload file." in text_of(preview)
    assert [row[1:3] for row in table_rows(preview, "Preview (all 1 rows)")] == [
        ["José Díaz", "jose.diaz@example.edu"]
    ]


def test_canvas_users_report_skips_deleted_accounts_saying_so(instructor_client, course):
    data = (
        "canvas_user_id,user_id,integration_id,authentication_provider_id,login_id,"
        "first_name,last_name,full_name,sortable_name,short_name,email,status,created_by_sis\n"
        '1201,20261001,,,jdiaz,José,Díaz,José Díaz,"Díaz, José",José Díaz,'
        "jose.diaz@example.edu,active,true\n"
        '1207,20261007,,,gone7,Gone,Away,Gone Away,"Away, Gone",Gone Away,'
        "gone@example.edu,deleted,true\n"
    ).encode()

    preview = check_file(instructor_client, course, data, "provisioning_csv_users.csv")

    assert "Read as a Canvas users report." in text_of(preview)
    assert [row[1:3] for row in table_rows(preview, "Preview (all 1 rows)")] == [
        ["José Díaz", "jose.diaz@example.edu"]
    ]
    assert table_rows(preview, "Rows skipped (1)") == [
        ["3", "1207 · 20261007 · gone7", "Deleted in Canvas (status “deleted”)."]
    ]
