"""Every date and number a person can type, at the edge of what any datetime or database holds
(issue 10, items 8 and 9): the form walk (tests/test_form_walk.py) again, with each form's
date, date-time and number inputs all set to the same extreme value.

A form must refuse such a value with a message the page shows (or accept it, where it means
something), never answer 500, and come back with the values that were sent: the walk's own
judgement, applied to what a person could type into the rendered page.
"""

import copy

import pytest
from django.core.cache import cache
from django.db import transaction
from django.urls import reverse

import tests.test_form_walk as walk
from tests.forms_as_rendered import Form, Page
from tests.test_authorization import ROUTES, build_kwargs

# Every extreme value through every field: with the XSS corpora, `make corpus` (CI runs it).
pytestmark = pytest.mark.corpus

# The authorization walk's world, fixture for fixture (as the form walk takes it).
globals().update(
    {
        name: value
        for name, value in vars(walk).items()
        if type(value).__name__ == "FixtureFunctionDefinition"
    }
)

# By input type: the values that once answered 500 somewhere (OverflowError, a number no
# column holds), and the first and last day of what a datetime holds.
EXTREMES = {
    "date": ("9999-12-31", "0001-01-01"),
    "datetime-local": ("9999-12-31T23:59", "0001-01-01T00:00"),
    "number": (str(2**63), str(-(2**63)), "2147483648"),
}


def extreme_variants(form: Form) -> list[Form]:
    """Copies of ``form``: in each, every date, date-time and number input holds one extreme
    value of its type (the others keep what the page rendered)."""
    if not any(typeable(c) for c in form.controls):
        return []
    variants = []
    for index in range(max(len(values) for values in EXTREMES.values())):
        variant = copy.deepcopy(form)
        for control in filter(typeable, variant.controls):
            values = EXTREMES[control.type]
            control.attrs["value"] = values[index % len(values)]
        variants.append(variant)
    return variants


def typeable(control) -> bool:
    """A date, date-time or number input a person can type into (not the template row a
    script copies, nor one hidden or disabled)."""
    return (
        control.tag == "input"
        and control.type in EXTREMES
        and bool(control.name)
        and "__prefix__" not in control.name
        and not control.hidden
        and "disabled" not in control.attrs
    )


def walk_page_with_extremes(client, url: str) -> list[str]:
    response = client.get(url)
    if response.status_code != 200:
        return [f"GET {url} answered {response.status_code}, expected 200"]
    if not response.get("Content-Type", "").startswith("text/html"):
        return []
    page = Page(response.content.decode())
    problems, submitted = [], set()
    for form in page.forms:
        action = form.action(url, form.default_button())
        key = (form.method, action, tuple(sorted(form.fields())))
        if action in walk.NOT_SUBMITTED or key in submitted:
            continue
        submitted.add(key)
        for variant in extreme_variants(form):
            problems += walk.submit(client, page, url, variant)
    return problems


@pytest.mark.parametrize("route", walk.CASES)
def test_every_date_and_number_at_its_extreme_is_refused_or_accepted_never_a_500(
    request, course, other_course, student_notification, grading_rows, route
):
    fx = request.getfixturevalue
    url = reverse(route.name, kwargs=build_kwargs(route, fx) if route in ROUTES else {})
    found: dict[str, list[str]] = {}
    for actor in walk.walkers(route):
        cache.clear()
        with transaction.atomic():
            client = walk.client_for(None if actor == "anonymous" else fx(actor))
            for problem in walk_page_with_extremes(client, url):
                found.setdefault(problem, []).append(actor)
            transaction.set_rollback(True)
    problems = [f"{problem} (as {', '.join(actors)})" for problem, actors in found.items()]
    assert not problems, f"{route.name} ({url}):\n  " + "\n  ".join(problems)


def test_the_extreme_walk_sets_every_typed_date_and_number():
    form = Page(
        '<form method="post"><input type="date" name="on"><input type="number" name="n" '
        'value="3"><input type="text" name="t" value="x"><button>Save</button></form>'
    ).forms[0]

    variants = extreme_variants(form)

    assert [v.fields() for v in variants] == [
        {"on": ["9999-12-31"], "n": [str(2**63)], "t": ["x"]},
        {"on": ["0001-01-01"], "n": [str(-(2**63))], "t": ["x"]},
        {"on": ["9999-12-31"], "n": ["2147483648"], "t": ["x"]},
    ]
