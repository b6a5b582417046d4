"""The interview workflow (interviews/planning.py): contacts, plans, questions, the log,
thank-you and outcome. Time is frozen at NOW, two weeks after the US and before the EU switch
to summer time in 2027 (EU clocks go forward on 28 March)."""

import zoneinfo
from datetime import UTC, date, datetime, timedelta

import pytest

from common.refused import Refused
from interviews import planning
from interviews.models import BankQuestion, Contact, Extension, Interview
from tests.factories import NOW, make_contact, make_interview, make_open_assignment

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")

pytestmark = [pytest.mark.usefixtures("frozen"), pytest.mark.assignment(build=make_open_assignment)]


@pytest.fixture
def dana(student):
    return make_contact(student)


def plan(assignment, student, contact, **overrides) -> Interview:
    values = {
        "scheduled_at": NOW + timedelta(days=3),
        "time_zone": "Europe/Berlin",
        "duration_minutes": 30,
        "mode": Interview.Mode.VIDEO,
        "location": "https://meet.example.com/abc",
        "status": Interview.Status.SCHEDULED,
        "now": NOW,
        **overrides,
    }
    return planning.interview_plan(
        assignment=assignment, student=student, contact=contact, **values
    )


# Dates and warnings -------------------------------------------------------------------------


def test_due_dates_for_a_student_apply_their_extension(assignment, student, classmate):
    later = NOW + timedelta(weeks=6)
    Extension.objects.create(
        assignment=assignment, student=student, writeup_due_at=later, reason="Ill"
    )

    assert assignment.dates_for_student(student).writeup_due_at == later
    assert assignment.dates_for_student(classmate).writeup_due_at == (assignment.writeup_due_at)


def test_plan_after_the_interview_held_by_date_warns_but_is_saved(assignment, student, dana):
    interview = plan(
        assignment, student, dana, scheduled_at=assignment.interview_due_at + timedelta(hours=1)
    )
    dates = assignment.dates_for_student(student)

    warnings = planning.plan_warnings(interview=interview, dates=dates)

    assert Interview.objects.filter(pk=interview.pk).exists()
    assert len(warnings) == 1 and "after the interview-held-by date" in warnings[0]


def test_without_an_interview_milestone_the_write_up_due_date_is_the_limit(
    course, student, dana, frozen
):
    assignment = make_open_assignment(course, interview_due_at=None)
    interview = plan(
        assignment, student, dana, scheduled_at=assignment.writeup_due_at + timedelta(days=1)
    )

    warnings = planning.plan_warnings(
        interview=interview, dates=assignment.dates_for_student(student)
    )

    assert "after the write-up due date" in warnings[0]


def test_an_extension_moves_the_date_a_plan_is_warned_against(assignment, student, dana):
    moment = assignment.interview_due_at + timedelta(days=2)
    Extension.objects.create(
        assignment=assignment,
        student=student,
        interview_due_at=moment + timedelta(days=1),
        reason="Travel",
    )
    interview = plan(assignment, student, dana, scheduled_at=moment)

    dates = assignment.dates_for_student(student)

    assert planning.plan_warnings(interview=interview, dates=dates) == []


def test_a_day_typed_today_is_now_and_another_day_its_local_midday():
    assert planning.day_to_moment(NOW.date(), zone_name="Europe/Berlin", now=NOW) == NOW
    earlier = planning.day_to_moment(
        NOW.date() - timedelta(days=1), zone_name="Europe/Berlin", now=NOW
    )
    assert earlier == datetime(2027, 3, 19, 12, 0, tzinfo=BERLIN)
    recorded = datetime(2027, 3, 18, 17, 45, tzinfo=UTC)
    kept = planning.day_to_moment(
        recorded.date(), zone_name="Europe/Berlin", now=NOW, keep=recorded
    )
    assert kept == recorded


def test_midday_across_the_spring_clock_change_is_an_hour_earlier_in_utc():
    before = planning.day_to_moment(date(2027, 3, 27), zone_name="Europe/Berlin", now=NOW)
    after = planning.day_to_moment(date(2027, 3, 28), zone_name="Europe/Berlin", now=NOW)

    assert before.astimezone(UTC).hour == 11
    assert after.astimezone(UTC).hour == 10


