"""Journeys 2, 3, 4 and part of 7 in a real browser, driven by what people see: the instructor
authors and publishes an informational-interview assignment; a student finds a contact, plans,
prepares, holds and follows up the interview, writes and submits the reflection; extensions and
late work; the instructor watches progress and reads the student's record.

Each test sets up the steps before it through the workflow functions, so no browser step is
repeated and each stays short.
"""

import re
import zoneinfo
from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from interviews.authoring import DEFAULT_PROMPTS, DEFAULT_QUESTIONS
from interviews.models import Assignment, Contact, Extension, Interview, Submission
from tests.browser.conftest import sign_in
from tests.browser.support import label, typed
from tests.factories import course_moment, interview_done, published_assignment
from tests.interviews import samples

pytestmark = pytest.mark.browser

SAVED = re.compile(r"^Saved at \d\d:\d\d\.$")
WHEN_FORMAT = "%a %-d %b %Y, %H:%M"


def shown(moment: datetime, zone_name: str) -> str:
    """A moment as the ``when`` tag shows it to a viewer in ``zone_name``."""
    local = moment.astimezone(zoneinfo.ZoneInfo(zone_name))
    return f"{local.strftime(WHEN_FORMAT)} {local.tzname()}"


# Journey 2 ----------------------------------------------------------------------------------


def test_instructor_authors_and_publishes_an_informational_interview_assignment(
    site_url, page, instructor, course
):
    contact_due = course_moment(course, days=4, hour=17)
    questions_due = course_moment(course, days=7, hour=17)
    interview_due = course_moment(course, days=14, hour=17)
    writeup_due = course_moment(course, days=21, hour=23, minute=59)
    cutoff = course_moment(course, days=28, hour=23, minute=59)

    sign_in(page, site_url, instructor.email)
    page.get_by_role("region", name="Teaching").get_by_role("link", name=course.title).click()
    page.get_by_role("link", name="Assignments", exact=True).click()
    page.get_by_role("link", name="New assignment").click()
    expect(page.get_by_role("heading", name="New assignment")).to_be_visible()

    page.get_by_label(label("Title")).fill("Informational interview: a career you are exploring")
    page.get_by_label(label("Instructions")).fill(
        "Find a **professional** in a field you are exploring.\n\n"
        "- Prepare your questions\n- Thank them within 24 hours"
    )
    page.get_by_label(label("Points")).fill("40")
    page.get_by_label(label("Contact chosen by")).fill(typed(contact_due))
    page.get_by_label(label("Questions prepared by")).fill(typed(questions_due))
    page.get_by_label(label("Interview held by")).fill(typed(interview_due))
    page.get_by_label(label("Write-up due")).fill(typed(writeup_due))
    page.get_by_label(label("Hard cut-off")).fill(typed(cutoff))
    page.get_by_label(label("Penalty per day late (%)")).fill("5")
    page.get_by_label(label("Maximum late penalty (%)")).fill("25")
    page.get_by_label(label("Grace period (minutes)")).fill("15")
    page.get_by_label(label("Minimum words in the reflection")).fill("300")
    page.get_by_label("Students may attach files").check()
    page.get_by_label("PDF", exact=True).check()
    # The default prompts and question bank stay; one bank question is made sharper.
    expect(page.get_by_label(label("Prompt 1"))).to_have_value(DEFAULT_PROMPTS[0])
    first_question = page.get_by_label(label("Question 1"))
    expect(first_question).to_have_value(DEFAULT_QUESTIONS[0].text)
    first_question.fill("Walk me through a typical week: where does your time go?")

    # A preview of the Markdown saves nothing and keeps what was typed.
    page.get_by_role("button", name="Preview instructions").click()
    preview = page.get_by_role("region", name="Preview of the instructions")
    expect(preview.locator("strong")).to_have_text("professional")
    expect(preview.get_by_role("listitem")).to_have_count(2)
    assert not Assignment.objects.exists()
    page.get_by_role("button", name="Create assignment").click()

    expect(page.get_by_text("Assignment created as a draft")).to_be_visible()
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_contain_text("Informational interview: a career you are exploring")
    expect(heading).to_contain_text("Draft")
    milestones = page.get_by_role("region", name="Milestones")
    for name, moment in [
        ("Contact chosen", contact_due),
        ("Questions prepared", questions_due),
        ("Interview held", interview_due),
        ("Write-up submitted", writeup_due),
        ("Hard cut-off", cutoff),
    ]:
        row = milestones.get_by_role("row").filter(has_text=name)
        expect(row).to_contain_text(shown(moment, course.time_zone))
    policy = page.get_by_role("region", name="Grading and late work")
    expect(policy).to_contain_text("Worth 40 points.")
    expect(policy).to_contain_text(
        "Late work loses 5% per started day after a grace period of 15 minutes, at most 25%."
    )
    expect(policy).to_contain_text("The reflection needs at least 300 words.")
    expect(policy).to_contain_text("Files may be attached: PDF.")
    instructions = page.get_by_role("region", name="Instructions")
    expect(instructions.locator("strong")).to_have_text("professional")
    bank = page.get_by_role("region", name="Question bank")
    expect(bank).to_contain_text("Walk me through a typical week: where does your time go?")
    expect(bank).not_to_contain_text(DEFAULT_QUESTIONS[0].text)
    expect(bank.get_by_role("listitem")).to_have_count(len(DEFAULT_QUESTIONS))
    prompts = page.get_by_role("region", name="Reflection prompts")
    expect(prompts.get_by_role("listitem")).to_have_text(list(DEFAULT_PROMPTS))

    page.get_by_role("button", name="Publish to students").click()
    expect(
        page.get_by_text("Published: the students of the course can see it now.")
    ).to_be_visible()
    assignment = Assignment.objects.get()
    assert assignment.is_published
    assert (assignment.points, assignment.min_words, assignment.late_grace_minutes) == (40, 300, 15)
    assert assignment.writeup_due_at == writeup_due
    assert assignment.attachment_types == ["pdf"]
    assert assignment.bank_questions.count() == len(DEFAULT_QUESTIONS)


