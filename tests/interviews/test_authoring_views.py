"""Assignment pages through the test client: authoring, publishing, duplicating, extensions,
and what students and staff see."""

import html
import re
import zoneinfo
from datetime import datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from courses.enrolment import course_create, member_enrol
from courses.models import Role
from interviews.authoring import (
    DEFAULT_PROMPTS,
    DEFAULT_QUESTIONS,
    PromptInput,
    assignment_publish,
    assignment_save,
)
from interviews.models import Assignment, BankQuestion, Contact, Extension, Interview, Submission
from tests.factories import make_authored_assignment, make_user
from tests.pages import field_block, messages_of, section, text_of

NEW_YORK = zoneinfo.ZoneInfo("America/New_York")
UTC = zoneinfo.ZoneInfo("UTC")


def ny(*args):
    return datetime(*args, tzinfo=NEW_YORK)


def authored_assignment(course, *, title="Informational interview", published=True, **fields):
    """Saved through the authoring workflow and published (unless told otherwise); the
    ``assignment`` of these pages."""
    values = {
        "instructions": "Find a **professional** to talk to.",
        "contact_due_at": ny(2027, 2, 1, 17),
        "writeup_due_at": ny(2027, 4, 30, 17),
        **fields,
    }
    assignment = make_authored_assignment(course, title=title, **values)
    if published:
        assignment_publish(assignment=assignment, by=assignment.created_by, now=timezone.now())
    return assignment


pytestmark = pytest.mark.assignment(build=authored_assignment)


@pytest.fixture
def draft(course):
    return authored_assignment(course, title="Secret draft", published=False)


def url(name, *args):
    return reverse(f"interviews:{name}", args=args)


def management(prefix, total, initial=0):
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def assignment_post(prompts=(), questions=(), **overrides) -> dict:
    """What the browser sends for the assignment form: fields plus both formsets.

    ``prompts``: texts, or dicts with id/text/ORDER/DELETE; ``questions``: dicts.
    """
    data = {
        "title": "Informational interview",
        "instructions": "Interview someone in a field you are exploring.",
        "points": "100",
        "required_interviews": "1",
        "writeup_due_at": "2027-04-30T17:00",
        "late_percent_per_day": "10",
        "late_max_percent": "50",
        "late_grace_minutes": "0",
        "min_words": "300",
        "allow_resubmission": "on",
        **management("prompts", len(prompts)),
        **management("questions", len(questions)),
    }
    for i, prompt in enumerate(prompts):
        row = {"text": prompt} if isinstance(prompt, str) else prompt
        for key, value in {"ORDER": str(i + 1), **row}.items():
            data[f"prompts-{i}-{key}"] = value
    for i, question in enumerate(questions):
        for key, value in {"ORDER": str(i + 1), "group": "role", **question}.items():
            data[f"questions-{i}-{key}"] = value
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


# Creating


def test_new_assignment_form_comes_prefilled_with_default_prompts_and_questions(
    as_user, instructor, course
):
    response = as_user(instructor).get(url("assignment_create", course.pk))

    assert response.status_code == 200
    page = response.content.decode()
    for text in DEFAULT_PROMPTS:
        assert text in page
    assert "Tell me about a time you handled a difficult situation at work." in page
    behavioural = re.search(r'<input[^>]*name="questions-2-is_behavioural"[^>]*>', page).group(0)
    assert "checked" in behavioural
    assert "In the course time zone, America/New_York." in field_block(response, "writeup_due_at")
    assert section_heading_count(page) == 1


def label_of(page: str, field_id: str) -> str:
    """What a screen reader announces for the field's label: the text of the label with its
    visually hidden parts, joined as written; the required-field asterisk left out."""
    match = re.search(rf'<label[^>]*for="{field_id}"[^>]*>(.*?)</label>', page, re.S)
    assert match, f"no label for {field_id}"
    inner = re.sub(r'<span class="asteriskField"[^>]*>\*</span>', "", match.group(1))
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", inner)).split())


