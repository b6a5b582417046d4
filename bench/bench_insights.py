"""Benchmark of the course Insights page and its CSV export (``make bench``; not part of the
test suite).

Courses of 1,000 and 10,000 students, each with two held interviews on one of two published
assignments (industries in several spellings, 40 organisations, path fit, offers, a referral
on every tenth, thank-you notes and follow-ups). Timed through Django's test Client, signed in
as the instructor (median of several runs): the page for the whole course, the page filtered
to one assignment, and the streamed CSV of interview outcomes.

Runs against PostgreSQL in a scratch database it creates and drops. ``BENCH_DATABASE_URL``
names the server (default postgres://postgres@127.0.0.1:5432/postgres). Figures are printed
and written to test-artifacts/bench-insights.json.
"""

import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._common import run_on_scratch_database, table  # noqa: E402
from bench._world import measure  # noqa: E402

SIZES = (1_000, 10_000)
REPEATS = 5
INDUSTRIES = ("Tech", "tech ", "Health care", "Law", "Education", "")


def build_course(size: int):
    """``size`` students, two held interviews each, on two published assignments."""
    from accounts.models import User
    from courses.enrolment import course_create
    from courses.models import Membership, Role
    from interviews.models import Assignment, Contact, Interview

    t0 = time.perf_counter()
    instructor = User.objects.create_user(
        email=f"instructor{size}@bench.example", full_name="Ines Instructor", password="!"
    )
    course = course_create(
        creator=instructor, title="Career Exploration", time_zone="America/New_York"
    )
    students = User.objects.bulk_create(
        User(email=f"s{size}-{i:05}@bench.example", full_name=f"Student {i:05}", password="!")
        for i in range(size)
    )
    Membership.objects.bulk_create(
        Membership(course=course, user=s, role=Role.STUDENT) for s in students
    )
    start = datetime(2027, 1, 18, 14, 0, tzinfo=UTC)
    assignments = Assignment.objects.bulk_create(
        Assignment(course=course, title=f"Interview {n + 1}", state=Assignment.State.PUBLISHED,
                   published_at=start, writeup_due_at=start + timedelta(weeks=6 * (n + 1)))
        for n in range(2)
    )  # fmt: skip
    contacts = Contact.objects.bulk_create(
        Contact(owner=s, name=f"Contact {n}", organisation=f"Org {(i + n) % 40}",
                industry=INDUSTRIES[(i + n) % len(INDUSTRIES)])
        for i, s in enumerate(students)
        for n in range(2)
    )  # fmt: skip
    interviews = Interview.objects.bulk_create(
        Interview(assignment=assignments[n % 2], student_id=c.owner_id, contact=c,
                  status=Interview.Status.HELD, scheduled_at=start + timedelta(days=n % 80),
                  held_at=start + timedelta(days=n % 80, hours=n % 5),
                  path_fit=("yes", "unsure", "no", "")[n % 4],
                  offer=("internship", "job", "", "", "", "", "", "", "")[n % 9],
                  thank_you_sent_at=start + timedelta(days=n % 80, hours=n % 40),
                  follow_up_sent_at=start + timedelta(days=n % 80 + 9) if n % 3 else None)
        for n, c in enumerate(contacts)
    )  # fmt: skip
    Interview.referrals.through.objects.bulk_create(
        Interview.referrals.through(interview=interview, contact=contacts[n - 1])
        for n, interview in enumerate(interviews)
        if n % 10 == 0
    )
    print(
        f"Built {size:,} students, {len(interviews):,} held interviews in "
        f"{time.perf_counter() - t0:.1f} s"
    )
    return instructor, course, assignments


def bench(report: dict) -> None:
    from django.test import Client
    from django.urls import reverse

    headers = ["students", "request", "median ms", "min ms", "CPU ms (Django)", "queries", "KB"]
    rows = []
    for size in SIZES:
        instructor, course, assignments = build_course(size)
        client = Client()
        client.force_login(instructor)
        page = reverse("interviews:insights", args=[course.pk])
        cases = [
            ("Insights page, whole course", page),
            ("Insights page, one assignment", f"{page}?assignment={assignments[1].pk}"),
            ("outcomes CSV (streamed)", reverse("interviews:insights_csv", args=[course.pk])),
        ]
        for name, url in cases:
            r = measure(client, url, repeats=REPEATS)
            rows.append(
                [f"{size:,}", name, r["ms"], r["min_ms"], r["cpu_ms"], r["queries"], r["kb"]]
            )
    print("\nThe Insights page and its export, through the test Client as the instructor")
    print(table(headers, rows))
    report["insights"] = {"columns": headers, "rows": rows}


def main() -> None:
    run_on_scratch_database(bench, artifact="bench-insights.json")


if __name__ == "__main__":
    main()
