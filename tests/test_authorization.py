"""Who may open which page: every URL of the project, walked automatically, for every actor.

The expectations table below must name every project URL pattern; a new view without an entry
fails ``test_every_project_url_has_expectations``, so nothing escapes the walk. Third-party routes
(Django's admin, allauth's accounts pages) are left to their own test suites.

Each case gets a fresh database: ``course`` (instructor, assistant, student, classmate) and
``other_course`` (other_instructor, other_student), an invitation of ``outsider`` into ``course``,
a roster import waiting in ``course`` and an unread notification sent to ``student``.
"""

from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from accounts.models import User
from courses.enrolment import invitation_create
from courses.models import Course, Invitation, Membership, Role, RosterImport
from courses.roster import roster_import_create
from interviews.models import (
    Assignment,
    Attachment,
    BankQuestion,
    Contact,
    Extension,
    Interview,
    PreparedQuestion,
    ReflectionPrompt,
    Submission,
    SubmissionVersion,
)
from interviews.notices import Kind
from notifications.emails import unsubscribe_token
from notifications.models import Notification, Preference
from tests.authz import feedback, gradebook, grading, insights, rubrics
from tests.authz.common import *  # noqa: F403  (the grading fixtures)
from tests.authz.common import (
    ACTORS,
    GRADING_MODELS,
    LOGIN,
    POST_ONLY,
    REFUSED,
    SIGNED_IN,
    course_page,
    everyone,
    instructor_page,
    member_page,
    own_page,
    signed_in,
    staff_page,
    student_work_page,
)
from tests.authz.feedback import *  # noqa: F403  (each part's fixtures)
from tests.authz.gradebook import *  # noqa: F403
from tests.authz.grading import *  # noqa: F403
from tests.authz.insights import *  # noqa: F403
from tests.authz.rubrics import *  # noqa: F403
from tests.interviews import samples
from tests.notifications import notify
from tests.pages import assert_privacy_headers

THIRD_PARTY_MODULES = ("django.contrib.", "allauth.")
THIRD_PARTY_NAMESPACES = ("admin",)  # the admin's own redirects use django.views.generic


@dataclass(frozen=True)
class Route:
    name: str  # "namespace:name", as passed to reverse()
    route: str
    params: tuple[str, ...]
    module: str


def _view_module(callback) -> str:
    view_class = getattr(callback, "view_class", None)
    return (view_class or callback).__module__


def _walk(patterns, prefix="", namespace=None, params=()):
    for pattern in patterns:
        found = tuple(pattern.pattern.regex.groupindex)
        if isinstance(pattern, URLResolver):
            inner = namespace
            if pattern.namespace:
                inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from _walk(
                pattern.url_patterns, prefix + str(pattern.pattern), inner, params + found
            )
        elif isinstance(pattern, URLPattern):
            route = prefix + str(pattern.pattern)
            local = pattern.name or f"<unnamed {route}>"
            yield Route(
                name=f"{namespace}:{local}" if namespace else local,
                route=route,
                params=params + found,
                module=_view_module(pattern.callback),
            )


def is_third_party(route: Route) -> bool:
    return route.module.startswith(THIRD_PARTY_MODULES) or route.name.startswith(
        tuple(f"{ns}:" for ns in THIRD_PARTY_NAMESPACES)
    )


ALL_ROUTES = list(_walk(get_resolver().url_patterns))
ROUTES = [route for route in ALL_ROUTES if not is_third_party(route)]

# Expectations ------------------------------------------------------------------------------

