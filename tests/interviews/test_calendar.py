"""The iCalendar feed: what ``interviews/calendar.py`` writes, and the pages that serve it."""

import re
import zoneinfo
from datetime import datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from interviews.calendar import calendar_for
from interviews.models import Assignment, Extension, Interview
from tests.factories import local, make_assignment, plan_interview

UTC = zoneinfo.ZoneInfo("UTC")
NOW = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)
BASE = "https://rapport.example.edu"

pytestmark = pytest.mark.assignment(title="Meet a nurse")


# A tiny reader for what we write: unfold, split properties, unescape TEXT.


def unfold(text: str) -> list[str]:
    assert text.endswith("\r\n")
    physical = text[:-2].split("\r\n")
    for line in physical:
        assert "\n" not in line and "\r" not in line, "bare line breaks are not allowed"
        assert len(line.encode()) <= 75, f"line longer than 75 octets: {line!r}"
    lines: list[str] = []
    for line in physical:
        if line.startswith(" "):
            lines[-1] += line[1:]
        else:
            lines.append(line)
    return lines


def unescape(value: str) -> str:
    return re.sub(r"\\([\\;,nN])", lambda m: "\n" if m.group(1) in "nN" else m.group(1), value)


def parse(text: str) -> tuple[dict, list[dict]]:
    """(calendar properties, events), each a dict of property name → unescaped value."""
    calendar, events, current = {}, [], None
    for line in unfold(text):
        name, value = line.split(":", 1)
        name = name.split(";", 1)[0]
        if (name, value) == ("BEGIN", "VEVENT"):
            current = {}
        elif (name, value) == ("END", "VEVENT"):
            events.append(current)
            current = None
        elif current is not None:
            current[name] = unescape(value)
        else:
            calendar.setdefault(name, unescape(value))
    return calendar, events


def feed(user) -> tuple[dict, list[dict]]:
    return parse(calendar_for(user=user, base_url=BASE, now=NOW))


def by_summary(events) -> dict[str, dict]:
    return {event["SUMMARY"]: event for event in events}


# The text format (written by the icalendar library, read back by our own reader above)


def test_calendar_has_the_required_properties(student, course):
    text = calendar_for(user=student, base_url=BASE, now=NOW)

    calendar, events = parse(text)
    assert text.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n")
    assert text.endswith("END:VCALENDAR\r\n")
    assert calendar["PRODID"] == "-//Rapport//Informational interviews//EN"
    assert calendar["CALSCALE"] == "GREGORIAN"
    assert calendar["X-WR-CALNAME"] == "Rapport — Stella Student"
    assert events == []


# What the student's feed holds


def test_student_gets_each_dated_milestone_at_the_due_instant_in_utc(assignment, student):
    _, events = feed(student)

    event = by_summary(events)["Write-up due: Meet a nurse (CAR 101 Career Exploration)"]
    # 15 March 2027 09:00 in New York is already summer time (EDT, UTC-4).
    assert event["DTSTART"] == "20270315T130000Z"
    assert event["DTEND"] == "20270315T131500Z"
    assert event["DTSTAMP"] == "20270301T120000Z"
    assert event["UID"] == f"milestone-{assignment.pk}-writeup-{student.pk}@localhost"
    assert (
        f"{BASE}/courses/{assignment.course_id}/assignments/{assignment.pk}/"
        in (event["DESCRIPTION"])
    )
    assert [e["SUMMARY"].split(":")[0] for e in events] == [
        "Contact chosen by", "Interview held by", "Write-up due",
    ]  # fmt: skip


def test_student_sees_their_extended_dates(assignment, student, classmate, instructor):
    Extension.objects.create(
        assignment=assignment, student=student, writeup_due_at=local(2027, 3, 19, 17, 0),
        reason="Illness", granted_by=instructor,
    )  # fmt: skip

    mine = by_summary(feed(student)[1])
    theirs = by_summary(feed(classmate)[1])

    summary = "Write-up due: Meet a nurse (CAR 101 Career Exploration)"
    assert mine[summary]["DTSTART"] == "20270319T210000Z"
    assert "Your extended date." in mine[summary]["DESCRIPTION"]
    assert theirs[summary]["DTSTART"] == "20270315T130000Z"


