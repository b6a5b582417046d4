"""The interview pages through the test client: plan, questions, log, thank-you, follow-up,
outcome, and who may open them. Time is frozen at NOW (20 March 2027, between the US and the
EU switch to summer time)."""

import html
import re
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from interviews.models import BankQuestion, Contact, Interview
from tests.factories import NOW, make_contact, make_interview, make_open_assignment
from tests.html_forms import button_names as form_buttons
from tests.html_forms import form_action, form_data
from tests.pages import text_of

pytestmark = [pytest.mark.usefixtures("frozen"), pytest.mark.assignment(build=make_open_assignment)]


@pytest.fixture
def dana(student):
    return make_contact(student, email="dana@acme.example")


@pytest.fixture
def interview(assignment, student, dana):
    return make_interview(assignment, student, dana)


def url(name, interview_or_assignment, *extra):
    obj = interview_or_assignment
    if isinstance(obj, Interview):
        return reverse(
            f"interviews:{name}", args=[obj.assignment.course_id, obj.assignment_id, obj.pk]
        )
    return reverse(f"interviews:{name}", args=[obj.course_id, obj.pk, *extra])


def field_error(response, name: str) -> str:
    content = response.content.decode()
    match = re.search(rf'<div id="div_id_{name}".*?(?=<div id="div_id_|</form>)', content, re.S)
    assert match, f"no field {name}"
    errors = re.findall(r"<[^>]*invalid-feedback[^>]*>(.*?)</", match.group(0), re.S)
    return text_of(" ".join(errors))


def section(response, heading_id: str) -> str:
    content = response.content.decode()
    match = re.search(rf'<section[^>]*aria-labelledby="{heading_id}".*?</section>', content, re.S)
    assert match, f"no section labelled {heading_id}"
    return text_of(match.group(0))


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def plan_data(contact=None, **overrides) -> dict:
    """The plan form as the browser posts it; without ``contact``, none is chosen."""
    return {
        "contact": contact.pk if contact else "",
        "time_zone": "Europe/Berlin",
        "scheduled_at": "2027-04-08T18:00",
        "duration_minutes": "30",
        "mode": "video",
        "location": "https://meet.example.com/dana",
        "status": "scheduled",
        **overrides,
    }


# Planning -----------------------------------------------------------------------------------


def test_plan_typed_in_berlin_shows_both_times_to_a_student_in_new_york(
    as_user, student, assignment, dana
):
    student.time_zone = "America/New_York"
    student.save()
    client = as_user(student)

    response = client.post(url("interview_create", assignment), plan_data(dana), follow=True)

    interview = Interview.objects.get(student=student)
    assert interview.scheduled_at == datetime(2027, 4, 8, 16, 0, tzinfo=UTC)  # 18:00 CEST
    assert interview.time_zone == "Europe/Berlin" and interview.created_at == NOW
    plan = section(response, "plan-heading")
    assert "Thu 8 Apr 2027, 12:00 EDT (18:00 CEST their time)" in plan
    assert "Your interview with Dana Director is planned." in messages_of(response)


def test_the_time_zone_defaults_to_the_students_own(as_user, student, assignment):
    response = as_user(student).get(url("interview_create", assignment))

    assert response.context["form"]["time_zone"].value() == "Europe/Berlin"


def test_the_same_typed_time_means_another_moment_in_another_zone(
    as_user, student, assignment, dana
):
    as_user(student).post(
        url("interview_create", assignment), plan_data(dana, time_zone="America/Los_Angeles")
    )

    assert Interview.objects.get().scheduled_at == datetime(2027, 4, 9, 1, 0, tzinfo=UTC)


def test_time_in_the_hour_skipped_by_the_clock_change_is_refused(
    as_user, student, assignment, dana
):
    response = as_user(student).post(
        url("interview_create", assignment), plan_data(dana, scheduled_at="2027-03-28T02:30")
    )

    assert response.status_code == 200
    assert "02:30 on 28 March 2027 does not exist in Europe/Berlin" in field_error(
        response, "scheduled_at"
    )
    assert 'value="2027-03-28T02:30"' in response.content.decode()  # typed value kept
    assert not Interview.objects.exists()


def test_past_date_on_a_new_plan_is_refused(as_user, student, assignment, dana):
    response = as_user(student).post(
        url("interview_create", assignment), plan_data(dana, scheduled_at="2027-03-20T10:00")
    )

    assert "That moment has already passed." in field_error(response, "scheduled_at")
    assert not Interview.objects.exists()