EXPECTED: dict[str, dict[str, dict]] = {
    "healthz": {"GET": everyone(200), "POST": everyone(405)},
    # Open to probes; the walk's world has no tick yet, so beat is reported down (tests/ops).
    "readyz": {"GET": everyone(503), "POST": everyone(405)},
    # Only Prometheus' bearer token opens it; a session, even staff's, does not (tests/ops).
    "metrics": {"GET": everyone(401), "POST": everyone(405)},
    "favicon": {"GET": everyone(302), "POST": everyone(405)},
    "accounts:profile": {"GET": signed_in(200), "POST": signed_in(302)},
    "courses:home": {"GET": signed_in(302, anonymous=200), "POST": signed_in(302, anonymous=200)},
    "courses:mine": {"GET": signed_in(200), "POST": signed_in(200)},
    "courses:create": {"GET": signed_in(200), "POST": signed_in(302)},
    "courses:detail": {"GET": member_page(200), "POST": member_page(200)},
    "courses:roster": {"GET": staff_page(200), "POST": staff_page(200)},
    "courses:invite": {"GET": instructor_page(200), "POST": instructor_page(302)},
    "courses:roster_import_upload": {"GET": instructor_page(200), "POST": instructor_page(302)},
    "courses:roster_import": {"GET": instructor_page(200), "POST": instructor_page(302)},
    "courses:roster_import_progress": {
        "GET": instructor_page(200),
        "POST": instructor_page(200),
    },
    "courses:member_role": {"GET": POST_ONLY, "POST": instructor_page(302)},
    "courses:member_remove": {"GET": instructor_page(200), "POST": instructor_page(302)},
    # The walk's membership is active: re-admitting it is refused with a message, no change.
    "courses:member_readmit": {"GET": POST_ONLY, "POST": instructor_page(302)},
    # Every member may leave; the instructor, the only one, is refused (redirect, no change).
    "courses:leave": {"GET": member_page(200), "POST": member_page(302)},
    "courses:invitation_resend": {"GET": POST_ONLY, "POST": instructor_page(302)},
    "courses:invitation_revoke": {"GET": POST_ONLY, "POST": instructor_page(302)},
    "courses:settings": {"GET": instructor_page(200), "POST": instructor_page(302)},
    "courses:joining": {"GET": POST_ONLY, "POST": instructor_page(302)},
    "courses:archive": {"GET": POST_ONLY, "POST": instructor_page(302)},
    "courses:join": {"GET": signed_in(200), "POST": signed_in(302)},
    "courses:join_link": {"GET": signed_in(302), "POST": signed_in(302)},
    # The invitation is for outsider's address: anyone may read it, only outsider accepts.
    "courses:invitation": {"GET": everyone(200), "POST": {**everyone(200), "outsider": 302}},
    "courses:invitation_switch_account": {"GET": everyone(405), "POST": everyone(302)},
    "courses:invitation_accept_mine": {"GET": POST_ONLY, "POST": signed_in(404, outsider=302)},
    "courses:invitation_decline_mine": {"GET": POST_ONLY, "POST": signed_in(404, outsider=302)},
    # Progress and the student record are read-only staff pages; the calendar feed needs no
    # sign-in because its secret token is the key (a wrong token is tested for 404 elsewhere).
    "interviews:progress": {"GET": staff_page(200), "POST": signed_in(405)},
    "interviews:student_record": {"GET": staff_page(200), "POST": signed_in(405)},
    "interviews:calendar": {"GET": signed_in(200), "POST": signed_in(405)},
    "interviews:calendar_rotate": {"GET": POST_ONLY, "POST": signed_in(302)},
    "interviews:calendar_feed": {"GET": everyone(200), "POST": everyone(405)},
    # Assignments: every member reads them (students only published ones, drafts are 404 to
    # them); instructors write, publish and duplicate; assistants see extensions, only
    # instructors grant or withdraw them.
    "interviews:assignment_list": {"GET": member_page(200), "POST": signed_in(405)},
    "interviews:assignment_create": {"GET": instructor_page(200), "POST": instructor_page(302)},
    "interviews:assignment_detail": {"GET": member_page(200), "POST": signed_in(405)},
    "interviews:assignment_edit": {"GET": instructor_page(200), "POST": instructor_page(302)},
    "interviews:assignment_publish": {"GET": POST_ONLY, "POST": instructor_page(302)},
    "interviews:assignment_unpublish": {"GET": POST_ONLY, "POST": instructor_page(302)},
    "interviews:assignment_duplicate": {
        "GET": instructor_page(200),
        "POST": instructor_page(302),
    },
    "interviews:extension_list": {"GET": staff_page(200), "POST": instructor_page(302)},
    "interviews:extension_delete": {"GET": POST_ONLY, "POST": instructor_page(302)},
    # Contacts belong to their student alone. Interviews: any student of the course plans
    # their own (a classmate posting the student's contact gets the form back with an error);
    # each interview page is its student's only.
    "interviews:contact_list": {"GET": signed_in(200), "POST": signed_in(405)},
    "interviews:contact_create": {"GET": signed_in(200), "POST": signed_in(302)},
    "interviews:contact_detail": {"GET": own_page(200), "POST": signed_in(405)},
    "interviews:contact_edit": {"GET": own_page(200), "POST": own_page(302)},
    "interviews:contact_delete": {"GET": own_page(200), "POST": own_page(302)},
    "interviews:interview_create": {
        "GET": course_page(student=200, assistant=403, instructor=403),
        "POST": {**course_page(student=302, assistant=403, instructor=403), "classmate": 200},
    },
    "interviews:interview_detail": {"GET": student_work_page(200), "POST": signed_in(405)},
    "interviews:interview_edit": {"GET": student_work_page(200), "POST": student_work_page(302)},
    "interviews:interview_questions": {
        "GET": student_work_page(200),
        "POST": student_work_page(302),
    },
    "interviews:interview_log": {"GET": student_work_page(200), "POST": student_work_page(302)},
    "interviews:interview_follow_up": {
        "GET": student_work_page(200),
        "POST": student_work_page(302),
    },
    "interviews:thank_you_draft": {"GET": student_work_page(200), "POST": student_work_page(302)},
    "interviews:interview_outcome": {
        "GET": student_work_page(200),
        "POST": student_work_page(302),
    },
    # Write-ups: each student edits their own (the classmate has one too, at another revision,
    # so the student's posted revision is stale for them: 409, nothing saved). Staff read
    # write-ups on the student record; they download files but never edit.
    "interviews:writeup": {
        "GET": course_page(student=200, assistant=403, instructor=403),
        "POST": {**course_page(student=302, assistant=403, instructor=403), "classmate": 409},
    },
    "interviews:writeup_submit": {
        "GET": POST_ONLY,
        "POST": {**course_page(student=302, assistant=403, instructor=403), "classmate": 409},
    },
    "interviews:attachment_upload": {
        "GET": POST_ONLY,
        "POST": {**course_page(student=302, assistant=403, instructor=403), "classmate": 409},
    },
    "interviews:attachment_remove": {"GET": POST_ONLY, "POST": student_work_page(302)},
    "interviews:writeup_version": {"GET": student_work_page(200), "POST": signed_in(405)},
    # The walk's file is on the student's draft: staff see files only once submitted.
    "interviews:attachment_download": {
        "GET": {**course_page(student=200, assistant=404, instructor=404), "classmate": 404},
        "POST": signed_in(405),
    },
    # Notifications are their recipient's alone (the walk's one is the student's, unread);
    # the unsubscribe link needs no sign-in because its signed token is the key (a forged
    # token is tested for 404 in tests/notifications/test_views.py).
    "notifications:inbox": {"GET": signed_in(200), "POST": signed_in(405)},
    "notifications:mark_all_read": {"GET": POST_ONLY, "POST": signed_in(302)},
    "notifications:mark_read": {"GET": POST_ONLY, "POST": signed_in(404, student=302)},
    "notifications:open": {"GET": signed_in(404, student=302), "POST": signed_in(405)},
    "notifications:preferences": {"GET": signed_in(200), "POST": signed_in(302)},
    "notifications:unsubscribe": {"GET": everyone(200), "POST": everyone(200)},
    # LTI: the LMS's calls carry no Rapport session; without a platform's parameters or a
    # signed id_token they are refused whoever is signed in (tests/lti/ has real launches).
    "lti:login": {"GET": everyone(400), "POST": everyone(400)},
    "lti:login_for": {"GET": everyone(400), "POST": everyone(400)},
    "lti:launch": {"GET": everyone(405), "POST": everyone(403)},
    "lti:jwks": {"GET": everyone(200), "POST": everyone(405)},
    "lti:canvas_config": {"GET": everyone(200), "POST": everyone(405)},
    "lti:setup": {"GET": signed_in(403), "POST": signed_in(405)},  # operators only
    # Dynamic Registration needs the operator's signed link; the walk's is forged.
    "lti:dynamic_registration": {"GET": everyone(403), "POST": everyone(405)},
    # The deep-linking picker needs a deep-linking launch in the session; the walk has none.
    "lti:deep_link": {"GET": signed_in(404), "POST": signed_in(404)},
    # "Sync now": instructors of a course linked to an LMS; the walk's course is not linked.
    "lti:roster_sync": {"GET": POST_ONLY, "POST": instructor_page(404)},
    # Linking an account the LMS named needs that launch waiting in the session; the walk has
    # none, so it is refused (tests/lti/test_launch.py links for real).
    "lti:link_account": {"GET": signed_in(403), "POST": signed_in(403)},
    "lti:link_separate": {"GET": everyone(405), "POST": everyone(403)},
}