def test_drafts_and_other_courses_are_left_out(course, other_course, student):
    make_assignment(course, title="Still a draft", state=Assignment.State.DRAFT)
    make_assignment(other_course, title="Not my course")

    assert feed(student)[1] == []


def test_titles_with_commas_semicolons_and_newlines_survive_the_round_trip(course, student):
    title = 'Interviews, part 2; "the path"\\next\nsteps'
    make_assignment(course, title=title, contact_due_at=None, interview_due_at=None)

    text = calendar_for(user=student, base_url=BASE, now=NOW)

    assert 'Interviews\\, part 2\\; "the path"\\\\next\\nsteps' in text.replace("\r\n ", "")
    [event] = parse(text)[1]
    assert event["SUMMARY"] == f"Write-up due: {title} (CAR 101 Career Exploration)"


def test_long_titles_are_folded_and_read_back_whole(course, student):
    title = "Informational interview with a professional in a field you are exploring — " * 2
    make_assignment(course, title=title.strip(), contact_due_at=None, interview_due_at=None)

    text = calendar_for(user=student, base_url=BASE, now=NOW)

    assert "\r\n " in text  # folded (and unfold() checks every line is ≤ 75 octets)
    [event] = parse(text)[1]
    assert title.strip() in event["SUMMARY"]


def test_scheduled_interviews_are_events_and_cancelled_ones_are_not(assignment, student):
    plan_interview(
        assignment, student, created=local(2027, 2, 20, 9, 0), name="Priya Patel",
        scheduled_at=local(2027, 3, 4, 10, 0), duration_minutes=45,
        location="Zoom, https://zoom.example/j/1", status=Interview.Status.SCHEDULED,
    )  # fmt: skip
    plan_interview(
        assignment, student, created=local(2027, 2, 20, 9, 0), name="Cancelled Carla",
        scheduled_at=local(2027, 3, 5, 10, 0), status=Interview.Status.CANCELLED,
    )  # fmt: skip
    plan_interview(assignment, student, created=local(2027, 2, 20, 9, 0), name="Undated Uma")

    events = by_summary(feed(student)[1])

    interview = events["Informational interview with Priya Patel"]
    assert (interview["DTSTART"], interview["DTEND"]) == ("20270304T150000Z", "20270304T154500Z")
    assert interview["LOCATION"] == "Zoom, https://zoom.example/j/1"
    assert not any("Carla" in s or "Uma" in s for s in events)


def test_classmates_interviews_are_not_in_my_feed(assignment, student, classmate):
    plan_interview(
        assignment, classmate, created=local(2027, 2, 20, 9, 0),
        scheduled_at=local(2027, 3, 4, 10, 0), status=Interview.Status.SCHEDULED,
    )  # fmt: skip

    assert not any("Informational interview with" in e["SUMMARY"] for e in feed(student)[1])


def test_staff_get_the_course_dates_of_published_assignments(assignment, assistant, student):
    Extension.objects.create(
        assignment=assignment, student=student, writeup_due_at=local(2027, 3, 19, 17, 0),
        reason="Illness",
    )  # fmt: skip

    events = by_summary(feed(assistant)[1])

    event = events["Write-up due: Meet a nurse (CAR 101 Career Exploration)"]
    assert event["DTSTART"] == "20270315T130000Z"
    assert f"/assignments/{assignment.pk}/progress/" in event["DESCRIPTION"]


def test_uids_stay_the_same_from_one_fetch_to_the_next(assignment, student):
    first = [e["UID"] for e in feed(student)[1]]
    second = [e["UID"] for e in feed(student)[1]]

    assert first == second and len(set(first)) == len(first)