# Contacts -----------------------------------------------------------------------------------


def test_contact_may_not_be_referred_by_someone_elses_contact(student, classmate):
    theirs = make_contact(classmate, "Carla Classmatecontact")

    with pytest.raises(Refused):
        planning.contact_create(owner=student, name="Ravi", referred_by=theirs)

    assert not Contact.objects.filter(name="Ravi").exists()


def test_contact_cannot_refer_themselves(student, dana):
    with pytest.raises(Refused):
        planning.contact_update(contact=dana, name=dana.name, referred_by=dana)


def test_contact_with_interviews_cannot_be_deleted(assignment, student, dana):
    make_interview(assignment, student, dana)

    with pytest.raises(Refused, match="contact of 1 interview"):
        planning.contact_delete(contact=dana)

    assert Contact.objects.filter(pk=dana.pk).exists()


def test_deleting_a_contact_keeps_those_they_referred(student, dana):
    referred = make_contact(student, "Ravi Referred", referred_by=dana)

    planning.contact_delete(contact=dana)

    referred.refresh_from_db()
    assert referred.referred_by is None


def test_keep_in_touch_is_due_the_chosen_weeks_after_the_last_contact(student, frozen):
    contact = make_contact(
        student, keep_in_touch_weeks=4, last_contacted_at=NOW - timedelta(weeks=4)
    )
    later = make_contact(
        student, "Lee", keep_in_touch_weeks=4, last_contacted_at=NOW - timedelta(weeks=3)
    )
    never = make_contact(student, "Nia")

    assert contact.is_keep_in_touch_due(NOW)
    assert not later.is_keep_in_touch_due(NOW)
    assert later.keep_in_touch_due_at == NOW + timedelta(weeks=1)
    assert not never.is_keep_in_touch_due(NOW) and never.keep_in_touch_due_at is None


# The plan -----------------------------------------------------------------------------------


def test_plan_is_refused_after_the_hard_cutoff(course, student, dana, frozen):
    assignment = make_open_assignment(
        course,
        writeup_due_at=NOW - timedelta(days=3),
        interview_due_at=None,
        cutoff_at=NOW - timedelta(hours=1),
    )

    with pytest.raises(Refused, match="cut-off"):
        plan(assignment, student, dana, scheduled_at=None, status=Interview.Status.PLANNING)

    assert not Interview.objects.exists()


def test_an_extended_cutoff_lets_the_student_plan_again(course, student, dana, frozen):
    assignment = make_open_assignment(
        course,
        writeup_due_at=NOW - timedelta(days=3),
        interview_due_at=None,
        cutoff_at=NOW - timedelta(hours=1),
    )
    Extension.objects.create(
        assignment=assignment, student=student, cutoff_at=NOW + timedelta(days=7), reason="Surgery"
    )

    interview = plan(assignment, student, dana)

    assert interview.pk


def test_plan_for_a_past_moment_is_refused(assignment, student, dana):
    with pytest.raises(Refused, match="already passed"):
        plan(assignment, student, dana, scheduled_at=NOW - timedelta(minutes=1))


def test_plan_with_a_classmates_contact_is_refused(assignment, student, classmate):
    theirs = make_contact(classmate, "Carla")

    with pytest.raises(Refused, match="your own contacts"):
        plan(assignment, student, theirs)


def test_scheduled_needs_a_date(assignment, student, dana):
    with pytest.raises(Refused, match="date and time"):
        plan(assignment, student, dana, scheduled_at=None, status=Interview.Status.SCHEDULED)


def test_plan_with_a_new_contact_creates_the_contact_for_the_student(assignment, student):
    interview = plan(
        assignment, student, None, new_contact={"name": "Ravi New", "job_title": "Nurse"}
    )

    ravi = Contact.objects.get(name="Ravi New")
    assert interview.contact == ravi
    assert ravi.owner == student and ravi.job_title == "Nurse"