# Journey 3 ----------------------------------------------------------------------------------


def test_student_finds_a_contact_plans_prepares_holds_and_follows_up_the_interview(
    site_url, page, course, instructor, student
):
    assignment = published_assignment(course, instructor)
    their_zone = "America/Los_Angeles"  # the professional's; the student is in Berlin
    meeting = datetime.combine(
        timezone.now().astimezone(zoneinfo.ZoneInfo(their_zone)).date() + timedelta(days=6),
        time(10, 30),
        tzinfo=zoneinfo.ZoneInfo(their_zone),
    )
    bank_a, bank_b = DEFAULT_QUESTIONS[3].text, DEFAULT_QUESTIONS[6].text
    own_question = "What would you look for in someone joining your team next year?"

    # The student sees the assignment with their due dates, in their zone and the course's.
    sign_in(page, site_url, student.email)
    upcoming = page.get_by_role("region", name="Upcoming work")
    expect(upcoming.get_by_role("link", name=assignment.title).first).to_be_visible()
    expect(upcoming).to_contain_text(shown(assignment.contact_due_at, student.time_zone))
    upcoming.get_by_role("link", name=assignment.title).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(assignment.title)
    milestones = page.get_by_role("region", name="Your milestones")
    for name, moment in [
        ("Contact chosen", assignment.contact_due_at),
        ("Write-up submitted", assignment.writeup_due_at),
    ]:
        row = milestones.get_by_role("row").filter(has_text=name)
        expect(row).to_contain_text(shown(moment, student.time_zone))
        expect(row).to_contain_text(
            f"{moment.astimezone(zoneinfo.ZoneInfo(course.time_zone)):%H:%M}"
        )
        expect(row).to_contain_text("Not due yet")

    # They plan an interview, adding the contact in the same form.
    page.get_by_role("link", name="Plan an interview").click()
    expect(page.get_by_label(label("Who you will interview"))).to_have_value("")
    new_contact = page.get_by_role("group", name="…or add a new contact")
    new_contact.get_by_label(label("Name")).fill("Priya Raman")
    new_contact.get_by_label(label("Job title")).fill("Epidemiologist")
    new_contact.get_by_label(label("Organisation")).fill("City Health Department")
    new_contact.get_by_label(label("Industry")).fill("Public health")
    new_contact.get_by_label(label("LinkedIn profile")).fill("priya-raman-mph")
    page.get_by_label(label("Their time zone")).select_option(their_zone)
    page.get_by_label(label("Date and time, in their time zone")).fill(typed(meeting))
    page.get_by_label(label("Length (minutes)")).fill("30")
    page.get_by_label("Video call").check()
    page.get_by_label(label("Place or link")).fill("https://meet.example.org/priya-raman")
    page.get_by_label(label("Status")).select_option(label="Scheduled — the date is agreed")
    page.get_by_role("button", name="Plan interview").click()
    # A mistake in the new contact keeps everything typed so far, and saves nothing.
    expect(page.get_by_text("Enter the address of a LinkedIn profile")).to_be_visible()
    assert not Contact.objects.exists()
    expect(new_contact.get_by_label(label("Name"))).to_have_value("Priya Raman")
    expect(page.get_by_label(label("Date and time, in their time zone"))).to_have_value(
        typed(meeting)
    )
    expect(page.get_by_label(label("Place or link"))).to_have_value(
        "https://meet.example.org/priya-raman"
    )
    new_contact.get_by_label(label("LinkedIn profile")).fill("linkedin.com/in/priya-raman-mph/")
    page.get_by_role("button", name="Plan interview").click()

    expect(page.get_by_text("Priya Raman was added to your contacts.")).to_be_visible()
    expect(page.get_by_text("Your interview with Priya Raman is planned.")).to_be_visible()
    plan = page.get_by_role("region", name="Plan", exact=True)
    expect(plan).to_contain_text(shown(meeting, student.time_zone))  # Berlin, for the student
    expect(plan).to_contain_text(f"(10:30 {meeting.tzname()} their time)")
    expect(plan).to_contain_text(their_zone)
    expect(plan).to_contain_text("Video call")
    expect(plan.get_by_role("link", name="https://meet.example.org/priya-raman")).to_be_visible()
    interview = Interview.objects.get()
    assert interview.scheduled_at == meeting and interview.status == Interview.Status.SCHEDULED

    # Questions: two from the bank, one of their own moved up, then ready.
    page.get_by_role("link", name="Prepare your questions").first.click()
    page.get_by_label(bank_a).check()
    page.get_by_label(bank_b).check()
    page.get_by_role("button", name="Add the ticked questions").click()
    expect(page.get_by_text("2 questions added.")).to_be_visible()
    page.get_by_label(label("Your own question")).fill(own_question)
    page.get_by_role("button", name="Add question", exact=True).click()
    expect(page.get_by_text("Your question was added.")).to_be_visible()
    page.get_by_role("button", name="Move up question 3", exact=True).click()
    prepared = page.get_by_role("region", name=re.compile("^Your questions"))
    expect(prepared.get_by_role("listitem")).to_have_count(3)
    expect(prepared.get_by_role("listitem").nth(1)).to_contain_text(own_question)
    page.get_by_role("button", name="Questions are ready").click()
    expect(page.get_by_text("Your questions are ready.")).to_be_visible()
    assert [q.text for q in interview.questions.all()] == [bank_a, own_question, bank_b]

    # After the conversation: logged as held, with notes.
    page.get_by_role("link", name="Log", exact=True).click()
    page.get_by_label("The interview took place").check()
    page.get_by_label(label("Notes during and after")).fill(
        "Most of her week is surveillance data; field work comes in bursts."
    )
    page.get_by_role("button", name="Save log").click()
    expect(page.get_by_text("Logged as held. Now send your thank-you note")).to_be_visible()

    # The thank-you draft names the contact; the student marks it sent, then the follow-up.
    note = page.get_by_label("Draft note to Priya Raman")
    expect(note).to_have_value(re.compile(r"^Dear Priya Raman,"))
    expect(note).to_have_value(re.compile("Epidemiologist at City Health Department"))
    page.get_by_role("button", name="I sent it — mark as sent today").click()
    expect(page.get_by_text("Thank-you note marked as sent.")).to_be_visible()
    page.get_by_role("link", name="Follow-up", exact=True).click()
    page.get_by_role("button", name="Today: Follow-up sent", exact=True).click()
    # A follow-up on the interview's own day is asked about before it is saved.
    expect(page.get_by_text("That is the day of the interview")).to_be_visible()
    page.get_by_label("Yes, I sent the follow-up that day").check()
    page.get_by_role("button", name="Save dates").click()
    expect(page.get_by_text("Your thank-you and follow-up dates were saved.")).to_be_visible()
    today = timezone.now().astimezone(student.zoneinfo).date().isoformat()
    expect(page.get_by_label(label("Follow-up sent"))).to_have_value(today)
    expect(page.get_by_label(label("Thank-you note sent"))).to_have_value(today)

    # The outcome, with a referral to someone new, added to the contacts in the same form.
    page.get_by_role("link", name="Outcome", exact=True).click()
    page.get_by_label(label("What I learned")).fill(
        "- Epidemiology needs more statistics than I expected\n- Local government hires in spring"
    )
    page.get_by_label("Yes, the path still fits").check()
    referral = page.get_by_role("group", name="…or add someone new Priya Raman referred you to")
    referral.get_by_label(label("Name")).fill("Marcus Webb")
    referral.get_by_label(label("Job title")).fill("Biostatistician")
    referral.get_by_label(label("Organisation")).fill("State University Hospital")
    page.get_by_role("button", name="Save outcome").click()

    expect(
        page.get_by_text("Marcus Webb was added to your contacts, referred by Priya Raman.")
    ).to_be_visible()
    expect(page.get_by_text("The outcome was saved.")).to_be_visible()
    outcome = page.get_by_role("region", name="Outcome", exact=True)
    expect(outcome).to_contain_text("Epidemiology needs more statistics than I expected")
    expect(outcome).to_contain_text("Yes, the path still fits")
    expect(outcome.get_by_role("link", name="Marcus Webb")).to_be_visible()
    expect(page.get_by_role("region", name="Next step")).to_contain_text("Keep in touch")
    interview.refresh_from_db()
    assert interview.status == Interview.Status.HELD
    assert interview.thank_you_sent_at and interview.follow_up_sent_at
    assert interview.path_fit == Interview.PathFit.YES
    assert interview.contact.linkedin_url == "https://www.linkedin.com/in/priya-raman-mph"
    assert interview.contact.industry == "Public health"
    assert Contact.objects.get(name="Marcus Webb").referred_by == interview.contact


