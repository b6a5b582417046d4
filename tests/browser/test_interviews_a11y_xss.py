"""Every page of the interviews app, for the person who uses it: no serious accessibility
violation (axe), and the public XSS corpus, written into everything one person types and another
reads, never runs and never becomes markup.
"""

import json
import re
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from playwright.sync_api import expect

from courses.enrolment import member_enrol
from courses.models import Role
from interviews import planning, writeups
from interviews.authoring import (
    DEFAULT_QUESTIONS,
    PromptInput,
    QuestionInput,
    assignment_publish,
    assignment_save,
    extension_grant,
)
from interviews.models import (
    Assignment,
    BankQuestion,
    Contact,
    Extension,
    Interview,
    PreparedQuestion,
    Submission,
)
from tests.browser.conftest import sign_in
from tests.browser.support import (
    assert_inert,
    label,
    packed,
    payloads,
    serious_violations,
    typed,
    visit_all,
    watch,
)
from tests.factories import course_moment, interview_done, make_user, published_assignment
from tests.interviews import samples

pytestmark = pytest.mark.browser
axe = pytest.mark.browser_context_args(bypass_csp=True)  # axe is injected as an inline script


def urls(course, assignment, interview=None) -> SimpleNamespace:
    """The addresses of an assignment's pages (and of one interview's, when given)."""
    a = f"/courses/{course.pk}/assignments/{assignment.pk}/"
    i = f"{a}interviews/{interview.pk}/" if interview else ""
    return SimpleNamespace(
        list=f"/courses/{course.pk}/assignments/", new=f"/courses/{course.pk}/assignments/new/",
        detail=a, edit=a + "edit/", duplicate=a + "duplicate/", extensions=a + "extensions/",
        progress=a + "progress/", writeup=a + "writeup/", version=a + "writeup/versions/1/",
        plan=a + "interviews/new/", interview=i, interview_edit=i + "edit/",
        questions=i + "questions/", log=i + "log/", follow_up=i + "follow-up/",
        thank_you=i + "thank-you/", outcome=i + "outcome/",
    )  # fmt: skip


def submit_writeup(assignment, student, answers: dict[str, str], *, body="", attach=None):
    """Save and submit a write-up the way the page does; returns the submission."""
    now = timezone.now()
    writeups.writeup_save(
        assignment=assignment, student=student, answers=answers, body=body, revision=0, now=now
    )
    if attach is not None:
        name, data = attach
        upload = SimpleUploadedFile(name, data, content_type="application/pdf")
        writeups.attachment_add(assignment=assignment, student=student, upload=upload, now=now)
    revision = Submission.objects.get(assignment=assignment, student=student).revision
    writeups.writeup_submit(assignment=assignment, student=student, revision=revision, now=now)
    return Submission.objects.get(assignment=assignment, student=student)


@pytest.fixture
def world(course, instructor, student, classmate):
    """One assignment with everything on it: a held interview with a referral, an extension,
    a submitted write-up with a file; a draft assignment; one whose cut-off has passed."""
    assignment = published_assignment(course, instructor)
    interview = interview_done(assignment, student)
    referral = planning.contact_create(
        owner=student, name="Marcus Webb", organisation="State University Hospital",
        linkedin_url="https://www.linkedin.com/in/marcus-webb", keep_in_touch_weeks=4,
    )  # fmt: skip
    planning.interview_save_outcome(
        interview=interview, insights=interview.insights, path_fit=Interview.PathFit.YES,
        referrals=[referral], offer="",
    )  # fmt: skip
    extension_grant(
        assignment=assignment, students=[classmate],
        dates={"writeup_due_at": assignment.writeup_due_at + timedelta(days=3)},
        reason="Illness in week 6", granted_by=instructor,
    )  # fmt: skip
    prompts = list(assignment.prompts.all())
    submit_writeup(
        assignment, student, {str(p.pk): f"My answer to prompt {p.position + 1}." for p in prompts},
        attach=("notes.pdf", samples.PDF),
    )  # fmt: skip
    Assignment.objects.create(
        course=course, title="Second interview (draft)", created_by=instructor,
        writeup_due_at=course_moment(course, days=40, hour=17),
    )  # fmt: skip
    closed = published_assignment(
        course, instructor, title="Last term's interview", contact_due_at=None,
        questions_due_at=None, interview_due_at=None,
        writeup_due_at=timezone.now() - timedelta(days=10),
        cutoff_at=timezone.now() - timedelta(days=3),
    )  # fmt: skip
    return SimpleNamespace(
        assignment=assignment, interview=interview, contact=interview.contact,
        referral=referral, at=urls(course, assignment, interview), closed=urls(course, closed),
    )  # fmt: skip


