"""Who may open which page: every URL of the project, walked automatically, for every actor.

The expectations table below must name every project URL pattern; a new view without an entry
fails ``test_every_project_url_has_expectations``, so nothing escapes the walk. Third-party routes
(Django's admin, allauth's accounts pages) are left to their own test suites.

Each case gets a fresh database: ``course`` (instructor, assistant, student, classmate) and
``other_course`` (other_instructor, other_student), an invitation of ``outsider`` into ``course``
and a roster import waiting in ``course``.
"""

from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accounts.models import User
from courses.enrolment import invitation_create
from courses.models import Course, Invitation, Membership, Role, RosterImport
from courses.roster import roster_import_create

THIRD_PARTY_MODULES = ("django.contrib.", "allauth.")
THIRD_PARTY_NAMESPACES = ("admin",)  # the admin's own redirects use django.views.generic


@dataclass(frozen=True)
class Route:
    name: str  # "namespace:name", as passed to reverse()
    route: str
    params: tuple[str, ...]
    module: str


def _view_module(callback) -> str:
    view_class = getattr(callback, "view_class", None)
    return (view_class or callback).__module__


def _walk(patterns, prefix="", namespace=None, params=()):
    for pattern in patterns:
        found = tuple(pattern.pattern.regex.groupindex)
        if isinstance(pattern, URLResolver):
            inner = namespace
            if pattern.namespace:
                inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from _walk(
                pattern.url_patterns, prefix + str(pattern.pattern), inner, params + found
            )
        elif isinstance(pattern, URLPattern):
            route = prefix + str(pattern.pattern)
            local = pattern.name or f"<unnamed {route}>"
            yield Route(
                name=f"{namespace}:{local}" if namespace else local,
                route=route,
                params=params + found,
                module=_view_module(pattern.callback),
            )


def is_third_party(route: Route) -> bool:
    return route.module.startswith(THIRD_PARTY_MODULES) or route.name.startswith(
        tuple(f"{ns}:" for ns in THIRD_PARTY_NAMESPACES)
    )


ALL_ROUTES = list(_walk(get_resolver().url_patterns))
ROUTES = [route for route in ALL_ROUTES if not is_third_party(route)]

# Expectations ------------------------------------------------------------------------------

ACTORS = (
    "anonymous",
    "outsider",
    "student",
    "classmate",
    "assistant",
    "instructor",
    "other_instructor",
)
LOGIN = "login"  # a redirect to the sign-in page that comes back here
REFUSED = {LOGIN, 403, 404, 405}


def everyone(status) -> dict:
    return dict.fromkeys(ACTORS, status)


def signed_in(status, **overrides) -> dict:
    """Anonymous visitors are sent to sign in; everyone signed in gets ``status``."""
    return {**everyone(status), "anonymous": LOGIN, **overrides}


def course_page(*, student, assistant, instructor) -> dict:
    """Outsiders and other courses' staff get 404: a course's existence is not revealed."""
    return {
        "anonymous": LOGIN,
        "outsider": 404,
        "other_instructor": 404,
        "student": student,
        "classmate": student,
        "assistant": assistant,
        "instructor": instructor,
    }


def member_page(status) -> dict:
    return course_page(student=status, assistant=status, instructor=status)


def staff_page(status) -> dict:
    return course_page(student=403, assistant=status, instructor=status)


def instructor_page(status) -> dict:
    return course_page(student=403, assistant=403, instructor=status)


POST_ONLY = signed_in(405)  # login_required wraps require_POST, so anonymous still signs in

EXPECTED: dict[str, dict[str, dict]] = {
    "healthz": {"GET": everyone(200), "POST": everyone(405)},
    "accounts:profile": {"GET": signed_in(200), "POST": signed_in(302)},
    "courses:home": {"GET": signed_in(302, anonymous=200), "POST": signed_in(302, anonymous=200)},
    "courses:mine": {"GET": signed_in(200), "POST": signed_in(200)},
    "courses:create": {"GET": signed_in(200), "POST": signed_in(302)},
    "courses:detail": {"GET": member_page(200), "POST": member_page(200)},
    "courses:roster": {"GET": staff_page(200), "POST": staff_page(200)},
    "courses:invite": {"GET": instructor_page(200), "POST": instructor_page(302)},
    "courses:roster_import_upload": {"GET": instructor_page(200), "POST": instructor_page(302)},
    "courses:roster_import": {"GET": instructor_page(200), "POST": instructor_page(302)},
    "courses:roster_import_progress": {
        "GET": instructor_page(200),
        "POST": instructor_page(200),
    },
    "courses:member_role": {"GET": POST_ONLY, "POST": instructor_page(302)},
    "courses:member_remove": {"GET": instructor_page(200), "POST": instructor_page(302)},
    "courses:invitation_resend": {"GET": POST_ONLY, "POST": instructor_page(302)},
    "courses:invitation_revoke": {"GET": POST_ONLY, "POST": instructor_page(302)},
    "courses:settings": {"GET": instructor_page(200), "POST": instructor_page(302)},
    "courses:joining": {"GET": POST_ONLY, "POST": instructor_page(302)},
    "courses:archive": {"GET": POST_ONLY, "POST": instructor_page(302)},
    "courses:join": {"GET": signed_in(200), "POST": signed_in(302)},
    "courses:join_link": {"GET": signed_in(302), "POST": signed_in(302)},
    # The invitation is for outsider's address: anyone may read it, only outsider accepts.
    "courses:invitation": {"GET": everyone(200), "POST": {**everyone(200), "outsider": 302}},
    "courses:invitation_switch_account": {"GET": everyone(405), "POST": everyone(302)},
    "courses:invitation_accept_mine": {"GET": POST_ONLY, "POST": signed_in(404, outsider=302)},
}