def test_refused_plan_leaves_no_new_contact_behind(assignment, student):
    with pytest.raises(Refused, match="date and time"):
        plan(
            assignment, student, None, new_contact={"name": "Ravi New"}, scheduled_at=None,
            status=Interview.Status.SCHEDULED,
        )  # fmt: skip

    assert not Contact.objects.filter(name="Ravi New").exists()
    assert not Interview.objects.exists()


def test_plan_needs_either_a_chosen_or_a_new_contact(assignment, student, dana):
    with pytest.raises(Refused, match="not both"):
        plan(assignment, student, dana, new_contact={"name": "Ravi New"})
    with pytest.raises(Refused, match="Choose the contact"):
        plan(assignment, student, None)

    assert list(Contact.objects.all()) == [dana]
    assert not Interview.objects.exists()


def test_updated_plan_can_switch_to_a_new_contact(assignment, student, dana):
    interview = make_interview(assignment, student, dana)

    planning.interview_update_plan(
        interview=interview, new_contact={"name": "Ravi New"},
        scheduled_at=interview.scheduled_at, time_zone="Europe/Berlin", duration_minutes=30,
        mode=Interview.Mode.VIDEO, location="", status=None,
    )  # fmt: skip

    interview.refresh_from_db()
    assert interview.contact.name == "Ravi New" and interview.contact.owner == student


def test_plan_is_stored_in_utc_and_keeps_the_professionals_zone(assignment, student, dana):
    moment = datetime(2027, 3, 29, 9, 0, tzinfo=BERLIN)  # the first Monday of summer time

    interview = plan(assignment, student, dana, scheduled_at=moment)

    interview.refresh_from_db()
    assert interview.scheduled_at == datetime(2027, 3, 29, 7, 0, tzinfo=UTC)
    assert interview.time_zone == "Europe/Berlin"
    assert interview.created_at == NOW


def test_updating_a_held_interviews_plan_keeps_it_held(assignment, student, dana):
    interview = make_interview(assignment, student, dana)
    planning.interview_mark_held(interview=interview, at=NOW)

    planning.interview_update_plan(
        interview=interview,
        contact=dana,
        scheduled_at=interview.scheduled_at,
        time_zone="Asia/Tokyo",
        duration_minutes=45,
        mode=Interview.Mode.PHONE,
        location="+81 3 5555 0100",
        status=None,
    )

    interview.refresh_from_db()
    assert interview.status == Interview.Status.HELD and interview.time_zone == "Asia/Tokyo"


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
            text="Tell me about a setback.",
            is_behavioural=True,
        ),
        BankQuestion.objects.create(
            assignment=assignment, group="advice", text="What would you do in my place?"
        ),
    ]


def texts(interview) -> list[str]:
    return list(interview.questions.values_list("text", flat=True))


def test_bank_questions_are_added_once_each_after_the_own_ones(assignment, student, dana, bank):
    interview = make_interview(assignment, student, dana)
    planning.interview_add_question(interview=interview, text="  How did you get your first job?  ")

    assert planning.interview_add_bank_questions(interview=interview, bank_questions=bank[:2]) == 2
    assert planning.interview_add_bank_questions(interview=interview, bank_questions=bank) == 1

    assert texts(interview) == [
        "How did you get your first job?",
        "What does a typical day look like?",
        "Tell me about a setback.",
        "What would you do in my place?",
    ]


def test_another_assignments_bank_question_is_not_added(assignment, student, dana, course):
    other = make_open_assignment(course, title="Second interview")
    foreign = BankQuestion.objects.create(assignment=other, text="Foreign?")
    interview = make_interview(assignment, student, dana)

    assert planning.interview_add_bank_questions(interview=interview, bank_questions=[foreign]) == 0
    assert texts(interview) == []


def test_questions_move_up_and_down_and_stay_put_at_the_ends(assignment, student, dana, bank):
    interview = make_interview(assignment, student, dana)
    planning.interview_add_bank_questions(interview=interview, bank_questions=bank)
    first, second, third = interview.questions.all()

    assert planning.interview_move_question(interview=interview, question=third, direction="up")
    assert not planning.interview_move_question(interview=interview, question=first, direction="up")
    assert planning.interview_move_question(interview=interview, question=first, direction="down")

    assert list(interview.questions.all()) == [third, first, second]
    assert not planning.interview_move_question(
        interview=interview, question=second, direction="down"
    )