# Who changes something by POSTing (with POST_DATA); every other POST must change nothing.
EFFECTIVE_POSTS: dict[str, set[str]] = {
    "accounts:profile": SIGNED_IN,
    "courses:create": SIGNED_IN,
    "courses:invite": {"instructor"},
    "courses:roster_import_upload": {"instructor"},
    "courses:roster_import": {"instructor"},
    "courses:member_role": {"instructor"},
    "courses:member_remove": {"instructor"},
    "courses:leave": {"student", "classmate", "assistant"},
    "courses:invitation_resend": {"instructor"},
    "courses:invitation_revoke": {"instructor"},
    "courses:settings": {"instructor"},
    "courses:joining": {"instructor"},
    "courses:archive": {"instructor"},
    "courses:join": {"outsider", "other_instructor"},  # members are already in
    "courses:invitation": {"outsider"},
    "courses:invitation_accept_mine": {"outsider"},
    "courses:invitation_decline_mine": {"outsider"},
    "interviews:calendar_rotate": SIGNED_IN,
    "interviews:assignment_create": {"instructor"},
    "interviews:assignment_edit": {"instructor"},
    # assignment_publish is not here: the walk's assignment is already published, and
    # publishing it again must change nothing (published_at is kept).
    "interviews:assignment_unpublish": {"instructor"},
    "interviews:assignment_duplicate": {"instructor"},
    "interviews:extension_list": {"instructor"},
    "interviews:extension_delete": {"instructor"},
    "interviews:contact_create": SIGNED_IN,  # everyone may keep contacts
    "interviews:contact_edit": {"student"},
    "interviews:contact_delete": {"student"},
    "interviews:interview_create": {"student"},
    "interviews:interview_edit": {"student"},
    "interviews:interview_questions": {"student"},
    "interviews:interview_log": {"student"},
    "interviews:interview_follow_up": {"student"},
    "interviews:thank_you_draft": {"student"},
    "interviews:interview_outcome": {"student"},
    "interviews:writeup": {"student"},
    "interviews:writeup_submit": {"student"},
    "interviews:attachment_upload": {"student"},
    "interviews:attachment_remove": {"student"},
    "notifications:mark_all_read": {"student"},
    "notifications:mark_read": {"student"},
    "notifications:preferences": SIGNED_IN,
    "notifications:unsubscribe": set(ACTORS),  # the token's owner, whoever clicks
}
# GETs that change something: opening one's notification marks it read. Every other GET must
# change nothing.
EFFECTIVE_GETS: dict[str, set[str]] = {"notifications:open": {"student"}}

