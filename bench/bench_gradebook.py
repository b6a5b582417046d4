"""Benchmark of the gradebook (``make bench``; not part of the test suite).

A course of 1,000 students × 10 published assignments, nearly every write-up graded. Timed
through Django's test Client, signed in as the instructor (median of several runs):

1. the gradebook page (``interviews:gradebook``), against a one-query Django view defined here
   that reads every grade with ONE query and renders a plain students × assignments table
   (the floor for "show all grades in a page": no permissions, no states, no totals);
2. the Canvas and Moodle CSV exports and the per-criterion export of one assignment, which
   stream: for these, also the peak memory growth (tracemalloc) while one is produced and read
   chunk by chunk, against building the same Canvas file whole.

Runs against PostgreSQL in a scratch database it creates and drops. ``BENCH_DATABASE_URL``
names the server (default postgres://postgres@127.0.0.1:5432/postgres). Figures are printed
and written to test-artifacts/bench-gradebook.json.
"""

import statistics
import sys
import time
import tracemalloc
import types
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._common import run_on_scratch_database, table  # noqa: E402

STUDENTS = 1_000
ASSIGNMENTS = 10
REPEATS = 7

PLAIN_TABLE = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>Grades</title></head><body><table><thead><tr><th>Student</th>
{% for title in titles %}<th>{{ title }}</th>{% endfor %}</tr></thead><tbody>
{% for name, scores in rows %}<tr><th>{{ name }}</th>{% for score in scores %}<td>{{ score }}</td>
{% endfor %}</tr>{% endfor %}</tbody></table></body></html>"""


# The baseline: one query, one plain table ----------------------------------------------------


def one_query_view(request, course_id):
    """Every grade of the course in ONE query, pivoted into a plain table."""
    from django.http import HttpResponse
    from django.template import Context, Engine

    from interviews.models import Grade

    grades = Grade.objects.filter(
        submission__assignment__course_id=course_id, submission__assignment__state="published"
    ).values_list(
        "submission__student_id", "submission__student__full_name", "submission__assignment_id",
        "submission__assignment__title", "submission__assignment__writeup_due_at", "final_score",
    )  # fmt: skip
    titles, names, scores = {}, {}, {}
    for student_id, name, assignment_id, title, due, final in grades:
        titles[assignment_id] = (due, title)
        names[student_id] = name
        scores[student_id, assignment_id] = final
    columns = sorted(titles, key=lambda a: (titles[a][0], a))
    rows = [
        (names[s], [scores.get((s, a), "") for a in columns])
        for s in sorted(names, key=lambda s: names[s].casefold())
    ]
    template = Engine.get_default().from_string(PLAIN_TABLE)
    html = template.render(Context({"titles": [titles[a][1] for a in columns], "rows": rows}))
    return HttpResponse(html)


def bench_urlconf():
    """The project's URLs plus the baseline view, so both go through the same middleware."""
    from django.urls import include, path

    module = types.ModuleType("bench_gradebook_urls")
    module.urlpatterns = [
        path("bench/one-query/<int:course_id>/", one_query_view, name="bench_one_query"),
        path("", include("config.urls")),
    ]
    sys.modules[module.__name__] = module
    return module.__name__


# The course --------------------------------------------------------------------------------


def build_course():
    """1,000 students × 10 published assignments; about 93 % of write-ups graded (of those,
    a third not released yet, some late), the rest submitted but not graded, in progress, or
    missing. The first assignment has a rubric of 4 criteria, scored on every graded
    write-up."""
    from accounts.models import User
    from courses.enrolment import course_create
    from courses.models import Membership, Role
    from interviews.models import Assignment, Criterion, CriterionScore, Grade, Rubric, Submission

    t0 = time.perf_counter()
    instructor = User.objects.create_user(
        email="instructor@bench.example", full_name="Ines Instructor", password="!"
    )
    course = course_create(creator=instructor, title="Career Exploration", time_zone="UTC")
    students = User.objects.bulk_create(
        User(email=f"student{i:04}@bench.example", full_name=f"Student Zoë {i:04}", password="!")
        for i in range(STUDENTS)
    )
    Membership.objects.bulk_create(
        Membership(course=course, user=s, role=Role.STUDENT) for s in students
    )
    due = datetime(2027, 3, 1, 17, 0, tzinfo=UTC)
    assignments = Assignment.objects.bulk_create(
        Assignment(course=course, title=f"Interview {n + 1}", state=Assignment.State.PUBLISHED,
                   points=Decimal("20"), writeup_due_at=due + timedelta(days=7 * n))
        for n in range(ASSIGNMENTS)
    )  # fmt: skip

    def write_up(assignment, student, late: bool) -> Submission:
        early_or_late = timedelta(hours=30 if late else -1)
        return Submission(
            assignment=assignment, student=student, revision=1, submitted_revision=1,
            submitted_at=assignment.writeup_due_at + early_or_late, is_late=late,
            late_days=1 if late else 0,
        )  # fmt: skip

    submissions = Submission.objects.bulk_create(
        write_up(a, s, late=i % 17 == 0)
        for a in assignments
        for i, s in enumerate(students)
        if i % 50 != 7  # 2 % never submitted
    )
    graded = [s for n, s in enumerate(submissions) if n % 20 != 3]  # 5 % not graded yet
    grades = Grade.objects.bulk_create(
        Grade(submission=s, state=Grade.State.DRAFT if n % 40 == 1 else Grade.State.COMPLETE,
              score=Decimal(n % 21), final_score=Decimal(n % 21), points_possible=Decimal("20"),
              released_at=None if n % 3 == 0 else due, overall_comment="Good questions.")
        for n, s in enumerate(graded)
    )  # fmt: skip
    rubric = Rubric.objects.create(assignment=assignments[0], title="Interview rubric")
    criteria = Criterion.objects.bulk_create(
        Criterion(rubric=rubric, position=n, title=f"Criterion {n + 1}", points=Decimal("5"))
        for n in range(4)
    )
    CriterionScore.objects.bulk_create(
        CriterionScore(grade=g, criterion=c, position=c.position, title=c.title,
                       level_title="Strong", points=Decimal("4"), max_points=Decimal("5"))
        for g in grades
        if g.submission.assignment_id == assignments[0].pk
        for c in criteria
    )  # fmt: skip
    print(
        f"Built {STUDENTS:,} students × {ASSIGNMENTS} assignments: {len(submissions):,} "
        f"write-ups, {len(grades):,} grades in {time.perf_counter() - t0:.1f} s"
    )
    return instructor, course, assignments


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def peak_memory_kb(client, url: str) -> int:
    """Peak growth of Python's allocations, in KB, while ``url`` is answered and its body read
    a chunk at a time (each chunk dropped once counted, as a server sends it on)."""
    tracemalloc.start()
    start = tracemalloc.get_traced_memory()[0]
    response = client.get(url)
    assert response.status_code == 200
    size = sum(len(chunk) for chunk in response.streaming_content)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert size
    return round((peak - start) / 1024)