def test_instructions_help_says_html_is_removed_and_markdown_formats(as_user, instructor, course):
    page = as_user(instructor).get(url("assignment_create", course.pk))

    help_text = text_of(field_block(page, "instructions"))
    assert "Most HTML tags are removed (their text stays, scripts go)" in help_text
    assert "use Markdown to format." in help_text
    assert "shown as plain text" not in help_text


def test_every_row_of_the_bank_and_prompts_names_its_number_to_screen_readers(
    as_user, instructor, course
):
    page = as_user(instructor).get(url("assignment_create", course.pk)).content.decode()

    for index in range(2):
        number = index + 1
        assert label_of(page, f"id_questions-{index}-text") == f"Question {number}"
        assert label_of(page, f"id_questions-{index}-group") == f"Group of question {number}"
        assert label_of(page, f"id_questions-{index}-is_behavioural") == (
            "Behavioural: show STAR guidance (Situation, Task, Action, Result) for question "
            f"{number}"
        )
        assert label_of(page, f"id_questions-{index}-ORDER") == f"Position of question {number}"
        assert label_of(page, f"id_prompts-{index}-text") == f"Prompt {number}"
        assert label_of(page, f"id_prompts-{index}-ORDER") == f"Position of prompt {number}"
    # The template a new row is copied from says "(new)"; the page's script numbers it.
    assert label_of(page, "id_questions-__prefix__-group") == "Group of question (new)"


def section_heading_count(page: str) -> int:
    return len(re.findall(r"<h1[\s>]", page))


def test_instructor_creates_a_draft_with_prompts_and_bank_and_dates_stored_in_utc(
    as_user, instructor, course
):
    data = assignment_post(
        prompts=["What did you learn?", "Does the path still fit?"],
        questions=[
            {"text": "What does a typical day look like?", "group": "role"},
            {"text": "Tell me about a setback.", "group": "path", "is_behavioural": "on"},
        ],
        contact_due_at="2027-02-01T17:00",
    )

    client = as_user(instructor)
    response = client.post(url("assignment_create", course.pk), data)

    assignment = Assignment.objects.get()
    assert response.status_code == 302
    assert response.url == url("assignment_detail", course.pk, assignment.pk)
    assert assignment.state == Assignment.State.DRAFT and assignment.created_by == instructor
    assert assignment.writeup_due_at == datetime(2027, 4, 30, 21, 0, tzinfo=UTC)  # 17:00 EDT
    assert assignment.contact_due_at == datetime(2027, 2, 1, 22, 0, tzinfo=UTC)  # 17:00 EST
    assert [p.text for p in assignment.prompts.all()] == [
        "What did you learn?", "Does the path still fit?",
    ]  # fmt: skip
    setback = assignment.bank_questions.get(text="Tell me about a setback.")
    assert setback.is_behavioural and setback.group == BankQuestion.Group.PATH
    page = client.get(response.url)
    assert "Assignment created as a draft" in " ".join(messages_of(page))


def test_dates_show_in_the_course_zone_to_staff_and_in_both_zones_to_a_student_elsewhere(
    as_user, instructor, student, assignment
):
    course = assignment.course
    staff_view = section(
        as_user(instructor).get(url("assignment_detail", course.pk, assignment.pk)),
        "milestones-heading",
    )
    student_view = section(
        as_user(student).get(url("assignment_detail", course.pk, assignment.pk)),
        "milestones-heading",
    )

    assert "Write-up submitted Fri 30 Apr 2027, 17:00 EDT" in staff_view
    assert "Contact chosen Mon 1 Feb 2027, 17:00 EST" in staff_view
    # Stella lives in Berlin: her time first, the course's after it.
    assert "Fri 30 Apr 2027, 23:00 CEST (17:00 EDT course time)" in student_view


def test_cut_off_before_the_due_date_is_refused_next_to_the_field_and_nothing_is_saved(
    as_user, instructor, course
):
    data = assignment_post(prompts=["Kept prompt"], cutoff_at="2027-04-29T17:00")

    response = as_user(instructor).post(url("assignment_create", course.pk), data)

    assert response.status_code == 200
    assert not Assignment.objects.exists()
    cutoff = field_block(response, "cutoff_at")
    assert "must be at or after the write-up due date" in cutoff
    assert 'value="2027-04-29T17:00"' in cutoff
    assert "Kept prompt" in response.content.decode()
    assert "Nothing was saved yet" in text_of(response)


