"""Every form works through its own page: every page of the project, walked automatically, for
every actor who may open it, with each of its forms submitted exactly as rendered.

The pages come from the authorization walk (tests/test_authorization.py): its routes, its world
and its expectations say who gets a 200 page (routes nobody gets as a page, such as POST-only
ones, have their forms on the pages that are walked). Each page is opened, and each form is
submitted with what the HTML carries, as a browser would (tests/forms_as_rendered.py), with its
default button, inside a savepoint rolled back afterwards. A POST must be accepted (a redirect)
or answered with a new message the page shows, never with a 500, and never with "This field is
required" on a field the page filled in; a filter (GET) form must show its results. Every page
rendered on the way is checked too: each ``<select>`` has options, each control has an
accessible name without an asterisk, and a rejected submission comes back with the values that
were sent.

A new project page is walked as soon as the authorization walk lists it; a new third-party page
fails ``test_every_page_is_walked_or_skipped`` until it is walked or skipped with a reason.
"""

import copy
import dataclasses
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
from django import forms
from django.core.cache import cache
from django.db import transaction
from django.forms import BaseForm
from django.forms.formsets import BaseFormSet
from django.template import Context
from django.test import Client
from django.urls import reverse

import tests.test_authorization as authorization
from tests.forms_as_rendered import Form, Page, as_post_data
from tests.test_authorization import ALL_ROUTES, EXPECTED, ROUTES, Route, build_kwargs

# The authorization walk's world, fixture for fixture (its own and its parts').
globals().update(
    {
        name: value
        for name, value in vars(authorization).items()
        if type(value).__name__ == "FixtureFunctionDefinition"
    }
)

# Actors who see the same page as another: walked only when that one cannot open it.
MIRRORS = {"classmate": "student", "other_instructor": "instructor"}

# Third-party pages with forms people use, and who opens them. Every other third-party route
# is skipped below, with the reason.
THIRD_PARTY_PAGES = {
    "account_login": ("anonymous",),
    "account_signup": ("anonymous",),
    "account_reset_password": ("anonymous",),
    "account_email": ("student",),
    "account_change_password": ("student",),
    "account_reauthenticate": ("student",),
    "mfa_index": ("student",),
}
THIRD_PARTY_SKIPPED = {
    "account_logout": "signs the actor out; allauth tests it",
    "account_inactive": "no form: a notice for deactivated accounts",
    "account_email_verification_sent": "no form: a notice after sign-up",
    "account_set_password": "only for accounts without a password; the walk's all have one",
    "account_confirm_login_code": "login by code is turned off",
    "account_confirm_email": "needs an emailed key; tests/accounts covers confirmation",
    "account_reset_password_from_key": "needs an emailed key; tests/accounts covers it",
    "account_reset_password_from_key_done": "no form: a notice",
    "account_reset_password_done": "no form: a notice",
    "mfa_activate_totp": "asks to reauthenticate first (account_reauthenticate is walked)",
    "mfa_authenticate": "only in the middle of a sign-in with a second factor",
    "mfa_reauthenticate": "only when a second factor is set up",
    "mfa_deactivate_totp": "only when a second factor is set up",
    "mfa_view_recovery_codes": "only when a second factor is set up",
    "mfa_generate_recovery_codes": "only when a second factor is set up",
    "mfa_download_recovery_codes": "a text file, no form",
}
THIRD_PARTY_SKIPPED_NAMESPACES = {"admin": "Django's admin is for operators and tested by Django"}

# Pages that answer 200 with something other than HTML: nothing to submit.
NOT_HTML = {
    "healthz": "plain text for the orchestrator",
    "readyz": "JSON for the orchestrator",
    "metrics": "Prometheus' text format",
    "interviews:calendar_feed": "an iCalendar feed",
    "interviews:attachment_download": "the stored file",
    "interviews:gradebook_export": "a CSV download",
    "interviews:criteria_export": "a CSV download",
    "interviews:rubric_export": "a JSON download",
    "interviews:insights_csv": "a CSV download",
    "lti:jwks": "Rapport's public keys for LMS platforms (JSON)",
    "lti:canvas_config": "the JSON Canvas's developer key page reads",
}

# Forms the walk does not submit, by the path they post to, and why.
NOT_SUBMITTED = {reverse("account_logout"): "signing out ends the walk's session"}

# Pages whose forms fail the walk for a reason being fixed elsewhere: route → reason. The case
# is an expected failure while it fails, and an error once it passes (remove the entry then).
KNOWN_FAILURES: dict[str, str] = {}

SECRET_TYPES = {"password"}  # never sent back to the browser, by design
CSRF_FIELD = "csrfmiddlewaretoken"


def walkers(route: Route) -> list[str]:
    """The actors the authorization walk expects to get ``route``'s page, less the mirrors."""
    if route.name in THIRD_PARTY_PAGES:
        return list(THIRD_PARTY_PAGES[route.name])
    opened = [actor for actor, status in EXPECTED[route.name]["GET"].items() if status == 200]
    return [actor for actor in opened if MIRRORS.get(actor) not in opened]


