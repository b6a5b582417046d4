"""Invitation limits (``courses/invitation_limits.py``) as an instructor meets them on the
invite page and in a roster import: per inviter and per course a day, and a new course of an
account with no history until someone joins."""

import html
import re
from datetime import UTC, datetime, timedelta

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from courses.enrolment import course_create, invitation_accept, member_enrol
from courses.models import Invitation, Role
from tests.factories import make_user
from tests.html_forms import form_action, form_data

NOON = datetime(2027, 3, 2, 17, 0, tzinfo=UTC)  # 12:00 in New York, where Ines lives


def text_of(response_or_html) -> str:
    content = getattr(response_or_html, "content", response_or_html)
    if isinstance(content, bytes):
        content = content.decode()
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", content)).split())


def email_field_message(response) -> str:
    """The text shown with the email addresses field: label, box, help and its error."""
    content = response.content.decode()
    match = re.search(r'<div id="div_id_emails".*?(?=<div id="div_id_|</form>)', content, re.S)
    assert match, "no email addresses field on the page"
    return text_of(match.group(0))


def invite(client, course, addresses: list[str], django_capture_on_commit_callbacks):
    """Fill in the invite page as rendered and press Send invitations."""
    url = reverse("courses:invite", args=[course.pk])
    page = client.get(url)
    data = form_data(page, containing="emails", button="Send invitations")
    data["emails"] = "\n".join(addresses)
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(form_action(page, containing="emails", page_url=url), data)


def addresses(prefix: str, count: int) -> list[str]:
    return [f"{prefix}{i}@example.edu" for i in range(count)]


@pytest.fixture
def at_noon(time_machine):
    time_machine.move_to(NOON, tick=False)
    return time_machine


@pytest.fixture
def co_instructor(course, other_instructor):
    member_enrol(course=course, user=other_instructor, role=Role.INSTRUCTOR)
    return other_instructor


# Per inviter, per course, a day