def test_ready_needs_a_question_and_can_be_taken_back(assignment, student, dana):
    interview = make_interview(assignment, student, dana)

    with pytest.raises(Refused, match="at least one question"):
        planning.interview_set_questions_ready(interview=interview, ready=True, at=NOW)

    question = planning.interview_add_question(interview=interview, text="What surprised you?")
    planning.interview_set_questions_ready(interview=interview, ready=True, at=NOW)
    assert Interview.objects.get(pk=interview.pk).questions_ready_at == NOW

    planning.interview_set_questions_ready(interview=interview, ready=False, at=NOW)
    assert Interview.objects.get(pk=interview.pk).questions_ready_at is None

    planning.interview_set_questions_ready(interview=interview, ready=True, at=NOW)
    planning.interview_remove_question(interview=interview, question=question)
    assert Interview.objects.get(pk=interview.pk).questions_ready_at is None


# The log, follow-up and outcome -------------------------------------------------------------


def test_marking_held_sets_the_time_and_counts_as_contact(assignment, student, dana):
    interview = make_interview(assignment, student, dana)
    held = NOW - timedelta(hours=2)

    planning.interview_save_log(
        interview=interview, held_at=held, notes="Long notes", went_poorly=""
    )

    interview.refresh_from_db()
    dana.refresh_from_db()
    assert interview.status == Interview.Status.HELD and interview.held_at == held
    assert interview.notes == "Long notes"
    assert dana.last_contacted_at == held
    assert interview.next_step() == Interview.NextStep.THANK


def test_taking_back_held_returns_the_interview_to_scheduled(assignment, student, dana):
    interview = make_interview(assignment, student, dana)
    planning.interview_mark_held(interview=interview, at=NOW)

    planning.interview_save_log(interview=interview, held_at=None, notes="", went_poorly="")

    interview.refresh_from_db()
    assert interview.status == Interview.Status.SCHEDULED and interview.held_at is None


def test_follow_up_dates_are_saved_and_the_latest_counts_as_contact(assignment, student, dana):
    interview = make_interview(assignment, student, dana)
    thanked, followed = NOW - timedelta(days=8), NOW - timedelta(days=1)

    planning.interview_save_follow_up(
        interview=interview,
        thank_you_sent_at=thanked,
        follow_up_sent_at=followed,
        reply_received_at=None,
    )

    dana.refresh_from_db()
    assert Interview.objects.get(pk=interview.pk).follow_up_sent_at == followed
    assert dana.last_contacted_at == followed


def test_thank_you_marked_sent_keeps_an_earlier_record(assignment, student, dana):
    interview = make_interview(assignment, student, dana, thank_you_sent_at=NOW - timedelta(days=1))

    planning.interview_mark_thank_you_sent(interview=interview, at=NOW)

    assert Interview.objects.get(pk=interview.pk).thank_you_sent_at == NOW - timedelta(days=1)


def test_outcome_referrals_become_the_contacts_referral_chain(assignment, student, dana):
    interview = make_interview(assignment, student, dana)
    ravi = make_contact(student, "Ravi Referred")
    known = make_contact(student, "Kim Known")
    earlier = make_contact(student, "Eve Earlier")
    known.referred_by = earlier
    known.save()

    planning.interview_save_outcome(
        interview=interview,
        insights="- Learn SQL",
        path_fit="yes",
        referrals=[ravi, known],
        offer="internship",
    )

    ravi.refresh_from_db()
    known.refresh_from_db()
    assert ravi.referred_by == dana  # no referrer yet: the interview's contact
    assert known.referred_by == earlier  # an existing referrer is kept
    assert planning.contact_referred(dana) == [known, ravi]
    assert Interview.objects.get(pk=interview.pk).offer == "internship"