def whole_file_peak_kb(course) -> int:
    """The same measure for the Canvas file built whole (``gradebook_csv`` of ``gradebook_for``),
    as the export did before it streamed."""
    from interviews.gradebook import ExportFormat, gradebook_csv, gradebook_for

    tracemalloc.start()
    start = tracemalloc.get_traced_memory()[0]
    content = gradebook_csv(gradebook_for(course=course), ExportFormat.CANVAS)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert content
    return round((peak - start) / 1024)


def measure(client, url: str) -> dict:
    """Median milliseconds over REPEATS runs (after one warm-up), queries, and size."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    response = client.get(url)  # warm-up: template loading, URL resolver, connection
    assert response.status_code == 200, (url, response.status_code)
    body(response)
    samples, cpu = [], []
    for _ in range(REPEATS):
        with CaptureQueriesContext(connection) as queries:
            t0, c0 = time.perf_counter(), time.process_time()
            response = client.get(url)
            content = body(response)
            samples.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
        assert response.status_code == 200
    return {
        "ms": round(statistics.median(samples) * 1000, 1),
        "min_ms": round(min(samples) * 1000, 1),
        # Django's own work (the database server's is not in it): steadier on a busy machine.
        "cpu_ms": round(statistics.median(cpu) * 1000, 1),
        "queries": len(queries),
        "kb": round(len(content) / 1024),
        "peak_kb": peak_memory_kb(client, url) if response.streaming else None,
    }


def bench(report: dict) -> None:
    from django.conf import settings
    from django.test import Client
    from django.urls import clear_url_caches, reverse

    settings.ROOT_URLCONF = bench_urlconf()
    clear_url_caches()
    instructor, course, assignments = build_course()
    client = Client()
    client.force_login(instructor)

    cases = [
        (
            "gradebook page (interviews:gradebook)",
            reverse("interviews:gradebook", args=[course.pk]),
        ),
        ("one-query view, plain table (baseline)", f"/bench/one-query/{course.pk}/"),
        ("Canvas CSV (released=all)", reverse("interviews:gradebook_export", args=[course.pk])),
        (
            "Moodle CSV with feedback (released=only)",
            reverse("interviews:gradebook_export", args=[course.pk])
            + "?format=moodle&released=only",
        ),
        (
            "criteria CSV (1 assignment, 4 criteria)",
            reverse("interviews:criteria_export", args=[course.pk, assignments[0].pk]),
        ),
    ]
    results = {name: measure(client, url) for name, url in cases}
    results["Canvas CSV built whole (before streaming)"] = {
        "ms": "", "min_ms": "", "cpu_ms": "", "queries": "", "kb": "",
        "peak_kb": whole_file_peak_kb(course),
    }  # fmt: skip
    headers = ["request", "median ms", "min ms", "CPU ms (Django)", "queries", "KB", "peak KB"]
    rows = [
        [name, r["ms"], r["min_ms"], r["cpu_ms"], r["queries"], r["kb"], r["peak_kb"] or ""]
        for name, r in results.items()
    ]
    print(f"\nThe gradebook at {STUDENTS:,} students × {ASSIGNMENTS} assignments, through the test")
    print(f"Client as the instructor (median of {REPEATS} runs after a warm-up)")
    print(table(headers, rows))
    page, baseline = results[cases[0][0]], results[cases[1][0]]
    ratio = page["ms"] / baseline["ms"]
    print(
        f"\nGradebook page / one-query view: {ratio:.2f}× wall time, "
        f"{page['cpu_ms'] / baseline['cpu_ms']:.2f}× CPU. Both pay 2 queries for the signed-in "
        "session and user; the one-query view reads every grade in its 1 other query."
    )
    print(
        "Peak KB: growth of Python's allocations (tracemalloc) while a streamed file is produced "
        "and read chunk by chunk: bounded by a cursor fetch of rows, not by the class."
    )
    report["gradebook"] = {
        "students": STUDENTS,
        "assignments": ASSIGNMENTS,
        "columns": headers,
        "rows": rows,
        "page_over_one_query_view": round(ratio, 2),
    }


def main() -> None:
    run_on_scratch_database(bench, artifact="bench-gradebook.json")


if __name__ == "__main__":
    main()