def test_existing_plan_keeps_its_date_once_it_has_passed(as_user, student, assignment, dana):
    interview = make_interview(assignment, student, dana, scheduled_at=NOW - timedelta(days=1))
    typed = (NOW - timedelta(days=1)).astimezone(student.zoneinfo).strftime("%Y-%m-%dT%H:%M")

    response = as_user(student).post(
        url("interview_edit", interview), plan_data(dana, scheduled_at=typed, location="Room 4")
    )

    assert response.status_code == 302
    interview.refresh_from_db()
    assert interview.location == "Room 4" and interview.scheduled_at == NOW - timedelta(days=1)


def test_date_after_the_interview_held_by_date_is_saved_with_a_warning(
    as_user, student, assignment, dana
):
    response = as_user(student).post(
        url("interview_create", assignment),
        plan_data(dana, scheduled_at="2027-04-12T10:00"),
        follow=True,
    )

    assert Interview.objects.filter(student=student).exists()
    assert any("planned after the interview-held-by date" in m for m in messages_of(response))
    assert "planned after the interview-held-by date" in text_of(response)


def test_scheduled_without_a_date_is_refused(as_user, student, assignment, dana):
    response = as_user(student).post(
        url("interview_create", assignment), plan_data(dana, scheduled_at="")
    )

    assert "Add the date and time" in field_error(response, "scheduled_at")


def test_planning_after_the_hard_cutoff_is_closed(as_user, student, course, dana):
    closed = make_open_assignment(
        course,
        interview_due_at=None,
        writeup_due_at=NOW - timedelta(days=2),
        cutoff_at=NOW - timedelta(days=1),
    )
    client = as_user(student)

    page = client.get(url("interview_create", closed))
    posted = client.post(url("interview_create", closed), plan_data(dana), follow=True)

    assert "Planning is closed" in text_of(page) and "form" not in page.context
    assert "The hard cut-off has passed; nothing new can be planned." in messages_of(posted)
    assert not Interview.objects.exists()


def test_contact_select_offers_only_own_contacts(as_user, student, classmate, assignment):
    make_contact(student, "Mina Mine")
    theirs = make_contact(classmate, "Theo Theirs")
    client = as_user(student)

    page = client.get(url("interview_create", assignment)).content.decode()
    response = client.post(url("interview_create", assignment), plan_data(theirs))

    assert "Mina Mine" in page and "Theo Theirs" not in page
    assert "Choose one of your own contacts." in field_error(response, "contact")
    assert not Interview.objects.exists()


def new_contact_data(**fields) -> dict:
    """The plan form's "…or add a new contact" fields as the browser posts them."""
    values = {
        "name": "Ravi New", "job_title": "Nurse", "organisation": "City Hospital",
        "industry": "Health care", "email": "ravi@hospital.example",
        "linkedin_url": "linkedin.com/in/ravi-new/", **fields,
    }  # fmt: skip
    return {f"new_contact-{name}": value for name, value in values.items()}


def test_a_new_contact_typed_into_the_plan_is_added_and_interviewed(as_user, student, assignment):
    response = as_user(student).post(
        url("interview_create", assignment),
        {**plan_data(), **new_contact_data()},
        follow=True,
    )

    ravi = Contact.objects.get(name="Ravi New")
    assert (ravi.owner, ravi.job_title, ravi.organisation) == (student, "Nurse", "City Hospital")
    assert ravi.industry == "Health care" and ravi.email == "ravi@hospital.example"
    assert ravi.linkedin_url == "https://www.linkedin.com/in/ravi-new"  # as the contact form
    assert Interview.objects.get(student=student).contact == ravi
    assert messages_of(response) == [
        "Ravi New was added to your contacts.",
        "Your interview with Ravi New is planned.",
    ]


def test_an_invalid_plan_adds_no_contact_and_keeps_everything_typed(as_user, student, assignment):
    typed = {
        **plan_data(scheduled_at="2027-03-19T10:00", location="Room 12"),
        **new_contact_data(),
    }

    response = as_user(student).post(url("interview_create", assignment), typed)

    assert response.status_code == 200
    assert "That moment has already passed." in field_error(response, "scheduled_at")
    assert not Contact.objects.exists() and not Interview.objects.exists()
    form = response.context["form"]
    for name in ("scheduled_at", "location", "time_zone", "duration_minutes", "mode", "status"):
        assert form[name].value() == typed[name], name
    for name in ("name", "job_title", "organisation", "industry", "email", "linkedin_url"):
        assert form.new_contact[name].value() == typed[f"new_contact-{name}"], name
    content = response.content.decode()
    assert 'value="Ravi New"' in content and 'value="ravi@hospital.example"' in content