def test_time_skipped_by_daylight_saving_is_refused_with_the_fields_message(
    as_user, instructor, course
):
    data = assignment_post(writeup_due_at="2027-03-14T02:30")

    response = as_user(instructor).post(url("assignment_create", course.pk), data)

    assert response.status_code == 200
    assert not Assignment.objects.exists()
    assert "02:30 on 14 March 2027 does not exist in America/New_York" in text_of(
        field_block(response, "writeup_due_at")
    )


def test_milestones_out_of_order_are_saved_with_a_warning(as_user, instructor, course):
    data = assignment_post(interview_due_at="2027-05-03T17:00")

    response = as_user(instructor).post(url("assignment_create", course.pk), data, follow=True)

    assert Assignment.objects.count() == 1
    warnings = [str(m) for m in response.context["messages"] if m.level_tag == "warning"]
    assert len(warnings) == 1
    assert "“Interview held by” (Mon 3 May 2027, 17:00 EDT) is after “Write-up due”" in warnings[0]
    # The detail page keeps saying so until the dates are fixed.
    assert "is after “Write-up due”" in section(response, "milestones-heading")


def test_preview_shows_the_rendered_instructions_and_saves_nothing(as_user, instructor, course):
    data = assignment_post(instructions="Talk to **one** person.", preview="1")

    response = as_user(instructor).post(url("assignment_create", course.pk), data)

    assert response.status_code == 200
    assert not Assignment.objects.exists()
    assert "<p>Talk to <strong>one</strong> person.</p>" in response.content.decode()


# Editing


def test_editing_reorders_removes_and_adds_prompts_and_questions(as_user, instructor, assignment):
    course = assignment.course
    learned, fit, differently = assignment.prompts.all()
    day = assignment.bank_questions.get(text__startswith="What does a typical day")
    data = assignment_post(
        prompts=[
            {"id": str(learned.pk), "text": learned.text, "ORDER": "2"},
            {"id": str(fit.pk), "text": fit.text, "ORDER": "1"},
            {"id": str(differently.pk), "text": differently.text, "DELETE": "on"},
            {"text": "Who will you contact next?", "ORDER": ""},
            {"text": "", "ORDER": ""},
        ],
        questions=[{"id": str(day.pk), "text": day.text, "group": "role"}],
        title="Renamed",
    )
    data["prompts-INITIAL_FORMS"] = "3"

    response = as_user(instructor).post(url("assignment_edit", course.pk, assignment.pk), data)

    assert response.status_code == 302
    assignment.refresh_from_db()
    assert assignment.title == "Renamed"
    assert [p.text for p in assignment.prompts.all()] == [
        fit.text, learned.text, "Who will you contact next?",
    ]  # fmt: skip
    assert list(assignment.bank_questions.values_list("pk", flat=True)) == [day.pk]


def test_refused_edit_changes_nothing_and_keeps_what_was_typed(as_user, instructor, assignment):
    course = assignment.course
    prompts_before = list(assignment.prompts.values_list("pk", "text"))
    data = assignment_post(
        prompts=["Only this prompt"], title="Typed title", cutoff_at="2027-04-01T17:00"
    )

    response = as_user(instructor).post(url("assignment_edit", course.pk, assignment.pk), data)

    assert response.status_code == 200
    assert "Edit “Informational interview”" in text_of(response)
    assert 'value="Typed title"' in field_block(response, "title")
    assert "Only this prompt" in response.content.decode()
    assignment.refresh_from_db()
    assert assignment.title == "Informational interview" and assignment.cutoff_at is None
    assert list(assignment.prompts.values_list("pk", "text")) == prompts_before


def test_edit_form_shows_saved_dates_in_the_course_zone(as_user, instructor, assignment):
    response = as_user(instructor).get(url("assignment_edit", assignment.course.pk, assignment.pk))

    assert 'value="2027-04-30T17:00"' in field_block(response, "writeup_due_at")
    assert 'value="2027-02-01T17:00"' in field_block(response, "contact_due_at")