POST_DATA = {
    "accounts:profile": lambda fx: {"full_name": "Renamed Person", "time_zone": "Asia/Tokyo"},
    "courses:create": lambda fx: {"title": "A new course", "time_zone": "UTC"},
    "courses:invite": lambda fx: {"emails": "newcomer@example.edu", "role": "student"},
    "courses:roster_import_upload": lambda fx: {
        "file": SimpleUploadedFile("roster.csv", b"name,email\nNew Person,new@example.edu\n")
    },
    "courses:member_role": lambda fx: {"role": "assistant"},
    "courses:settings": lambda fx: {"title": "Renamed course", "time_zone": "UTC"},
    "courses:joining": lambda fx: {"action": "rotate"},
    "courses:archive": lambda fx: {"action": "archive"},
    "courses:join": lambda fx: {"code": fx("course").join_code},
    "interviews:assignment_create": lambda fx: assignment_form_data(title="A new assignment"),
    "interviews:assignment_edit": lambda fx: assignment_form_data(title="Renamed assignment"),
    "interviews:assignment_duplicate": lambda fx: {
        "target_course": fx("course").pk,
        "title": "Copy",
        "shift_days": "7",
    },
    "interviews:extension_list": lambda fx: {
        "students": [fx("student").pk],
        "writeup_due_at": "2030-01-15T17:00",
        "reason": "Illness",
    },
    "interviews:contact_create": lambda fx: {"name": "Walk Contact"},
    "interviews:contact_edit": lambda fx: {"name": "Renamed Contact"},
    "interviews:interview_create": lambda fx: plan_form_data(fx),
    "interviews:interview_edit": lambda fx: plan_form_data(fx, location="Room 4"),
    "interviews:interview_questions": lambda fx: {"action": "add", "text": "Your typical day?"},
    "interviews:interview_log": lambda fx: {"notes": "What they said"},
    "interviews:interview_follow_up": lambda fx: {"today": "thank_you_sent_on"},
    "interviews:interview_outcome": lambda fx: {"insights": "Learned a lot", "path_fit": "yes"},
    "interviews:writeup": lambda fx: writeup_form_data(fx, body="What I learned, and more"),
    "interviews:writeup_submit": lambda fx: writeup_form_data(fx, body="What I learned, revised"),
    "interviews:attachment_upload": lambda fx: upload_form_data(fx),
    "interviews:attachment_remove": lambda fx: writeup_form_data(fx),
    "notifications:preferences": lambda fx: {"student_kinds": [Kind.THANK_YOU]},
}


# What fills each URL parameter, from the named fixtures.
KWARGS = {
    "course_id": lambda fx: fx("course").pk,
    "membership_id": lambda fx: Membership.objects.get(course=fx("course"), user=fx("student")).pk,
    "invitation_id": lambda fx: fx("pending_invitation").invitation.pk,
    "import_id": lambda fx: fx("roster_import").pk,
    "code": lambda fx: fx("course").join_code,
    "token": lambda fx: fx("pending_invitation").token,
    "assignment_id": lambda fx: fx("published_assignment").pk,
    "student_id": lambda fx: fx("student").pk,
    "feed_token": lambda fx: fx("student").calendar_token,
    "extension_id": lambda fx: fx("classmate_extension").pk,
    "interview_id": lambda fx: fx("published_assignment").interviews.get(student=fx("student")).pk,
    "contact_id": lambda fx: fx("spare_contact").pk,  # no interview: deleting it works
    "attachment_id": lambda fx: fx("student_attachment").pk,
    "number": lambda fx: 1,  # the student's submitted version
    "notification_id": lambda fx: fx("student_notification").pk,
    "unsubscribe_token": lambda fx: unsubscribe_token(fx("student")),
    "registration_uuid": lambda fx: "00000000-0000-4000-8000-000000000001",
    "signed": lambda fx: "not-a-signed-registration-link",
}

