"""Benchmark of the course's big pages (``make bench``; not part of the test suite): every
page costs what it shows, not what the course holds (issue 12).

Courses of 10, 1,000 and 10,000 students × 10 published assignments (bench/_world.py: a rubric
on each, nearly every write-up graded, one held interview per student, 3 assistants), in one
scratch PostgreSQL database. Each page is requested at its default page size through Django's
test Client, signed in as the instructor: median of several runs after a warm-up, the queries
of one request (CaptureQueriesContext), the response's size; and the same for a bare view that
runs one query (the course's title) and renders no template: the floor (``× floor``), what any
request costs here (session, user, middleware). Goals:

- each page, at 1,000 and at 10,000 students: median ≤ 15× the floor, and
  time(10,000) / time(1,000) ≤ 1.3;
- every page's query count identical at 10, 1,000 and 10,000 students;
- the Canvas CSV export (the whole course) at 10,000 × 10: peak memory growth < 20 MB
  (tracemalloc while the streamed response is consumed chunk by chunk), time ≤ 2 s.

The pages with whole-class summaries (common/summaries.py) are also measured apart as first
viewed after a change in the course (the summaries worked out afresh before each request): a
second table, figures, not goals.

A goal missed prints a FAIL line: these are figures, not a gate (exit 0 unless a page
errors). ``BENCH_DATABASE_URL`` names the server (default
postgres://postgres@127.0.0.1:5432/postgres); ``BENCH_SIZES=10,100,1000`` measures other sizes
(the goals then compare the two largest). Figures are printed and written to
test-artifacts/bench-pages.json.
"""

import os
import sys
import time
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._common import run_on_scratch_database, table  # noqa: E402
from bench._world import bench_urlconf, build_course, explain, measure_together  # noqa: E402

SIZES = tuple(int(s) for s in os.environ.get("BENCH_SIZES", "10,1000,10000").split(","))
# The sizes the goals compare: 1,000 and 10,000 unless BENCH_SIZES says otherwise.
SMALL, LARGE = sorted(SIZES)[-2:]
TIMES_FLOOR = 15
GROWTH = 1.3
CSV_PEAK_MB, CSV_SECONDS = 20, 2.0
EXPORT = "Canvas CSV export"
SUMMARISED = ("progress grid", "gradebook", "grading queue", "course home")
AFTER_CHANGE = ", after a change"
FLOOR = "bare one-query view (floor)"
REPEATS = 7