def client_for(person) -> Client:
    """A browser-like client: CSRF is checked, so the token must come from the page."""
    client = Client(enforce_csrf_checks=True)
    if person is not None:
        client.force_login(person)
    return client


# What a page must get right, whoever opens it ---------------------------------------------


def page_problems(page: Page) -> list[str]:
    problems = []
    for control in page.controls:
        if control.tag == "select" and not control.options:
            problems.append(f"{control.describe()} has no options: nothing can be chosen")
        if control.needs_label and not control.hidden:
            name = page.accessible_name(control)
            if not name:
                problems.append(f"{control.describe()} has no accessible name (label, aria-*)")
            elif "*" in name:
                problems.append(f"{control.describe()}'s accessible name {name!r} has a '*'")
    return problems


def forms_in_context(response) -> list[BaseForm]:
    """The Django forms the response rendered (also inside formsets and page dataclasses)."""
    contexts = response.context if isinstance(response.context, list) else [response.context]
    found: dict[int, BaseForm] = {}

    def collect(value, depth=0):
        if isinstance(value, BaseFormSet):
            for form in [value.management_form, *value.forms]:
                found[id(form)] = form
        elif isinstance(value, BaseForm):
            found[id(value)] = value
        elif depth == 0 and dataclasses.is_dataclass(value) and not isinstance(value, type):
            for item in dataclasses.fields(value):
                collect(getattr(value, item.name), depth + 1)

    for context in contexts:
        if context is not None:
            for value in context.flatten().values():
                collect(value)
    return list(found.values())


def required_but_filled(response, sent: dict[str, list[str]], form: Form | None = None):
    """Fields reported missing although the page filled them in, or gave no way to."""
    problems = []
    for django_form in forms_in_context(response):
        if not django_form.is_bound:
            continue
        for name, errors in django_form.errors.as_data().items():
            if not any(error.code == "required" for error in errors):
                continue
            key = django_form.add_prefix(name)
            filled = [value for value in sent.get(key, []) if value.strip()]
            control = form.control(key) if form else None
            if filled:
                problems.append(f"{key!r} was sent as {filled} but is reported as required")
            elif control is not None and control.tag == "select" and not control.options:
                problems.append(f"{key!r} is reported as required; its <select> had no options")
    return problems


def lost_values(sent: Form, back: Page, page_url: str) -> list[str]:
    """Fields of ``sent`` that the rejected page shows with another value."""
    action = sent.action(page_url, sent.default_button())
    same = [f for f in back.forms if f.method == "post" and f.action(page_url) == action]
    if not same:
        return []
    sent_fields = sent.fields()
    again = max(same, key=lambda form: len(set(form.fields()) & set(sent_fields)))
    problems = []
    for name, values in again.fields().items():
        control = again.control(name)
        if name == CSRF_FIELD or control.type in SECRET_TYPES | {"file"}:
            continue
        if name in sent_fields and values != sent_fields[name]:
            problems.append(f"{name!r} was sent as {sent_fields[name]} but comes back {values}")
    return problems


# Submitting one form ------------------------------------------------------------------------


def submit(client: Client, page: Page, page_url: str, form: Form) -> list[str]:
    """Submit ``form`` as rendered with its default button and judge the answer; nothing it
    does is kept."""
    button = form.default_button()
    action = form.action(page_url, button)
    sent = form.submission(button)
    cookies = copy.deepcopy(client.cookies)
    cache.clear()  # rate limits count the walk's own requests otherwise
    try:
        with transaction.atomic():
            if form.method == "post":
                response = client.post(action, as_post_data(sent))
                problems = judge(response, page, page_url, form, sent)
            else:  # a filter: the browser replaces the action's query with the fields
                response = client.get(urlsplit(action).path, as_post_data(sent))
                problems = judge_filter(response)
            transaction.set_rollback(True)
    except Exception as exc:  # the client re-raises what would be a 500
        problems = [f"raised {type(exc).__name__}: {exc}"]
    finally:
        client.cookies = cookies
    return [f"{form.describe(page_url)} sent {sorted(sent)}: {p}" for p in problems]


def judge(response, page: Page, page_url: str, form: Form, sent: dict[str, list[str]]):
    status = response.status_code
    if status in (301, 302, 303):
        return []  # accepted
    if status >= 500:
        return [f"answered {status}"]
    if status in (401, 403, 404, 405):
        return [f"answered {status}: the page offers a form its viewer may not use"]
    if not response.get("Content-Type", "").startswith("text/html"):
        return []  # a download or a partial the form asked for
    back = Page(response.content.decode())
    problems = [f"the answer ({status}): {p}" for p in page_problems(back)]
    problems += required_but_filled(response, sent, form)
    if not set(back.messages) - set(page.messages):
        problems.append(f"answered {status} without a new message saying what happened")
    problems += lost_values(form, back, page_url)
    return problems