def test_a_held_interview_moves_to_when_it_was_held_keeping_its_uid(assignment, student):
    interview = plan_interview(
        assignment, student, created=local(2027, 2, 20, 9, 0), name="Priya Patel",
        scheduled_at=local(2027, 3, 4, 10, 0), duration_minutes=45,
        status=Interview.Status.SCHEDULED,
    )  # fmt: skip
    before = by_summary(feed(student)[1])["Informational interview with Priya Patel"]
    interview.status = Interview.Status.HELD
    interview.held_at = local(2027, 3, 5, 14, 0)  # a day later than planned
    interview.save()

    later = NOW + timedelta(days=5)
    _, events = parse(calendar_for(user=student, base_url=BASE, now=later))
    after = by_summary(events)["Informational interview with Priya Patel"]

    assert after["UID"] == before["UID"]
    assert (after["DTSTART"], after["DTEND"]) == ("20270305T190000Z", "20270305T194500Z")
    assert (before["SEQUENCE"], after["SEQUENCE"]) == ("0", "1")
    assert after["LAST-MODIFIED"] == "20270306T120000Z"
    assert after["DESCRIPTION"].startswith("Held. ")


def test_an_interview_logged_held_with_no_planned_date_is_in_the_feed(assignment, student):
    plan_interview(
        assignment, student, created=local(2027, 2, 20, 9, 0), name="Tomás Reyes",
        status=Interview.Status.HELD, held_at=local(2027, 2, 27, 11, 0), duration_minutes=30,
    )  # fmt: skip

    event = by_summary(feed(student)[1])["Informational interview with Tomás Reyes"]

    assert (event["DTSTART"], event["DTEND"]) == ("20270227T160000Z", "20270227T163000Z")


def test_an_extension_moves_the_milestone_event_with_a_higher_sequence(
    assignment, student, instructor
):
    title = "Write-up due: Meet a nurse (CAR 101 Career Exploration)"
    before = by_summary(feed(student)[1])[title]
    Extension.objects.create(
        assignment=assignment, student=student, writeup_due_at=local(2027, 3, 19, 17, 0),
        reason="Illness", granted_by=instructor,
    )  # fmt: skip

    after = by_summary(feed(student)[1])[title]
    again = by_summary(feed(student)[1])[title]

    assert after["UID"] == before["UID"]
    assert after["DTSTART"] == "20270319T210000Z"
    assert (before["SEQUENCE"], after["SEQUENCE"], again["SEQUENCE"]) == ("0", "1", "1")


def test_the_feed_reads_back_with_an_independent_parser(assignment, student):
    import icalendar

    plan_interview(
        assignment, student, created=local(2027, 2, 20, 9, 0), name="Priya; Patel, RN",
        scheduled_at=local(2027, 3, 4, 10, 0), status=Interview.Status.SCHEDULED,
    )  # fmt: skip

    calendar = icalendar.Calendar.from_ical(calendar_for(user=student, base_url=BASE, now=NOW))

    summaries = {str(e["SUMMARY"]) for e in calendar.walk("VEVENT")}
    assert "Informational interview with Priya; Patel, RN" in summaries


# The pages


def test_feed_is_served_by_token_without_signing_in(client, assignment, student, settings):
    settings.SITE_URL = BASE
    with time_machine.travel(NOW, tick=False):
        response = client.get(reverse("interviews:calendar_feed", args=[student.calendar_token]))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"] == 'inline; filename="rapport.ics"'
    _, events = parse(response.content.decode())
    event = by_summary(events)["Write-up due: Meet a nurse (CAR 101 Career Exploration)"]
    assert (
        f"{BASE}/courses/{assignment.course_id}/assignments/{assignment.pk}/"
        in (event["DESCRIPTION"])
    )


def test_unknown_token_is_not_found(client, student):
    url = reverse("interviews:calendar_feed", args=[student.calendar_token + "x"])

    assert client.get(url).status_code == 404


def test_token_is_long_random_and_not_the_user_id(student, classmate):
    assert len(student.calendar_token) >= 32
    assert student.calendar_token != classmate.calendar_token
    assert str(student.pk) != student.calendar_token
    assert student.email not in student.calendar_token


def test_calendar_page_shows_the_personal_address_with_a_copy_button(as_user, student, settings):
    settings.SITE_URL = BASE + "/"

    response = as_user(student).get(reverse("interviews:calendar"))

    url = f"{BASE}/calendar/{student.calendar_token}.ics"
    content = response.content.decode()
    assert f'value="{url}"' in content and f'data-copy="{url}"' in content
    assert "Make a new address" in content


