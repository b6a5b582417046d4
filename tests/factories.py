"""One place that builds the world the tests run in: people, courses, assignments, contacts,
interviews and write-ups. Plain functions with keyword defaults, each returning what it made;
the shared fixtures (tests/conftest.py, tests/interviews/conftest.py) are built from them, and a
test calls them for anything more. Sample data that tests assert on (grades, rubrics to import,
files to upload) stays in the sample modules beside those tests.

Two clocks: most tests are frozen in March 2027 (``NOW``, between the US and the EU switch to
summer time, with the course in New York: ``local``); the browser journeys run on the real
clock (``course_moment``).
"""

import itertools
import zoneinfo
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

from allauth.account.models import EmailAddress
from django.utils import timezone

from accounts.models import User
from common.summaries import summaries_changed
from courses.enrolment import course_create, member_enrol
from courses.models import Course, Membership, Role
from interviews import planning
from interviews.authoring import (
    DEFAULT_PROMPTS,
    DEFAULT_QUESTIONS,
    PromptInput,
    assignment_publish,
    assignment_save,
)
from interviews.models import (
    Assignment,
    Contact,
    Criterion,
    Interview,
    Level,
    Rubric,
    Submission,
    SubmissionVersion,
)

PASSWORD = "correct-horse-battery-staple"

# Two weeks after the US and before the EU switch to summer time in 2027.
NOW = datetime(2027, 3, 20, 15, 0, tzinfo=UTC)
NEW_YORK = zoneinfo.ZoneInfo("America/New_York")


def local(*args) -> datetime:
    """A moment on the course's wall clock (New York): ``local(2027, 3, 15, 9, 0)``."""
    return datetime(*args, tzinfo=NEW_YORK)


def course_moment(course, *, days: int, hour: int, minute: int = 0) -> datetime:
    """``days`` from today (the real clock) at ``hour``:``minute`` on the course's wall clock."""
    zone = zoneinfo.ZoneInfo(course.time_zone)
    day = timezone.now().astimezone(zone).date() + timedelta(days=days)
    return datetime.combine(day, time(hour, minute), tzinfo=zone)


# People and courses


def make_user(email: str, name: str, time_zone: str = "UTC") -> User:
    """Someone who can sign in with ``PASSWORD``, their address verified."""
    user = User.objects.create_user(
        email=email, password=PASSWORD, full_name=name, time_zone=time_zone
    )
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


def make_course(creator, *, title: str = "Career Exploration", **fields) -> Course:
    """A course as the create page makes it: ``creator`` is its instructor."""
    return course_create(creator=creator, title=title, **fields)


def enrol(course, user, role=Role.STUDENT) -> Membership:
    return member_enrol(course=course, user=user, role=role)


def enrol_many(course, count: int, *, start: int = 1) -> list[User]:
    """``count`` students "Zoe Pupil 001"… (z001@example.edu…), joined a minute apart, in a
    few bulk queries; they cannot sign in."""
    numbers = range(start, start + count)
    users = User.objects.bulk_create(
        User(email=f"z{n:03}@example.edu", full_name=f"Zoe Pupil {n:03}", password="!")
        for n in numbers
    )
    joined = timezone.now() - timedelta(days=1)
    Membership.objects.bulk_create(
        Membership(course=course, user=user, joined_at=joined + timedelta(minutes=n))
        for n, user in zip(numbers, users, strict=True)
    )
    summaries_changed(course.pk)  # a bulk insert sends no signal
    return users


# Assignments


def make_assignment(course, **fields) -> Assignment:
    """Published unless told otherwise; dates in March 2027, across the US clock change:
    contact by 1 March, interview by 10 March, write-up due 15 March, cut-off 22 March (pass
    None to leave a date out)."""
    values = {
        "title": "Informational interview",
        "contact_due_at": local(2027, 3, 1, 17, 0),
        "interview_due_at": local(2027, 3, 10, 17, 0),
        "writeup_due_at": local(2027, 3, 15, 9, 0),
        "cutoff_at": local(2027, 3, 22, 9, 0),
        "state": Assignment.State.PUBLISHED,
        "created_by": course.created_by,
        **fields,
    }
    return Assignment.objects.create(course=course, **values)