NAMED = re.compile(
    r"""^\s*- '?(button|link|checkbox|radio|combobox|textbox|spinbutton|group|region) """
    r'"((?:[^"\\]|\\.)*)"',
    re.M,
)
STRAY_SPACE = re.compile(r"\s[:;,.!?)]")


def stray_spaces(page) -> list[str]:
    """Controls whose accessible name has a space before punctuation, as a visually hidden
    suffix starting with a colon gives ("Move up : question 3")."""
    snapshot = page.locator("body").aria_snapshot()
    return [
        f"{role} named {name!r}"
        for role, name in NAMED.findall(snapshot)
        if STRAY_SPACE.search(name)
    ]


def scan(page, site_url, pages: dict[str, str | None]) -> dict[str, list]:
    """axe's serious and critical violations on each page (path, or None: the page as it is
    now), and names read with a stray space, keyed by name; pages without any are left out."""
    found = {}
    for name, path in pages.items():
        if path is not None:
            response = page.goto(site_url + path)
            assert response is not None and response.ok, f"{name}: {path} answered {response}"
        found[name] = serious_violations(page) + stray_spaces(page)
    return {name: v for name, v in found.items() if v}


# Accessibility ------------------------------------------------------------------------------


@pytest.mark.corpus  # every page of the app: an exhaustive sweep, run by `make corpus`
@axe
def test_staff_pages_of_the_interviews_app_have_no_serious_accessibility_violations(
    site_url, page, course, instructor, student, world
):
    at = world.at
    sign_in(page, site_url, instructor.email)
    problems = scan(
        page, site_url,
        {
            "my courses (teaching)": "/courses/", "assignment list": at.list,
            "assignment detail (staff)": at.detail, "create form": at.new, "edit form": at.edit,
            "duplicate": at.duplicate, "extensions": at.extensions, "progress": at.progress,
            "student record": f"{at.detail}students/{student.pk}/", "calendar": "/calendar/",
        },
    )  # fmt: skip

    # The forms again, with their errors showing.
    page.goto(site_url + at.new)
    page.get_by_role("button", name="Create assignment").click()
    expect(page.get_by_text("Nothing was saved yet.")).to_be_visible()
    problems |= scan(page, site_url, {"create form with errors": None})
    page.goto(site_url + at.extensions)
    page.get_by_role("button", name="Grant extension").click()
    expect(page.get_by_text("Choose at least one student.")).to_be_visible()
    problems |= scan(page, site_url, {"extensions with errors": None})
    page.goto(site_url + at.duplicate)
    page.get_by_label(label("Title of the copy")).fill("")
    page.get_by_role("button", name="Make the copy").click()
    expect(page.get_by_text("This field is required.")).to_be_visible()
    problems |= scan(page, site_url, {"duplicate with errors": None})

    assert not problems, json.dumps(problems, indent=2)


@pytest.mark.corpus  # every page of the app: an exhaustive sweep, run by `make corpus`
@axe
def test_student_pages_of_the_interviews_app_have_no_serious_accessibility_violations(
    site_url, page, course, student, world
):
    at, contact = world.at, world.contact
    sign_in(page, site_url, student.email)
    problems = scan(
        page, site_url,
        {
            "my courses (upcoming work)": "/courses/", "assignment list": at.list,
            "assignment detail (student)": at.detail, "contacts": "/contacts/",
            "contact detail": f"/contacts/{contact.pk}/",
            "referred contact": f"/contacts/{world.referral.pk}/",
            "contact form": "/contacts/new/", "contact edit": f"/contacts/{contact.pk}/edit/",
            "contact delete": f"/contacts/{world.referral.pk}/delete/",
            "plan form": at.plan, "interview detail": at.interview,
            "plan edit": at.interview_edit, "questions": at.questions, "log": at.log,
            "follow-up": at.follow_up, "thank-you": at.thank_you, "outcome": at.outcome,
            "write-up": at.writeup, "version": at.version, "calendar": "/calendar/",
            "planning closed": world.closed.plan,
        },
    )  # fmt: skip

    page.goto(site_url + "/contacts/new/")
    page.get_by_label(label("LinkedIn profile")).fill("javascript:alert(1)")
    page.get_by_role("button", name="Add contact").click()
    expect(page.get_by_text("Enter the address of a LinkedIn profile")).to_be_visible()
    problems |= scan(page, site_url, {"contact form with errors": None})
    page.goto(site_url + at.plan)
    page.get_by_role("button", name="Plan interview").click()
    expect(
        page.get_by_text("Choose the contact you will interview, or add a new one")
    ).to_be_visible()
    problems |= scan(page, site_url, {"plan form with errors": None})
    page.goto(site_url + at.outcome)
    page.get_by_role("group", name=re.compile("^…or add someone new")).get_by_label(
        label("Job title")
    ).fill("Analyst")
    page.get_by_role("button", name="Save outcome").click()
    expect(page.get_by_text("Type the name of the person they referred you to")).to_be_visible()
    problems |= scan(page, site_url, {"outcome with errors": None})
    page.goto(site_url + at.questions)
    page.get_by_role("button", name="Add question", exact=True).click()
    expect(page.get_by_text("Type your question first.")).to_be_visible()
    problems |= scan(page, site_url, {"questions with errors": None})

    assert not problems, json.dumps(problems, indent=2)