def test_calendar_page_needs_signing_in(client):
    response = client.get(reverse("interviews:calendar"))

    assert response.status_code == 302 and "login" in response.url


def test_a_new_address_makes_the_old_one_stop_working(as_user, client, student):
    old = student.calendar_token

    response = as_user(student).post(reverse("interviews:calendar_rotate"))

    assert response.status_code == 302 and response.url == reverse("interviews:calendar")
    student.refresh_from_db()
    assert student.calendar_token != old and len(student.calendar_token) >= 32
    assert client.get(reverse("interviews:calendar_feed", args=[old])).status_code == 404
    new = reverse("interviews:calendar_feed", args=[student.calendar_token])
    assert client.get(new).status_code == 200


def test_rotating_needs_a_post(as_user, student):
    response = as_user(student).get(reverse("interviews:calendar_rotate"))

    assert response.status_code == 405


def test_calendar_feed_is_in_the_user_menu(as_user, student):
    content = as_user(student).get(reverse("courses:mine")).content.decode()

    assert f'href="{reverse("interviews:calendar")}">Calendar feed</a>' in content


# Robustness: what was stored before input was bounded still gives a feed


def test_a_due_date_stored_in_year_9999_leaves_it_out_and_the_feed_still_answers(
    client, course, assignment, student
):
    make_assignment(
        course, title="Far away", contact_due_at=None, interview_due_at=None, cutoff_at=None,
        writeup_due_at=datetime(9999, 12, 31, 23, 59, tzinfo=UTC),
    )  # fmt: skip
    plan_interview(
        assignment, student, created=local(2027, 2, 20, 9, 0),
        scheduled_at=datetime(9999, 12, 31, 23, 50, tzinfo=UTC), status=Interview.Status.SCHEDULED,
    )  # fmt: skip

    with time_machine.travel(NOW, tick=False):
        response = client.get(reverse("interviews:calendar_feed", args=[student.calendar_token]))

    assert response.status_code == 200
    summaries = set(by_summary(parse(response.content.decode())[1]))
    assert "Write-up due: Meet a nurse (CAR 101 Career Exploration)" in summaries
    assert not any("Far away" in summary for summary in summaries)
    assert not any(summary.startswith("Informational interview with") for summary in summaries)


def test_text_values_carry_no_vertical_tab_next_line_or_line_separator(course, student):
    title = "Part\x0bone\x85two\u2028three\u2029four\x0cfive\x1fsix\rseven"
    make_assignment(course, title=title, contact_due_at=None, interview_due_at=None)

    text = calendar_for(user=student, base_url=BASE, now=NOW)

    for character in "\x0b\x85\u2028\u2029\x0c\x1f":
        assert character not in text
    [event] = parse(text)[1]
    assert event["SUMMARY"].startswith("Write-up due: Part\none\ntwo\nthree\nfour\nfive six\nseven")
    assert "Part\none\ntwo\nthree\nfour\nfive six\nseven" in event["DESCRIPTION"]


def test_the_feed_is_never_kept_by_a_shared_cache(client, assignment, student):
    response = client.get(reverse("interviews:calendar_feed", args=[student.calendar_token]))

    assert response.status_code == 200
    assert {"private", "no-store"} <= {v.strip() for v in response["Cache-Control"].split(",")}


def test_an_empty_feed_is_a_valid_calendar_with_one_component(student):
    import icalendar

    text = calendar_for(user=student, base_url=BASE, now=NOW)

    calendar = icalendar.Calendar.from_ical(text)
    assert [c.name for c in calendar.subcomponents] == ["VTIMEZONE"]
    assert calendar.walk("VEVENT") == []


def test_uids_carry_the_sites_domain_so_two_sites_never_share_one(assignment, student, settings):
    settings.SITE_URL = "https://careers.example.edu"
    _, events = feed(student)
    settings.SITE_URL = "https://rapport.other.org:8443"
    _, elsewhere = feed(student)

    assert events and all(e["UID"].endswith("@careers.example.edu") for e in events)
    assert {e["UID"] for e in events}.isdisjoint({e["UID"] for e in elsewhere})