# The same objects in the other course, for the cross-course (IDOR) cases.
OTHER_COURSE_KWARGS = {
    "membership_id": lambda fx: (
        Membership.objects.get(course=fx("other_course"), user=fx("other_student")).pk
    ),
    "invitation_id": lambda fx: fx("other_pending_invitation").invitation.pk,
    "import_id": lambda fx: fx("other_roster_import").pk,
    "student_id": lambda fx: fx("other_student").pk,
    "assignment_id": lambda fx: fx("other_assignment").pk,
    "extension_id": lambda fx: fx("other_extension").pk,
    "interview_id": lambda fx: fx("other_interview").pk,
    "contact_id": lambda fx: fx("other_interview").contact_id,
    "attachment_id": lambda fx: fx("other_attachment").pk,
    "notification_id": lambda fx: notify(fx("other_student"), n=3).pk,
}

# A classmate's own objects in the same course, for the student-to-student IDOR cases.
CLASSMATE_KWARGS = {
    "interview_id": lambda fx: fx("classmate_interview").pk,
    "contact_id": lambda fx: fx("classmate_interview").contact_id,
    "attachment_id": lambda fx: fx("classmate_attachment").pk,
    "notification_id": lambda fx: notify(fx("classmate"), n=2).pk,
}

# The grading areas keep their expectations in tests/authz/<area>.py.
PARTS = (rubrics, grading, feedback, gradebook, insights)
for _part in PARTS:
    for _table, _own in (
        (EXPECTED, _part.EXPECTED), (EFFECTIVE_POSTS, _part.EFFECTIVE_POSTS),
        (POST_DATA, _part.POST_DATA), (KWARGS, _part.KWARGS),
        (OTHER_COURSE_KWARGS, _part.OTHER_COURSE_KWARGS),
        (CLASSMATE_KWARGS, _part.CLASSMATE_KWARGS),
    ):  # fmt: skip
        assert not set(_table) & set(_own) - {"student_id"}, f"{_part.__name__} redefines"
        _table.update(_own)


# Fixtures ----------------------------------------------------------------------------------


def small_roster():
    return SimpleUploadedFile("roster.csv", b"name,email\nAda Lovelace,ada@example.edu\n")


@pytest.fixture
def pending_invitation(course, instructor, outsider):
    return invitation_create(
        course=course, email=outsider.email, role=Role.STUDENT, invited_by=instructor
    )


@pytest.fixture
def roster_import(course, instructor):
    return roster_import_create(course=course, uploaded_by=instructor, upload=small_roster())


@pytest.fixture
def other_pending_invitation(other_course, other_instructor):
    return invitation_create(
        course=other_course,
        email="someone@example.edu",
        role=Role.STUDENT,
        invited_by=other_instructor,
    )


@pytest.fixture
def other_roster_import(other_course, other_instructor):
    return roster_import_create(
        course=other_course, uploaded_by=other_instructor, upload=small_roster()
    )


@pytest.fixture
def published_assignment(course, student, instructor):
    """A published assignment of ``course`` where ``student`` has an interview and a submitted
    write-up."""
    now = timezone.now()
    assignment = Assignment.objects.create(
        course=course, title="Meet a professional", state=Assignment.State.PUBLISHED,
        contact_due_at=now - timedelta(days=3), writeup_due_at=now + timedelta(days=10),
        created_by=instructor,
    )  # fmt: skip
    contact = Contact.objects.create(owner=student, name="Priya Patel", job_title="Nurse")
    Interview.objects.create(
        assignment=assignment, student=student, contact=contact,
        scheduled_at=now + timedelta(days=2), status=Interview.Status.SCHEDULED,
    )  # fmt: skip
    submission = Submission.objects.create(
        assignment=assignment, student=student, body="What I learned", word_count=3,
        revision=1, submitted_revision=1, submitted_at=now,
    )  # fmt: skip
    SubmissionVersion.objects.create(
        submission=submission, number=1, body="What I learned", word_count=3, submitted_at=now
    )
    return assignment


@pytest.fixture
def classmate_extension(published_assignment, classmate, instructor):
    return Extension.objects.create(
        assignment=published_assignment, student=classmate, reason="Illness",
        writeup_due_at=published_assignment.writeup_due_at + timedelta(days=3),
        granted_by=instructor,
    )  # fmt: skip


@pytest.fixture
def other_assignment(other_course, other_instructor):
    return Assignment.objects.create(
        course=other_course, title="Their assignment", state=Assignment.State.PUBLISHED,
        writeup_due_at=timezone.now() + timedelta(days=10), created_by=other_instructor,
    )  # fmt: skip


@pytest.fixture
def other_extension(other_assignment, other_student, other_instructor):
    return Extension.objects.create(
        assignment=other_assignment, student=other_student, reason="Illness",
        writeup_due_at=other_assignment.writeup_due_at + timedelta(days=3),
        granted_by=other_instructor,
    )  # fmt: skip


