"""Demo data for the interview workflow: one published assignment with students at every
stage, so a first visit shows the progress grid, the student record and upcoming work."""

import zoneinfo
from datetime import datetime, time, timedelta

from django.utils import timezone

from interviews import feedback, grading, planning, writeups
from interviews.authoring import (
    DEFAULT_PROMPTS,
    DEFAULT_QUESTIONS,
    PromptInput,
    assignment_publish,
    assignment_save,
)
from interviews.models import Assignment, Extension, Interview
from interviews.rubrics import rubric_adopt_template

TITLE = "Informational interview: explore a career"
INSTRUCTIONS = """Find a professional in a field you are exploring and hold a 20–30 minute
informational interview. This is **a conversation to learn**, not a job application.

1. Choose your contact and research them and their field.
2. Prepare your questions: pick from the bank and add your own.
3. Hold the interview; send a thank-you note within 24 hours.
4. Write your reflection.
"""


def _at(now: datetime, days: int, hour: int, zone: str) -> datetime:
    local = (now.astimezone(zoneinfo.ZoneInfo(zone)) + timedelta(days=days)).date()
    return datetime.combine(local, time(hour), tzinfo=zoneinfo.ZoneInfo(zone))


def seed_interviews(*, course, instructor, students) -> Assignment:
    existing = course.assignments.filter(title=TITLE).first()
    if existing:
        return existing
    now = timezone.now()
    zone = course.time_zone
    assignment = Assignment(
        course=course, title=TITLE, instructions=INSTRUCTIONS, created_by=instructor,
        contact_due_at=_at(now, -2, 17, zone), questions_due_at=_at(now, 3, 17, zone),
        interview_due_at=_at(now, 10, 17, zone), writeup_due_at=_at(now, 17, 9, zone),
        cutoff_at=_at(now, 24, 9, zone), min_words=150, allow_attachments=True,
        attachment_types=["pdf", "docx"],
    )  # fmt: skip
    assignment_save(
        assignment=assignment,
        prompts=[PromptInput(text) for text in DEFAULT_PROMPTS],
        questions=list(DEFAULT_QUESTIONS),
    )
    assignment_publish(assignment=assignment, by=instructor, now=now - timedelta(days=7))
    amara, ben, chloe, diego = students[:4]

    # Amara: interviewed, thanked, reflection submitted.
    priya = planning.contact_create(
        owner=amara, name="Priya Raman", job_title="Epidemiologist",
        organisation="City Health Department", industry="Public health",
        linkedin_url="https://www.linkedin.com/in/priya-raman-example", how_met="Alumni network",
        keep_in_touch_weeks=8,
    )  # fmt: skip
    held = Interview.objects.create(
        assignment=assignment, student=amara, contact=priya, time_zone="America/New_York",
        scheduled_at=now - timedelta(days=4), status=Interview.Status.PLANNING,
        mode=Interview.Mode.VIDEO, location="https://meet.example.com/priya",
        created_at=now - timedelta(days=6),
    )  # fmt: skip
    planning.interview_add_bank_questions(
        interview=held, bank_questions=list(assignment.bank_questions.all()[:3])
    )
    planning.interview_set_questions_ready(interview=held, ready=True, at=now - timedelta(days=5))
    # Held a day later than planned: reminders, calendar and grading follow the held day.
    planning.interview_mark_held(interview=held, at=now - timedelta(days=3))
    planning.interview_mark_thank_you_sent(interview=held, at=now - timedelta(days=3, hours=-4))
    held.insights = (
        "- Data skills matter as much as biology.\n- Field work is a small part of the week."
    )
    held.notes = "She moved from nursing into epidemiology through a part-time MPH."
    held.path_fit = Interview.PathFit.YES
    held.went_poorly = (
        "When you asked what drew me to public health, I rambled. A better answer: the "
        "vaccination drive I volunteered for showed me how much prevention depends on good data."
    )
    held.save()
    planning.interview_save_outcome(
        interview=held, insights=held.insights, path_fit=held.path_fit, referrals=[],
        offer="", new_referral={"name": "Jonah Mensah", "job_title": "Biostatistician",
                                "organisation": "State University Hospital",
                                "industry": "Public health"},
    )  # fmt: skip
    answers = {
        str(p.pk): "Public health work is far more data-driven than I expected. " * 8
        for p in assignment.prompts.all()
    }
    draft = writeups.writeup_save(
        assignment=assignment, student=amara, answers=answers, body="", revision=0, now=now
    )
    writeups.writeup_submit(assignment=assignment, student=amara, revision=draft.revision, now=now)

    # Ben: interview scheduled, questions ready.
    marcus = planning.contact_create(
        owner=ben, name="Marcus Hale", job_title="UX Researcher", organisation="Northwind Apps",
        industry="Software", how_met="Met at the campus career fair",
    )  # fmt: skip
    scheduled = Interview.objects.create(
        assignment=assignment, student=ben, contact=marcus, time_zone="America/Los_Angeles",
        scheduled_at=now + timedelta(days=2, hours=3), status=Interview.Status.SCHEDULED,
        mode=Interview.Mode.VIDEO, location="https://meet.example.com/marcus",
        created_at=now - timedelta(days=4),
    )  # fmt: skip
    planning.interview_add_question(interview=scheduled, text="How do you recruit participants?")
    planning.interview_set_questions_ready(interview=scheduled, ready=True, at=now)

    # Chloé: contact chosen, still planning.
    sophie = planning.contact_create(
        owner=chloe, name="Sophie Laurent", job_title="Architect", organisation="Atelier Nord",
        industry="Architecture",
    )  # fmt: skip
    Interview.objects.create(
        assignment=assignment, student=chloe, contact=sophie, time_zone="Europe/Paris",
        created_at=now - timedelta(days=1),
    )  # fmt: skip

    # Eun-ji: an interview logged afterwards, with no planned date; it led to an internship.
    grace = planning.contact_create(
        owner=students[4], name="Grace Adeyemi", job_title="Nurse manager",
        organisation="Riverside Hospital", industry="Healthcare", how_met="Family friend",
    )  # fmt: skip
    logged = Interview.objects.create(
        assignment=assignment, student=students[4], contact=grace, time_zone="America/Chicago",
        mode=Interview.Mode.IN_PERSON, location="Riverside Hospital, 3rd floor",
        created_at=now - timedelta(days=6),
    )  # fmt: skip
    planning.interview_save_log(
        interview=logged, held_at=now - timedelta(days=6, hours=2),
        notes="Shadowed the morning handover; care is mostly coordination.", went_poorly="",
    )  # fmt: skip
    planning.interview_save_follow_up(
        interview=logged, thank_you_sent_at=now - timedelta(days=5, hours=20),
        follow_up_sent_at=None, reply_received_at=now - timedelta(days=4),
    )  # fmt: skip
    planning.interview_save_outcome(
        interview=logged, insights="- Nursing leadership is a path I had not considered.",
        path_fit=Interview.PathFit.UNSURE, referrals=[], offer=Interview.Offer.INTERNSHIP,
    )  # fmt: skip

    # Eun-ji: submitted too, waiting in the grading queue.
    short = {str(p.pk): "A nurse manager showed me how much of care is coordination. " * 5
             for p in assignment.prompts.all()}  # fmt: skip
    draft = writeups.writeup_save(
        assignment=assignment, student=students[4], answers=short, body="", revision=0, now=now
    )
    writeups.writeup_submit(
        assignment=assignment, student=students[4], revision=draft.revision, now=now
    )

    # The ready-made rubric; Amara's write-up graded, released, and a word from her teacher.
    rubric = rubric_adopt_template(assignment=assignment)
    criteria = list(rubric.criteria.prefetch_related("levels"))
    submission = assignment.submissions.get(student=amara)
    grade = grading.grade_save(
        submission=submission, grader=instructor,
        levels={c.pk: list(c.levels.all())[0 if i % 2 == 0 else 1].pk
                for i, c in enumerate(criteria)},
        criterion_comments={criteria[2].pk: "You connected what surprised you to your own plans."},
        overall_comment="A well-prepared interview and a thoughtful reflection. Next time, "
        "follow up on the referral she offered.",
        expected_revision=0, now=now,
    )  # fmt: skip
    grading.grade_release(grade=grade, by=instructor, now=now)
    feedback.message_post(
        submission=submission, author=instructor, now=now,
        body="Let me know if you would like help reaching the epidemiologist she mentioned.",
    )  # fmt: skip

    # Diego: an extension.
    Extension.objects.create(
        assignment=assignment, student=diego, writeup_due_at=_at(now, 22, 9, zone),
        reason="Family emergency; documented with the dean's office.", granted_by=instructor,
    )  # fmt: skip
    return assignment