# XSS ----------------------------------------------------------------------------------------


@pytest.mark.corpus
def test_xss_corpus_in_everything_people_write_never_runs_where_others_read_it(
    site_url, new_context, course, instructor, student
):
    corpus = payloads()
    joined = "\n".join(corpus)
    now = timezone.now()

    # What the instructor writes, and students read.
    assignment = Assignment(
        course=course, created_by=instructor, title=corpus[2][:200], instructions=joined,
        contact_due_at=now + timedelta(days=2), questions_due_at=now + timedelta(days=4),
        interview_due_at=now + timedelta(days=6), writeup_due_at=now + timedelta(days=8),
        allow_attachments=True, attachment_types=["pdf"], min_words=0,
    )  # fmt: skip
    assignment_save(
        assignment=assignment,
        prompts=[PromptInput(joined), *(PromptInput(p) for p in corpus[:3])],
        questions=[QuestionInput(joined, is_behavioural=True), *DEFAULT_QUESTIONS[:2]],
    )
    assignment_publish(assignment=assignment, by=assignment.created_by, now=timezone.now())
    BankQuestion.objects.bulk_create(
        BankQuestion(assignment=assignment, group=group, text=payload, position=index + 10)
        for index, (payload, group) in enumerate(
            zip(corpus, BankQuestion.Group.values * len(corpus), strict=False)
        )
    )
    for title in packed(corpus, 200):  # every payload in a title on "My courses"
        published_assignment(
            course, instructor, title=title, instructions=title, contact_due_at=None,
            questions_due_at=None, interview_due_at=None,
            writeup_due_at=now + timedelta(days=20),
        )  # fmt: skip

    # What students write about their contacts and interviews, and staff read.
    contacts = Contact.objects.bulk_create(
        Contact(
            owner=student,
            name=chunk,
            job_title=chunk,
            organisation=chunk,
            industry=chunk[:100],
            how_met=chunk,
            notes=joined,
        )
        for chunk in packed(corpus, 150)
    )
    contacts[1].linkedin_url = "https://www.linkedin.com/in/x?q=" + corpus[0][:150]
    contacts[1].save()
    locations = packed(corpus, 500)
    Interview.objects.bulk_create(
        Interview(
            assignment=assignment,
            student=student,
            contact=contact,
            location=locations[index % len(locations)],
            status=Interview.Status.HELD,
            held_at=now,
            thank_you_sent_at=now,
        )
        for index, contact in enumerate(contacts)
    )
    first = Interview.objects.filter(student=student).order_by("pk").first()
    first.notes = first.went_poorly = first.insights = joined
    first.location = "javascript:alert('location')"
    first.save()
    first.referrals.set(contacts[1:4])
    PreparedQuestion.objects.bulk_create(
        PreparedQuestion(interview=first, position=index, text=payload)
        for index, payload in enumerate(corpus)
    )
    prompts = list(assignment.prompts.all())
    submit_writeup(
        assignment, student, {str(p.pk): joined for p in prompts}, body=joined,
        attach=('"><img src=x onerror=alert(1)>.pdf', samples.PDF),
    )  # fmt: skip

    # Extension reasons (staff write, students and other staff read), and students' names.
    reasons = packed(corpus, 300)
    names = packed(corpus, 150)
    extension_grant(
        assignment=assignment, students=[student], reason=reasons[0], granted_by=instructor,
        dates={"writeup_due_at": now + timedelta(days=9)},
    )  # fmt: skip
    for index, reason in enumerate(reasons[1:], start=1):
        other = make_user(f"x{index}@example.edu", names[index % len(names)], "Asia/Kolkata")
        member_enrol(course=course, user=other, role=Role.STUDENT)
        Extension.objects.create(
            assignment=assignment, student=other, reason=reason, granted_by=instructor,
            writeup_due_at=now + timedelta(days=9),
        )  # fmt: skip

    at = urls(course, assignment, first)
    reader = new_context().new_page()
    fired = watch(reader)
    sign_in(reader, site_url, student.email)
    visit_all(
        reader, site_url,
        {
            "my courses (upcoming work)": "/courses/", "assignment list": at.list,
            "assignment (student)": at.detail, "write-up": at.writeup, "version": at.version,
            "questions (bank)": at.questions, "interview": at.interview,
            "thank-you": at.thank_you, "outcome": at.outcome, "contacts": "/contacts/",
            "contact": f"/contacts/{contacts[1].pk}/", "course home": f"/courses/{course.pk}/",
        },
        fired,
    )  # fmt: skip
    expect(reader.get_by_role("link", name="Contacts", exact=True)).to_be_visible()
    reader.goto(site_url + at.detail)
    expect(reader.get_by_role("heading", level=1)).to_have_text(corpus[2][:200])
    expect(reader.get_by_role("region", name="Instructions")).to_contain_text("alert")

    staff = new_context().new_page()
    fired_staff = watch(staff)
    sign_in(staff, site_url, instructor.email)
    visit_all(
        staff, site_url,
        {
            "progress": at.progress, "student record": f"{at.detail}students/{student.pk}/",
            "extensions": at.extensions, "assignment (staff)": at.detail,
            "assignment list": at.list, "my courses": "/courses/",
        },
        fired_staff,
    )  # fmt: skip
    staff.goto(f"{site_url}{at.detail}students/{student.pk}/")
    interviews = staff.get_by_role("region", name=re.compile("^Interviews"))
    expect(interviews).to_contain_text(f"({len(contacts)})")
    expect(interviews).to_contain_text("javascript:alert('location')")  # as text, not a link
    expect(staff.get_by_role("region", name="Extension")).to_contain_text(reasons[0][:40])


