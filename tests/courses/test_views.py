"""Course pages through the test client: what each person sees and can do, and sign-up."""

import html
import re
from datetime import timedelta

import pytest
from django.core import mail
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from courses.editing import course_archive
from courses.enrolment import course_create, invitation_accept, invitation_create, member_enrol
from courses.models import Course, Invitation, Membership, Role
from tests.conftest import client_for
from tests.factories import PASSWORD, enrol_many, make_user
from tests.forms_as_rendered import Page, as_post_data
from tests.html_forms import press
from tests.pages import field_block, messages_of, section, text_of


def membership_of(user, course) -> Membership:
    return Membership.objects.get(user=user, course=course)


@pytest.fixture(autouse=True)
def fresh_cache():
    """allauth's rate limits live in the cache, which outlives a test."""
    cache.clear()


# My courses


def test_person_teaching_one_course_and_taking_another_sees_both_sections(
    as_user, course, other_course, other_instructor
):
    member_enrol(course=course, user=other_instructor, role=Role.STUDENT)

    response = as_user(other_instructor).get(reverse("courses:mine"))

    teaching = section(response, "teaching-heading")
    taking = section(response, "taking-heading")
    assert "Other Course" in teaching and "Instructor · 1 student" in teaching
    assert "Career Exploration" not in teaching
    assert "Career Exploration" in taking and "CAR 101 · Spring 2027" in taking
    assert "Other Course" not in taking


def test_archived_courses_come_after_active_ones(as_user, course, instructor):
    course_create(creator=instructor, title="Newer course")
    old = course_create(creator=instructor, title="Last term's course")
    course_archive(course=old, by=instructor, now=timezone.now())

    teaching = section(as_user(instructor).get(reverse("courses:mine")), "teaching-heading")

    # Active courses newest first, then archived ones.
    order = [teaching.index(title) for title in ("Newer", "Career Exploration", "Last term")]
    assert order == sorted(order), teaching
    assert "Last term's course No term Instructor · 0 students · Archived" in teaching


def test_assistant_finds_the_course_under_teaching(as_user, course, assistant):
    response = as_user(assistant).get(reverse("courses:mine"))

    assert "Career Exploration" in section(response, "teaching-heading")
    assert "Assistant · 2 students" in section(response, "teaching-heading")
    assert "You are not taking any course yet." in section(response, "taking-heading")


def test_student_sees_the_course_under_taking_only(as_user, course, student):
    response = as_user(student).get(reverse("courses:mine"))

    assert 'aria-labelledby="teaching-heading"' not in response.content.decode()
    assert "Career Exploration" in section(response, "taking-heading")


def test_student_is_invited_to_join_not_to_create_a_course(as_user, course, student, outsider):
    for person in (student, outsider):
        response = as_user(person).get(reverse("courses:mine"))
        page = text_of(response)

        assert "Create your first course" not in page
        assert "You are not teaching any course yet" not in page
        assert "Join a course with a code" in section(response, "taking-heading")
        # Still reachable, as a footnote rather than the page's invitation.
        assert "Teaching a course yourself? Create a course." in page
    assert "Your instructor gives the code in class" in text_of(
        as_user(outsider).get(reverse("courses:mine"))
    )


def test_instructor_gets_the_create_button_and_no_footnote(as_user, course, instructor):
    response = as_user(instructor).get(reverse("courses:mine"))
    page = response.content.decode()

    assert 'class="btn btn-primary" href="/courses/new/">Create a course</a>' in page
    assert "Teaching a course yourself?" not in page


def test_removed_student_no_longer_sees_the_course(as_user, course, student, instructor):
    as_user(instructor).post(
        reverse("courses:member_remove", args=[course.pk, membership_of(student, course).pk])
    )

    response = as_user(student).get(reverse("courses:mine"))

    assert "Career Exploration" not in text_of(response)
    assert as_user(student).get(reverse("courses:detail", args=[course.pk])).status_code == 404


def test_pending_invitation_is_offered_on_my_courses_and_accepted_there(
    as_user, course, instructor, outsider
):
    sent = invitation_create(
        course=course, email=outsider.email, role=Role.ASSISTANT, invited_by=instructor
    )
    client = as_user(outsider)

    page = client.get(reverse("courses:mine"))
    assert "CAR 101 Career Exploration · Spring 2027 — as assistant" in section(
        page, "invitations-heading"
    )

    response = client.post(
        reverse("courses:invitation_accept_mine", args=[sent.invitation.pk]), follow=True
    )

    assert response.redirect_chain[-1][0] == reverse("courses:detail", args=[course.pk])
    assert "Welcome to CAR 101 Career Exploration." in messages_of(response)
    assert membership_of(outsider, course).role == Role.ASSISTANT
    assert "Invitations waiting for you" not in text_of(client.get(reverse("courses:mine")))


# Creating a course


