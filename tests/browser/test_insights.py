"""The course Insights page in a real browser: the instructor opens it from the course tabs,
reads a chart and the table beside it, narrows it to one assignment, and the page has no
serious accessibility violation (axe)."""

import json
import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.conftest import sign_in
from tests.browser.support import serious_violations
from tests.factories import held, make_assignment

pytestmark = pytest.mark.browser


@pytest.fixture
def two_assignments(course, student, classmate):
    now = timezone.now()
    first = make_assignment(
        course, title="First interview", published_at=now - timedelta(days=30),
        writeup_due_at=now - timedelta(days=2),
    )  # fmt: skip
    second = make_assignment(
        course, title="Second interview", published_at=now - timedelta(days=20),
        writeup_due_at=now + timedelta(days=10),
    )  # fmt: skip
    held(first, student, at=now - timedelta(days=12), industry="Tech", organisation="Initech")
    held(first, classmate, at=now - timedelta(days=11), industry="tech ", offer="internship")
    held(second, student, at=now - timedelta(days=3), industry="Law", organisation="Lex LLP")
    return first, second


@pytest.mark.browser_context_args(bypass_csp=True)  # axe is injected as an inline script
def test_instructor_opens_insights_reads_a_chart_and_its_table_and_filters(
    page, site_url, instructor, course, two_assignments
):
    sign_in(page, site_url, instructor.email)
    page.goto(site_url + reverse("courses:detail", args=[course.pk]))
    page.get_by_role("link", name="Insights", exact=True).click()

    expect(page.get_by_role("heading", name="Insights", level=1)).to_be_visible()
    expect(page.get_by_role("status")).to_have_text("3 held interviews by 2 students.")
    industries = page.locator(
        "section", has=page.get_by_role("heading", name="Industries explored")
    )
    chart = industries.get_by_role("img")
    expect(chart).to_have_accessible_name("Industries explored, held interviews: Tech: 2, Law: 1.")
    table = industries.get_by_role("table")
    expect(table.get_by_role("row", name="Tech 2 of 3 2")).to_be_visible()
    expect(table.get_by_role("row", name="Law 1 of 3 1")).to_be_visible()
    violations = serious_violations(page)

    page.get_by_label("Assignment", exact=True).select_option(label="Second interview")
    page.get_by_role("button", name="Show").click()

    expect(page).to_have_url(f"{page.url.split('?')[0]}?assignment={two_assignments[1].pk}")
    expect(page.get_by_role("status")).to_have_text("1 held interview by 1 student.")
    expect(page.get_by_label("Assignment", exact=True)).to_have_value(str(two_assignments[1].pk))
    expect(industries.get_by_role("row", name="Law 1 of 1 1")).to_be_visible()
    expect(industries.get_by_role("row", name="Tech 2 of 3 2")).to_have_count(0)
    weeks = page.locator(
        "section", has=page.get_by_role("heading", name="Interviews held per week")
    )
    expect(weeks.get_by_role("img")).to_have_accessible_name(
        re.compile(r"^Interviews held per week, \d+ weeks from .*: 1 in all, at most 1 ")
    )
    weeks.get_by_text("Interviews per week as a table").click()
    expect(weeks.get_by_role("table")).to_be_visible()

    violations += serious_violations(page)
    assert not violations, json.dumps(violations, indent=2)