def test_outcome_with_a_new_referral_adds_them_referred_by_the_interviews_contact(
    assignment, student, dana
):
    interview = make_interview(assignment, student, dana)
    kim = make_contact(student, "Kim Known")

    added = planning.interview_save_outcome(
        interview=interview, insights="", path_fit="", referrals=[kim], offer="",
        new_referral={"name": "Ravi Referred", "organisation": "City Hospital"},
    )  # fmt: skip

    assert added == Contact.objects.get(name="Ravi Referred")
    assert added.owner == student and added.organisation == "City Hospital"
    assert added.referred_by == dana
    assert set(interview.referrals.all()) == {kim, added}
    assert planning.contact_referred(dana) == [kim, added]


def test_refused_outcome_adds_no_new_referral(assignment, student, classmate, dana):
    interview = make_interview(assignment, student, dana)
    theirs = make_contact(classmate, "Carla")

    with pytest.raises(Refused):
        planning.interview_save_outcome(
            interview=interview, insights="", path_fit="", referrals=[theirs], offer="",
            new_referral={"name": "Ravi Referred"},
        )  # fmt: skip

    assert not Contact.objects.filter(name="Ravi Referred").exists()


def test_outcome_refuses_a_classmates_contact_as_referral(assignment, student, classmate, dana):
    interview = make_interview(assignment, student, dana)
    theirs = make_contact(classmate, "Carla")

    with pytest.raises(Refused):
        planning.interview_save_outcome(
            interview=interview, insights="", path_fit="", referrals=[theirs], offer=""
        )

    assert not interview.referrals.exists()


# The thank-you draft ------------------------------------------------------------------------


def test_learned_points_are_the_first_two_bullets_or_sentences():
    bullets = "Intro line\n- Networking beats applying cold.\n* Learn SQL early\n- Third point"
    assert planning.learned_points(bullets) == ["Networking beats applying cold", "Learn SQL early"]
    prose = "Analysts spend half their time cleaning data. Certifications matter less! A third."
    assert planning.learned_points(prose) == [
        "Analysts spend half their time cleaning data",
        "Certifications matter less",
    ]
    assert planning.learned_points("") == []


def test_thank_you_draft_names_the_contact_a_learned_point_and_the_student(
    assignment, student, dana
):
    dana.email = "dana@acme.example"
    dana.save()
    interview = make_interview(
        assignment, student, dana, held_at=NOW - timedelta(hours=3), status=Interview.Status.HELD,
        insights="Analysts spend half their time cleaning data. Certifications matter less.",
    )  # fmt: skip

    draft = planning.thank_you_draft(interview=interview, student=student)

    assert draft.body.startswith("Dear Dana Director,")
    assert "your work as Data Scientist at Acme Analytics" in draft.body
    assert "- Analysts spend half their time cleaning data" in draft.body
    assert draft.body.rstrip().endswith("Stella Student")
    assert draft.mailto.startswith("mailto:dana@acme.example?subject=Thank%20you")
    assert "Dear%20Dana%20Director" in draft.mailto


def test_thank_you_draft_never_pastes_the_notes_about_the_contact_and_needs_no_email(
    assignment, student, dana
):
    interview = make_interview(
        assignment, student, dana, notes="She said to join the local meetup."
    )

    draft = planning.thank_you_draft(interview=interview, student=student)

    assert "She said" not in draft.body
    assert (
        f"One thing I will take away from our conversation: {planning.LEARNED_PLACEHOLDER}."
        in draft.body
    )
    assert planning.LEARNED_PLACEHOLDER in draft.body and draft.has_placeholder
    assert draft.mailto.startswith("mailto:?subject=Thank%20you")


def held_interview(assignment, student, contact, **fields) -> Interview:
    values = {"held_at": NOW - timedelta(days=2), "status": Interview.Status.HELD, **fields}
    return make_interview(assignment, student, contact, **values)