def test_create_course_without_title_keeps_typed_values_and_flags_the_title(as_user, outsider):
    response = as_user(outsider).post(
        reverse("courses:create"),
        {
            "title": "",
            "code": "CAR 200",
            "term": "Fall 2027",
            "description": "Talk to people.",
            "time_zone": "Europe/Paris",
        },
    )

    assert response.status_code == 200
    title = field_block(response, "title")
    assert "This field is required." in text_of(title)
    assert 'aria-invalid="true"' in title
    assert 'value="CAR 200"' in field_block(response, "code")
    assert 'value="Fall 2027"' in field_block(response, "term")
    assert "Talk to people." in field_block(response, "description")
    assert '<option value="Europe/Paris" selected>' in field_block(response, "time_zone")
    assert "This field is required." not in text_of(field_block(response, "code"))
    assert not Course.objects.exists()


def test_creating_a_course_makes_the_creator_its_instructor(as_user, outsider):
    response = as_user(outsider).post(
        reverse("courses:create"),
        {"title": "Networking", "code": "", "term": "", "time_zone": "Asia/Tokyo"},
        follow=True,
    )

    course = Course.objects.get()
    assert response.redirect_chain[-1][0] == reverse("courses:detail", args=[course.pk])
    assert "Course “Networking” created. Now bring your students in." in messages_of(response)
    assert membership_of(outsider, course).role == Role.INSTRUCTOR
    assert course.time_zone == "Asia/Tokyo"
    assert course.join_code in text_of(response)  # ready to share


# Joining


def test_wrong_code_shows_the_message_next_to_the_field_and_keeps_the_code(
    as_user, course, outsider
):
    response = as_user(outsider).post(reverse("courses:join"), {"code": "zzzz 1234"})

    assert response.status_code == 200
    code = field_block(response, "code")
    assert "No course has that code. Check it with your instructor" in text_of(code)
    assert 'value="zzzz 1234"' in code
    assert not Membership.objects.filter(user=outsider).exists()


def test_join_link_asks_before_joining_and_the_code_then_works(as_user, course, outsider):
    client = as_user(outsider)

    landing = client.get(reverse("courses:join_link", args=[course.join_code]), follow=True)

    assert not Membership.objects.filter(user=outsider).exists()  # a prefetch enrols nobody
    assert f'value="{course.join_code}"' in field_block(landing, "code")

    joined = client.post(reverse("courses:join"), {"code": course.join_code}, follow=True)

    assert joined.redirect_chain[-1][0] == reverse("courses:detail", args=[course.pk])
    assert "You joined CAR 101 Career Exploration." in messages_of(joined)
    assert membership_of(outsider, course).role == Role.STUDENT


def test_joining_twice_says_already_in(as_user, course, student):
    response = as_user(student).post(
        reverse("courses:join"), {"code": course.join_code.lower()}, follow=True
    )

    assert "You are already in CAR 101 Career Exploration." in messages_of(response)


# Course home


def test_instructor_sees_the_join_code_and_students_do_not(as_user, course, instructor, student):
    teacher_view = text_of(as_user(instructor).get(reverse("courses:detail", args=[course.pk])))
    student_view = text_of(as_user(student).get(reverse("courses:detail", args=[course.pk])))

    assert course.join_code in teacher_view
    assert "2 students enrolled" in teacher_view
    assert course.join_code not in student_view
    assert "Open the roster" not in student_view
    assert "Ines Instructor (instructor)" in student_view
    assert "Aaron Assistant (assistant)" in student_view


# Roster


@pytest.mark.parametrize(
    ("query", "shown", "hidden"),
    [
        ("stella", ["Stella Student"], ["Carl Classmate", "Ines Instructor"]),
        ("CLASSMATE@", ["Carl Classmate"], ["Stella Student"]),
        ("  example.edu ", ["Stella Student", "Carl Classmate", "Ines Instructor"], []),
    ],
    ids=["name", "email", "everyone"],
)
def test_roster_search_filters_by_name_or_email(
    as_user, course, assistant, instructor, query, shown, hidden
):
    invitation_create(
        course=course, email="stella.new@example.edu", role=Role.STUDENT, invited_by=instructor
    )

    response = as_user(assistant).get(reverse("courses:roster", args=[course.pk]), {"q": query})

    members = section(response, "members-heading")
    for name in shown:
        assert name in members
    for name in hidden:
        assert name not in members
    invited = section(response, "invited-heading")
    assert ("stella.new@example.edu" in invited) == (query.strip().lower() != "classmate@")


def test_roster_search_without_matches_says_so(as_user, course, instructor):
    response = as_user(instructor).get(reverse("courses:roster", args=[course.pk]), {"q": "zelda"})

    assert "Nobody matches “zelda”." in section(response, "members-heading")
    assert "No pending invitations." in section(response, "invited-heading")


def test_assistant_sees_the_roster_without_instructor_actions(as_user, course, assistant):
    response = as_user(assistant).get(reverse("courses:roster", args=[course.pk]))

    assert response.status_code == 200
    assert "Stella Student" in section(response, "members-heading")
    assert "Change role" not in text_of(response)
    assert "Invite by email" not in text_of(response)


def test_instructor_changes_a_role_from_the_roster(as_user, course, instructor, student):
    membership = membership_of(student, course)

    response = as_user(instructor).post(
        reverse("courses:member_role", args=[course.pk, membership.pk]),
        {"role": "assistant"},
        follow=True,
    )

    assert response.redirect_chain[-1][0] == reverse("courses:roster", args=[course.pk])
    assert "Stella Student is now assistant." in messages_of(response)
    assert "Stella Student stella.student@example.edu Assistant" in section(
        response, "members-heading"
    )
    assert membership_of(student, course).role == Role.ASSISTANT