def test_the_new_contact_is_checked_like_on_the_contact_form(as_user, student, assignment):
    response = as_user(student).post(
        url("interview_create", assignment),
        {
            **plan_data(),
            **new_contact_data(name="", email="ravi@", linkedin_url="javascript:alert(1)"),
        },
    )

    assert "Type the new contact’s name" in field_error(response, "new_contact-name")
    assert "Enter an email address such as" in field_error(response, "new_contact-email")
    assert "Enter the address of a LinkedIn profile" in field_error(
        response, "new_contact-linkedin_url"
    )
    assert not Contact.objects.exists() and not Interview.objects.exists()


def test_choosing_a_contact_and_typing_a_new_one_is_refused(as_user, student, assignment, dana):
    response = as_user(student).post(
        url("interview_create", assignment), {**plan_data(dana), **new_contact_data()}
    )

    assert "You chose Dana Director and also typed a new contact. Keep one" in field_error(
        response, "contact"
    )
    assert list(Contact.objects.all()) == [dana] and not Interview.objects.exists()
    assert response.context["form"].new_contact["name"].value() == "Ravi New"


def test_a_plan_without_any_contact_is_refused(as_user, student, assignment):
    response = as_user(student).post(url("interview_create", assignment), plan_data())

    assert "Choose the contact you will interview, or add a new one below." in field_error(
        response, "contact"
    )
    assert not Interview.objects.exists()


def test_a_saved_plan_can_switch_to_a_new_contact_typed_into_it(as_user, student, interview):
    response = as_user(student).post(
        url("interview_edit", interview),
        {**plan_data(), **new_contact_data()},
    )

    assert response.status_code == 302
    interview.refresh_from_db()
    assert interview.contact == Contact.objects.get(name="Ravi New", owner=student)


def test_a_held_interviews_status_is_not_offered_on_the_plan(as_user, student, interview):
    interview.status = Interview.Status.HELD
    interview.held_at = NOW
    interview.save()

    response = as_user(student).get(url("interview_edit", interview))

    assert "status" not in response.context["form"].fields
    assert "To change that, use the log page" in text_of(response)


# The overview -------------------------------------------------------------------------------


def test_overview_puts_the_next_step_first_with_a_link_to_it(as_user, student, interview):
    response = as_user(student).get(url("interview_detail", interview))

    assert section(response, "next-heading").startswith("Next step Prepare your questions")
    assert f'href="{url("interview_questions", interview)}">Prepare your questions' in (
        response.content.decode()
    )


def test_overview_shows_every_section_of_the_record(as_user, student, interview):
    interview.insights = "Data cleaning is half the job."
    interview.path_fit = "yes"
    interview.notes = "Met on video."
    interview.save()

    response = as_user(student).get(url("interview_detail", interview))

    assert "Dana Director" in section(response, "plan-heading")
    assert "Met on video." in section(response, "log-heading")
    assert "Thank-you note sent Not yet" in section(response, "followup-heading")
    outcome = section(response, "outcome-heading")
    assert "Data cleaning is half the job." in outcome and "Yes, the path still fits" in outcome


# Prepared questions -------------------------------------------------------------------------


@pytest.fixture
def bank(assignment):
    return [
        BankQuestion.objects.create(
            assignment=assignment, group="role", text="What does a typical day look like?"
        ),
        BankQuestion.objects.create(
            assignment=assignment,
            group="path",
            text="Tell me about a setback you overcame.",
            is_behavioural=True,
        ),
    ]


def question_texts(interview):
    return list(interview.questions.values_list("text", flat=True))


def test_bank_is_shown_grouped_with_star_guidance_for_behavioural_questions(
    as_user, student, interview, bank
):
    response = as_user(student).get(url("interview_questions", interview))

    bank_text = section(response, "bank-heading")
    assert "The role What does a typical day look like?" in bank_text
    assert "The path Tell me about a setback you overcame. Behavioural" in bank_text
    assert "Situation, the Task, the Action they took, and the Result" in bank_text


def test_student_picks_adds_reorders_removes_and_marks_questions_ready(
    as_user, student, interview, bank
):
    client = as_user(student)
    page = url("interview_questions", interview)

    picked = client.post(page, {"action": "pick", "bank_questions": [b.pk for b in bank]})
    client.post(page, {"action": "add", "text": "How did you find your first role?"})
    assert picked.url == page + "#bank-heading"
    assert question_texts(interview) == [
        "What does a typical day look like?",
        "Tell me about a setback you overcame.",
        "How did you find your first role?",
    ]

    own = interview.questions.get(text__startswith="How did")
    client.post(page, {"action": "up", "question": own.pk})
    client.post(page, {"action": "up", "question": own.pk})
    first = interview.questions.get(text__startswith="What does")
    client.post(page, {"action": "remove", "question": first.pk})
    assert question_texts(interview) == [
        "How did you find your first role?",
        "Tell me about a setback you overcame.",
    ]

    response = client.post(page, {"action": "ready"}, follow=True)
    interview.refresh_from_db()
    assert interview.questions_ready_at == NOW
    assert "Your questions are ready (since" in text_of(response)

    client.post(page, {"action": "not_ready"})
    interview.refresh_from_db()
    assert interview.questions_ready_at is None