# Students and drafts


def test_students_never_see_drafts(as_user, student, course, assignment, draft):
    client = as_user(student)

    listing = text_of(client.get(url("assignment_list", course.pk)))
    home = section(client.get(reverse("courses:detail", args=[course.pk])), "work-heading")

    assert "Informational interview" in listing and "Secret draft" not in listing
    assert "Informational interview" in home and "Secret draft" not in home
    assert client.get(url("assignment_detail", course.pk, draft.pk)).status_code == 404


def test_staff_see_drafts_and_only_instructors_get_the_new_assignment_button(
    as_user, instructor, assistant, course, assignment, draft
):
    for person, has_button in ((instructor, True), (assistant, False)):
        home = section(
            as_user(person).get(reverse("courses:detail", args=[course.pk])), "work-heading"
        )
        assert "Secret draft Draft" in home and "Informational interview Published" in home
        assert ("New assignment" in home) is has_button
    assistant_view = as_user(assistant).get(url("assignment_detail", course.pk, draft.pk))
    assert assistant_view.status_code == 200
    assert "Publish to students" not in assistant_view.content.decode()


def test_course_header_has_an_assignments_tab(as_user, student, course):
    page = as_user(student).get(reverse("courses:detail", args=[course.pk])).content.decode()

    assert f'href="{url("assignment_list", course.pk)}">Assignments</a>' in page


@time_machine.travel(datetime(2027, 1, 15, 12, tzinfo=UTC), tick=False)  # every date ahead
def test_publishing_shows_the_assignment_to_students_once(as_user, instructor, student, draft):
    course = draft.course
    client = as_user(instructor)
    assert as_user(student).get(url("assignment_detail", course.pk, draft.pk)).status_code == 404

    response = client.post(url("assignment_publish", course.pk, draft.pk))
    draft.refresh_from_db()
    first_published_at = draft.published_at
    again = client.post(url("assignment_publish", course.pk, draft.pk), follow=True)

    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.is_published and first_published_at is not None
    assert draft.published_at == first_published_at
    assert "already published" in " ".join(messages_of(again))
    assert as_user(student).get(url("assignment_detail", course.pk, draft.pk)).status_code == 200
    assert "Secret draft" in text_of(as_user(student).get(url("assignment_list", course.pk)))


@time_machine.travel(datetime(2027, 3, 1, 12, tzinfo=UTC), tick=False)
def test_publishing_with_past_dates_asks_first_and_names_them(as_user, instructor, student, draft):
    course = draft.course
    client = as_user(instructor)

    asked = client.post(url("assignment_publish", course.pk, draft.pk))

    assert asked.status_code == 200
    page = text_of(asked)
    assert "Publish “Secret draft” with dates in the past?" in page
    assert "Contact chosen by (Mon 1 Feb 2027, 17:00 EST)" in page
    assert "Write-up due" not in page  # 30 April is still ahead
    draft.refresh_from_db()
    assert not draft.is_published
    assert 'name="confirm_past_dates" value="yes"' in asked.content.decode()

    done = client.post(
        url("assignment_publish", course.pk, draft.pk), {"confirm_past_dates": "yes"}, follow=True
    )

    draft.refresh_from_db()
    assert draft.is_published
    assert "Published: the students of the course can see it now." in messages_of(done)
    assert as_user(student).get(url("assignment_detail", course.pk, draft.pk)).status_code == 200


@time_machine.travel(datetime(2027, 1, 15, 12, tzinfo=UTC), tick=False)
def test_publishing_with_every_date_ahead_asks_nothing(as_user, instructor, draft):
    response = as_user(instructor).post(url("assignment_publish", draft.course.pk, draft.pk))

    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.is_published