def test_roster_refuses_to_demote_the_last_instructor(as_user, course, instructor):
    membership = membership_of(instructor, course)

    response = as_user(instructor).post(
        reverse("courses:member_role", args=[course.pk, membership.pk]),
        {"role": "student"},
        follow=True,
    )

    assert messages_of(response) == [
        "A course needs at least one instructor. Make someone else an instructor first."
    ]
    assert membership_of(instructor, course).role == Role.INSTRUCTOR


def test_roster_offers_no_remove_or_role_change_for_the_only_instructor(
    as_user, course, instructor, student
):
    response = as_user(instructor).get(reverse("courses:roster", args=[course.pk]))
    page = response.content.decode()

    own = reverse("courses:member_remove", args=[course.pk, membership_of(instructor, course).pk])
    assert own not in page
    assert f'id="role-{membership_of(instructor, course).pk}"' not in page
    assert "The only instructor: a course needs one" in section(response, "members-heading")
    # Everyone else keeps their actions.
    assert (
        reverse("courses:member_remove", args=[course.pk, membership_of(student, course).pk])
        in page
    )


def test_roster_offers_remove_for_each_instructor_when_there_are_two(
    as_user, course, instructor, assistant
):
    Membership.objects.filter(course=course, user=assistant).update(role=Role.INSTRUCTOR)

    # The search hides the second instructor; Ines is still not the only one.
    response = as_user(instructor).get(reverse("courses:roster", args=[course.pk]), {"q": "Ines"})

    assert "The only instructor" not in text_of(response)
    own = reverse("courses:member_remove", args=[course.pk, membership_of(instructor, course).pk])
    assert own in response.content.decode()


def test_roster_refuses_an_unknown_role(as_user, course, instructor, student):
    response = as_user(instructor).post(
        reverse("courses:member_role", args=[course.pk, membership_of(student, course).pk]),
        {"role": "dean"},
        follow=True,
    )

    assert messages_of(response) == ["Choose instructor, assistant or student."]
    assert membership_of(student, course).role == Role.STUDENT


def test_instructor_removes_a_student_after_confirming(as_user, course, instructor, student):
    client = as_user(instructor)
    url = reverse("courses:member_remove", args=[course.pk, membership_of(student, course).pk])

    confirm = client.get(url)
    assert "Remove Stella Student from Career Exploration?" in text_of(confirm)
    assert membership_of(student, course).is_active

    response = client.post(url, follow=True)

    assert "Stella Student was removed. Their past work is kept." in messages_of(response)
    assert "Stella Student" not in section(response, "members-heading")
    assert "Stella Student (stella.student@example.edu), student, removed" in section(
        response, "removed-heading"
    )
    assert membership_of(student, course).removed_at is not None


def test_roster_refuses_to_remove_the_last_instructor(as_user, course, instructor):
    url = reverse("courses:member_remove", args=[course.pk, membership_of(instructor, course).pk])

    response = as_user(instructor).post(url, follow=True)

    assert response.redirect_chain[-1][0] == reverse("courses:roster", args=[course.pk])
    assert messages_of(response) == [
        "A course needs at least one instructor. Make someone else an instructor first."
    ]
    assert membership_of(instructor, course).is_active


def test_instructor_who_steps_out_lands_on_my_courses(as_user, course, instructor, assistant):
    Membership.objects.filter(course=course, user=assistant).update(role=Role.INSTRUCTOR)
    url = reverse("courses:member_remove", args=[course.pk, membership_of(instructor, course).pk])

    response = as_user(instructor).post(url)

    assert response.url == reverse("courses:mine")
    assert not membership_of(instructor, course).is_active


