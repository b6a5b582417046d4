"""Benchmark of the gradebook (``make bench``; not part of the test suite).

A course of 1,000 students × 10 published assignments, nearly every write-up graded (the world
of bench/_world.py, as bench_pages.py builds it). Timed through Django's test Client, signed in
as the instructor (median of several runs):

1. the gradebook page (``interviews:gradebook``), against the one-query Django view of
   bench/_world.py, which reads every grade with ONE query and renders a plain students ×
   assignments table (the floor for "show all grades in a page": no permissions, no states,
   no totals);
2. the Canvas and Moodle CSV exports and the per-criterion export of one assignment, which
   stream: for these, also the peak memory growth (tracemalloc) while one is produced and read
   chunk by chunk, against building the same Canvas file whole.

Runs against PostgreSQL in a scratch database it creates and drops. ``BENCH_DATABASE_URL``
names the server (default postgres://postgres@127.0.0.1:5432/postgres). Figures are printed
and written to test-artifacts/bench-gradebook.json.
"""

import sys
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._common import run_on_scratch_database, table  # noqa: E402
from bench._world import ASSIGNMENTS, REPEATS, bench_urlconf, build_course, measure  # noqa: E402

STUDENTS = 1_000


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


def bench(report: dict) -> None:
    from django.conf import settings
    from django.test import Client
    from django.urls import clear_url_caches, reverse

    settings.ROOT_URLCONF = bench_urlconf()
    clear_url_caches()
    world = build_course(STUDENTS)
    instructor, course, assignments = world.instructor, world.course, world.assignments
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