def judge_filter(response) -> list[str]:
    """A filter or export form submitted as rendered shows its results."""
    if response.status_code not in (200, 302):
        return [f"answered {response.status_code}"]
    if not response.get("Content-Type", "").startswith("text/html"):
        return []
    return [f"the results: {p}" for p in page_problems(Page(response.content.decode()))]


def walk_page(client: Client, url: str, route: Route) -> list[str]:
    response = client.get(url)
    if response.status_code != 200:
        return [f"GET {url} answered {response.status_code}, expected 200"]
    if not response.get("Content-Type", "").startswith("text/html"):
        if route.name in NOT_HTML:
            return []
        return [f"GET {url} is {response['Content-Type']}: add {route.name!r} to NOT_HTML"]
    page = Page(response.content.decode())
    problems = page_problems(page)
    submitted = set()
    for form in page.forms:
        action = form.action(url, form.default_button())
        key = (form.method, action, tuple(sorted(form.fields())))
        if action in NOT_SUBMITTED or key in submitted:
            continue  # a form repeated per row is tried once
        submitted.add(key)
        problems += submit(client, page, url, form)
    return problems


# The walk -----------------------------------------------------------------------------------


def is_skipped(route: Route) -> bool:
    namespace = route.name.split(":")[0] if ":" in route.name else None
    return route.name in THIRD_PARTY_SKIPPED or namespace in THIRD_PARTY_SKIPPED_NAMESPACES


PROJECT_PAGES = [
    route for route in ROUTES if route.name in EXPECTED and walkers(route) and not is_skipped(route)
]
THIRD_PARTY = [route for route in ALL_ROUTES if route.name in THIRD_PARTY_PAGES]
CASES = [pytest.param(route, id=route.name) for route in PROJECT_PAGES + THIRD_PARTY]


def test_every_page_is_walked_or_skipped():
    project = {route.name for route in ROUTES}
    unlisted = sorted(project - set(EXPECTED))
    assert not unlisted, f"add {unlisted} to the authorization walk's EXPECTED: it says who opens"
    others = [route for route in ALL_ROUTES if route not in ROUTES]
    unknown = sorted(
        r.name for r in others if r.name not in THIRD_PARTY_PAGES and not is_skipped(r)
    )
    assert not unknown, f"third-party routes neither in THIRD_PARTY_PAGES nor skipped: {unknown}"
    names = {route.name for route in ALL_ROUTES}
    stale = sorted(
        (set(THIRD_PARTY_PAGES) | set(THIRD_PARTY_SKIPPED) | set(NOT_HTML) | set(KNOWN_FAILURES))
        - names
    )
    assert not stale, f"the walk names routes that no longer exist: {stale}"
    # Pages nobody gets (POST-only routes, redirects) have their forms on the pages that do.
    assert {"courses:settings", "interviews:writeup", "account_signup"} <= {
        case.values[0].name for case in CASES
    }


@pytest.mark.parametrize("route", CASES)
def test_every_form_is_accepted_or_explained_as_rendered(
    request, course, other_course, student_notification, grading_rows, route
):
    fx = request.getfixturevalue
    url = reverse(route.name, kwargs=build_kwargs(route, fx) if route in ROUTES else {})
    found: dict[str, list[str]] = {}  # problem → the actors who met it
    for actor in walkers(route):
        cache.clear()
        with transaction.atomic():
            client = client_for(None if actor == "anonymous" else fx(actor))
            for problem in walk_page(client, url, route):
                found.setdefault(problem, []).append(actor)
            transaction.set_rollback(True)
    problems = [f"{problem} (as {', '.join(actors)})" for problem, actors in found.items()]
    if route.name in KNOWN_FAILURES:
        if problems:
            pytest.xfail(f"{KNOWN_FAILURES[route.name]}: " + "; ".join(problems))
        pytest.fail(f"{route.name} passes now: remove it from KNOWN_FAILURES")
    assert not problems, f"{route.name} ({url}):\n  " + "\n  ".join(problems)


# The walk's own judgement ------------------------------------------------------------------


def test_the_walk_reports_a_required_error_on_a_field_the_page_filled_in():
    class Plan(forms.Form):
        title = forms.CharField()
        notes = forms.CharField()

    form = Plan({"notes": ""})  # as if the view read the posted title under another name
    response = SimpleNamespace(context=[Context({"form": form})])

    problems = required_but_filled(response, {"title": ["Career"], "notes": [""]})

    assert problems == ["'title' was sent as ['Career'] but is reported as required"]


def test_the_walk_reports_a_value_a_rejected_page_lost():
    sent = Page('<form method="post"><input name="term" value="Autumn"></form>').forms[0]
    back = Page('<form method="post"><input name="term" value=""></form>')

    assert lost_values(sent, back, "/settings/") == [
        "'term' was sent as ['Autumn'] but comes back ['']"
    ]