def test_the_move_buttons_are_plain_form_buttons_that_work_without_javascript(
    as_user, student, interview, bank
):
    client = as_user(student)
    page = url("interview_questions", interview)
    client.post(page, {"action": "pick", "bank_questions": [b.pk for b in bank]})

    content = client.get(page).content.decode()

    assert content.count('name="action" value="up"') == 2
    assert re.search(r'value="up" disabled>Move up', content)  # the first cannot move up
    assert re.search(r'value="down" disabled>Move down', content)  # the last cannot move down


def button_names(response) -> list[str]:
    """Each button's accessible name: its aria-label, else its text with the visually hidden
    parts joined as written (a hidden ": question 2" would read "Move up: question 2")."""
    names = []
    for attrs, inner in re.findall(r"<button([^>]*)>(.*?)</button>", response.content.decode()):
        label = re.search(r'aria-label="([^"]*)"', attrs)
        names.append(label.group(1) if label else " ".join(re.sub(r"<[^>]+>", "", inner).split()))
    return names


def test_question_and_today_buttons_name_what_they_act_on(as_user, student, interview, bank):
    client = as_user(student)
    page = url("interview_questions", interview)
    client.post(page, {"action": "pick", "bank_questions": [b.pk for b in bank]})

    questions = button_names(client.get(page))
    follow_up = button_names(client.get(url("interview_follow_up", interview)))

    for number in (1, 2):
        for action in ("Move up", "Move down", "Remove"):
            assert f"{action} question {number}" in questions
    assert "Today: Follow-up sent" in follow_up and "Today: Reply received" in follow_up


def test_questions_cannot_be_ready_while_the_list_is_empty(as_user, student, interview):
    response = as_user(student).post(
        url("interview_questions", interview), {"action": "ready"}, follow=True
    )

    assert "Add at least one question before marking your questions ready." in messages_of(response)
    interview.refresh_from_db()
    assert interview.questions_ready_at is None


def test_empty_own_question_is_refused_with_a_message(as_user, student, interview):
    response = as_user(student).post(
        url("interview_questions", interview), {"action": "add", "text": " "}
    )

    assert response.status_code == 200
    assert "Type your question first." in field_error(response, "text")
    assert question_texts(interview) == []


def test_a_classmates_question_cannot_be_moved_or_removed(
    as_user, student, classmate, interview, assignment
):
    theirs = make_interview(assignment, classmate, make_contact(classmate, "Carla"))
    their_question = theirs.questions.create(text="Theirs", position=0)

    response = as_user(student).post(
        url("interview_questions", interview),
        {"action": "remove", "question": their_question.pk},
        follow=True,
    )

    assert "That question is no longer on your list." in messages_of(response)
    assert theirs.questions.count() == 1


# Log, thank-you, follow-up, outcome ---------------------------------------------------------


def test_logging_the_interview_held_leads_to_the_thank_you_note(as_user, student, interview):
    response = as_user(student).post(
        url("interview_log", interview),
        {"held": "on", "held_at": "", "notes": "Data cleaning is half the job.", "went_poorly": ""},
    )

    interview.refresh_from_db()
    assert interview.status == Interview.Status.HELD
    assert interview.held_at == NOW  # the plan was still ahead, so: now
    assert interview.notes == "Data cleaning is half the job."
    assert response.url == url("thank_you_draft", interview)


def test_the_held_time_is_typed_in_the_students_zone(as_user, student, interview):
    as_user(student).post(
        url("interview_log", interview),
        {"held": "on", "held_at": "2027-03-19T09:30", "notes": "", "went_poorly": ""},
    )

    interview.refresh_from_db()
    assert interview.held_at == datetime(2027, 3, 19, 8, 30, tzinfo=UTC)  # 09:30 CET


def test_held_time_in_the_future_is_refused(as_user, student, interview):
    response = as_user(student).post(
        url("interview_log", interview),
        {"held": "on", "held_at": "2027-03-25T10:00", "notes": "Keep me", "went_poorly": ""},
    )

    assert "That time is still ahead." in field_error(response, "held_at")
    assert "Keep me" in response.content.decode()
    interview.refresh_from_db()
    assert interview.status == Interview.Status.SCHEDULED and interview.notes == ""