# Journeys 4 and 7 ---------------------------------------------------------------------------


def test_student_submits_the_reflection_extensions_and_late_work_and_the_instructor_sees_it(
    site_url, new_context, course, instructor, student, classmate, tmp_path
):
    assignment = published_assignment(course, instructor)
    interview = interview_done(assignment, student)
    answers = [
        "Public health is mostly careful work with data, and that suits me well.",
        "Yes: I enjoy statistics and want work that helps a whole city stay healthy.",
        "Next time I would research the department's recent reports before the call.",
    ]
    pdf = tmp_path / "interview-notes.pdf"
    pdf.write_bytes(samples.PDF)

    # Journey 4: the student writes, the draft saves itself, a PDF is attached, submitted.
    page = new_context().new_page()
    sign_in(page, site_url, student.email)
    page.goto(f"{site_url}/courses/{course.pk}/assignments/{assignment.pk}/")
    page.get_by_role("link", name="Start your write-up").click()
    for prompt, answer in zip(DEFAULT_PROMPTS, answers, strict=True):
        page.get_by_label(prompt).fill(answer)
    expect(page.locator("#autosave-status")).to_have_text(SAVED)
    assert Submission.objects.get(student=student).word_count == 39
    expect(page.locator("#writeup-words")).to_contain_text("39 words of at least 12")
    page.get_by_label("Attach a file").set_input_files(pdf)
    page.get_by_role("button", name="Upload file").click()
    expect(page.get_by_text("“interview-notes.pdf” is attached.")).to_be_visible()
    page.get_by_role("button", name="Submit", exact=True).click()
    expect(page.get_by_text("Submitted: version 1 of your write-up is in.")).to_be_visible()
    page.get_by_role("link", name="Version 1").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Version 1 of your write-up")
    expect(page.locator("#version-facts")).to_contain_text("39 words")
    expect(page.locator("#version-facts")).to_contain_text("on time")
    for prompt, answer in zip(DEFAULT_PROMPTS, answers, strict=True):
        expect(page.get_by_role("region", name=prompt)).to_contain_text(answer)
    expect(page.get_by_role("link", name="interview-notes.pdf")).to_be_visible()

    # The classmate is given an extension on the Extensions page, and sees the new date.
    new_due = course_moment(course, days=20, hour=12)
    staff = new_context().new_page()
    sign_in(staff, site_url, instructor.email)
    staff.goto(f"{site_url}/courses/{course.pk}/assignments/{assignment.pk}/")
    staff.get_by_role("link", name=re.compile(r"^Extensions \(0\)")).click()
    staff.get_by_label("Carl Classmate (carl.classmate@example.edu)").check()
    staff.get_by_label(label("Write-up due")).fill(typed(new_due))
    staff.get_by_label(label("Reason")).fill("Family emergency during week 6")
    staff.get_by_role("button", name="Grant extension").click()
    expect(staff.get_by_text("Extension granted to Carl Classmate.")).to_be_visible()
    granted = staff.get_by_role("region", name=re.compile("^Granted"))
    expect(granted.get_by_role("row").filter(has_text="Carl Classmate")).to_contain_text(
        shown(new_due, instructor.time_zone)
    )
    other = new_context().new_page()
    sign_in(other, site_url, classmate.email)
    other.goto(f"{site_url}/courses/{course.pk}/assignments/{assignment.pk}/")
    expect(other.get_by_text("You have an extension.")).to_be_visible()
    expect(other.get_by_text("Reason: Family emergency during week 6")).to_be_visible()
    row = other.get_by_role("region", name="Your milestones").get_by_role("row")
    expect(row.filter(has_text="Write-up submitted")).to_contain_text(
        shown(new_due, classmate.time_zone)
    )

    # A second assignment whose write-up was due a day and a bit ago: submitted late.
    overdue = published_assignment(
        course, instructor, title="Second interview", contact_due_at=None,
        questions_due_at=None, interview_due_at=None,
        writeup_due_at=timezone.now() - timedelta(days=1, hours=2), min_words=0,
    )  # fmt: skip
    page.goto(f"{site_url}/courses/{course.pk}/assignments/{overdue.pk}/writeup/")
    expect(page.locator("#late-warning")).to_contain_text("2 days late")
    expect(page.locator("#late-warning")).to_contain_text("a penalty of 20%")
    page.get_by_label(DEFAULT_PROMPTS[0]).fill("Late, but I learned that networking is a skill.")
    page.get_by_role("button", name="Submit", exact=True).click()
    # No interview is held for this one: the page asks first, naming what is missing.
    expect(page.locator("#submit-confirm")).to_contain_text(
        "You have held 0 of the 1 interview this assignment requires. Submit anyway?"
    )
    page.get_by_role("button", name="Submit anyway").click()
    expect(
        page.get_by_text("Submitted: version 1 of your write-up is in. It is 2 days late: a "
                         "penalty of 20%.")
    ).to_be_visible()  # fmt: skip
    expect(page.locator("#submitted-state")).to_contain_text("late by 2 days, penalty 20%")
    page.goto(f"{site_url}/courses/{course.pk}/assignments/{overdue.pk}/")
    expect(page.get_by_role("region", name="Your write-up")).to_contain_text(
        "late by 2 days, penalty 20%"
    )
    expect(
        page.get_by_role("region", name="Your milestones").get_by_role("row")
        .filter(has_text="Write-up submitted")
    ).to_contain_text("Done late")  # fmt: skip

    # Journey 7: the instructor sees the milestones done and reads the student's record.
    staff.goto(f"{site_url}/courses/{course.pk}/assignments/{assignment.pk}/")
    staff.get_by_role("link", name="Progress", exact=True).click()
    stella = staff.get_by_role("row").filter(has_text="Stella Student")
    expect(stella.get_by_text("Done", exact=True)).to_have_count(4)
    carl = staff.get_by_role("row").filter(has_text="Carl Classmate")
    expect(carl).to_contain_text("Extended")
    stella.get_by_role("link", name="Stella Student").click()
    expect(staff.get_by_role("heading", level=1)).to_contain_text("Stella Student")
    milestones = staff.get_by_role("region", name="Milestones")
    expect(milestones.get_by_text("Done", exact=True)).to_have_count(4)
    card = staff.get_by_role("article", name=re.compile("^Interview with Priya Raman"))
    expect(card).to_contain_text("Epidemiologist")
    expect(card).to_contain_text("City Health Department")
    for question in interview.questions.all():
        expect(card.get_by_role("listitem").filter(has_text=question.text)).to_be_visible()
    # The term's own definition: the held time (the same minute here) has one of its own.
    thanked = card.locator("dt:text-is('Thank-you note sent') + dd")
    expect(thanked).to_have_text(shown(interview.thank_you_sent_at, instructor.time_zone))
    writeup = staff.get_by_role("region", name="Write-up")
    expect(writeup).to_contain_text("Version 1, submitted")
    expect(writeup).to_contain_text("On time.")
    for answer in answers:
        expect(writeup).to_contain_text(answer)
    expect(writeup.get_by_role("link", name="interview-notes.pdf")).to_be_visible()
    assert Extension.objects.get().student == classmate
