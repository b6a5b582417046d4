"""LTI 1.3 launches from a real platform (lti1p3platform on loopback) through the test client:
what a person gets, and every launch that must be refused."""

import html
import logging
import re

import jwt
import pytest
from django.urls import reverse

from accounts.models import User
from courses.enrolment import member_remove
from courses.models import Membership, Role
from lti.models import CourseLink
from tests.factories import PASSWORD, make_assignment, make_user
from tests.lti.conftest import launch, login_step
from tests.lti.platform import rsa_pem
from tests.pages import text_of

REFUSAL = "This launch could not be verified"


def post_token(client, id_token, state):
    return client.post(reverse("lti:launch"), {"id_token": id_token, "state": state})


def assert_refused(response, caplog, reason: str, status: int = 403):
    assert response.status_code == status
    assert REFUSAL in response.content.decode()
    logged = [r.getMessage() for r in caplog.records if r.name == "lti.views"]
    assert any("LTI launch refused" in m and reason in m for m in logged), logged


def test_instructor_launch_creates_the_course_and_signs_them_in(client, platform):
    response = launch(client, platform, "ines")

    link = CourseLink.objects.select_related("course").get()
    assert link.course.title == "Career Lab"
    assert link.context.id_on_platform == "ctx-42"
    assert link.context.deployment.deployment_id == "deployment-1"
    assert response.status_code == 302
    assert response.url == reverse("courses:detail", kwargs={"course_id": link.course.pk})
    page = client.get(response.url)
    assert page.status_code == 200
    assert "Career Lab" in page.content.decode()
    user = page.wsgi_request.user
    assert user.full_name == "Ines Instructor"
    assert user.lti_users.get().sub == "lms-ines"
    assert Membership.objects.get(course=link.course, user=user).role == Role.INSTRUCTOR


def test_student_and_assistant_join_the_linked_course_with_their_roles(client, platform):
    launch(client, platform, "ines")
    course = CourseLink.objects.get().course

    response = launch(client, platform, "sam")
    assert response.url == reverse("interviews:assignment_list", kwargs={"course_id": course.pk})
    assert client.get(response.url).status_code == 200
    launch(client, platform, "tara")

    roles = dict(Membership.objects.filter(course=course).values_list("user__full_name", "role"))
    assert roles == {
        "Ines Instructor": Role.INSTRUCTOR, "Sam Student": Role.STUDENT,
        "Tara Assistant": Role.ASSISTANT,
    }  # fmt: skip


def test_a_second_launch_finds_the_same_person_and_course(client, platform):
    launch(client, platform, "ines")
    launch(client, platform, "ines")
    assert User.objects.filter(full_name="Ines Instructor").count() == 1
    assert CourseLink.objects.count() == 1


def test_launch_never_links_an_account_by_email_alone(client, platform):
    User.objects.create_user(email="ines@lms.example.edu", full_name="Real Owner")

    asked = launch(client, platform, "ines")

    assert asked.status_code == 200
    page = text_of(asked)
    assert "You already have a Rapport account" in page
    assert "Loopback LMS says your address is ines@lms.example.edu" in page
    assert "_auth_user_id" not in client.session  # nobody is signed in on the LMS's word
    assert not Membership.objects.exists()
    assert User.objects.count() == 1


def test_the_owner_signs_in_and_links_the_account_the_lms_named(client, platform):
    owner = make_user("ines@lms.example.edu", "Real Owner")
    asked = launch(client, platform, "ines")
    login_url = re.search(r'href="([^"]+)">Sign in to link', asked.content.decode()).group(1)

    signed_in = client.post(
        html.unescape(login_url), {"login": "ines@lms.example.edu", "password": PASSWORD}
    )
    assert signed_in.url == reverse("lti:link_account")
    confirm = client.get(signed_in.url)
    assert "Link Loopback LMS to this account" in text_of(confirm)
    linked = client.post(reverse("lti:link_account"))

    course = CourseLink.objects.get().course
    assert linked.url == reverse("courses:detail", kwargs={"course_id": course.pk})
    assert owner.lti_users.get().sub == "lms-ines"
    assert Membership.objects.get(course=course, user=owner).role == Role.INSTRUCTOR
    client.logout()
    launch(client, platform, "ines")  # from now on the LMS opens the owner's account
    assert client.get(reverse("courses:mine")).wsgi_request.user == owner
    assert User.objects.count() == 1


def test_someone_signed_in_to_another_account_cannot_take_the_link(client, platform):
    User.objects.create_user(email="ines@lms.example.edu", full_name="Real Owner")
    other = User.objects.create_user(email="other@example.edu", full_name="Other Person")
    launch(client, platform, "ines")
    client.force_login(other)  # the session keeps the waiting launch

    refused = client.post(reverse("lti:link_account"))

    assert refused.status_code == 403
    assert "but your LMS names ines@lms.example.edu" in text_of(refused)
    assert not other.lti_users.exists() and not Membership.objects.exists()


def test_a_separate_account_has_no_address_and_its_reminders_reach_the_inbox(client, platform):
    owner = User.objects.create_user(email="ines@lms.example.edu", full_name="Real Owner")
    launch(client, platform, "ines")

    chosen = client.post(reverse("lti:link_separate"))

    signed_in = client.get(chosen.url).wsgi_request.user
    assert signed_in != owner and signed_in.full_name == "Ines Instructor"
    assert signed_in.email.endswith("@lti.invalid") and not signed_in.can_receive_email
    assert not Membership.objects.filter(user=owner).exists()
    assert client.post(reverse("lti:link_separate")).status_code == 403  # used once