def test_thank_you_draft_is_addressed_to_the_contact_and_mentions_what_was_learned(
    as_user, student, interview
):
    interview.status = Interview.Status.HELD
    interview.held_at = NOW - timedelta(hours=2)
    interview.insights = "- Data cleaning is half the job\n- Learn SQL before Python"
    interview.save()

    response = as_user(student).get(url("thank_you_draft", interview))

    draft = re.search(
        r'<textarea[^>]*id="thank-you-text"[^>]*>(.*?)</textarea>', response.content.decode(), re.S
    )
    note = text_of(draft.group(1))
    assert note.startswith("Dear Dana Director,")
    assert "- Data cleaning is half the job" in note
    assert note.endswith("Stella Student")
    assert "within 24 hours: by Sun 21 Mar 2027, 14:00 CET" in text_of(response)
    assert 'href="mailto:dana@acme.example?subject=' in response.content.decode()


def test_marking_the_thank_you_sent_records_now(as_user, student, interview):
    response = as_user(student).post(url("thank_you_draft", interview))

    interview.refresh_from_db()
    assert interview.thank_you_sent_at == NOW
    assert response.url == url("interview_detail", interview)


def test_today_button_sets_that_day_and_keeps_the_others(as_user, student, interview):
    held = NOW - timedelta(days=9)
    interview.held_at = held
    interview.status = Interview.Status.HELD
    interview.thank_you_sent_at = held + timedelta(hours=5)
    interview.save()

    as_user(student).post(url("interview_follow_up", interview), {"today": "follow_up_sent_on"})

    interview.refresh_from_db()
    assert interview.follow_up_sent_at == NOW
    assert interview.thank_you_sent_at == held + timedelta(hours=5)
    assert interview.reply_received_at is None


def test_follow_up_days_are_typed_in_the_students_zone(as_user, student, interview):
    student.time_zone = "America/New_York"
    student.save()

    as_user(student).post(
        url("interview_follow_up", interview),
        {
            "thank_you_sent_on": "2027-03-18",
            "follow_up_sent_on": "",
            "reply_received_on": "2027-03-20",
        },
    )

    interview.refresh_from_db()
    assert interview.thank_you_sent_at == datetime(2027, 3, 18, 16, 0, tzinfo=UTC)  # noon EDT
    assert interview.reply_received_at == NOW


def test_follow_up_days_before_the_interview_or_in_the_future_are_refused(
    as_user, student, interview
):
    interview.held_at = NOW - timedelta(days=2)
    interview.status = Interview.Status.HELD
    interview.save()

    response = as_user(student).post(
        url("interview_follow_up", interview),
        {
            "thank_you_sent_on": "2027-03-10",
            "follow_up_sent_on": "2027-03-30",
            "reply_received_on": "",
        },
    )

    assert "The interview was held on 18 March 2027" in field_error(response, "thank_you_sent_on")
    assert "That day has not come yet." in field_error(response, "follow_up_sent_on")
    interview.refresh_from_db()
    assert interview.thank_you_sent_at is None and interview.follow_up_sent_at is None


def held(interview, *, ago: timedelta, **fields) -> Interview:
    """The interview held ``ago`` before NOW; its plan stays as it was."""
    values = {"status": Interview.Status.HELD, "held_at": NOW - ago, **fields}
    for name, value in values.items():
        setattr(interview, name, value)
    interview.save()
    return interview


def note_on(response, note_id: str) -> str:
    match = re.search(
        rf'<textarea[^>]*id="{note_id}-text"[^>]*>(.*?)</textarea>', response.content.decode(), re.S
    )
    assert match, f"no note {note_id}"
    return html.unescape(match.group(1)).lstrip("\n")


def mail_link(response) -> str:
    match = re.search(r'<a [^>]*href="(mailto:[^"]*)"[^>]*>Open in your email app', (
        response.content.decode()
    ))  # fmt: skip
    assert match, "no email link"
    return html.unescape(match.group(1))


def test_the_thank_you_is_written_to_the_contact_without_pasting_the_log_notes(
    as_user, student, interview
):
    held(interview, ago=timedelta(hours=2), notes="She said the team hires juniors in spring.")

    response = as_user(student).get(url("thank_you_draft", interview))

    note = note_on(response, "thank-you")
    assert note.startswith("Dear Dana Director,")
    assert "She said" not in note
    assert "[one thing you learned from them, in your own words]" in note
    page = text_of(response)
    assert "Replace the part in [square brackets]" in page
    assert "The interview was 2 hours ago; 22 hours left." in page