@pytest.fixture
def student_notification(student):
    """A reminder sent to the student, unread, leading to their courses."""
    return notify(student, n=1)


@pytest.fixture
def spare_contact(student):
    return Contact.objects.create(owner=student, name="Sam Spare", organisation="Acme")


@pytest.fixture
def classmate_interview(published_assignment, classmate):
    contact = Contact.objects.create(owner=classmate, name="Carla Contact")
    return Interview.objects.create(
        assignment=published_assignment, student=classmate, contact=contact,
        scheduled_at=timezone.now() + timedelta(days=4), status=Interview.Status.SCHEDULED,
    )  # fmt: skip


@pytest.fixture
def other_interview(other_assignment, other_student):
    contact = Contact.objects.create(owner=other_student, name="Otis Contact")
    return Interview.objects.create(
        assignment=other_assignment, student=other_student, contact=contact,
        scheduled_at=timezone.now() + timedelta(days=4), status=Interview.Status.SCHEDULED,
    )  # fmt: skip


def stored_attachment(assignment, student, name="notes.pdf") -> Attachment:
    """A real PDF on ``student``'s draft write-up for ``assignment``."""
    submission, _ = Submission.objects.get_or_create(assignment=assignment, student=student)
    attachment = Attachment(
        submission=submission, original_name=name, kind="pdf", content_type="application/pdf",
        size=len(samples.PDF),
    )  # fmt: skip
    attachment.file.save(name, ContentFile(samples.PDF), save=True)
    return attachment


@pytest.fixture
def student_attachment(published_assignment, student):
    """A file on the student's draft; the walk's assignment takes PDFs for these cases."""
    published_assignment.allow_attachments = True
    published_assignment.attachment_types = ["pdf"]
    published_assignment.save()
    return stored_attachment(published_assignment, student)


@pytest.fixture
def classmate_attachment(published_assignment, classmate):
    return stored_attachment(published_assignment, classmate, "classmate.pdf")


@pytest.fixture
def other_attachment(other_assignment, other_student):
    return stored_attachment(other_assignment, other_student, "other.pdf")


def writeup_form_data(fx, **fields) -> dict:
    """The write-up form as the student's page posts it, at their current revision."""
    submission = fx("published_assignment").submissions.get(student=fx("student"))
    return {"revision": submission.revision, "body": submission.body, **fields}


def upload_form_data(fx) -> dict:
    fx("student_attachment")  # attachments allowed
    return writeup_form_data(fx, file=SimpleUploadedFile("more.pdf", samples.PDF))


def plan_form_data(fx, **fields) -> dict:
    """A valid interview plan with the student's contact, three days ahead in Berlin time."""
    ahead = timezone.now().astimezone(ZoneInfo("Europe/Berlin")) + timedelta(days=3)
    contact = fx("published_assignment").interviews.get(student=fx("student")).contact
    return {
        "contact": contact.pk, "time_zone": "Europe/Berlin",
        "scheduled_at": ahead.strftime("%Y-%m-%dT%H:%M"), "duration_minutes": "30",
        "mode": "video", "location": "https://meet.example.com/x", "status": "scheduled",
        **fields,
    }  # fmt: skip


def assignment_form_data(**fields) -> dict:
    """A valid assignment form with no prompt or question rows."""
    formsets = {
        f"{prefix}-{key}": value
        for prefix in ("prompts", "questions")
        for key, value in (("TOTAL_FORMS", "0"), ("INITIAL_FORMS", "0"))
    }
    return {
        "title": "An assignment", "points": "100", "required_interviews": "1",
        "writeup_due_at": "2030-01-10T17:00", "late_percent_per_day": "10",
        "late_max_percent": "50", "late_grace_minutes": "0", "min_words": "0",
        **formsets, **fields,
    }  # fmt: skip


# Every table a request could change, with the columns to compare (None: all of them).
WATCHED = (
    (Course, None), (Membership, None), (Invitation, None),
    (RosterImport, ("id", "state", "rows")), (Assignment, None), (ReflectionPrompt, None),
    (BankQuestion, None), (Extension, None), (Contact, None), (Interview, None),
    (Interview.referrals.through, None), (PreparedQuestion, None), (Submission, None),
    (SubmissionVersion, None), (SubmissionVersion.attachments.through, None),
    (Attachment, None), (Notification, ("id", "state", "read_at")),
    (Preference, ("id", "disabled_kinds", "email_enabled")),
    (Preference.muted_courses.through, None), *((model, None) for model in GRADING_MODELS),
    (User, ("id", "email", "full_name", "time_zone", "calendar_token")),
)  # fmt: skip