def pages(world) -> list[tuple[str, str]]:
    """(name, URL) of each page measured, at its default page size; the progress grid and the
    grading queue are the first assignment's."""
    from django.urls import reverse

    course, first = world.course.pk, world.assignments[0].pk
    return [
        ("roster", reverse("courses:roster", args=[course])),
        ("progress grid", reverse("interviews:progress", args=[course, first])),
        ("gradebook", reverse("interviews:gradebook", args=[course])),
        ("grading queue", reverse("interviews:grading", args=[course, first])),
        ("course home", reverse("courses:detail", args=[course])),
        (EXPORT, reverse("interviews:gradebook_export", args=[course])),
    ]


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def bench(report: dict) -> None:
    from django.conf import settings
    from django.test import Client
    from django.urls import clear_url_caches

    from common.summaries import summaries_changed

    settings.ROOT_URLCONF = bench_urlconf()
    clear_url_caches()
    report["machine"] = {"cpus": os.cpu_count(), "load_at_start": load()}
    worlds = {size: build_course(size) for size in SIZES}  # side by side in one database
    cases, after_change = {}, {}
    for size, world in worlds.items():
        client = Client()
        client.force_login(world.instructor)
        cases[FLOOR, size] = client, f"/bench/bare/{world.course.pk}/"
        for name, url in pages(world):
            cases[name, size] = client, url
        # The same pages when their whole-class counts and statistics must be worked out
        # afresh (as after a grade, a hand-in or a new member): figures, not goals.
        changed = partial(summaries_changed, world.course.pk)
        for name, url in pages(world):
            if name in SUMMARISED:
                after_change[name + AFTER_CHANGE, size] = client, url, changed
    t0 = time.perf_counter()
    # Every page at every size in turns, so that the machine's load weighs on all alike.
    results = measure_together(cases, repeats=REPEATS)
    # Apart: each of them makes the course's summaries be worked out again.
    floors = {key: case for key, case in cases.items() if key[0] == FLOOR}
    second = measure_together(after_change | floors, repeats=REPEATS)
    fresh_floor = {size: second[FLOOR, size]["ms"] for size in SIZES}
    results.update({key: r for key, r in second.items() if key[0] != FLOOR})
    took = time.perf_counter() - t0
    print(f"Measured {len(cases) + len(second)} requests × {REPEATS + 2} in {took:.0f} s")
    if (EXPORT, LARGE) in results:
        export = results[EXPORT, LARGE]
        export["peak_mb"] = round(export["peak_kb"] / 1024, 1)
    builds = {size: world.build_seconds for size, world in worlds.items()}
    report["machine"]["load_at_end"] = load()

    names = [FLOOR, *(name for name, _ in pages(world))]  # the after-change ones apart
    growth = {
        name: round(results[name, LARGE]["ms"] / results[name, SMALL]["ms"], 2)
        for name in names
        if (name, SMALL) in results and (name, LARGE) in results
    }
    # The same ratio of Django's CPU time (the database server's work is not in it): a second
    # view of the growth, less swayed by other work on the machine.
    cpu_growth = {
        name: round(results[name, LARGE]["cpu_ms"] / results[name, SMALL]["cpu_ms"], 2)
        for name in growth
    }
    headers = ["page", "students", "median ms", "× floor", "queries", "KB", "growth"]
    rows = []
    for name in names:
        for size in SIZES:
            r = results[name, size]
            r["times_floor"] = round(r["ms"] / results[FLOOR, size]["ms"], 1)
            last = size == SIZES[-1] and name in growth
            rows.append([
                name, f"{size:,}", r["ms"], r["times_floor"], r["queries"], r["kb"],
                f"{growth[name]:.2f}" if last else "",
            ])  # fmt: skip

    goals = []

    def goal(text: str, value, limit, passed: bool, note: str = "") -> None:
        goals.append({"goal": text, "value": value, "limit": limit, "pass": passed, "note": note})

    for name in names[1:]:
        counts = {size: results[name, size]["queries"] for size in SIZES}
        goal(f"{name}: same queries at every size", counts, "identical",
             len(set(counts.values())) == 1)  # fmt: skip
        if name == EXPORT:
            continue  # the whole course by design: its own goals below
        for size in (SMALL, LARGE):
            if (name, size) in results:
                times = results[name, size]["times_floor"]
                goal(f"{name} at {size:,}: × floor", times, TIMES_FLOOR, times <= TIMES_FLOOR)
        if name in growth:
            goal(f"{name}: time({LARGE:,}) / time({SMALL:,})", growth[name], GROWTH,
                 growth[name] <= GROWTH, note=f"Django CPU time {cpu_growth[name]}")  # fmt: skip
    if (EXPORT, LARGE) in results:
        export = results[EXPORT, LARGE]
        goal(f"{EXPORT} at {LARGE:,}: peak memory growth (MB)", export["peak_mb"], CSV_PEAK_MB,
             export["peak_mb"] < CSV_PEAK_MB)  # fmt: skip
        seconds = round(export["ms"] / 1000, 2)
        goal(f"{EXPORT} at {LARGE:,}: time (s)", seconds, CSV_SECONDS, seconds <= CSV_SECONDS)

    print(
        f"\nThe course's pages at their default page size, through the test Client as the "
        f"instructor (median of {REPEATS} runs in turns after a warm-up), 10 assignments; "
        f"growth: time at {LARGE:,} / time at {SMALL:,}; load average (1, 5, 15 min) "
        f"{report['machine']['load_at_start']} at start, {report['machine']['load_at_end']} "
        f"at end, on {os.cpu_count()} CPUs"
    )
    print(table(headers, rows))
    fresh = [(name + AFTER_CHANGE, size) for name in SUMMARISED for size in SIZES]
    fresh_rows = [
        [name, f"{size:,}", results[name, size]["ms"],
         round(results[name, size]["ms"] / fresh_floor[size], 1),
         results[name, size]["queries"],
         f"{results[name, LARGE]['ms'] / results[name, SMALL]['ms']:.2f}" if size == LARGE else ""]
        for name, size in fresh
    ]  # fmt: skip
    print(
        "\nThe same pages when the course's whole-class counts and statistics are worked out "
        "afresh (the first view after a grade, a hand-in or a membership changes; "
        "common/summaries.py): figures, not goals"
    )
    print(table(["page", "students", "median ms", "× floor", "queries", "growth"], fresh_rows))
    if (EXPORT, LARGE) in results:
        export = results[EXPORT, LARGE]
        print(
            f"\n{EXPORT} at {LARGE:,} × 10: {export['ms']:,} ms, {export['kb']:,} KB, peak memory "
            f"growth {export['peak_mb']} MB (tracemalloc while read chunk by chunk)"
        )
    print("World built in " + ", ".join(f"{s} s at {n:,}" for n, s in builds.items()))
    for g in goals:
        if not g["pass"]:
            note = f"; {g['note']}" if g["note"] else ""
            print(f"FAIL {g['goal']}: {g['value']} (goal: {g['limit']}{note})")
    failed = [g for g in goals if not g["pass"]]
    print(f"{len(goals) - len(failed)} goals met, {len(failed)} missed")
    slow = {g["goal"].split(":")[0].split(" at ")[0] for g in failed if "queries" not in g["goal"]}
    for name in (n for n in names if n in slow):  # where the time goes, for the pages that miss
        r = results[name, LARGE]
        cpu = f"Django's CPU {r['cpu_ms']} ms"
        print(f"\n{name} at {LARGE:,}: {r['ms']} ms ({cpu}); the slowest queries:")
        for q in r["slowest_queries"]:
            print(f"  {q['ms']} ms  {q['sql'][:150]}")
        r["plan_of_slowest"] = explain(r["slowest_queries"][0]["sql"])
        print("  its plan (EXPLAIN ANALYZE), first lines:")
        print("\n".join(f"    {line}" for line in r["plan_of_slowest"][:8]))
    report["pages"] = {
        "assignments": 10,
        "sizes": list(SIZES),
        "build_seconds": {str(n): s for n, s in builds.items()},
        "columns": headers,
        "rows": rows,
        "results": [{"page": name, "students": size, **r} for (name, size), r in results.items()],
        "growth": growth,
        "after_a_change": {f"{name} at {size}": results[name, size]["ms"] for name, size in fresh},
        "cpu_growth": cpu_growth,
        "goals": goals,
    }


def main() -> None:
    t0 = time.perf_counter()
    run_on_scratch_database(bench, artifact="bench-pages.json")
    print(f"bench_pages took {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