def test_invitation_past_the_inviters_daily_limit_is_refused_with_when_it_frees_up(
    as_user, course, instructor, settings, at_noon, django_capture_on_commit_callbacks
):
    settings.INVITATIONS_PER_INVITER_PER_DAY = 5
    client = as_user(instructor)
    invite(client, course, addresses("early", 3), django_capture_on_commit_callbacks)
    at_noon.move_to(NOON + timedelta(hours=2), tick=False)
    invite(client, course, addresses("later", 2), django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 5

    response = invite(client, course, ["one.more@example.edu"], django_capture_on_commit_callbacks)

    assert response.status_code == 200
    assert (
        "Daily invitation limit reached: you may send 5 invitations a day and have sent 5 in "
        "the last 24 hours, so 0 more can go out now. There is room for 1 from 12:00 EST on "
        "3 March. Nothing was sent."
    ) in email_field_message(response)
    assert len(mail.outbox) == 5
    assert not Invitation.objects.filter(email="one.more@example.edu").exists()

    at_noon.move_to(NOON + timedelta(hours=24, minutes=1), tick=False)
    response = invite(client, course, ["one.more@example.edu"], django_capture_on_commit_callbacks)
    assert response.status_code == 302
    assert mail.outbox[-1].to == ["one.more@example.edu"]


def test_a_batch_past_the_limit_sends_none_of_its_addresses(
    as_user, course, instructor, settings, at_noon, django_capture_on_commit_callbacks
):
    settings.INVITATIONS_PER_INVITER_PER_DAY = 5
    client = as_user(instructor)
    invite(client, course, addresses("first", 3), django_capture_on_commit_callbacks)

    response = invite(client, course, addresses("second", 3), django_capture_on_commit_callbacks)

    assert (
        "you may send 5 invitations a day and have sent 3 in the last 24 hours, so 2 more can "
        "go out now. There is room for all 3 from 12:00 EST on 3 March. Nothing was sent."
    ) in email_field_message(response)
    assert sorted(m.to[0] for m in mail.outbox) == addresses("first", 3)
    assert course.invitations.count() == 3


def test_more_addresses_than_a_days_limit_are_refused_outright(
    as_user, course, instructor, settings, django_capture_on_commit_callbacks
):
    settings.INVITATIONS_PER_INVITER_PER_DAY = 5

    response = invite(
        as_user(instructor), course, addresses("many", 6), django_capture_on_commit_callbacks
    )

    assert "Invite at most 5 people at once. Nothing was sent." in email_field_message(response)
    assert mail.outbox == []


def test_the_inviters_limit_counts_every_course_they_invite_into(
    as_user, course, instructor, settings, django_capture_on_commit_callbacks
):
    settings.INVITATIONS_PER_INVITER_PER_DAY = 4
    second_course = course_create(creator=instructor, title="Second Course")
    client = as_user(instructor)
    invite(client, course, addresses("a", 3), django_capture_on_commit_callbacks)

    response = invite(client, second_course, addresses("b", 2), django_capture_on_commit_callbacks)

    assert "you may send 4 invitations a day and have sent 3" in email_field_message(response)
    assert not second_course.invitations.exists()


def test_a_resend_counts_against_the_daily_limit(
    as_user, course, instructor, settings, django_capture_on_commit_callbacks
):
    settings.INVITATIONS_PER_INVITER_PER_DAY = 2
    client = as_user(instructor)
    invite(client, course, addresses("a", 2), django_capture_on_commit_callbacks)
    invitation = course.invitations.first()

    response = client.post(
        reverse("courses:invitation_resend", args=[course.pk, invitation.pk]), follow=True
    )

    assert "Daily invitation limit reached" in text_of(response)
    assert len(mail.outbox) == 2


def test_invitation_past_the_courses_daily_limit_is_refused_for_every_instructor(
    as_user, course, instructor, co_instructor, settings, django_capture_on_commit_callbacks
):
    settings.INVITATIONS_PER_COURSE_PER_DAY = 4
    invite(as_user(instructor), course, addresses("a", 3), django_capture_on_commit_callbacks)

    response = invite(
        as_user(co_instructor), course, addresses("b", 2), django_capture_on_commit_callbacks
    )

    assert (
        "Daily invitation limit reached: this course may send 4 invitations a day and has sent "
        "3 in the last 24 hours, so 1 more can go out now."
    ) in email_field_message(response)
    assert len(mail.outbox) == 3


def test_daily_limits_default_to_200_per_inviter_and_300_per_course(
    as_user, course, instructor, co_instructor, django_capture_on_commit_callbacks
):
    invite(as_user(instructor), course, addresses("a", 200), django_capture_on_commit_callbacks)
    refused = invite(
        as_user(instructor), course, ["x@example.edu"], django_capture_on_commit_callbacks
    )
    assert "you may send 200 invitations a day and have sent 200" in email_field_message(refused)

    invite(as_user(co_instructor), course, addresses("b", 100), django_capture_on_commit_callbacks)
    refused = invite(
        as_user(co_instructor), course, ["y@example.edu"], django_capture_on_commit_callbacks
    )
    assert "this course may send 300 invitations a day and has sent 300" in email_field_message(
        refused
    )
    assert len(mail.outbox) == 300


# A new course of an account with no history


@pytest.fixture
def newcomer(db):
    """Signed up today; has never taught a course anyone joined."""
    return make_user("nick.newcomer@example.edu", "Nick Newcomer")


def test_new_course_of_an_account_with_no_history_invites_ten_until_someone_joins(
    as_user, newcomer, django_capture_on_commit_callbacks
):
    course = course_create(creator=newcomer, title="Password expiry notice")
    client = as_user(newcomer)
    invite(client, course, addresses("p", 10), django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 10

    response = invite(client, course, ["p10@example.edu"], django_capture_on_commit_callbacks)

    assert (
        "A new course may invite at most 10 people until the first of them joins; this course "
        "has invited 10, so 0 more can be invited now. Once someone accepts an invitation or "
        "joins with the course code, only the daily limits apply. Nothing was sent."
    ) in email_field_message(response)
    assert len(mail.outbox) == 10

    joiner = make_user("p0@example.edu", "Pat Zero")
    invitation_accept(invitation=course.invitations.get(email="p0@example.edu"), user=joiner)
    response = invite(client, course, ["p10@example.edu"], django_capture_on_commit_callbacks)
    assert response.status_code == 302
    assert mail.outbox[-1].to == ["p10@example.edu"]


def test_withdrawing_and_inviting_others_does_not_lift_the_new_course_cap(
    as_user, newcomer, settings, django_capture_on_commit_callbacks
):
    settings.NEW_COURSE_INVITATIONS_BEFORE_FIRST_ACCEPT = 2
    course = course_create(creator=newcomer, title="Password expiry notice")
    client = as_user(newcomer)
    invite(client, course, addresses("p", 2), django_capture_on_commit_callbacks)
    course.invitations.update(revoked_at=NOON)

    response = invite(client, course, ["other@example.edu"], django_capture_on_commit_callbacks)

    assert "this course has invited 2, so 0 more can be invited now" in email_field_message(
        response
    )
    assert len(mail.outbox) == 2


def test_instructor_with_a_course_people_joined_is_not_capped_in_a_new_course(
    as_user, course, instructor, django_capture_on_commit_callbacks
):
    new_course = course_create(creator=instructor, title="Next term")

    response = invite(
        as_user(instructor), new_course, addresses("p", 11), django_capture_on_commit_callbacks
    )

    assert response.status_code == 302
    assert len(mail.outbox) == 11


def test_inviter_without_a_verified_address_cannot_invite(
    as_user, course, instructor, django_capture_on_commit_callbacks
):
    EmailAddress.objects.filter(user=instructor).update(verified=False)

    response = invite(
        as_user(instructor), course, ["ada@example.edu"], django_capture_on_commit_callbacks
    )

    assert (
        "Verify your email address before inviting people: each invitation names it."
        in email_field_message(response)
    )
    assert mail.outbox == []


# Roster import


def roster(count: int) -> bytes:
    return ("name,email\n" + "".join(f"P {i},p{i}@example.edu\n" for i in range(count))).encode()


def test_roster_import_past_the_daily_limit_is_refused_at_upload(
    as_user, course, instructor, settings
):
    settings.INVITATIONS_PER_COURSE_PER_DAY = 5

    response = as_user(instructor).post(
        reverse("courses:roster_import_upload", args=[course.pk]),
        {"file": SimpleUploadedFile("roster.csv", roster(6), content_type="text/csv")},
    )

    assert response.status_code == 200
    assert (
        "this course may send 5 invitations a day and has sent 0 in the last 24 hours, so 5 "
        "more can go out now. Invite at most 5 people at once. Nothing was sent."
    ) in text_of(response)
    assert not course.roster_imports.exists()


def test_roster_import_that_passes_the_limit_after_its_preview_imports_nothing(
    as_user, course, instructor, settings, django_capture_on_commit_callbacks
):
    settings.INVITATIONS_PER_COURSE_PER_DAY = 5
    client = as_user(instructor)
    client.post(
        reverse("courses:roster_import_upload", args=[course.pk]),
        {"file": SimpleUploadedFile("roster.csv", roster(4), content_type="text/csv")},
    )
    roster_import = course.roster_imports.get()
    invite(
        client,
        course,
        ["early@example.edu", "bird@example.edu"],
        django_capture_on_commit_callbacks,
    )
    url = reverse("courses:roster_import", args=[course.pk, roster_import.pk])

    with django_capture_on_commit_callbacks(execute=True):
        client.post(url)

    page = text_of(client.get(url))
    assert "The import failed and nothing was imported." in page
    # The whole chunk is checked before any of it is sent: 2 sent, 4 more asked.
    assert "this course may send 5 invitations a day and has sent 2" in page
    assert course.invitations.count() == 2
    assert len(mail.outbox) == 2