def test_learner_before_the_course_is_linked_is_told_to_wait(client, platform, caplog):
    response = launch(client, platform, "sam")
    assert_refused(response, caplog, "not linked to Rapport yet")
    assert "Your instructor opens Rapport from the course once" in response.content.decode()


def test_launch_to_a_linked_assignment_opens_it(client, platform, instructor):
    launch(client, platform, "ines")
    course = CourseLink.objects.get().course
    assignment = make_assignment(course, title="Three interviews")
    platform.custom = {"rapport_assignment": str(assignment.pk)}

    response = launch(client, platform, "ines")

    assert response.url == reverse(
        "interviews:assignment_detail",
        kwargs={"course_id": course.pk, "assignment_id": assignment.pk},
    )


# Refusals ----------------------------------------------------------------------------------


def test_replayed_id_token_is_refused(client, platform, caplog):
    auth = login_step(client, platform, "ines")
    answer = platform.answer(auth)
    assert post_token(client, answer["id_token"], answer["state"]).status_code == 302

    again = post_token(client, answer["id_token"], answer["state"])

    assert_refused(again, caplog, "nonce already used")


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"aud": "someone-else"}, "Registration not found"),
        ({"aud": ["rapport-client", "other"], "azp": None}, "azp"),
        ({"azp": "other"}, "azp"),
        ({"exp": 1_000_000_000}, "Signature has expired"),
        ({"https://purl.imsglobal.org/spec/lti/claim/deployment_id": "unknown"}, "deployment"),
        ({"iss": "https://evil.example"}, "Registration not found"),
        ({"https://purl.imsglobal.org/spec/lti/claim/version": "1.1"}, "version"),
        ({"https://purl.imsglobal.org/spec/lti/claim/message_type": "Nope"}, "message type"),
    ],
    ids=["wrong-aud", "aud-list-without-azp", "wrong-azp", "expired", "unknown-deployment",
         "unknown-issuer", "wrong-version", "wrong-message-type"],
)  # fmt: skip
def test_token_with_a_bad_claim_is_refused(client, platform, caplog, change, reason):
    auth = login_step(client, platform, "ines")
    claims = {**platform.claims_for(auth), **change}
    claims = {name: value for name, value in claims.items() if value is not None}

    response = post_token(client, platform.sign(claims), auth["state"])

    assert_refused(response, caplog, reason)
    assert not User.objects.filter(full_name="Ines Instructor").exists()


def test_unsigned_alg_none_token_is_refused(client, platform, caplog):
    auth = login_step(client, platform, "ines")
    kid = platform.registration().get_kid()
    token = jwt.encode(platform.claims_for(auth), None, algorithm="none", headers={"kid": kid})

    assert_refused(post_token(client, token, auth["state"]), caplog, "algorithm 'none'")
    unsigned = token.rsplit(".", 1)[0]  # header.payload, no signature part at all
    assert_refused(post_token(client, unsigned, auth["state"]), caplog, "3 parts")


def test_token_signed_by_another_key_is_refused(client, platform, caplog):
    auth = login_step(client, platform, "ines")
    claims = platform.claims_for(auth)
    other = rsa_pem()

    same_kid = platform.sign(claims, private_key=other)  # claims the platform's key id
    assert_refused(post_token(client, same_kid, auth["state"]), caplog, "Signature verification")
    own_kid = platform.sign(claims, private_key=other, kid="attacker-key")
    assert_refused(post_token(client, own_kid, auth["state"]), caplog, "Unable to find public key")


def test_bad_state_is_refused(client, platform, caplog):
    auth = login_step(client, platform, "ines")
    answer = platform.answer(auth)

    response = post_token(client, answer["id_token"], "state-forged")

    assert_refused(response, caplog, "State not found")


def test_launch_without_the_login_cookie_is_refused(platform, caplog):
    from django.test import Client

    auth = login_step(Client(), platform, "ines")  # another browser started the login
    answer = platform.answer(auth)

    assert_refused(post_token(Client(), answer["id_token"], answer["state"]), caplog, "State")


def test_login_initiation_from_an_unknown_platform_is_refused(client, platform, caplog):
    response = client.get(
        reverse("lti:login"),
        {"iss": "https://evil.example", "login_hint": "x", "target_link_uri": "http://x/"},
    )
    assert_refused(response, caplog, "Could not find registration", status=400)
    assert_refused(client.get(reverse("lti:login")), caplog, "without iss", status=400)


def test_refusals_are_logged_at_warning(client, platform, caplog):
    caplog.set_level(logging.WARNING, logger="lti.views")
    post_token(client, "a.b.c", "state-x")
    assert any(r.levelno == logging.WARNING for r in caplog.records if r.name == "lti.views")


def test_platform_key_rotation_breaks_no_launch(client, platform):
    launch(client, platform, "ines")  # Rapport now has the platform's JWKS cached
    platform.private_key = rsa_pem()  # the LMS rotates its signing key

    response = launch(client, platform, "ines")

    assert response.status_code == 302
    assert response.url.startswith("/courses/")


def test_person_removed_by_staff_is_not_brought_back_by_the_lms(client, platform, caplog):
    launch(client, platform, "ines")
    launch(client, platform, "sam")
    course = CourseLink.objects.get().course
    membership = Membership.objects.get(course=course, user__full_name="Sam Student")
    member_remove(membership=membership)

    response = launch(client, platform, "sam")

    assert_refused(response, caplog, "removed from this course")
    membership.refresh_from_db()
    assert not membership.is_active


def test_disabled_account_is_refused(client, platform, caplog):
    launch(client, platform, "ines")
    User.objects.filter(full_name="Ines Instructor").update(is_active=False)

    assert_refused(launch(client, platform, "ines"), caplog, "disabled")
