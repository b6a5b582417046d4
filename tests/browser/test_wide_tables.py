"""Wide tables on a phone (390 px) and a laptop (1280 px): the gradebook, the grading queue and
the roster scroll sideways in their own region, with the first column kept in view, and the
page itself never scrolls sideways."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from courses.enrolment import member_enrol
from courses.models import Role
from interviews.models import Assignment, Submission
from tests.browser.conftest import sign_in
from tests.factories import make_user

pytestmark = pytest.mark.browser

MEASURE = """(selector) => {
  const region = document.querySelector(selector);
  const firstCell = () => region.querySelector("tbody tr > :first-child");
  const secondCell = () => region.querySelector("tbody tr > :nth-child(2)");
  const xs = () => ({
    first: firstCell().getBoundingClientRect().x,
    second: secondCell().getBoundingClientRect().x,
  });
  const before = xs();
  region.scrollLeft = 150;
  const after = xs();
  region.scrollLeft = 0;
  return {
    pageWidth: document.documentElement.scrollWidth,
    viewport: window.innerWidth,
    regionScrollWidth: region.scrollWidth,
    regionClientWidth: region.clientWidth,
    focusable: region.tabIndex === 0 && region.getAttribute("role") === "region",
    named: Boolean(region.getAttribute("aria-label") || region.getAttribute("aria-labelledby")),
    before, after,
  };
}"""


@pytest.fixture
def busy_course(course, instructor, student, classmate):
    """Twelve students with long names and addresses, six published assignments, and a
    write-up from every student on the first one."""
    now = timezone.now()
    students = [student, classmate]
    for n in range(10):
        person = make_user(
            f"student.with.a.rather.long.address.{n}@students.example.edu",
            f"Maximiliana Featherstonehaugh-Worthington {n}",
        )
        member_enrol(course=course, user=person, role=Role.STUDENT)
        students.append(person)
    assignments = [
        Assignment.objects.create(
            course=course,
            title=f"Informational interview number {n + 1}",
            writeup_due_at=now + timedelta(days=n),
            created_by=instructor,
            state="published",
        )  # fmt: skip
        for n in range(6)
    ]
    for person in students:
        Submission.objects.create(
            assignment=assignments[0], student=person, body="Done", word_count=1, revision=1,
            submitted_revision=1, submitted_at=now,
        )  # fmt: skip
    return course, assignments[0]


@pytest.mark.parametrize("width,height", [(390, 844), (1280, 800)])
def test_wide_tables_scroll_in_their_own_region_not_the_page(
    new_context, site_url, busy_course, instructor, width, height
):
    course, assignment = busy_course
    page = new_context(viewport={"width": width, "height": height}).new_page()
    sign_in(page, site_url, instructor.email)
    pages = {
        "gradebook": (reverse("interviews:gradebook", args=[course.pk]), ".gradebook-scroll"),
        "grading queue": (
            reverse("interviews:grading", args=[course.pk, assignment.pk]),
            ".table-scroll",
        ),
        "roster": (
            reverse("courses:roster", args=[course.pk]),
            "section[aria-labelledby=members-heading] .table-scroll",
        ),
    }
    for name, (path, selector) in pages.items():
        page.goto(site_url + path)
        m = page.evaluate(MEASURE, selector)

        assert m["pageWidth"] <= m["viewport"], f"{name} scrolls the page sideways at {width}: {m}"
        assert m["focusable"] and m["named"], f"{name}: the region is not a named stop: {m}"
        if width == 390:
            assert m["regionScrollWidth"] > m["regionClientWidth"], f"{name} does not scroll: {m}"
            assert m["after"]["second"] < m["before"]["second"], f"{name} did not move: {m}"
            assert m["after"]["first"] == m["before"]["first"], f"{name}: column not sticky: {m}"
