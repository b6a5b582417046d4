"""The enrolment workflows of ``courses/enrolment.py``: codes, invitations, roles, removal."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from common.refused import Refused
from courses.editing import course_archive
from courses.enrolment import (
    course_create,
    course_join_by_code,
    invitation_accept,
    invitation_by_token,
    invitation_create,
    invitation_decline,
    invitation_problem,
    invitation_resend,
    member_change_role,
    member_enrol,
    member_leave,
    member_readmit,
    member_remove,
    pending_invitations_for,
)
from courses.models import Course, Invitation, Membership, Role, hash_token
from tests.factories import make_user


def membership_of(user, course) -> Membership:
    return Membership.objects.get(user=user, course=course)


# Creating a course and joining by code


def test_creator_becomes_the_only_instructor_of_a_new_course(outsider):
    course = course_create(creator=outsider, title="Networking 101", time_zone="Europe/Berlin")

    memberships = list(course.memberships.all())
    assert [(m.user, m.role, m.is_active) for m in memberships] == [
        (outsider, Role.INSTRUCTOR, True)
    ]
    assert course.created_by == outsider
    assert course.time_zone == "Europe/Berlin"
    assert course.join_enabled and not course.is_archived


@pytest.mark.parametrize(
    "typed",
    [
        lambda code: code,
        lambda code: code.lower(),
        lambda code: f"  {code[:4]} {code[4:]}  ",
        lambda code: f"{code[:4].lower()}-{code[4:]}",
    ],
    ids=["exact", "lower-case", "spaces", "dash"],
)
def test_outsider_joins_as_student_with_the_code_typed_loosely(course, outsider, typed):
    membership, created = course_join_by_code(user=outsider, code=typed(course.join_code))

    assert created is True
    assert membership.course == course
    assert membership.role == Role.STUDENT
    assert course.memberships.active().filter(user=outsider).exists()


def test_joining_again_keeps_the_existing_role(course, assistant):
    membership, created = course_join_by_code(user=assistant, code=course.join_code)

    assert created is False
    assert membership.role == Role.ASSISTANT


@pytest.mark.parametrize("code", ["WRONG123", "", "   ", "--"])
def test_wrong_code_is_refused_with_a_hint(course, outsider, code):
    with pytest.raises(Refused, match="No course has that code"):
        course_join_by_code(user=outsider, code=code)

    assert not Membership.objects.filter(user=outsider).exists()


def test_code_is_refused_when_joining_is_turned_off(course, outsider):
    course.set_joining(enabled=False)

    with pytest.raises(Refused, match="Joining this course by code is turned off"):
        course_join_by_code(user=outsider, code=course.join_code)

    assert not Membership.objects.filter(user=outsider).exists()


def test_archived_course_refuses_new_members_by_code(course, outsider):
    course_archive(course=course, by=course.created_by, now=timezone.now())

    with pytest.raises(Refused, match="archived and no longer takes new members"):
        course_join_by_code(user=outsider, code=course.join_code)

    assert not Membership.objects.filter(user=outsider).exists()


def test_old_code_stops_working_after_rotation(course, outsider):
    old_code = course.join_code
    new_code = course.rotate_join_code()

    assert new_code != old_code
    with pytest.raises(Refused, match="No course has that code"):
        course_join_by_code(user=outsider, code=old_code)
    membership, _ = course_join_by_code(user=outsider, code=new_code)
    assert membership.course == course


def test_student_removed_by_staff_cannot_rejoin_with_the_unchanged_code(course, student):
    member_remove(membership=membership_of(student, course))

    with pytest.raises(Refused, match="Ask your instructor for a new invitation"):
        course_join_by_code(user=student, code=course.join_code)

    assert not membership_of(student, course).is_active


def test_student_who_left_rejoins_with_the_code_and_gets_the_same_membership_back(course, student):
    original = membership_of(student, course)
    member_leave(membership=original)

    membership, created = course_join_by_code(user=student, code=course.join_code)

    assert created is True
    assert membership.pk == original.pk
    assert membership.is_active and not membership.left_by_choice
    assert Membership.objects.filter(user=student, course=course).count() == 1


def test_removed_student_comes_back_by_accepting_a_new_invitation(course, student, instructor):
    member_remove(membership=membership_of(student, course))
    sent = invitation_create(
        course=course, email=student.email, role=Role.STUDENT, invited_by=instructor
    )

    invitation_accept(invitation=sent.invitation, user=student)

    assert membership_of(student, course).is_active
    course_join_by_code(user=student, code=course.join_code)  # and the code works again


def test_removed_assistant_invited_back_as_student_returns_as_student(course, assistant):
    member_remove(membership=membership_of(assistant, course))

    membership, created = member_enrol(course=course, user=assistant, role=Role.STUDENT)

    assert created is True
    assert membership.role == Role.STUDENT
    assert membership.removed_at is None


# Invitations


def test_invitation_sends_one_email_with_the_accept_link(
    course, instructor, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        sent = invitation_create(
            course=course,
            email="  New.Person@Example.edu ",
            role=Role.STUDENT,
            invited_by=instructor,
            name="Nina New",
        )

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["new.person@example.edu"]
    assert "Career Exploration" in message.subject
    accept_url = settings.SITE_URL.rstrip("/") + reverse("courses:invitation", args=[sent.token])
    assert accept_url in message.body
    assert accept_url in message.alternatives[0][0]
    assert "Ines Instructor <ines.instructor@example.edu> has invited you" in message.body
    assert sent.invitation.email == "new.person@example.edu"
    assert sent.invitation.token_hash == hash_token(sent.token)  # the token itself is not kept


def test_invitation_email_is_not_sent_when_the_transaction_never_commits(
    course, instructor, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        invitation_create(
            course=course, email="new@example.edu", role=Role.STUDENT, invited_by=instructor
        )

    assert mail.outbox == []
    for callback in callbacks:  # the commit, at last: the email goes, once
        callback()
    assert [m.to for m in mail.outbox] == [["new@example.edu"]]


def test_archived_course_refuses_new_invitations(course, instructor):
    course_archive(course=course, by=course.created_by, now=timezone.now())

    with pytest.raises(Refused, match="archived"):
        invitation_create(
            course=course, email="new@example.edu", role=Role.STUDENT, invited_by=instructor
        )

    assert not Invitation.objects.exists()


def test_resending_revokes_the_old_link_and_mails_a_new_one(
    course, instructor, django_capture_on_commit_callbacks
):
    first = invitation_create(
        course=course, email="new@example.edu", role=Role.ASSISTANT, invited_by=instructor
    )

    with django_capture_on_commit_callbacks(execute=True):
        second = invitation_resend(invitation=first.invitation, by=instructor)

    first.invitation.refresh_from_db()
    assert first.invitation.status() == Invitation.Status.REVOKED
    assert invitation_problem(invitation_by_token(first.token)) == (
        "This invitation was withdrawn or replaced by a newer one. Use the latest email."
    )
    assert second.invitation.role == Role.ASSISTANT
    assert invitation_problem(invitation_by_token(second.token)) is None
    assert len(mail.outbox) == 1
    assert second.token in mail.outbox[0].body
    assert first.token not in mail.outbox[0].body


def test_revoked_invitation_email_still_queued_is_not_sent(
    course, instructor, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = invitation_create(
            course=course, email="new@example.edu", role=Role.STUDENT, invited_by=instructor
        )
        invitation_resend(invitation=first.invitation, by=instructor)

    # Both emails were queued, but the worker skips the one already replaced.
    assert len(mail.outbox) == 1
    assert first.token not in mail.outbox[0].body


def test_invited_person_accepts_once_and_the_link_then_stops_working(course, instructor):
    newcomer = make_user("nina.new@example.edu", "Nina New")
    sent = invitation_create(
        course=course, email="Nina.New@example.edu", role=Role.ASSISTANT, invited_by=instructor
    )

    membership = invitation_accept(invitation=sent.invitation, user=newcomer)

    assert membership.course == course
    assert membership.role == Role.ASSISTANT
    sent.invitation.refresh_from_db()
    assert sent.invitation.accepted_by == newcomer
    assert sent.invitation.status() == Invitation.Status.ACCEPTED
    with pytest.raises(Refused) as refused:
        invitation_accept(invitation=sent.invitation, user=newcomer)
    assert str(refused.value) == (
        "This invitation has already been used. If it was you, the course is in My courses."
    )


def test_invitation_can_be_accepted_with_a_verified_secondary_address(course, instructor, outsider):
    outsider.emailaddress_set.create(email="otto@home.example", verified=True, primary=False)
    sent = invitation_create(
        course=course, email="otto@home.example", role=Role.STUDENT, invited_by=instructor
    )

    membership = invitation_accept(invitation=sent.invitation, user=outsider)

    assert membership.user == outsider


def test_unverified_secondary_address_does_not_count_as_owning_the_invitation(
    course, instructor, outsider
):
    outsider.emailaddress_set.create(email="otto@home.example", verified=False, primary=False)
    sent = invitation_create(
        course=course, email="otto@home.example", role=Role.STUDENT, invited_by=instructor
    )

    with pytest.raises(Refused, match="was sent to otto@home.example"):
        invitation_accept(invitation=sent.invitation, user=outsider)

    assert not Membership.objects.filter(user=outsider).exists()


def test_expired_invitation_is_refused(course, instructor, outsider):
    now = timezone.now()
    sent = invitation_create(
        course=course, email=outsider.email, role=Role.STUDENT, invited_by=instructor, now=now
    )
    after_expiry = sent.invitation.expires_at + timedelta(seconds=1)

    with pytest.raises(Refused) as refused:
        invitation_accept(invitation=sent.invitation, user=outsider, now=after_expiry)

    assert str(refused.value) == (
        "This invitation has expired. Ask your instructor to send a new one."
    )
    assert not Membership.objects.filter(user=outsider).exists()


def test_invitation_is_valid_for_the_configured_number_of_days(
    course, instructor, outsider, time_machine
):
    time_machine.move_to("2027-01-10 09:00:00+00:00", tick=False)
    sent = invitation_create(
        course=course, email=outsider.email, role=Role.STUDENT, invited_by=instructor
    )

    time_machine.move_to(
        timezone.now() + timedelta(days=settings.INVITATION_VALID_DAYS, seconds=-1), tick=False
    )
    assert invitation_problem(sent.invitation) is None

    time_machine.move_to(timezone.now() + timedelta(seconds=1), tick=False)
    with pytest.raises(Refused, match="has expired"):
        invitation_accept(invitation=sent.invitation, user=outsider)


def test_signed_in_as_someone_else_cannot_accept(course, instructor, outsider, other_student):
    sent = invitation_create(
        course=course, email=outsider.email, role=Role.STUDENT, invited_by=instructor
    )

    with pytest.raises(Refused) as refused:
        invitation_accept(invitation=sent.invitation, user=other_student)

    assert str(refused.value) == (
        "This invitation was sent to otto.outsider@example.edu, but you are signed in as "
        "oscar.otherstudent@example.edu."
    )
    sent.invitation.refresh_from_db()
    assert sent.invitation.status() == Invitation.Status.PENDING
    assert not Membership.objects.filter(user=other_student, course=course).exists()


def test_invitation_to_a_course_archived_later_is_refused(course, instructor, outsider):
    sent = invitation_create(
        course=course, email=outsider.email, role=Role.STUDENT, invited_by=instructor
    )
    course_archive(course=course, by=course.created_by, now=timezone.now())

    with pytest.raises(Refused, match="archived"):
        invitation_accept(invitation=sent.invitation, user=outsider)


def test_unknown_token_is_explained(db):
    assert invitation_by_token("not-a-real-token") is None
    assert invitation_by_token("") is None
    assert invitation_problem(None) == (
        "This invitation link is not valid. Check that you copied the whole link."
    )


# Roles and removal


def test_instructor_promotes_an_assistant_to_instructor(course, assistant):
    membership = member_change_role(membership=membership_of(assistant, course), role="instructor")

    assert membership_of(assistant, course).role == Role.INSTRUCTOR
    assert membership.is_instructor


def test_unknown_role_is_refused(course, student):
    with pytest.raises(Refused, match="Choose instructor, assistant or student"):
        member_change_role(membership=membership_of(student, course), role="dean")

    assert membership_of(student, course).role == Role.STUDENT


def test_last_instructor_cannot_be_demoted(course, instructor):
    with pytest.raises(Refused) as refused:
        member_change_role(membership=membership_of(instructor, course), role=Role.ASSISTANT)

    assert str(refused.value) == (
        "A course needs at least one instructor. Make someone else an instructor first."
    )
    assert membership_of(instructor, course).role == Role.INSTRUCTOR


def test_last_instructor_cannot_be_removed(course, instructor):
    with pytest.raises(Refused, match="A course needs at least one instructor"):
        member_remove(membership=membership_of(instructor, course))

    assert membership_of(instructor, course).is_active


def test_instructor_can_step_down_once_someone_else_instructs(course, instructor, assistant):
    member_change_role(membership=membership_of(assistant, course), role=Role.INSTRUCTOR)

    member_change_role(membership=membership_of(instructor, course), role=Role.STUDENT)

    assert membership_of(instructor, course).role == Role.STUDENT
    assert list(course.memberships.instructors().values_list("user", flat=True)) == [assistant.pk]


def test_removed_instructor_does_not_count_as_the_other_instructor(course, instructor, assistant):
    member_change_role(membership=membership_of(assistant, course), role=Role.INSTRUCTOR)
    member_remove(membership=membership_of(assistant, course))

    with pytest.raises(Refused, match="at least one instructor"):
        member_remove(membership=membership_of(instructor, course))


def test_removal_keeps_the_membership_row_and_marks_it_removed(course, student):
    now = timezone.now()

    member_remove(membership=membership_of(student, course), now=now)

    membership = membership_of(student, course)
    assert membership.removed_at == now
    assert not membership.is_active
    assert student not in [m.user for m in course.memberships.active()]
    assert not Course.objects.with_member(student).exists()


def test_removed_member_cannot_be_given_a_new_role(course, student):
    member_remove(membership=membership_of(student, course))

    with pytest.raises(Refused, match="has been removed"):
        member_change_role(membership=membership_of(student, course), role=Role.ASSISTANT)


def test_invitation_expiry_counts_from_the_given_now(course, instructor, outsider):
    sent_at = timezone.now() - timedelta(days=settings.INVITATION_VALID_DAYS + 1)

    sent = invitation_create(
        course=course, email=outsider.email, role=Role.STUDENT, invited_by=instructor, now=sent_at
    )

    assert sent.invitation.expires_at == sent_at + timedelta(days=settings.INVITATION_VALID_DAYS)
    assert invitation_problem(sent.invitation) == (
        "This invitation has expired. Ask your instructor to send a new one."
    )


# Invitations waiting on My courses


def invite(course, email, by):
    sent = invitation_create(course=course, email=email, role=Role.STUDENT, invited_by=by)
    return sent.invitation


def test_waiting_invitations_include_verified_addresses_only(course, instructor, outsider):
    outsider.emailaddress_set.create(email="otto@home.example", verified=True)
    outsider.emailaddress_set.create(email="otto@old.example", verified=False)
    to_login = invite(course, "Otto.Outsider@example.edu", instructor)
    to_home = invite(course, "otto@home.example", instructor)
    invite(course, "otto@old.example", instructor)

    assert set(pending_invitations_for(outsider)) == {to_login, to_home}


def test_waiting_invitations_leave_out_courses_one_is_already_in(course, instructor, student):
    invite(course, student.email, instructor)

    assert list(pending_invitations_for(student)) == []


def test_waiting_invitations_include_a_course_one_was_removed_from(course, instructor, student):
    member_remove(membership=membership_of(student, course))
    invitation = invite(course, student.email, instructor)

    assert list(pending_invitations_for(student)) == [invitation]


def test_waiting_invitations_leave_out_archived_courses(course, instructor, outsider):
    invite(course, outsider.email, instructor)
    course_archive(course=course, by=course.created_by, now=timezone.now())

    assert list(pending_invitations_for(outsider)) == []


def test_resending_an_accepted_invitation_is_refused(course, instructor, outsider):
    sent = invitation_create(
        course=course, email=outsider.email, role=Role.STUDENT, invited_by=instructor
    )
    invitation_accept(invitation=sent.invitation, user=outsider)

    with pytest.raises(Refused, match="already accepted"):
        invitation_resend(invitation=Invitation.objects.get(pk=sent.invitation.pk), by=instructor)


def test_withdrawing_an_accepted_invitation_is_refused_and_keeps_the_member(
    as_user, course, instructor, outsider
):
    sent = invitation_create(
        course=course, email=outsider.email, role=Role.STUDENT, invited_by=instructor
    )
    invitation_accept(invitation=sent.invitation, user=outsider)

    response = as_user(instructor).post(
        reverse("courses:invitation_revoke", args=[course.pk, sent.invitation.pk]), follow=True
    )

    assert "already accepted this invitation" in response.content.decode()
    assert Invitation.objects.get(pk=sent.invitation.pk).revoked_at is None
    assert membership_of(outsider, course).is_active


# Leaving, re-admission and declining


def test_student_leaves_and_their_membership_is_kept_as_left(course, student):
    membership = member_leave(membership=membership_of(student, course))

    assert membership.removed_at is not None and membership.left_by_choice
    assert not course.memberships.active().filter(user=student).exists()


def test_the_only_instructor_cannot_leave(course, instructor):
    with pytest.raises(Refused, match="at least one instructor"):
        member_leave(membership=membership_of(instructor, course))

    assert membership_of(instructor, course).is_active


def test_instructor_readmits_a_removed_assistant_in_their_former_role(course, assistant):
    member_remove(membership=membership_of(assistant, course))

    member_readmit(membership=membership_of(assistant, course))

    membership = membership_of(assistant, course)
    assert (membership.is_active, membership.role) == (True, Role.ASSISTANT)


def test_someone_who_left_is_not_readmitted_without_their_consent(course, student):
    member_leave(membership=membership_of(student, course))

    with pytest.raises(Refused, match="left the course themselves"):
        member_readmit(membership=membership_of(student, course))

    assert not membership_of(student, course).is_active


def test_declined_invitation_stops_working_and_leaves_the_waiting_list(
    course, instructor, outsider
):
    invitation = invite(course, outsider.email, instructor)

    invitation_decline(invitation=invitation, user=outsider)

    assert list(pending_invitations_for(outsider)) == []
    assert invitation_problem(Invitation.objects.get(pk=invitation.pk)) is not None
    assert not Membership.objects.filter(user=outsider).exists()


def test_only_the_invited_person_can_decline(course, instructor, outsider, other_student):
    invitation = invite(course, outsider.email, instructor)

    with pytest.raises(Refused, match="not to you"):
        invitation_decline(invitation=invitation, user=other_student)

    assert list(pending_invitations_for(outsider)) == [invitation]
