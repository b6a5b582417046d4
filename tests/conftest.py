"""Shared fixtures: the named actors of every story, the assignment they work on, and service
checks. What they are made of is built by tests/factories.py.

Actors: ``instructor`` teaches ``course`` with ``assistant``; ``student`` and ``classmate`` take
it; ``other_instructor`` teaches ``other_course`` (where ``other_student`` is enrolled);
``outsider`` belongs to no course. ``assignment`` is the course's; a test module that needs
another kind marks it (see the fixture).
"""

import inspect
import os
import shutil
import socket

import pytest
from django.test import Client

from courses.models import Role
from tests.factories import enrol, make_assignment, make_course, make_user

CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


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
    course = make_course(
        instructor, code="CAR 101", term="Spring 2027", time_zone="America/New_York"
    )
    enrol(course, assistant, Role.ASSISTANT)
    enrol(course, student)
    enrol(course, classmate)
    return course


@pytest.fixture
def other_course(other_instructor, other_student):
    course = make_course(other_instructor, title="Other Course", time_zone="Europe/Berlin")
    enrol(course, other_student)
    return course


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "assignment(build=make_assignment, **fields): how this module, class or test's "
        "`assignment` fixture is built",
    )


@pytest.fixture
def assignment(request, course):
    """The assignment the story is about: ``make_assignment(course)`` (tests/factories.py),
    published, due in March 2027.

    A module, class or test that needs another says how, once, with a marker instead of its own
    fixture: ``pytestmark = pytest.mark.assignment(title="Meet a nurse")`` passes fields, and
    ``pytest.mark.assignment(build=make_open_assignment)`` another builder, called as
    ``build(course, **fields)``. A builder's keyword-only parameters without a default are
    fixtures, set up before it runs (``def handed_in(course, *, student)``).
    """
    marker = request.node.get_closest_marker("assignment")
    fields = dict(marker.kwargs) if marker else {}
    build = fields.pop("build", make_assignment)
    for name, parameter in inspect.signature(build).parameters.items():
        if parameter.kind is parameter.KEYWORD_ONLY and parameter.default is parameter.empty:
            fields.setdefault(name, request.getfixturevalue(name))
    return build(course, **fields)


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