# Who changes something by POSTing (with POST_DATA); every other POST must change nothing.
SIGNED_IN = set(ACTORS) - {"anonymous"}
EFFECTIVE_POSTS: dict[str, set[str]] = {
    "accounts:profile": SIGNED_IN,
    "courses:create": SIGNED_IN,
    "courses:invite": {"instructor"},
    "courses:roster_import_upload": {"instructor"},
    "courses:roster_import": {"instructor"},
    "courses:member_role": {"instructor"},
    "courses:member_remove": {"instructor"},
    "courses:invitation_resend": {"instructor"},
    "courses:invitation_revoke": {"instructor"},
    "courses:settings": {"instructor"},
    "courses:joining": {"instructor"},
    "courses:archive": {"instructor"},
    "courses:join": {"outsider", "other_instructor"},  # members are already in
    "courses:invitation": {"outsider"},
    "courses:invitation_accept_mine": {"outsider"},
}

POST_DATA = {
    "accounts:profile": lambda fx: {"full_name": "Renamed Person", "time_zone": "Asia/Tokyo"},
    "courses:create": lambda fx: {"title": "A new course", "time_zone": "UTC"},
    "courses:invite": lambda fx: {"emails": "newcomer@example.edu", "role": "student"},
    "courses:roster_import_upload": lambda fx: {
        "file": SimpleUploadedFile("roster.csv", b"name,email\nNew Person,new@example.edu\n")
    },
    "courses:member_role": lambda fx: {"role": "assistant"},
    "courses:settings": lambda fx: {"title": "Renamed course", "time_zone": "UTC"},
    "courses:joining": lambda fx: {"action": "rotate"},
    "courses:archive": lambda fx: {"action": "archive"},
    "courses:join": lambda fx: {"code": fx("course").join_code},
}


# What fills each URL parameter, from the named fixtures.
KWARGS = {
    "course_id": lambda fx: fx("course").pk,
    "membership_id": lambda fx: Membership.objects.get(course=fx("course"), user=fx("student")).pk,
    "invitation_id": lambda fx: fx("pending_invitation").invitation.pk,
    "import_id": lambda fx: fx("roster_import").pk,
    "code": lambda fx: fx("course").join_code,
    "token": lambda fx: fx("pending_invitation").token,
}

# The same objects in the other course, for the cross-course (IDOR) cases.
OTHER_COURSE_KWARGS = {
    "membership_id": lambda fx: (
        Membership.objects.get(course=fx("other_course"), user=fx("other_student")).pk
    ),
    "invitation_id": lambda fx: fx("other_pending_invitation").invitation.pk,
    "import_id": lambda fx: fx("other_roster_import").pk,
}


# Fixtures ----------------------------------------------------------------------------------


def small_roster():
    return SimpleUploadedFile("roster.csv", b"name,email\nAda Lovelace,ada@example.edu\n")


@pytest.fixture
def pending_invitation(course, instructor, outsider):
    return invitation_create(
        course=course, email=outsider.email, role=Role.STUDENT, invited_by=instructor
    )


@pytest.fixture
def roster_import(course, instructor):
    return roster_import_create(course=course, uploaded_by=instructor, upload=small_roster())


@pytest.fixture
def other_pending_invitation(other_course, other_instructor):
    return invitation_create(
        course=other_course,
        email="someone@example.edu",
        role=Role.STUDENT,
        invited_by=other_instructor,
    )


@pytest.fixture
def other_roster_import(other_course, other_instructor):
    return roster_import_create(
        course=other_course, uploaded_by=other_instructor, upload=small_roster()
    )


def state_of_everything():
    """Every row a request could change, to prove that refused requests change nothing."""
    return (
        list(Course.objects.order_by("pk").values_list()),
        list(Membership.objects.order_by("pk").values_list()),
        list(Invitation.objects.order_by("pk").values_list()),
        list(RosterImport.objects.order_by("pk").values_list("pk", "state", "rows")),
        list(User.objects.order_by("pk").values_list("pk", "email", "full_name", "time_zone")),
    )


def build_kwargs(route: Route, fx) -> dict:
    missing = [param for param in route.params if param not in KWARGS]
    if missing:
        pytest.fail(f"{route.name}: add a builder for URL parameter(s) {missing} to KWARGS")
    return {param: KWARGS[param](fx) for param in route.params}


def send(client, method: str, url: str, data: dict | None):
    if method == "GET":
        return client.get(url)
    return client.post(url, data or {})