def test_unpublishing_with_student_work_warns_and_keeps_the_work(
    as_user, instructor, student, assignment
):
    course = assignment.course
    contact = Contact.objects.create(owner=student, name="Pat Professional")
    Interview.objects.create(assignment=assignment, student=student, contact=contact)
    detail = as_user(instructor).get(url("assignment_detail", course.pk, assignment.pk))
    assert "1 student already started work" in section(detail, "visibility-heading")

    response = as_user(instructor).post(
        url("assignment_unpublish", course.pk, assignment.pk), follow=True
    )

    assignment.refresh_from_db()
    assert not assignment.is_published
    warnings = [str(m) for m in response.context["messages"] if m.level_tag == "warning"]
    assert warnings == [
        "Back to draft. 1 student had already started work: it is kept, but hidden from them "
        "until you publish again."
    ]
    assert Interview.objects.filter(assignment=assignment).count() == 1
    assert (
        as_user(student).get(url("assignment_detail", course.pk, assignment.pk)).status_code == 404
    )


# The student's page


def test_student_page_shows_their_milestone_status_interviews_and_write_up(
    as_user, student, assignment
):
    course = assignment.course
    contact = Contact.objects.create(owner=student, name="Pat Professional")
    Interview.objects.create(
        assignment=assignment, student=student, contact=contact,
        created_at=datetime(2027, 1, 20, tzinfo=UTC),
    )  # fmt: skip
    Submission.objects.create(assignment=assignment, student=student, body="Draft", word_count=1)

    with time_machine.travel(datetime(2027, 3, 1, tzinfo=UTC), tick=False):
        response = as_user(student).get(url("assignment_detail", course.pk, assignment.pk))

    milestones = section(response, "milestones-heading")
    assert "Contact chosen" in milestones and "Done" in milestones
    assert "Not due yet" in milestones
    interviews = section(response, "interviews-heading")
    assert "Interview with Pat Professional" in interviews
    assert "Next step: Agree a date and time with your contact" in interviews
    assert "1 of 1 required" in interviews
    assert "Draft" in section(response, "writeup-heading")
    assert "not submitted yet" in section(response, "writeup-heading")


def test_student_page_links_to_planning_an_interview_and_to_the_write_up(
    as_user, student, assignment
):
    course = assignment.course
    contact = Contact.objects.create(owner=student, name="Pat Professional")
    interview = Interview.objects.create(assignment=assignment, student=student, contact=contact)

    page = as_user(student).get(url("assignment_detail", course.pk, assignment.pk))

    content = page.content.decode()
    plan = url("interview_create", course.pk, assignment.pk)
    writeup = url("writeup", course.pk, assignment.pk)
    assert f'href="{plan}">Plan an interview' in content
    assert f'href="{writeup}">Start your write-up' in content
    assert f'href="{url("interview_detail", course.pk, assignment.pk, interview.pk)}"' in content


def test_after_the_cut_off_the_student_is_told_and_offered_no_new_plan(as_user, student, course):
    assignment = authored_assignment(
        course, writeup_due_at=ny(2027, 1, 5, 17), cutoff_at=ny(2027, 1, 6, 17)
    )
    client = as_user(student)

    with time_machine.travel(datetime(2027, 1, 7, tzinfo=UTC), tick=False):
        client.force_login(student)
        page = client.get(url("assignment_detail", course.pk, assignment.pk))

    assert "The hard cut-off has passed" in text_of(page)
    assert "Plan an interview" not in text_of(page)
    assert "Missing" in section(page, "milestones-heading")


def test_extensions_page_without_students_says_how_to_bring_them_in(as_user, instructor):
    lonely = course_create(creator=instructor, title="No students yet")
    assignment = authored_assignment(lonely)

    page = as_user(instructor).get(url("extension_list", lonely.pk, assignment.pk))

    assert "Nobody is enrolled as a student yet." in text_of(page)
    assert "Grant extension" not in text_of(page)


def test_student_page_shows_behavioural_questions_with_star_guidance(as_user, student, assignment):
    response = as_user(student).get(url("assignment_detail", assignment.course.pk, assignment.pk))

    bank = section(response, "bank-heading")
    assert "The role" in bank and "Advice" in bank
    assert (
        "Tell me about a time you handled a difficult situation at work. Behavioural · STAR" in bank
    )
    assert "Situation" in bank and "Result" in bank


# Markdown


