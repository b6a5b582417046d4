"""Shared fixtures: the named actors of every story, and service checks.

Actors: ``instructor`` teaches ``course`` with ``assistant``; ``student`` and ``classmate`` take
it; ``other_instructor`` teaches ``other_course`` (where ``other_student`` is enrolled);
``outsider`` belongs to no course.
"""

import os
import shutil
import socket
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.test import Client
from django.utils import timezone

from accounts.models import User
from courses.enrolment import course_create, member_enrol
from courses.models import Membership, Role

CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
PASSWORD = "correct-horse-battery-staple"


def require_service(name: str, available: bool) -> None:
    """Skip locally when a service is missing; on CI a missing service is a failure."""
    if available:
        return
    if CI:
        pytest.fail(f"{name} is required on CI but is not available.")
    pytest.skip(f"{name} is not available on this machine.")


def port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), 1):
            return True
    except OSError:
        return False


@pytest.fixture
def redis_url():
    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    require_service("Redis", port_open("127.0.0.1", 6379))
    return url


@pytest.fixture
def chromium_path():
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    require_service("Chromium", path is not None)
    return path


def make_user(email: str, name: str, time_zone: str = "UTC") -> User:
    user = User.objects.create_user(
        email=email, password=PASSWORD, full_name=name, time_zone=time_zone
    )
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


def enrol_many(course, count: int, *, start: int = 1) -> list[User]:
    """``count`` students "Zoe Pupil 001"… (z001@example.edu…), joined a minute apart, in a
    few bulk queries; they cannot sign in."""
    numbers = range(start, start + count)
    users = User.objects.bulk_create(
        User(email=f"z{n:03}@example.edu", full_name=f"Zoe Pupil {n:03}", password="!")
        for n in numbers
    )
    joined = timezone.now() - timedelta(days=1)
    Membership.objects.bulk_create(
        Membership(course=course, user=user, joined_at=joined + timedelta(minutes=n))
        for n, user in zip(numbers, users, strict=True)
    )
    return users


@pytest.fixture
def instructor(db):
    return make_user("ines.instructor@example.edu", "Ines Instructor", "America/New_York")


@pytest.fixture
def assistant(db):
    return make_user("aaron.assistant@example.edu", "Aaron Assistant", "America/Chicago")


@pytest.fixture
def student(db):
    return make_user("stella.student@example.edu", "Stella Student", "Europe/Berlin")


@pytest.fixture
def classmate(db):
    return make_user("carl.classmate@example.edu", "Carl Classmate", "Australia/Sydney")


@pytest.fixture
def other_instructor(db):
    return make_user("olga.other@example.edu", "Olga Other", "UTC")


@pytest.fixture
def other_student(db):
    return make_user("oscar.otherstudent@example.edu", "Oscar Otherstudent", "UTC")


@pytest.fixture
def outsider(db):
    return make_user("otto.outsider@example.edu", "Otto Outsider", "UTC")


@pytest.fixture
def course(instructor, assistant, student, classmate):
    course = course_create(
        creator=instructor,
        title="Career Exploration",
        code="CAR 101",
        term="Spring 2027",
        time_zone="America/New_York",
    )
    member_enrol(course=course, user=assistant, role=Role.ASSISTANT)
    member_enrol(course=course, user=student, role=Role.STUDENT)
    member_enrol(course=course, user=classmate, role=Role.STUDENT)
    return course


@pytest.fixture
def other_course(other_instructor, other_student):
    course = course_create(
        creator=other_instructor, title="Other Course", time_zone="Europe/Berlin"
    )
    member_enrol(course=course, user=other_student, role=Role.STUDENT)
    return course


def client_for(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def as_user():
    """``as_user(instructor)`` → a test client signed in as that person (None: anonymous)."""
    return client_for


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate limits and progress counters live in the cache; no test inherits another's."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