def test_instructor_invites_by_email_from_the_roster(
    as_user, course, instructor, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = as_user(instructor).post(
            reverse("courses:invite", args=[course.pk]),
            {"emails": "ada@example.edu, Grace@Example.edu\nada@example.edu", "role": "student"},
            follow=True,
        )

    assert "2 invitations sent." in messages_of(response)
    invited = section(response, "invited-heading")
    assert "ada@example.edu" in invited and "grace@example.edu" in invited
    assert sorted(m.to[0] for m in mail.outbox) == ["ada@example.edu", "grace@example.edu"]


def test_invite_form_with_a_bad_address_sends_nothing(
    as_user, course, instructor, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = as_user(instructor).post(
            reverse("courses:invite", args=[course.pk]),
            {"emails": "ada@example.edu, not-an-address", "role": "student"},
        )

    assert response.status_code == 200
    assert "Not valid email addresses: “not-an-address”. Nothing was sent." in text_of(
        field_block(response, "emails")
    )
    assert not course.invitations.exists()
    assert mail.outbox == []


def test_resend_and_withdraw_from_the_roster(
    as_user, course, instructor, django_capture_on_commit_callbacks
):
    first = invitation_create(
        course=course, email="ada@example.edu", role=Role.STUDENT, invited_by=instructor
    )
    client = as_user(instructor)

    with django_capture_on_commit_callbacks(execute=True):
        resent = client.post(
            reverse("courses:invitation_resend", args=[course.pk, first.invitation.pk]),
            follow=True,
        )

    assert "A new invitation was sent to ada@example.edu." in messages_of(resent)
    assert len(mail.outbox) == 1
    newest = course.invitations.pending().get()
    assert newest.pk != first.invitation.pk

    withdrawn = client.post(
        reverse("courses:invitation_revoke", args=[course.pk, newest.pk]), follow=True
    )

    assert "The invitation to ada@example.edu was withdrawn." in messages_of(withdrawn)
    assert "No pending invitations." in section(withdrawn, "invited-heading")
    assert not course.invitations.pending().exists()


# The invitation page


@pytest.fixture
def invitation_for_outsider(course, instructor, outsider):
    return invitation_create(
        course=course, email=outsider.email, role=Role.STUDENT, invited_by=instructor
    )


def invitation_url(sent) -> str:
    return reverse("courses:invitation", args=[sent.token])


def test_anonymous_visitor_is_offered_to_create_an_account_or_sign_in(
    as_user, invitation_for_outsider
):
    url = invitation_url(invitation_for_outsider)

    response = as_user(None).get(url)

    assert response.status_code == 200
    page = text_of(response)
    assert "You're invited to Career Exploration" in page
    assert "This invitation was sent to otto.outsider@example.edu." in page
    content = response.content.decode()
    assert f'href="{reverse("account_signup")}?next={url}"' in content
    assert f'href="{reverse("account_login")}?next={url}"' in content
    assert "Create an account" in page and "Sign in" in page


def test_signed_in_as_someone_else_sees_the_mismatch_and_can_switch(
    as_user, course, student, invitation_for_outsider
):
    client = as_user(student)
    url = invitation_url(invitation_for_outsider)

    response = client.get(url)

    page = text_of(response)
    assert (
        "You are signed in as stella.student@example.edu, but this invitation is for "
        "otto.outsider@example.edu."
    ) in page
    assert "Sign out and continue as otto.outsider@example.edu" in page
    assert "Accept and join" not in page

    refused = client.post(url)
    assert refused.status_code == 200
    assert not Membership.objects.filter(user__email="otto.outsider@example.edu").exists()

    switched = client.post(
        reverse("courses:invitation_switch_account", args=[invitation_for_outsider.token]),
        follow=True,
    )
    assert switched.redirect_chain[-1][0] == url
    assert not switched.wsgi_request.user.is_authenticated
    assert "Create an account" in text_of(switched)


def test_invited_person_accepts_on_the_invitation_page(
    as_user, course, outsider, invitation_for_outsider
):
    client = as_user(outsider)
    url = invitation_url(invitation_for_outsider)

    assert "Accept and join Career Exploration" in text_of(client.get(url))
    response = client.post(url, follow=True)

    assert response.redirect_chain[-1][0] == reverse("courses:detail", args=[course.pk])
    assert "Welcome to CAR 101 Career Exploration." in messages_of(response)
    assert membership_of(outsider, course).role == Role.STUDENT


def use_it(sent, outsider):
    invitation_accept(invitation=sent.invitation, user=outsider)


def let_it_expire(sent, outsider):
    Invitation.objects.filter(pk=sent.invitation.pk).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )


def withdraw_it(sent, outsider):
    Invitation.objects.filter(pk=sent.invitation.pk).update(revoked_at=timezone.now())


def archive_the_course(sent, outsider):
    course_archive(
        course=sent.invitation.course, by=sent.invitation.course.created_by, now=timezone.now()
    )


def forget_it(sent, outsider):
    Invitation.objects.filter(pk=sent.invitation.pk).delete()


@pytest.mark.parametrize(
    ("spoil", "status", "message"),
    [
        (
            use_it,
            410,
            "This invitation has already been used. If it was you, the course is in My courses.",
        ),
        (let_it_expire, 410, "This invitation has expired. Ask your instructor to send a new one."),
        (
            withdraw_it,
            410,
            "This invitation was withdrawn or replaced by a newer one. Use the latest email.",
        ),
        (archive_the_course, 410, "This course is archived and no longer takes new members."),
        (
            forget_it,
            404,
            "This invitation link is not valid. Check that you copied the whole link.",
        ),
    ],
    ids=["used", "expired", "withdrawn", "archived", "unknown"],
)
@pytest.mark.parametrize("signed_in", [False, True], ids=["anonymous", "signed-in"])
def test_unusable_invitation_shows_the_specific_reason(
    as_user, outsider, invitation_for_outsider, spoil, status, message, signed_in
):
    spoil(invitation_for_outsider, outsider)

    response = as_user(outsider if signed_in else None).get(invitation_url(invitation_for_outsider))

    assert response.status_code == status
    page = text_of(response)
    assert "This invitation cannot be used" in page
    assert message in page
    assert "Accept and join" not in page
    assert "Create an account" not in page


def test_expired_invitation_page_after_the_time_has_passed(
    as_user, outsider, invitation_for_outsider, time_machine
):
    time_machine.move_to(invitation_for_outsider.invitation.expires_at + timedelta(seconds=1))

    response = as_user(outsider).post(invitation_url(invitation_for_outsider))

    assert response.status_code == 410
    assert "This invitation has expired." in text_of(response)
    assert not Membership.objects.filter(user=outsider).exists()


def test_newcomer_signs_up_from_the_invitation_without_a_second_verification_email(
    invitation_for_outsider, course, instructor
):
    sent = invitation_create(
        course=course, email="nina.new@example.edu", role=Role.STUDENT, invited_by=instructor
    )
    client = client_for(None)
    url = invitation_url(sent)
    client.get(url)  # holding the emailed link proves the address

    signed_up = client.post(
        f"{reverse('account_signup')}?next={url}",
        {
            "email": "Nina.New@example.edu",
            "password1": PASSWORD,
            "password2": PASSWORD,
            "full_name": "Nina New",
            "time_zone": "Europe/Oslo",
        },
    )

    assert signed_up.status_code == 302
    assert signed_up.url == url
    assert mail.outbox == []
    accepted = client.post(url, follow=True)
    nina = User.objects.get(email="nina.new@example.edu")
    assert "Welcome to CAR 101 Career Exploration." in messages_of(accepted)
    assert membership_of(nina, course).role == Role.STUDENT


# Course settings


def test_rotating_the_join_code_stops_the_old_one(as_user, course, instructor, outsider):
    old_code = course.join_code

    response = as_user(instructor).post(
        reverse("courses:joining", args=[course.pk]), {"action": "rotate"}, follow=True
    )

    course.refresh_from_db()
    assert course.join_code != old_code
    assert (
        f"New join code {course.join_code}. The old code and link no longer work."
        in messages_of(response)
    )
    assert course.join_code in section(response, "joining-heading")
    refused = as_user(outsider).post(reverse("courses:join"), {"code": old_code})
    assert "No course has that code." in text_of(field_block(refused, "code"))
    assert not Membership.objects.filter(user=outsider).exists()
    as_user(outsider).post(reverse("courses:join"), {"code": course.join_code})
    assert membership_of(outsider, course).is_active


def test_turning_joining_off_and_on_from_settings(as_user, course, instructor, outsider):
    client = as_user(instructor)
    url = reverse("courses:joining", args=[course.pk])

    off = client.post(url, {"action": "disable"}, follow=True)

    assert "Joining by code and link is off." in messages_of(off)
    assert "Joining by code and link is off." in section(off, "joining-heading")
    refused = as_user(outsider).post(reverse("courses:join"), {"code": course.join_code})
    assert "Joining this course by code is turned off." in text_of(field_block(refused, "code"))

    on = client.post(url, {"action": "enable"}, follow=True)

    assert "Joining by code and link is on." in messages_of(on)
    as_user(outsider).post(reverse("courses:join"), {"code": course.join_code})
    assert membership_of(outsider, course).is_active


def test_unknown_joining_action_changes_nothing(as_user, course, instructor):
    old_code = course.join_code

    response = as_user(instructor).post(
        reverse("courses:joining", args=[course.pk]), {"action": "explode"}, follow=True
    )

    assert messages_of(response) == ["Unknown action."]
    course.refresh_from_db()
    assert course.join_code == old_code and course.join_enabled


def test_archiving_closes_the_course_to_newcomers_and_unarchiving_reopens_it(
    as_user, course, instructor, outsider, student
):
    client = as_user(instructor)
    url = reverse("courses:archive", args=[course.pk])

    archived = client.post(url, {"action": "archive"}, follow=True)

    assert (
        "“Career Exploration” is archived: nobody new can join; all work is kept."
        in messages_of(archived)
    )
    assert "This course was archived on" in section(archived, "archive-heading")
    refused = as_user(outsider).post(reverse("courses:join"), {"code": course.join_code})
    assert "This course is archived and no longer takes new members." in text_of(
        field_block(refused, "code")
    )
    assert as_user(student).get(reverse("courses:detail", args=[course.pk])).status_code == 200
    assert "Archived" in section(as_user(student).get(reverse("courses:mine")), "taking-heading")

    reopened = client.post(url, {"action": "unarchive"}, follow=True)

    assert "“Career Exploration” is active again." in messages_of(reopened)
    as_user(outsider).post(reverse("courses:join"), {"code": course.join_code})
    assert membership_of(outsider, course).is_active


def test_instructor_edits_course_details_in_settings(as_user, course, instructor):
    response = as_user(instructor).post(
        reverse("courses:settings", args=[course.pk]),
        {"title": "Career Design", "code": "CAR 102", "term": "", "time_zone": "Europe/Berlin"},
        follow=True,
    )

    assert "Course settings saved." in messages_of(response)
    course.refresh_from_db()
    assert (course.title, course.code, course.term, course.time_zone) == (
        "Career Design",
        "CAR 102",
        "",
        "Europe/Berlin",
    )


def course_header(response) -> str:
    """The course header's line of code, term and time zone."""
    content = response.content.decode()
    match = re.search(r'<p class="text-body-secondary mb-2">(.*?)</p>', content, re.S)
    assert match, "no course header"
    return text_of(match.group(1))


def test_instructor_saves_settings_as_the_page_renders_them(as_user, course, instructor):
    client = as_user(instructor)
    url = reverse("courses:settings", args=[course.pk])
    page = Page(client.get(url).content.decode())
    sent = page.form("title", "time_zone").submission()
    sent["term"] = ["Autumn 2027"]

    response = client.post(url, as_post_data(sent), follow=True)

    assert "Course settings saved." in messages_of(response)
    course.refresh_from_db()
    assert (course.title, course.term, course.time_zone) == (
        "Career Exploration",
        "Autumn 2027",
        "America/New_York",
    )
    assert course_header(response) == ("CAR 101 · Autumn 2027 · Course time zone: America/New_York")


def test_settings_time_zone_select_offers_every_zone_with_the_courses_selected(
    as_user, course, instructor
):
    response = as_user(instructor).get(reverse("courses:settings", args=[course.pk]))
    page = Page(response.content.decode())

    zone = page.form("time_zone").control("time_zone")
    assert len(zone.options) > 300
    assert zone.values() == ["America/New_York"]
    assert zone.attrs["data-browser-timezone"] == "set"  # the browser does not override it


def test_a_rejected_settings_save_keeps_the_saved_course_in_the_header(as_user, course, instructor):
    client = as_user(instructor)
    url = reverse("courses:settings", args=[course.pk])
    sent = Page(client.get(url).content.decode()).form("title").submission()
    sent.update(title=[""], term=["Never saved"])

    response = client.post(url, as_post_data(sent))

    assert response.status_code == 200
    assert "This field is required." in text_of(field_block(response, "title"))
    assert 'value="Never saved"' in response.content.decode()  # the typed term is kept
    assert course_header(response) == ("CAR 101 · Spring 2027 · Course time zone: America/New_York")
    assert "Career Exploration" in text_of(response)
    course.refresh_from_db()
    assert course.term == "Spring 2027"


# Sign-up (allauth)


def signup_data(email: str, **extra) -> dict:
    return {
        "email": email,
        "password1": PASSWORD,
        "password2": PASSWORD,
        "full_name": "Sam Newcomer",
        "time_zone": "Asia/Tokyo",
        **extra,
    }


def test_sign_up_stores_full_name_and_time_zone(db, as_user):
    response = as_user(None).post(
        reverse("account_signup"),
        signup_data("Sam.Newcomer@Example.edu", full_name="  Sam Newcomer  "),
    )

    assert response.status_code == 302
    assert response.url == reverse("account_email_verification_sent")
    user = User.objects.get(email="sam.newcomer@example.edu")
    assert (user.full_name, user.time_zone) == ("Sam Newcomer", "Asia/Tokyo")
    assert user.emailaddress_set.get().verified is False
    assert [m.to for m in mail.outbox] == [["sam.newcomer@example.edu"]]
    assert "confirm" in mail.outbox[0].subject.lower()


def test_sign_up_requires_a_full_name_and_a_known_time_zone(db, as_user):
    response = as_user(None).post(
        reverse("account_signup"),
        signup_data("sam@example.edu", full_name="", time_zone="Mars/Olympus_Mons"),
    )

    assert response.status_code == 200
    assert "This field is required." in text_of(field_block(response, "full_name"))
    assert "Select a valid choice." in text_of(field_block(response, "time_zone"))
    assert not User.objects.filter(email="sam@example.edu").exists()


@pytest.mark.parametrize(
    "typed", ["stella.student@example.edu", "Stella.Student@EXAMPLE.edu"], ids=["same", "case"]
)
def test_duplicate_sign_up_does_not_reveal_that_the_account_exists(as_user, student, typed):
    fresh = as_user(None).post(reverse("account_signup"), signup_data("fresh@example.edu"))
    fresh_page = as_user(None).get(fresh.url)
    mail.outbox.clear()
    users_before = User.objects.count()

    duplicate = as_user(None).post(reverse("account_signup"), signup_data(typed))

    assert duplicate.status_code == fresh.status_code == 302
    assert duplicate.url == fresh.url
    assert text_of(as_user(None).get(duplicate.url)) == text_of(fresh_page)
    assert User.objects.count() == users_before
    [notice] = mail.outbox
    assert notice.to == ["stella.student@example.edu"]
    assert "already exists" in notice.body
    assert reverse("account_reset_password") in notice.body
    student.refresh_from_db()
    assert student.check_password(PASSWORD)
    assert (student.full_name, student.time_zone) == ("Stella Student", "Europe/Berlin")


def test_sign_in_with_email_and_password_lands_on_my_courses(as_user, course, student):
    response = as_user(None).post(
        reverse("account_login"), {"login": "Stella.Student@example.edu", "password": PASSWORD}
    )

    assert response.status_code == 302
    assert response.url == reverse("courses:mine")


def test_unverified_account_cannot_sign_in_until_confirmed(db):
    make_user("verified@example.edu", "Vera Verified")
    User.objects.create_user(email="unverified@example.edu", password=PASSWORD, full_name="Una")

    client = client_for(None)

    response = client.post(
        reverse("account_login"), {"login": "unverified@example.edu", "password": PASSWORD}
    )

    assert response.status_code == 302
    assert response.url == reverse("account_email_verification_sent")
    assert client.get(reverse("courses:mine")).status_code == 302  # still signed out


def test_removed_student_invited_again_sees_the_invitation_on_my_courses(
    as_user, course, instructor, student
):
    as_user(instructor).post(
        reverse("courses:member_remove", args=[course.pk, membership_of(student, course).pk])
    )
    sent = invitation_create(
        course=course, email=student.email, role=Role.STUDENT, invited_by=instructor
    )
    client = as_user(student)

    page = client.get(reverse("courses:mine"))
    assert "CAR 101 Career Exploration · Spring 2027 — as student" in section(
        page, "invitations-heading"
    )
    response = client.post(
        reverse("courses:invitation_accept_mine", args=[sent.invitation.pk]), follow=True
    )

    assert "Welcome to CAR 101 Career Exploration." in messages_of(response)
    assert membership_of(student, course).is_active


# Leaving, re-admission and declining, as people see them


def test_student_leaves_after_confirming_and_their_work_is_kept(as_user, course, student):
    client = as_user(student)
    home = client.get(reverse("courses:detail", args=[course.pk]))
    leave_url = reverse("courses:leave", args=[course.pk])
    assert f'href="{leave_url}"' in home.content.decode()

    confirm = client.get(leave_url)
    assert "Leave Career Exploration?" in text_of(confirm)
    assert "Everything you did in it (interviews, write-ups, grades) is kept" in text_of(confirm)
    assert membership_of(student, course).is_active  # opening the page changes nothing
    left = press(client, confirm, button="Leave the course", page_url=leave_url)

    assert "You left CAR 101 Career Exploration. Your work in it is kept." in messages_of(left)
    assert left.redirect_chain[-1][0] == reverse("courses:mine")
    assert "Career Exploration" not in section(left, "taking-heading")
    membership = membership_of(student, course)
    assert membership.removed_at is not None and membership.left_by_choice


def test_the_only_instructor_is_told_they_cannot_leave(as_user, course, instructor):
    client = as_user(instructor)
    leave_url = reverse("courses:leave", args=[course.pk])

    confirm = client.get(leave_url)
    posted = client.post(leave_url, follow=True)

    assert "You are this course's only instructor" in text_of(confirm)
    assert "Leave the course" not in text_of(confirm)
    assert "A course needs at least one instructor." in " ".join(messages_of(posted))
    assert membership_of(instructor, course).is_active


def test_instructor_readmits_a_removed_student_from_the_roster(
    as_user, course, instructor, student
):
    as_user(instructor).post(
        reverse("courses:member_remove", args=[course.pk, membership_of(student, course).pk])
    )
    client = as_user(instructor)
    roster_url = reverse("courses:roster", args=[course.pk])
    roster = client.get(roster_url)
    assert "Stella Student (stella.student@example.edu), student, removed" in section(
        roster, "removed-heading"
    )

    back = press(client, roster, button="Re-admit Stella Student", page_url=roster_url)

    assert "Stella Student is back in the course as student, with their past work." in messages_of(
        back
    )
    assert "stella.student@example.edu" in section(back, "members-heading")
    assert membership_of(student, course).is_active


def test_roster_offers_no_readmission_of_someone_who_left(as_user, course, instructor, student):
    as_user(student).post(reverse("courses:leave", args=[course.pk]))

    roster = as_user(instructor).get(reverse("courses:roster", args=[course.pk]))
    refused = as_user(instructor).post(
        reverse("courses:member_readmit", args=[course.pk, membership_of(student, course).pk]),
        follow=True,
    )

    assert "Stella Student (stella.student@example.edu), student, left" in section(
        roster, "removed-heading"
    )
    assert "Re-admit Stella Student" not in section(roster, "removed-heading")
    assert "Stella Student left the course themselves" in " ".join(messages_of(refused))
    assert not membership_of(student, course).is_active


def test_invited_person_declines_on_my_courses(as_user, course, instructor, outsider):
    invitation_create(course=course, email=outsider.email, role=Role.STUDENT, invited_by=instructor)
    client = as_user(outsider)
    mine = client.get(reverse("courses:mine"))

    declined = press(
        client,
        mine,
        button="Decline invitation to Career Exploration",
        page_url=reverse("courses:mine"),
    )

    assert "You declined the invitation to CAR 101 Career Exploration." in messages_of(declined)
    assert "Invitations waiting for you" not in text_of(declined)
    assert not Membership.objects.filter(user=outsider).exists()
    roster = as_user(instructor).get(reverse("courses:roster", args=[course.pk]))
    assert outsider.email not in section(roster, "invited-heading")


def member_names(response) -> list[str]:
    """The names in the members table, top to bottom, as read (badges dropped)."""
    content = response.content.decode()
    members = re.search(r'aria-labelledby="members-heading".*?<tbody>(.*?)</tbody>', content, re.S)
    assert members, "no members table"
    cells = re.findall(r"<tr>\s*<td>(.*?)</td>", members.group(1), re.S)
    return [text_of(re.sub(r"<span class=\"badge.*?</span>", "", cell)) for cell in cells]


def roster_heading(response) -> str:
    match = re.search(r'<h2 id="members-heading"[^>]*>(.*?)</h2>', response.content.decode(), re.S)
    assert match, "no members heading"
    return text_of(match.group(1))


def roster_links(response, nav_label: str = "Roster pages") -> dict[str, str]:
    """The paging links as ``{visible text: href}``."""
    content = response.content.decode()
    nav = re.search(rf'<nav aria-label="{nav_label}".*?</nav>', content, re.S)
    assert nav, "no roster paging"
    return {
        text_of(text): html.unescape(href)
        for href, text in re.findall(r'<a [^>]*href="([^"]*)"[^>]*>(.*?)</a>', nav.group(0))
    }


def test_roster_page_two_shows_the_next_fifty_names_in_order(as_user, course, instructor):
    enrol_many(course, 120)

    first = as_user(instructor).get(reverse("courses:roster", args=[course.pk]))
    assert roster_heading(first) == "Members 1–50 of 124"
    assert member_names(first)[:5] == [
        "Aaron Assistant",
        "Carl Classmate",
        "Ines Instructor",
        "Stella Student",
        "Zoe Pupil 001",
    ]
    next_url = reverse("courses:roster", args=[course.pk]) + roster_links(first)["Next"]
    second = as_user(instructor).get(next_url)

    assert roster_heading(second) == "Members 51–100 of 124"
    assert member_names(second) == [f"Zoe Pupil {n:03}" for n in range(47, 97)]
    links = roster_links(second)
    assert set(links) == {"Previous", "Page 1", "Page 2", "Page 3", "Next"}
    assert 'aria-current="page"><span class="visually-hidden">Page </span>2<' in (
        second.content.decode()
    )


def test_roster_sorts_by_email_descending_from_the_header_link(as_user, course, instructor):
    enrol_many(course, 60)
    url = reverse("courses:roster", args=[course.pk])
    client = as_user(instructor)

    page = client.get(url, {"sort": "email"})
    assert member_names(page)[:2] == ["Aaron Assistant", "Carl Classmate"]
    assert '<th scope="col" aria-sort="ascending"><a href="?sort=email&amp;dir=desc">' in (
        page.content.decode()
    )
    descending = client.get(url, {"sort": "email", "dir": "desc"})

    assert member_names(descending)[:3] == ["Zoe Pupil 060", "Zoe Pupil 059", "Zoe Pupil 058"]
    assert 'aria-sort="descending"' in descending.content.decode()
    assert descending.content.decode().count("aria-sort=") == 1


def test_roster_search_and_paging_keep_each_other_in_the_url(as_user, course, instructor):
    enrol_many(course, 130)
    url = reverse("courses:roster", args=[course.pk])
    client = as_user(instructor)

    page = client.get(url, {"q": "pupil", "per": "100", "sort": "joined", "dir": "desc"})
    assert roster_heading(page) == "Members 1–100 of 130 matching “pupil”"
    next_link = roster_links(page)["Next"]
    assert next_link == "?q=pupil&per=100&sort=joined&dir=desc&page=2"
    second = client.get(url + next_link)

    assert roster_heading(second) == "Members 101–130 of 130 matching “pupil”"
    assert member_names(second)[0] == "Zoe Pupil 030"
    assert member_names(second)[-1] == "Zoe Pupil 001"
    # The search form carries the sort and page size along with a new search.
    form = re.search(r'<form method="get" role="search".*?</form>', second.content.decode(), re.S)
    assert '<option value="100" selected>' in form.group(0)
    assert 'name="sort" value="joined"' in form.group(0)
    assert 'name="dir" value="desc"' in form.group(0)


def test_roster_counts_the_whole_class_whatever_the_page_or_search(as_user, course, instructor):
    enrol_many(course, 75)
    invitation_create(
        course=course, email="newcomer@example.edu", role=Role.STUDENT, invited_by=instructor
    )

    response = as_user(instructor).get(
        reverse("courses:roster", args=[course.pk]), {"q": "stella", "page": "2"}
    )

    assert member_names(response) == ["Stella Student"]
    assert (
        "In the whole course: 77 students, 1 assistant, 1 instructor, 1 pending invitation."
        in text_of(response)
    )


@pytest.mark.parametrize(
    ("page", "heading"),
    [("99", "Members 51–64 of 64"), ("abc", "Members 1–50 of 64"), ("-1", "Members 51–64 of 64")],
)
def test_roster_junk_or_out_of_range_page_shows_a_real_page(
    as_user, course, instructor, page, heading
):
    enrol_many(course, 60)

    response = as_user(instructor).get(
        reverse("courses:roster", args=[course.pk]),
        {"page": page, "sort": "nonsense", "per": "7"},
    )

    assert response.status_code == 200
    assert roster_heading(response) == heading


def test_roster_queries_stay_flat_from_10_to_500_students(as_user, course, instructor):
    enrol_many(course, 10)
    Membership.objects.filter(user__email="z001@example.edu").update(removed_at=timezone.now())
    invitation_create(
        course=course, email="newcomer@example.edu", role=Role.STUDENT, invited_by=instructor
    )
    client = as_user(instructor)
    url = reverse("courses:roster", args=[course.pk])

    with CaptureQueriesContext(connection) as small:
        client.get(url)
    enrol_many(course, 490, start=11)
    with CaptureQueriesContext(connection) as large:
        response = client.get(url, {"page": "3"})

    assert roster_heading(response) == "Members 101–150 of 503"
    # Sign-in (session, user), the course and membership, the page count and rows, the muted
    # badges, the counts, invitations, removed members, and the header's unread notifications.
    assert len(small.captured_queries) <= 10
    assert len(large.captured_queries) == len(small.captured_queries)