def test_instructions_with_scripts_event_handlers_and_javascript_links_render_inert(
    as_user, instructor, student, course
):
    assignment = authored_assignment(
        course,
        instructions=(
            "Read this.\n\n<script>alert('x')</script>\n\n<img src=x onerror=alert(1)>\n\n"
            '[click me](javascript:alert(1)) <a href="javascript:alert(2)" onclick="alert(3)">'
            "link</a>\n\n**Bold** and [safe](https://example.org)"
        ),
    )

    for person in (instructor, student):
        response = as_user(person).get(url("assignment_detail", course.pk, assignment.pk))
        content = response.content.decode()
        match = re.search(
            r'<section aria-labelledby="instructions-heading".*?</section>', content, re.S
        )
        rendered = match.group(0)
        assert "<script" not in rendered and "<img" not in rendered
        assert "onerror" not in rendered.replace("onerror=alert(1)&gt;", "")
        assert "onclick" not in rendered and "javascript:" not in rendered
        assert "<strong>Bold</strong>" in rendered
        assert 'href="https://example.org"' in rendered


# Duplicating


def test_duplicating_into_another_course_shifts_dates_and_keeps_the_original(
    as_user, instructor, assignment
):
    course = assignment.course
    fall = course_create(creator=instructor, title="Fall term", time_zone="America/New_York")
    original_prompts = list(assignment.prompts.values_list("pk", "text"))

    response = as_user(instructor).post(
        url("assignment_duplicate", course.pk, assignment.pk),
        {"target_course": fall.pk, "title": "Informational interview (fall)", "shift_days": "182"},
    )

    copy = Assignment.objects.get(course=fall)
    assert response.status_code == 302
    assert response.url == url("assignment_detail", fall.pk, copy.pk)
    assert copy.title == "Informational interview (fall)" and not copy.is_published
    assert copy.writeup_due_at == ny(2027, 10, 29, 17)
    assert copy.contact_due_at == ny(2027, 8, 2, 17)
    assert [p.text for p in copy.prompts.all()] == list(DEFAULT_PROMPTS)
    assert copy.bank_questions.count() == len(DEFAULT_QUESTIONS)
    assignment.refresh_from_db()
    assert assignment.course == course and assignment.is_published
    assert assignment.writeup_due_at == ny(2027, 4, 30, 17)
    assert list(assignment.prompts.values_list("pk", "text")) == original_prompts


def test_duplicating_with_a_new_due_date_moves_the_other_dates_alike(
    as_user, instructor, assignment
):
    course = assignment.course

    as_user(instructor).post(
        url("assignment_duplicate", course.pk, assignment.pk),
        {"target_course": course.pk, "title": "Again", "new_writeup_due_at": "2027-05-07T17:00"},
    )

    copy = Assignment.objects.get(title="Again")
    assert copy.writeup_due_at == ny(2027, 5, 7, 17)
    assert copy.contact_due_at == ny(2027, 2, 8, 17)


def test_duplicating_into_a_course_one_does_not_instruct_is_refused(
    as_user, instructor, assignment, other_course
):
    course = assignment.course
    taking = course_create(creator=make_user("x@example.edu", "X"), title="Taken as student")
    member_enrol(course=taking, user=instructor, role=Role.STUDENT)

    for target in (other_course, taking):
        response = as_user(instructor).post(
            url("assignment_duplicate", course.pk, assignment.pk),
            {"target_course": target.pk, "title": "Sneaky", "shift_days": "0"},
        )
        assert response.status_code == 200
        assert "Select a valid choice" in field_block(response, "target_course")
    assert not Assignment.objects.filter(title="Sneaky").exists()


# Extensions