@pytest.mark.corpus
def test_xss_typed_into_the_real_forms_never_runs_for_the_reader(
    site_url, new_context, course, instructor, student
):
    title = "\"><svg/onload=alert('title')>"
    instructions = (
        "Read this first: <script>alert('instructions')</script>\n\n"
        "[Click me](javascript:alert('markdown link'))\n\n"
        "<a href=\"javascript:alert(1)\">raw link</a> <img src=x onerror=alert('img')>"
    )
    prompt = "<img src=x onerror=alert('prompt')> What did you learn?"
    bank_question = "<svg onload=alert('bank')> How did you start?"
    reason = "<iframe src=javascript:alert('reason')></iframe> Illness"
    contact_name = "<img src=x onerror=alert('name')> Priya"
    referral_name = "<svg onload=alert('referral')> Marcus"

    # The instructor writes the assignment through the authoring form.
    staff = new_context().new_page()
    fired_staff = watch(staff)
    sign_in(staff, site_url, instructor.email)
    staff.goto(f"{site_url}/courses/{course.pk}/assignments/new/")
    staff.get_by_label(label("Title")).fill(title)
    staff.get_by_label(label("Instructions")).fill(instructions)
    staff.get_by_label(label("Write-up due")).fill(typed(course_moment(course, days=9, hour=17)))
    staff.get_by_label(label("Minimum words in the reflection")).fill("0")
    staff.get_by_label(label("Prompt 1")).fill(prompt)
    staff.get_by_label(label("Question 1")).fill(bank_question)
    staff.get_by_role("button", name="Preview instructions").click()
    assert_inert(staff, "instructions preview", fired_staff)
    staff.get_by_role("button", name="Create assignment").click()
    staff.get_by_role("button", name="Publish to students").click()
    expect(staff.get_by_text("Published:")).to_be_visible()
    assert_inert(staff, "assignment (staff)", fired_staff)
    assignment = Assignment.objects.get()
    at = urls(course, assignment)
    staff.get_by_role("link", name=re.compile(r"^Extensions")).click()
    staff.get_by_label("Stella Student (stella.student@example.edu)").check()
    staff.get_by_label(label("Write-up due")).fill(typed(course_moment(course, days=12, hour=17)))
    staff.get_by_label(label("Reason")).fill(reason)
    staff.get_by_role("button", name="Grant extension").click()
    expect(staff.get_by_text("Extension granted to Stella Student.")).to_be_visible()
    assert_inert(staff, "extensions", fired_staff)

    # The student reads it, and writes their own through the interview and write-up forms.
    page = new_context().new_page()
    fired = watch(page)
    sign_in(page, site_url, student.email)
    assert_inert(page, "my courses", fired)
    page.goto(site_url + at.detail)
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    expect(page.get_by_text(f"Reason: {reason}")).to_be_visible()
    expect(page.get_by_role("region", name="Instructions").get_by_role("link")).to_have_count(0)
    assert_inert(page, "assignment (student)", fired)

    page.get_by_role("link", name="Plan an interview").click()
    new_contact = page.get_by_role("group", name="…or add a new contact")
    new_contact.get_by_label(label("Name")).fill(contact_name)
    new_contact.get_by_label(label("Job title")).fill("\"><script>alert('job')</script>")
    new_contact.get_by_label(label("Organisation")).fill("<body onload=alert('org')>")
    new_contact.get_by_label(label("LinkedIn profile")).fill("javascript:alert('linkedin')")
    page.get_by_label(label("Place or link")).fill("javascript:alert('location')")
    page.get_by_role("button", name="Plan interview").click()
    expect(page.get_by_text("Enter the address of a LinkedIn profile")).to_be_visible()
    assert_inert(page, "plan form with a new contact, with errors", fired)
    new_contact.get_by_label(label("LinkedIn profile")).fill("https://www.linkedin.com/in/priya-r")
    page.get_by_role("button", name="Plan interview").click()
    expect(page.get_by_text(f"{contact_name} was added to your contacts.")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_contain_text(contact_name)
    assert_inert(page, "interview", fired)
    expect(page.get_by_role("link", name="javascript:alert('location')")).to_have_count(0)

    page.get_by_role("link", name="Questions", exact=True).click()
    assert_inert(page, "questions", fired)
    page.get_by_label(bank_question).check()
    page.get_by_role("button", name="Add the ticked questions").click()
    page.get_by_label(label("Your own question")).fill("<svg/onload=alert('own')> And you?")
    page.get_by_role("button", name="Add question", exact=True).click()
    expect(page.get_by_text("Your question was added.")).to_be_visible()
    page.get_by_role("link", name="Log", exact=True).click()
    page.get_by_label("The interview took place").check()
    page.get_by_label(label("Notes during and after")).fill("<script>alert('notes')</script>")
    page.get_by_label(label("Questions that went poorly, with a better answer")).fill(
        "<img src=x onerror=alert('poorly')>"
    )
    page.get_by_role("button", name="Save log").click()
    expect(page.get_by_label(re.compile("^Draft note to"))).to_have_value(
        re.compile(re.escape(f"Dear {contact_name},"))
    )
    assert_inert(page, "thank-you", fired)
    page.get_by_role("link", name="Outcome", exact=True).click()
    page.get_by_label(label("What I learned")).fill("- <marquee onstart=alert('insight')>x")
    referral = page.get_by_role("group", name=re.compile("^…or add someone new"))
    referral.get_by_label(label("Name")).fill(referral_name)
    referral.get_by_label(label("Job title")).fill("<img src=x onerror=alert('referral job')>")
    page.get_by_role("button", name="Save outcome").click()
    expect(page.get_by_text("The outcome was saved.")).to_be_visible()
    expect(page.get_by_text(f"{referral_name} was added to your contacts")).to_be_visible()
    assert_inert(page, "interview after the outcome", fired)

    page.goto(site_url + at.writeup)
    page.get_by_label(prompt).fill("<script>alert('answer')</script> It was useful.")
    page.get_by_label("Anything else").fill("<img src=x onerror=alert('body')>")
    expect(page.locator("#autosave-status")).to_have_text(re.compile("^Saved at"))
    page.get_by_role("button", name="Submit", exact=True).click()
    expect(page.get_by_text("Submitted: version 1")).to_be_visible()
    assert_inert(page, "write-up", fired)
    page.goto(site_url + at.version)
    assert_inert(page, "version", fired)

    # The staff read all of it.
    for name, path in {
        "progress": at.progress, "student record": f"{at.detail}students/{student.pk}/",
    }.items():  # fmt: skip
        staff.goto(site_url + path)
        assert_inert(staff, name, fired_staff)
    record = staff.get_by_role("main")
    for text in [
        contact_name, referral_name, "<script>alert('notes')</script>", reason, "alert('answer')",
    ]:  # fmt: skip
        expect(record).to_contain_text(text)
    expect(record.get_by_role("link", name="javascript:alert('location')")).to_have_count(0)