def test_follow_up_draft_is_addressed_to_the_contact_with_the_date_and_the_better_answer(
    assignment, student, dana
):
    interview = held_interview(
        assignment, student, dana, scheduled_at=NOW - timedelta(days=3), time_zone="Asia/Tokyo",
        went_poorly="Why data? I said 'it pays'. Better: I like finding patterns that help people.",
    )  # fmt: skip

    draft = planning.follow_up_draft(interview=interview, student=student)

    assert draft.body.startswith("Dear Dana Director,")
    # Held 18 March 15:00 UTC: already the 19th on the professional's clock in Tokyo.
    assert "our conversation on Friday 19 March about your work as Data Scientist" in draft.body
    assert "I like finding patterns that help people." in draft.body
    assert draft.body.endswith("Best regards,\nStella Student")
    assert draft.subject == "Following up on our conversation" and not draft.edited


def test_follow_up_draft_without_a_better_answer_just_follows_up(assignment, student, dana):
    interview = held_interview(assignment, student, dana)

    body = planning.follow_up_draft(interview=interview, student=student).body

    assert "better answer" not in body and "further thoughts" in body


def test_a_saved_draft_is_what_the_page_shows_and_mails_until_it_is_reset(
    assignment, student, dana
):
    dana.email = "dana@acme.example"
    dana.save()
    interview = held_interview(assignment, student, dana)

    kept = planning.interview_save_draft(
        interview=interview, kind="follow_up", text="Dear Dana,\r\nA better answer & more.  \r\n"
    )

    assert kept
    interview = Interview.objects.get(pk=interview.pk)
    assert interview.follow_up_draft == "Dear Dana,\nA better answer & more."
    draft = planning.follow_up_draft(interview=interview, student=student)
    assert draft.body == "Dear Dana,\nA better answer & more." and draft.edited
    assert draft.mailto == (
        "mailto:dana@acme.example?subject=Following%20up%20on%20our%20conversation"
        "&body=Dear%20Dana%2C%0AA%20better%20answer%20%26%20more."
    )
    assert interview.thank_you_draft == ""

    assert not planning.interview_save_draft(interview=interview, kind="follow_up", text="")
    assert Interview.objects.get(pk=interview.pk).follow_up_draft == ""


def test_saving_the_suggestion_unchanged_keeps_it_following_the_outcome(assignment, student, dana):
    interview = held_interview(assignment, student, dana)
    suggested = planning.thank_you_draft(interview=interview, student=student).body

    assert not planning.interview_save_draft(
        interview=interview, kind="thank_you", text=suggested.replace("\n", "\r\n")
    )
    interview.insights = "- Networking beats applying cold"
    interview.save()

    body = planning.thank_you_draft(interview=interview, student=student).body
    assert "take away from our conversation: Networking beats applying cold." in body


def test_thank_you_timing_counts_24_hours_from_the_held_time(assignment, student, dana):
    interview = held_interview(assignment, student, dana, held_at=NOW - timedelta(hours=5))

    timing = planning.thank_you_timing(interview=interview, now=NOW)
    assert (timing.state, timing.end) == ("due", NOW + timedelta(hours=19))
    late = planning.thank_you_timing(interview=interview, now=NOW + timedelta(hours=20))
    assert late.state == "late"
    interview.thank_you_sent_at = NOW
    assert planning.thank_you_timing(interview=interview, now=NOW).state == "sent"
    planned = make_interview(assignment, student, dana)
    assert planning.thank_you_timing(interview=planned, now=NOW).state == "not_held"


def test_follow_up_timing_opens_a_week_after_the_interview(assignment, student, dana):
    held = NOW - timedelta(days=3)
    interview = held_interview(assignment, student, dana, held_at=held)

    early = planning.follow_up_timing(interview=interview, now=NOW)
    assert (early.state, early.start, early.end) == (
        "early", held + timedelta(weeks=1), held + timedelta(weeks=2)
    )  # fmt: skip
    assert planning.follow_up_timing(interview=interview, now=NOW + timedelta(days=5)).state == (
        "due"
    )
    assert planning.follow_up_timing(interview=interview, now=NOW + timedelta(days=12)).state == (
        "late"
    )
    interview.reply_received_at = NOW
    assert planning.follow_up_timing(interview=interview, now=NOW).state == "replied"