def assert_status(response, expected, url: str) -> None:
    if expected == LOGIN:
        assert response.status_code == 302, response
        target = urlsplit(response.url)
        assert target.path == reverse("account_login")
        assert parse_qs(target.query)["next"] == [url]
    else:
        assert response.status_code == expected, (
            f"expected {expected}, got {response.status_code} {response.get('Location', '')}"
        )


# The walk ----------------------------------------------------------------------------------


def test_every_project_url_has_expectations():
    names = [route.name for route in ROUTES]
    missing = sorted(set(names) - set(EXPECTED))
    stale = sorted(set(EXPECTED) - set(names))
    assert not missing, f"URL patterns without an entry in EXPECTED: {missing}"
    assert not stale, f"EXPECTED names URL patterns that no longer exist: {stale}"
    assert len(names) == len(set(names)), "two project URL patterns share a name"
    for name, methods in EXPECTED.items():
        assert set(methods) == {"GET", "POST"}, name
        for method, statuses in methods.items():
            assert set(statuses) == set(ACTORS), f"{name} {method} must list every actor"
    unknown_params = {p for route in ROUTES for p in route.params} - set(KWARGS)
    assert not unknown_params, f"add builders to KWARGS for {unknown_params}"
    assert set(EFFECTIVE_POSTS) <= set(EXPECTED)
    assert set(POST_DATA) <= set(EXPECTED)


def test_walk_finds_project_routes_and_leaves_out_only_third_party_ones():
    names = {route.name for route in ROUTES}
    assert {"healthz", "accounts:profile", "courses:detail", "courses:invitation"} <= names
    excluded = [route for route in ALL_ROUTES if route not in ROUTES]
    assert {"admin:index", "account_login", "account_signup"} <= {r.name for r in excluded}
    for route in excluded:
        assert route.name.startswith("admin:") or route.module.startswith(THIRD_PARTY_MODULES)
        assert not route.module.startswith(("courses", "accounts", "config", "interviews"))


CASES = [
    pytest.param(route, method, actor, id=f"{route.name}-{method}-{actor}")
    for route in ROUTES
    if route.name in EXPECTED
    for method in ("GET", "POST")
    for actor in ACTORS
]


@pytest.mark.parametrize(("route", "method", "actor"), CASES)
def test_url_answers_each_actor_as_expected(
    request,
    as_user,
    course,
    other_course,
    route,
    method,
    actor,
    django_capture_on_commit_callbacks,
):
    expected = EXPECTED[route.name][method][actor]
    fx = request.getfixturevalue
    url = reverse(route.name, kwargs=build_kwargs(route, fx))
    data = POST_DATA.get(route.name, lambda fx: {})(fx) if method == "POST" else None
    client = as_user(None if actor == "anonymous" else fx(actor))
    before = state_of_everything()

    with django_capture_on_commit_callbacks() as queued:
        response = send(client, method, url, data)

    assert_status(response, expected, url)
    changed = state_of_everything() != before
    if method == "POST" and actor in EFFECTIVE_POSTS.get(route.name, ()):
        assert changed, "the permitted POST should have done something"
    else:
        assert not changed, f"{method} by {actor} must not change anything"
        assert queued == [], f"{method} by {actor} must not queue any work"


# Objects of another course, addressed through one's own course (IDOR)

IDOR_CASES = [
    pytest.param(route, method, direction, id=f"{route.name}-{method}-{direction}")
    for route in ROUTES
    if "course_id" in route.params and set(route.params) & set(OTHER_COURSE_KWARGS)
    for method in ("GET", "POST")
    if EXPECTED.get(route.name, {}).get(method, {}).get("instructor") not in REFUSED
    for direction in ("instructor-reaches-other-course", "other-instructor-reaches-course")
]


def test_idor_cases_cover_every_nested_object_route():
    covered = {case.values[0].name for case in IDOR_CASES}
    assert covered == {
        "courses:roster_import",
        "courses:roster_import_progress",
        "courses:member_role",
        "courses:member_remove",
        "courses:invitation_resend",
        "courses:invitation_revoke",
    }


@pytest.mark.parametrize(("route", "method", "direction"), IDOR_CASES)
def test_instructor_cannot_reach_another_courses_objects_through_their_own_course(
    request,
    as_user,
    course,
    other_course,
    route,
    method,
    direction,
    django_capture_on_commit_callbacks,
):
    fx = request.getfixturevalue
    if direction == "instructor-reaches-other-course":
        actor, own_course, foreign = "instructor", course, OTHER_COURSE_KWARGS
    else:
        actor, own_course, foreign = "other_instructor", other_course, KWARGS
    kwargs = {param: foreign[param](fx) for param in route.params if param in OTHER_COURSE_KWARGS}
    url = reverse(route.name, kwargs={"course_id": own_course.pk, **kwargs})
    data = POST_DATA.get(route.name, lambda fx: {})(fx) if method == "POST" else None
    before = state_of_everything()

    with django_capture_on_commit_callbacks() as queued:
        response = send(as_user(fx(actor)), method, url, data)

    assert response.status_code == 404
    assert state_of_everything() == before
    assert queued == []