def make_open_assignment(course, **fields) -> Assignment:
    """Published a week before NOW, still open: interview held within 3 weeks of NOW, write-up
    due in 4, no contact date and no cut-off."""
    values = {
        "contact_due_at": None,
        "interview_due_at": NOW + timedelta(weeks=3),
        "writeup_due_at": NOW + timedelta(weeks=4),
        "cutoff_at": None,
        "published_at": NOW - timedelta(days=7),
        **fields,
    }
    return make_assignment(course, **values)


def term_assignment(course, title="Informational interview", **fields) -> Assignment:
    """Published on Monday 22 Feb 2027 (course time), write-up due Monday 15 March."""
    return make_assignment(course, title=title, published_at=local(2027, 2, 22, 9, 0), **fields)


def make_writeup_assignment(course, **fields) -> Assignment:
    """What the write-up tests hand in to: published through the model on 1 Feb 2027 (what
    publishing plans runs on commit), write-up due 15 March 9:00, nothing accepted after 22
    March, 10 % off a day late up to 50 %, at least 5 words, PDF and PNG attachments; no
    contact or interview date."""
    values = {
        "contact_due_at": None,
        "interview_due_at": None,
        "late_percent_per_day": Decimal("10"),
        "late_max_percent": Decimal("50"),
        "min_words": 5,
        "allow_attachments": True,
        "attachment_types": ["pdf", "png"],
        "state": Assignment.State.DRAFT,
        **fields,
    }
    assignment = make_assignment(course, **values)
    assignment_publish(assignment=assignment, by=assignment.created_by, now=local(2027, 2, 1, 9, 0))
    return assignment


def make_authored_assignment(
    course, *, prompts=DEFAULT_PROMPTS, questions=DEFAULT_QUESTIONS, **fields
) -> Assignment:
    """A draft saved through the authoring workflow with the default prompts and question
    bank (``fields`` as the form's); publish it with ``assignment_publish``."""
    assignment = Assignment(course=course, created_by=course.created_by, **fields)
    return assignment_save(
        assignment=assignment, prompts=[PromptInput(text) for text in prompts], questions=questions
    )


def published_assignment(course, instructor, **fields) -> Assignment:
    """An assignment with the default prompts and question bank, published, its dates days
    ahead on the real clock (for the browser journeys)."""
    values = {
        "title": "Informational interview",
        "instructions": "Talk with a professional in a field you are exploring.",
        "contact_due_at": course_moment(course, days=3, hour=17),
        "questions_due_at": course_moment(course, days=5, hour=17),
        "interview_due_at": course_moment(course, days=10, hour=17),
        "writeup_due_at": course_moment(course, days=14, hour=17),
        "min_words": 12,
        "allow_attachments": True,
        "attachment_types": ["pdf"],
        **fields,
    }
    assignment = Assignment(course=course, created_by=instructor, **values)
    assignment_save(
        assignment=assignment,
        prompts=[PromptInput(text) for text in DEFAULT_PROMPTS],
        questions=DEFAULT_QUESTIONS,
    )
    assignment_publish(assignment=assignment, by=assignment.created_by, now=timezone.now())
    return assignment


def make_rubric(assignment) -> Rubric:
    """Two criteria with levels (5 points each) and one scored in points (up to 10): 20 in
    all, which the assignment is worth."""
    rubric = Rubric.objects.create(assignment=assignment, title="Interview rubric")
    for position, title in enumerate(("Preparation", "Reflection")):
        criterion = Criterion.objects.create(
            rubric=rubric, position=position, title=title, points=Decimal("5"),
            description=f"How good the {title.lower()} is.",
        )  # fmt: skip
        for rank, (name, points) in enumerate((("Strong", 5), ("Fair", 3), ("Weak", 1))):
            Level.objects.create(
                criterion=criterion, position=rank, title=name, points=Decimal(points),
                description=f"{name} {title.lower()}",
            )  # fmt: skip
    Criterion.objects.create(rubric=rubric, position=2, title="Follow-up", points=Decimal("10"))
    assignment.points = Decimal("20")
    assignment.save(update_fields=["points"])
    return rubric


# Contacts and interviews


def make_contact(owner, name="Dana Director", **fields) -> Contact:
    """A contact of ``owner``'s, added 30 days before NOW."""
    values = {"job_title": "Data Scientist", "organisation": "Acme Analytics", **fields}
    return Contact.objects.create(
        owner=owner, name=name, created_at=NOW - timedelta(days=30), **values
    )


