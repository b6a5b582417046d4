"""Wrong join codes are throttled per account and per address (``courses/join_limits.py``),
as a person meets it on the join page; and a member the staff removed cannot walk back in."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from courses.enrolment import member_leave, member_remove
from courses.models import Membership
from tests.html_forms import press
from tests.pages import field_block, messages_of, text_of

JOIN = reverse("courses:join")
LIMIT_MESSAGE = "Too many wrong join codes. Wait 15 minutes"


@pytest.fixture(autouse=True)
def _limits(settings):
    settings.JOIN_CODE_FAILURES_PER_USER = 10
    settings.JOIN_CODE_FAILURES_PER_IP = 50
    settings.JOIN_CODE_FAILURE_WINDOW_MINUTES = 15


def type_code(client, code: str, *, ip: str = "203.0.113.7"):
    """Open the join page and press "Join course" with ``code`` typed in, from ``ip``."""
    page = client.get(JOIN, REMOTE_ADDR=ip)
    changes = {"code": code}
    return press(client, page, button="Join course", page_url=JOIN, changes=changes, REMOTE_ADDR=ip)


def test_after_ten_wrong_codes_even_the_right_code_is_refused_for_a_while(
    as_user, course, outsider
):
    client = as_user(outsider)
    for attempt in range(10):
        answer = type_code(client, f"WRONG{attempt:03d}")
        assert "No course has that code" in text_of(field_block(answer, "code"))

    answer = type_code(client, course.join_code)

    assert LIMIT_MESSAGE in text_of(field_block(answer, "code"))
    assert not Membership.objects.filter(user=outsider).exists()


def test_the_right_code_works_again_once_the_window_has_passed(
    as_user, course, outsider, time_machine
):
    time_machine.move_to(timezone.now(), tick=False)
    client = as_user(outsider)
    for attempt in range(10):
        type_code(client, f"WRONG{attempt:03d}")

    time_machine.shift(timedelta(minutes=16))
    answer = type_code(client, course.join_code)

    assert "You joined CAR 101 Career Exploration." in messages_of(answer)
    assert Membership.objects.get(user=outsider, course=course).is_active


def test_wrong_codes_from_one_address_are_limited_across_accounts(
    as_user, settings, course, outsider, other_student
):
    settings.JOIN_CODE_FAILURES_PER_IP = 4
    for attempt in range(4):
        type_code(as_user(other_student), f"WRONG{attempt:03d}", ip="198.51.100.9")

    from_same_address = type_code(as_user(outsider), course.join_code, ip="198.51.100.9")
    from_elsewhere = type_code(as_user(outsider), course.join_code, ip="192.0.2.44")

    assert LIMIT_MESSAGE in text_of(field_block(from_same_address, "code"))
    assert "You joined CAR 101 Career Exploration." in messages_of(from_elsewhere)


def test_addresses_of_one_ipv6_network_count_together(
    as_user, settings, course, outsider, other_student
):
    settings.JOIN_CODE_FAILURES_PER_IP = 2
    type_code(as_user(other_student), "WRONG001", ip="2001:db8:1:2::10")
    type_code(as_user(other_student), "WRONG002", ip="2001:db8:1:2::11")

    answer = type_code(as_user(outsider), course.join_code, ip="2001:db8:1:2:ffff::1")

    assert LIMIT_MESSAGE in text_of(field_block(answer, "code"))


def test_right_codes_are_never_counted(as_user, course, student):
    client = as_user(student)
    for _ in range(12):
        answer = type_code(client, course.join_code)

    assert "You are already in CAR 101 Career Exploration." in messages_of(answer)


def test_student_removed_by_staff_is_told_to_ask_for_a_new_invitation(as_user, course, student):
    member_remove(membership=course.memberships.get(user=student))

    answer = type_code(as_user(student), course.join_code)

    assert (
        "You were removed from CAR 101 Career Exploration by its staff, so its join code no "
        "longer lets you in. Ask your instructor for a new invitation."
    ) in text_of(field_block(answer, "code"))
    assert not course.memberships.active().filter(user=student).exists()


def test_student_who_left_rejoins_with_the_code(as_user, course, student):
    member_leave(membership=course.memberships.get(user=student))

    answer = type_code(as_user(student), course.join_code)

    assert "You joined CAR 101 Career Exploration." in messages_of(answer)
    assert course.memberships.active().filter(user=student).exists()