def test_an_edited_thank_you_is_kept_on_reload_and_the_email_link_carries_it(
    as_user, student, interview
):
    held(interview, ago=timedelta(hours=3))
    client = as_user(student)
    page_url = url("thank_you_draft", interview)
    page = client.get(page_url)

    data = form_data(page, containing="text", button="Save draft")
    data["text"] = data["text"].replace(
        "Dear Dana Director,", "Dear Dana,\n\nIt was a joy & a help."
    )
    response = client.post(form_action(page, containing="text", page_url=page_url), data)

    assert response.status_code == 302
    again = client.get(page_url)
    assert note_on(again, "thank-you").startswith("Dear Dana,\n\nIt was a joy & a help.")
    assert "Your draft was saved with the interview." in messages_of(again)
    assert "Dear%20Dana%2C%0A%0AIt%20was%20a%20joy%20%26%20a%20help." in mail_link(again)
    assert mail_link(again).startswith("mailto:dana@acme.example?subject=Thank%20you")
    assert "Reset to the suggested draft" in form_buttons(again, containing="text")

    client.post(
        page_url, form_data(again, containing="text", button="Reset to the suggested draft")
    )

    interview.refresh_from_db()
    assert interview.thank_you_draft == ""
    assert note_on(client.get(page_url), "thank-you").startswith("Dear Dana Director,")


def test_marking_the_thank_you_sent_keeps_the_text_in_the_box(as_user, student, interview):
    held(interview, ago=timedelta(hours=3))
    client = as_user(student)
    page = client.get(url("thank_you_draft", interview))

    data = form_data(page, containing="text", button="I sent it — mark as sent today")
    data["text"] = "Dear Dana, thank you!"
    response = client.post(url("thank_you_draft", interview), data)

    interview.refresh_from_db()
    assert (
        interview.thank_you_sent_at == NOW and interview.thank_you_draft == "Dear Dana, thank you!"
    )
    assert response.url == url("interview_detail", interview)


def test_a_note_over_the_length_limit_is_refused_and_kept_on_the_page(as_user, student, interview):
    held(interview, ago=timedelta(hours=3))
    client = as_user(student)
    page = client.get(url("thank_you_draft", interview))

    data = form_data(page, containing="text", button="Save draft")
    data["text"] = "Thanks! " * 1500
    response = client.post(url("thank_you_draft", interview), data)

    assert response.status_code == 400
    assert "at most 10000 characters" in text_of(response)
    assert note_on(response, "thank-you") == "Thanks! " * 1500
    interview.refresh_from_db()
    assert interview.thank_you_draft == "" and interview.thank_you_sent_at is None


def test_the_pages_script_saves_the_note_as_typed_without_a_page_in_reply(
    as_user, student, interview
):
    held(interview, ago=timedelta(days=8))
    client = as_user(student)
    page = client.get(url("interview_follow_up", interview))

    data = form_data(page, containing="text")
    data.update(action="save_draft", text="Dear Dana, following up.")
    response = client.post(url("interview_follow_up", interview), data, HTTP_X_AUTOSAVE="note")

    assert response.status_code == 204
    interview.refresh_from_db()
    assert interview.follow_up_draft == "Dear Dana, following up."
    too_long = client.post(
        url("interview_follow_up", interview), {**data, "text": "x" * 10_001},
        HTTP_X_AUTOSAVE="note",
    )  # fmt: skip
    assert too_long.status_code == 400 and "at most 10000 characters" in too_long.content.decode()


def test_a_late_thank_you_is_still_encouraged(as_user, student, interview):
    held(interview, ago=timedelta(days=2))

    page = text_of(as_user(student).get(url("thank_you_draft", interview)))

    assert "The interview was 2 days ago, so the 24 hours have passed" in page
    assert "Send it today anyway" in page


def test_without_an_email_address_the_email_link_opens_with_no_recipient(
    as_user, student, interview, dana
):
    dana.email = ""
    dana.save()
    held(interview, ago=timedelta(hours=3))

    response = as_user(student).get(url("interview_follow_up", interview))

    assert mail_link(response).startswith("mailto:?subject=Following%20up")
    assert "no email address saved" in text_of(response)


def test_the_follow_up_draft_carries_the_better_answer_and_says_when_to_send_it(
    as_user, student, interview
):
    better = "You asked why data: better, I love finding patterns <that help> people."
    held(interview, ago=timedelta(days=3), went_poorly=better)

    response = as_user(student).get(url("interview_follow_up", interview))

    note = note_on(response, "follow-up")
    assert note.startswith("Dear Dana Director,")
    assert better in note
    assert "&lt;that help&gt;" in response.content.decode()
    timing = text_of(response)
    # Held 17 March 15:00 UTC; the student reads it in Berlin.
    assert "If you have not heard back, follow up from Wed 24 Mar 2027, 16:00 CET" in timing


def test_an_edited_follow_up_survives_a_reload(as_user, student, interview):
    held(interview, ago=timedelta(days=9), went_poorly="A better answer.")
    client = as_user(student)
    page_url = url("interview_follow_up", interview)
    page = client.get(page_url)
    assert "Now is a good time for one polite follow-up" in text_of(page)

    data = form_data(page, containing="text", button="Save draft")
    data["text"] += "\nP.S. The report you mentioned was great."
    client.post(form_action(page, containing="text", page_url=page_url), data)

    again = client.get(page_url)
    assert note_on(again, "follow-up").endswith("P.S. The report you mentioned was great.")
    assert "The%20report%20you%20mentioned%20was%20great." in mail_link(again)