def make_interview(assignment, student, contact=None, **fields) -> Interview:
    """Scheduled five days after NOW (planned the day before NOW), with ``contact`` or a new
    one of the student's."""
    values = {
        "scheduled_at": NOW + timedelta(days=5),
        "time_zone": "Europe/Berlin",
        "status": Interview.Status.SCHEDULED,
        "created_at": NOW - timedelta(days=1),
        **fields,
    }
    return Interview.objects.create(
        assignment=assignment, student=student, contact=contact or make_contact(student), **values
    )


def plan_interview(assignment, student, *, created, name="Priya Patel", **fields) -> Interview:
    """An interview in planning since ``created``, with a new contact at Acme Health."""
    contact = Contact.objects.create(owner=student, name=name, organisation="Acme Health")
    return Interview.objects.create(
        assignment=assignment, student=student, contact=contact, created_at=created, **fields
    )


def held(assignment, student, *, at, name="Priya Patel", organisation="", industry="", **fields):
    """An interview ``student`` held at ``at`` with a new contact of theirs."""
    contact = Contact.objects.create(
        owner=student, name=name, organisation=organisation, industry=industry
    )
    values = {"status": Interview.Status.HELD, "scheduled_at": at, "held_at": at, **fields}
    return Interview.objects.create(
        assignment=assignment, student=student, contact=contact, **values
    )


def interview_done(assignment, student, *, contact_name: str = "Priya Raman") -> Interview:
    """Journey 3 through the workflow functions, on the real clock: a held, thanked,
    followed-up interview."""
    now = timezone.now()
    contact = planning.contact_create(
        owner=student, name=contact_name, job_title="Epidemiologist",
        organisation="City Health Department", industry="Public health",
    )  # fmt: skip
    interview = planning.interview_plan(
        assignment=assignment, student=student, contact=contact, scheduled_at=None,
        time_zone="America/Los_Angeles", duration_minutes=30, mode=Interview.Mode.VIDEO,
        location="https://meet.example.org/priya", status=Interview.Status.PLANNING, now=now,
    )  # fmt: skip
    bank = list(assignment.bank_questions.order_by("position")[:2])
    planning.interview_add_bank_questions(interview=interview, bank_questions=bank)
    planning.interview_add_question(
        interview=interview, text="What does a good first year look like?"
    )
    planning.interview_set_questions_ready(interview=interview, ready=True, at=now)
    planning.interview_save_log(
        interview=interview, held_at=now, notes="Outbreak work is mostly data cleaning.",
        went_poorly="",
    )  # fmt: skip
    planning.interview_mark_thank_you_sent(interview=interview, at=now)
    planning.interview_save_outcome(
        interview=interview, insights="- Statistics matter more than I thought",
        path_fit=Interview.PathFit.YES, referrals=[], offer="",
    )  # fmt: skip
    return interview


# Write-ups


def hand_in_many(assignment, users, *, at=NOW, late_days=(0,)) -> list[Submission]:
    """A submitted write-up from each of ``users`` at ``at``, in one query and without versions
    (a class for the list pages); ``late_days`` is cycled over them, 10% off a day late."""
    return Submission.objects.bulk_create(
        Submission(
            assignment=assignment, student=user, body="Words", word_count=1, revision=1,
            submitted_revision=1, submitted_at=at, is_late=days > 0, late_days=days,
            penalty_percent=Decimal(10 * days),
        )
        for user, days in zip(users, itertools.cycle(late_days), strict=False)
    )  # fmt: skip


def make_submission(
    assignment, student, *, at, late_days=0, penalty="0", answers=None, body=""
) -> Submission:
    """A submitted write-up with one more version, as the write-up workflow leaves it."""
    submission, _ = Submission.objects.get_or_create(assignment=assignment, student=student)
    number = submission.versions.count() + 1
    submission.answers = answers or {}
    submission.body = body
    submission.word_count = len(body.split()) + sum(
        len(a.split()) for a in (answers or {}).values()
    )
    submission.revision += 1
    submission.submitted_revision = submission.revision
    submission.submitted_at = at
    submission.is_late = late_days > 0
    submission.late_days = late_days
    submission.penalty_percent = Decimal(penalty)
    submission.save()
    SubmissionVersion.objects.create(
        submission=submission, number=number, answers=submission.answers, body=body,
        word_count=submission.word_count, submitted_at=at, is_late=late_days > 0,
        late_days=late_days, penalty_percent=Decimal(penalty),
    )  # fmt: skip
    return submission