def _fingerprint_sql() -> str:
    """One query that digests every watched table (PostgreSQL): the walk reads the whole
    world twice per request, so one round trip instead of thirty matters."""
    parts = []
    for model, columns in WATCHED:
        table = connection.ops.quote_name(model._meta.db_table)
        row = f"ROW({', '.join(f't.{c}' for c in columns)})" if columns else "t"
        parts.append(
            f"(SELECT md5(coalesce(string_agg({row}::text, '|' ORDER BY t.id), '')) FROM {table} t)"
        )
    return "SELECT " + ", ".join(parts)


def state_of_everything():
    """Every row a request could change, to prove that refused requests change nothing."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(_fingerprint_sql())
            return cursor.fetchone()
    return tuple(
        list(model.objects.order_by("pk").values_list(*(columns or ())))
        for model, columns in WATCHED
    )


def build_kwargs(route: Route, fx) -> dict:
    missing = [param for param in route.params if param not in KWARGS]
    if missing:
        pytest.fail(f"{route.name}: add a builder for URL parameter(s) {missing} to KWARGS")
    return {param: KWARGS[param](fx) for param in route.params}


def send(client, method: str, url: str, data: dict | None):
    if method == "GET":
        return client.get(url)
    return client.post(url, data or {})


def assert_status(response, expected, url: str, method: str = "") -> None:
    if expected == LOGIN:
        assert response.status_code == 302, f"{method} {response}"
        target = urlsplit(response.url)
        assert target.path == reverse("account_login")
        assert parse_qs(target.query)["next"] == [url]
    else:
        assert response.status_code == expected, (
            f"{method}: expected {expected}, got {response.status_code} "
            f"{response.get('Location', '')}"
        )


# The walk ----------------------------------------------------------------------------------


def test_every_project_url_has_expectations():
    names = [route.name for route in ROUTES]
    missing = sorted(set(names) - set(EXPECTED))
    stale = sorted(set(EXPECTED) - set(names))
    assert not missing, f"URL patterns without an entry in EXPECTED: {missing}"
    assert not stale, f"EXPECTED names URL patterns that no longer exist: {stale}"
    assert len(names) == len(set(names)), "two project URL patterns share a name"
    for name, methods in EXPECTED.items():
        assert set(methods) == {"GET", "POST"}, name
        for method, statuses in methods.items():
            assert set(statuses) == set(ACTORS), f"{name} {method} must list every actor"
    unknown_params = {p for route in ROUTES for p in route.params} - set(KWARGS)
    assert not unknown_params, f"add builders to KWARGS for {unknown_params}"
    assert set(EFFECTIVE_POSTS) <= set(EXPECTED)
    assert set(EFFECTIVE_GETS) <= set(EXPECTED)
    assert set(POST_DATA) <= set(EXPECTED)


def test_walk_finds_project_routes_and_leaves_out_only_third_party_ones():
    names = {route.name for route in ROUTES}
    assert {"healthz", "accounts:profile", "courses:detail", "courses:invitation"} <= names
    excluded = [route for route in ALL_ROUTES if route not in ROUTES]
    assert {"admin:index", "account_login", "account_signup"} <= {r.name for r in excluded}
    for route in excluded:
        assert route.name.startswith("admin:") or route.module.startswith(THIRD_PARTY_MODULES)
        assert not route.module.startswith(
            ("courses", "accounts", "config", "interviews", "notifications")
        )


# One case per route builds the world once; each actor then runs the GET and the POST inside a
# savepoint rolled back afterwards, so every actor meets the same world (a GET changes nothing,
# asserted, so the POST meets it too).
CASES = [pytest.param(route, id=route.name) for route in ROUTES if route.name in EXPECTED]


@pytest.mark.parametrize("route", CASES)
def test_url_answers_each_actor_as_expected(
    request,
    as_user,
    course,
    other_course,
    student_notification,
    grading_rows,
    route,
    django_capture_on_commit_callbacks,
):
    fx = request.getfixturevalue
    url = reverse(route.name, kwargs=build_kwargs(route, fx))
    post_data = POST_DATA.get(route.name, lambda fx: {})
    # Every fixture the actors and the POST data need exists before the first savepoint, so
    # none is created in one that is rolled back.
    post_data(fx)
    people = {actor: None if actor == "anonymous" else fx(actor) for actor in ACTORS}
    for actor, person in people.items():
        cache.clear()  # rate limits: each actor starts afresh
        with transaction.atomic():
            client = as_user(person)
            for method in ("GET", "POST"):
                expected = EXPECTED[route.name][method][actor]
                data = post_data(fx) if method == "POST" else None
                before = state_of_everything()

                with django_capture_on_commit_callbacks() as queued:
                    response = send(client, method, url, data)

                assert_status(response, expected, url, f"{method} by {actor}")
                assert_privacy_headers(
                    response, signed_in=person is not None and method == "GET", context=actor
                )
                changed = state_of_everything() != before
                effective = EFFECTIVE_POSTS if method == "POST" else EFFECTIVE_GETS
                if actor in effective.get(route.name, ()):
                    assert changed, f"the permitted {method} by {actor} should have done something"
                else:
                    assert not changed, f"{method} by {actor} must not change anything"
                    assert queued == [], f"{method} by {actor} must not queue any work"
            transaction.set_rollback(True)


# Objects of another course, addressed through one's own course (IDOR)

IDOR_CASES = [
    pytest.param(route, method, direction, id=f"{route.name}-{method}-{direction}")
    for route in ROUTES
    if "course_id" in route.params and set(route.params) & set(OTHER_COURSE_KWARGS)
    for method in ("GET", "POST")
    if EXPECTED.get(route.name, {}).get(method, {}).get("instructor") not in REFUSED
    for direction in ("instructor-reaches-other-course", "other-instructor-reaches-course")
]


def test_idor_cases_cover_every_nested_object_route():
    covered = {case.values[0].name for case in IDOR_CASES}
    assert covered == {
        "courses:roster_import",
        "courses:roster_import_progress",
        "courses:member_role",
        "courses:member_remove",
        "courses:member_readmit",
        "courses:invitation_resend",
        "courses:invitation_revoke",
        "interviews:student_record",
        "interviews:progress",
        "interviews:assignment_detail",
        "interviews:assignment_edit",
        "interviews:assignment_publish",
        "interviews:assignment_unpublish",
        "interviews:assignment_duplicate",
        "interviews:extension_list",
        "interviews:extension_delete",
        *(name for part in PARTS for name in part.IDOR_ROUTES),
    }


@pytest.mark.parametrize(("route", "method", "direction"), IDOR_CASES)
def test_instructor_cannot_reach_another_courses_objects_through_their_own_course(
    request,
    as_user,
    course,
    other_course,
    grading_rows,
    route,
    method,
    direction,
    django_capture_on_commit_callbacks,
):
    fx = request.getfixturevalue
    if direction == "instructor-reaches-other-course":
        actor, own_course, foreign = "instructor", course, OTHER_COURSE_KWARGS
    else:
        actor, own_course, foreign = "other_instructor", other_course, KWARGS
    # Ids with no counterpart in the other course (an assignment, say) stay the actor's own, so
    # the foreign id alone is what must be refused.
    kwargs = {
        param: foreign.get(param, KWARGS[param])(fx)
        for param in route.params
        if param != "course_id"
    }
    url = reverse(route.name, kwargs={"course_id": own_course.pk, **kwargs})
    data = POST_DATA.get(route.name, lambda fx: {})(fx) if method == "POST" else None
    before = state_of_everything()

    with django_capture_on_commit_callbacks() as queued:
        response = send(as_user(fx(actor)), method, url, data)

    assert response.status_code == 404
    assert state_of_everything() == before
    assert queued == []


# Another student's objects, addressed by a student (IDOR): a classmate's in the same course,
# and another course's through the student's own course.

STUDENT_OWNED_PARAMS = set(CLASSMATE_KWARGS)
STUDENT_IDOR_CASES = [
    pytest.param(route, method, source, id=f"{route.name}-{method}-{source}")
    for route in ROUTES
    if set(route.params) & STUDENT_OWNED_PARAMS
    for method in ("GET", "POST")
    if EXPECTED.get(route.name, {}).get(method, {}).get("student") not in REFUSED
    for source in ("classmate", "other-course")
]


def test_student_idor_cases_cover_every_route_of_a_students_own_objects():
    covered = {case.values[0].name for case in STUDENT_IDOR_CASES}
    assert covered >= {
        "interviews:contact_detail",
        "interviews:contact_edit",
        "interviews:contact_delete",
        "interviews:interview_detail",
        "interviews:interview_edit",
        "interviews:interview_questions",
        "interviews:interview_log",
        "interviews:interview_follow_up",
        "interviews:thank_you_draft",
        "interviews:interview_outcome",
        "interviews:attachment_remove",
        "interviews:attachment_download",
        "notifications:mark_read",
        "notifications:open",
        *(name for part in PARTS for name in part.STUDENT_IDOR_ROUTES),
    }


@pytest.mark.parametrize(("route", "method", "source"), STUDENT_IDOR_CASES)
def test_student_cannot_reach_a_classmates_or_another_courses_objects(
    request,
    as_user,
    course,
    other_course,
    grading_rows,
    route,
    method,
    source,
    django_capture_on_commit_callbacks,
):
    fx = request.getfixturevalue
    foreign = CLASSMATE_KWARGS if source == "classmate" else OTHER_COURSE_KWARGS
    kwargs = {
        param: (foreign[param] if param in STUDENT_OWNED_PARAMS else KWARGS[param])(fx)
        for param in route.params
    }
    url = reverse(route.name, kwargs=kwargs)
    data = POST_DATA.get(route.name, lambda fx: {})(fx) if method == "POST" else None
    before = state_of_everything()

    with django_capture_on_commit_callbacks() as queued:
        response = send(as_user(fx("student")), method, url, data)

    assert response.status_code == 404
    assert state_of_everything() == before
    assert queued == []