def test_extension_for_several_students_is_shown_to_each_with_the_reason(
    as_user, instructor, student, classmate, assignment
):
    course = assignment.course

    response = as_user(instructor).post(
        url("extension_list", course.pk, assignment.pk),
        {
            "students": [student.pk, classmate.pk],
            "writeup_due_at": "2027-05-07T17:00",
            "reason": "Field trip week",
        },
        follow=True,
    )

    assert "Extension granted to Carl Classmate, Stella Student." in messages_of(response) or (
        "Extension granted to Stella Student, Carl Classmate." in messages_of(response)
    )
    assert "Field trip week" in section(response, "granted-heading")
    assert Extension.objects.filter(assignment=assignment).count() == 2
    for person, local_time in ((student, "23:00 CEST"), (classmate, "07:00 AEST")):
        page = as_user(person).get(url("assignment_detail", course.pk, assignment.pk))
        assert "You have an extension" in text_of(page) and "Field trip week" in text_of(page)
        milestones = section(page, "milestones-heading")
        assert "7 May 2027" in milestones and "17:00 EDT course time" in milestones
        assert local_time in milestones


def test_granting_again_updates_the_students_extension(as_user, instructor, student, assignment):
    course = assignment.course
    client = as_user(instructor)
    for due, reason in (("2027-05-03T17:00", "Illness"), ("2027-05-10T17:00", "Still ill")):
        client.post(
            url("extension_list", course.pk, assignment.pk),
            {"students": [student.pk], "writeup_due_at": due, "reason": reason},
        )

    extension = Extension.objects.get()
    assert extension.writeup_due_at == ny(2027, 5, 10, 17) and extension.reason == "Still ill"


def test_extension_without_reason_or_date_is_refused_with_typed_values_kept(
    as_user, instructor, student, assignment
):
    course = assignment.course

    response = as_user(instructor).post(
        url("extension_list", course.pk, assignment.pk),
        {"students": [student.pk], "writeup_due_at": "2027-05-03T17:00", "reason": ""},
    )

    assert response.status_code == 200
    assert "This field is required." in field_block(response, "reason")
    assert 'value="2027-05-03T17:00"' in field_block(response, "writeup_due_at")
    assert not Extension.objects.exists()


def test_extension_for_someone_outside_the_course_is_refused(
    as_user, instructor, other_student, assignment
):
    response = as_user(instructor).post(
        url("extension_list", assignment.course.pk, assignment.pk),
        {"students": [other_student.pk], "writeup_due_at": "2027-05-03T17:00", "reason": "x"},
    )

    assert response.status_code == 200
    assert "Select a valid choice" in field_block(response, "students")
    assert not Extension.objects.exists()


def test_assistant_sees_extensions_but_cannot_grant_them(
    as_user, instructor, assistant, student, assignment
):
    course = assignment.course
    as_user(instructor).post(
        url("extension_list", course.pk, assignment.pk),
        {"students": [student.pk], "writeup_due_at": "2027-05-03T17:00", "reason": "Illness"},
    )

    page = as_user(assistant).get(url("extension_list", course.pk, assignment.pk))
    refused = as_user(assistant).post(
        url("extension_list", course.pk, assignment.pk),
        {"students": [student.pk], "writeup_due_at": "2027-05-09T17:00", "reason": "Mine"},
    )

    assert "Stella Student" in section(page, "granted-heading")
    assert "Grant an extension" not in page.content.decode()
    assert refused.status_code == 403
    assert Extension.objects.get().reason == "Illness"


def test_withdrawing_an_extension_puts_the_student_back_on_the_assignment_dates(
    as_user, instructor, student, assignment
):
    course = assignment.course
    extension = Extension.objects.create(
        assignment=assignment, student=student, writeup_due_at=ny(2027, 5, 3, 17), reason="Ill"
    )

    response = as_user(instructor).post(
        url("extension_delete", course.pk, assignment.pk, extension.pk), follow=True
    )

    assert not Extension.objects.exists()
    assert "Stella Student is back on the assignment's own dates." in messages_of(response)


def test_extension_of_another_assignment_is_not_found_through_this_one(
    as_user, instructor, student, assignment, course
):
    second = authored_assignment(course, title="Second")
    theirs = Extension.objects.create(
        assignment=second, student=student, writeup_due_at=ny(2027, 5, 3, 17), reason="Ill"
    )

    response = as_user(instructor).post(
        url("extension_delete", course.pk, assignment.pk, theirs.pk)
    )

    assert response.status_code == 404
    assert Extension.objects.filter(pk=theirs.pk).exists()