def test_a_follow_up_on_the_day_of_the_interview_is_questioned_before_it_is_saved(
    as_user, student, interview
):
    held(interview, ago=timedelta(hours=4))
    client = as_user(student)
    page_url = url("interview_follow_up", interview)
    page = client.get(page_url)

    data = form_data(page, containing="follow_up_sent_on", button="Save dates")
    data.update(thank_you_sent_on="2027-03-20", follow_up_sent_on="2027-03-20")
    asked = client.post(page_url, data)

    assert asked.status_code == 200
    assert "That is the day of the interview (20 March 2027)" in field_error(
        asked, "follow_up_sent_on"
    )
    interview.refresh_from_db()
    assert interview.follow_up_sent_at is None and interview.thank_you_sent_at is None
    again = form_data(asked, containing="follow_up_sent_on", button="Save dates")
    assert again["thank_you_sent_on"] == "2027-03-20" and again["follow_up_sent_on"] == "2027-03-20"
    assert "Yes, I sent the follow-up that day" in text_of(asked)

    again["follow_up_confirmed"] = "on"
    saved = client.post(page_url, again)

    assert saved.status_code == 302
    interview.refresh_from_db()
    assert interview.follow_up_sent_at == NOW and interview.thank_you_sent_at == NOW


def test_a_follow_up_before_the_thank_you_is_questioned(as_user, student, interview):
    held(interview, ago=timedelta(days=10))
    client = as_user(student)
    page = client.get(url("interview_follow_up", interview))

    data = form_data(page, containing="follow_up_sent_on", button="Save dates")
    data.update(thank_you_sent_on="2027-03-19", follow_up_sent_on="2027-03-15")
    asked = client.post(url("interview_follow_up", interview), data)

    assert "That is before your thank-you note (19 March 2027)" in field_error(
        asked, "follow_up_sent_on"
    )


def test_a_follow_up_already_recorded_is_not_questioned_again(as_user, student, interview):
    held(interview, ago=timedelta(hours=4), follow_up_sent_at=NOW - timedelta(hours=1))
    client = as_user(student)
    page = client.get(url("interview_follow_up", interview))

    data = form_data(page, containing="follow_up_sent_on", button="Save dates")
    data["reply_received_on"] = "2027-03-20"
    response = client.post(url("interview_follow_up", interview), data)

    assert response.status_code == 302
    interview.refresh_from_db()
    assert interview.reply_received_at == NOW


def test_a_moved_interview_shows_when_it_was_held_and_the_plan_beside_it(
    as_user, student, interview, assignment
):
    held(interview, ago=timedelta(days=1), scheduled_at=NOW - timedelta(days=2))
    client = as_user(student)

    def read(text: str) -> str:  # text_of spaces out the end of the <time> tag
        return text.replace(" )", ")")

    plan = read(section(client.get(url("interview_detail", interview)), "plan-heading"))
    assignment_page = client.get(
        reverse("interviews:assignment_detail", args=[assignment.course_id, assignment.pk])
    )
    listed = read(section(assignment_page, "interviews-heading"))

    assert "When Fri 19 Mar 2027, 16:00 CET (planned Thu 18 Mar 2027, 16:00 CET)" in plan
    assert "Held Fri 19 Mar 2027, 16:00 CET (planned Thu 18 Mar 2027, 16:00 CET)" in listed
    thank_you = read(text_of(client.get(url("thank_you_draft", interview))))
    assert "Held Fri 19 Mar 2027, 16:00 CET (planned Thu 18 Mar 2027, 16:00 CET)." in thank_you


def outcome_data(**fields) -> dict:
    return {"insights": "", "path_fit": "", "referrals": [], "offer": "", **fields}


def test_outcome_with_a_new_referral_builds_the_chain_shown_on_the_contact(
    as_user, student, interview, dana
):
    client = as_user(student)
    kim = make_contact(student, "Kim Known")

    response = client.post(
        url("interview_outcome", interview),
        outcome_data(
            insights="Learn SQL.", path_fit="unsure", offer="internship", referrals=[kim.pk],
            **{"new_referral-name": "Ravi Referred", "new_referral-job_title": "Analyst",
               "new_referral-organisation": "City Hospital"},
        ),
        follow=True,
    )  # fmt: skip

    ravi = Contact.objects.get(name="Ravi Referred")
    assert (ravi.owner, ravi.job_title, ravi.organisation) == (student, "Analyst", "City Hospital")
    assert ravi.referred_by == dana
    interview.refresh_from_db()
    assert set(interview.referrals.all()) == {kim, ravi}
    assert interview.path_fit == "unsure" and interview.offer == "internship"
    assert "Ravi Referred was added to your contacts, referred by Dana Director." in (
        messages_of(response)
    )
    dana_page = client.get(reverse("interviews:contact_detail", args=[dana.pk]))
    ravi_page = client.get(reverse("interviews:contact_detail", args=[ravi.pk]))
    assert "Referred you to Kim Known, Acme Analytics Ravi Referred, City Hospital" in section(
        dana_page, "chain-heading"
    )
    assert "Referred by Dana Director" in section(ravi_page, "chain-heading")


def test_an_invalid_outcome_adds_no_referral_and_keeps_what_was_typed(
    as_user, student, classmate, interview
):
    theirs = make_contact(classmate, "Theo Theirs")

    response = as_user(student).post(
        url("interview_outcome", interview),
        outcome_data(
            insights="Learn SQL.", referrals=[theirs.pk],
            **{"new_referral-name": "Ravi Referred", "new_referral-organisation": "City Hospital"},
        ),
    )  # fmt: skip

    assert "Choose among your own contacts." in field_error(response, "referrals")
    assert not Contact.objects.filter(name="Ravi Referred").exists()
    form = response.context["form"]
    assert form["insights"].value() == "Learn SQL."
    assert form.new_referral["name"].value() == "Ravi Referred"
    assert form.new_referral["organisation"].value() == "City Hospital"


def test_a_new_referral_needs_a_name(as_user, student, interview):
    response = as_user(student).post(
        url("interview_outcome", interview),
        outcome_data(insights="Keep me", **{"new_referral-job_title": "Analyst"}),
    )

    assert "Type the name of the person they referred you to" in field_error(
        response, "new_referral-name"
    )
    interview.refresh_from_db()
    assert interview.insights == "" and Contact.objects.count() == 1


def test_outcome_referral_of_an_existing_contact_without_referrer_links_them(
    as_user, student, interview, dana
):
    kim = make_contact(student, "Kim Known")

    as_user(student).post(
        url("interview_outcome", interview),
        {"insights": "", "path_fit": "", "referrals": [kim.pk], "offer": ""},
    )

    kim.refresh_from_db()
    assert kim.referred_by == dana


def test_outcome_refuses_a_classmates_contact(as_user, student, classmate, interview):
    theirs = make_contact(classmate, "Theo Theirs")

    response = as_user(student).post(
        url("interview_outcome", interview),
        {"insights": "", "path_fit": "", "referrals": [theirs.pk], "offer": ""},
    )

    assert "Choose among your own contacts." in field_error(response, "referrals")
    assert not interview.referrals.exists()


# Access -------------------------------------------------------------------------------------

INTERVIEW_PAGES = [
    "interview_detail",
    "interview_edit",
    "interview_questions",
    "interview_log",
    "interview_follow_up",
    "thank_you_draft",
    "interview_outcome",
]


@pytest.mark.parametrize("name", INTERVIEW_PAGES)
def test_classmate_cannot_open_a_students_interview(as_user, classmate, interview, name):
    client = as_user(classmate)

    assert client.get(url(name, interview)).status_code == 404
    assert client.post(url(name, interview), {"notes": "x", "action": "ready"}).status_code in (
        404,
        405,
    )


@pytest.mark.parametrize("name", INTERVIEW_PAGES)
@pytest.mark.parametrize("actor", ["instructor", "assistant"])
def test_course_staff_are_refused_the_students_own_pages(request, as_user, interview, name, actor):
    # Staff see interviews on the student-record pages of their course instead.
    assert as_user(request.getfixturevalue(actor)).get(url(name, interview)).status_code == 403


@pytest.mark.parametrize("name", INTERVIEW_PAGES)
def test_interview_of_another_course_is_not_found_through_ones_own(
    as_user, student, interview, other_course, other_student, name
):
    other = make_interview(
        make_open_assignment(other_course), other_student, make_contact(other_student)
    )
    args = [interview.assignment.course_id, interview.assignment_id, other.pk]

    assert as_user(student).get(reverse(f"interviews:{name}", args=args)).status_code == 404


def test_draft_assignment_cannot_be_planned(as_user, student, course):
    draft = make_open_assignment(course, state="draft")

    assert as_user(student).get(url("interview_create", draft)).status_code == 404


def test_interview_listed_under_another_assignment_is_not_found(
    as_user, student, course, interview
):
    second = make_open_assignment(course, title="Second interview")

    response = as_user(student).get(
        reverse("interviews:interview_detail", args=[course.pk, second.pk, interview.pk])
    )

    assert response.status_code == 404