def test_assignment_of_another_course_is_not_found_through_this_course(
    as_user, instructor, course, other_course
):
    foreign = authored_assignment(other_course, title="Foreign")

    for name in ("assignment_detail", "assignment_edit", "assignment_duplicate", "extension_list"):
        assert as_user(instructor).get(url(name, course.pk, foreign.pk)).status_code == 404


# Query counts


def test_assignment_list_and_course_home_cost_the_same_queries_for_many_assignments(
    as_user, instructor, student, course, django_assert_max_num_queries
):
    for index in range(12):
        assignment = authored_assignment(course, title=f"Assignment {index}")
        Extension.objects.create(
            assignment=assignment, student=student, writeup_due_at=ny(2027, 5, 3, 17), reason="x"
        )
        Submission.objects.create(assignment=assignment, student=student, body="Draft")

    for person in (instructor, student):
        client = as_user(person)
        # The limits include the navbar's unread-reminders count (one query on every page).
        with django_assert_max_num_queries(7):
            response = client.get(url("assignment_list", course.pk))
        assert text_of(response).count("Assignment 1") >= 3  # 1, 10, 11
        with django_assert_max_num_queries(9):
            client.get(reverse("courses:detail", args=[course.pk]))


def test_assignment_detail_queries_do_not_grow_with_prompts_and_questions(
    as_user, instructor, student, course, django_assert_max_num_queries
):
    assignment = authored_assignment(course)
    assignment_save(
        assignment=assignment,
        prompts=[PromptInput(f"Prompt {i}") for i in range(25)],
        questions=[*DEFAULT_QUESTIONS] * 8,
    )
    contact = Contact.objects.create(owner=student, name="Pat")
    for _ in range(5):
        Interview.objects.create(assignment=assignment, student=student, contact=contact)

    for person in (instructor, student):
        client = as_user(person)
        with django_assert_max_num_queries(10):
            response = client.get(url("assignment_detail", course.pk, assignment.pk))
        assert response.status_code == 200


def test_staff_see_when_the_assignment_was_published(as_user, instructor, draft):
    assignment_publish(
        assignment=draft, by=draft.created_by, now=datetime(2027, 1, 10, 15, tzinfo=UTC)
    )

    visibility = section(
        as_user(instructor).get(url("assignment_detail", draft.course.pk, draft.pk)),
        "visibility-heading",
    )

    assert "Published Sun 10 Jan 2027, 10:00 EST" in visibility


# Reminder schedule


def test_instructor_sets_reminder_days_and_turns_a_kind_off(as_user, instructor, course):
    data = assignment_post(
        prompts=["What did you learn?"],
        reminder_days="5, 2",
        reminder_kinds=["milestone_soon", "milestone_overdue", "interview_tomorrow"],
    )

    as_user(instructor).post(url("assignment_create", course.pk), data)

    settings_row = Assignment.objects.get().reminder_settings
    assert settings_row.before_days == [5, 2]
    assert set(settings_row.disabled_kinds) == {"thank_you", "reflection", "follow_up"}
    edit_page = as_user(instructor).get(
        url("assignment_edit", course.pk, settings_row.assignment_id)
    )
    assert 'value="5, 2"' in edit_page.content.decode()


def test_new_assignment_form_offers_the_default_reminder_schedule(as_user, instructor, course):
    page = as_user(instructor).get(url("assignment_create", course.pk)).content.decode()

    assert 'value="3, 1"' in page
    assert page.count('name="reminder_kinds"') == page.count('name="reminder_kinds" value=')
    assert len(re.findall(r'name="reminder_kinds" value="[a-z_]+"[^>]*checked', page)) == 6


def test_bad_reminder_days_are_refused_next_to_the_field_keeping_the_text(
    as_user, instructor, course
):
    data = assignment_post(prompts=["What did you learn?"], reminder_days="three, 1")

    response = as_user(instructor).post(url("assignment_create", course.pk), data)

    assert response.status_code == 200
    assert "Write whole numbers of days" in field_block(response, "reminder_days")
    assert 'value="three, 1"' in response.content.decode()
    assert not Assignment.objects.exists()
