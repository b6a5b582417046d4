"""The course the page benchmarks build, the views they are measured against (a bare
one-query view; one reading every grade in one query), and how a request is measured (time,
queries, size, memory).

Used by bench_pages.py and bench_gradebook.py, after ``run_on_scratch_database`` (_common.py)
has set Django up on a scratch PostgreSQL database.
"""

import re
import statistics
import sys
import time
import tracemalloc
import types
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

REPEATS = 7
ASSIGNMENTS = 10
ASSISTANTS = 3
CRITERIA = 4
LEVELS = (("Strong", Decimal("5")), ("Fair", Decimal("3")), ("Weak", Decimal("1")))
BATCH = 5_000

PLAIN_TABLE = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>Grades</title></head><body><table><thead><tr><th>Student</th>
{% for title in titles %}<th>{{ title }}</th>{% endfor %}</tr></thead><tbody>
{% for name, scores in rows %}<tr><th>{{ name }}</th>{% for score in scores %}<td>{{ score }}</td>
{% endfor %}</tr>{% endfor %}</tbody></table></body></html>"""


# The views measured against -----------------------------------------------------------------


def bare_view(request, course_id):
    """The floor of any page: one query (the course's title), no template."""
    from django.http import HttpResponse

    from courses.models import Course

    return HttpResponse(Course.objects.values_list("title", flat=True).get(pk=course_id))


def one_query_view(request, course_id):
    """Every grade of the course in ONE query, pivoted into a plain table: no permissions, no
    states, no totals."""
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


def bench_urlconf() -> str:
    """The project's URLs plus the bare and one-query views, so that all go through the same
    middleware.
    Install with ``settings.ROOT_URLCONF = bench_urlconf()`` and ``clear_url_caches()``."""
    from django.urls import include, path

    module = types.ModuleType("bench_world_urls")
    module.urlpatterns = [
        path("bench/bare/<int:course_id>/", bare_view, name="bench_bare"),
        path("bench/one-query/<int:course_id>/", one_query_view, name="bench_one_query"),
        path("", include("config.urls")),
    ]
    sys.modules[module.__name__] = module
    return module.__name__


# The course --------------------------------------------------------------------------------


def insert_select(prototype, *, computed: dict[str, str], source: str, params: dict) -> int:
    """``INSERT INTO <prototype's table> SELECT … FROM <source>``: each column as the ORM would
    write ``prototype``'s value (defaults included), but those in ``computed`` (column: SQL
    expression over ``source``). Returns the number of rows. A new field of the model gets its
    default without a change here."""
    from django.db import connection

    columns, values, args = [], [], dict(params)
    for field in type(prototype)._meta.concrete_fields:
        if field.primary_key:
            continue
        columns.append(connection.ops.quote_name(field.column))
        if field.column in computed:
            values.append(f"({computed[field.column]})::{field.cast_db_type(connection)}")
        else:
            value = field.get_db_prep_save(field.pre_save(prototype, add=True), connection)
            args[f"_{field.column}"] = value
            values.append(f"%(_{field.column})s::{field.cast_db_type(connection)}")
    sql = (
        f"INSERT INTO {type(prototype)._meta.db_table} ({', '.join(columns)}) "
        f"SELECT {', '.join(values)} FROM {source}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, args)
        return cursor.rowcount


@dataclass
class World:
    instructor: object
    course: object
    assignments: list
    students: int
    build_seconds: float


def build_course(students: int, *, assignments: int = ASSIGNMENTS) -> World:
    """One course: ``students`` students and 3 assistants, ``assignments`` published
    assignments each with a rubric (4 criteria × 3 levels). About 93 % of write-ups graded with
    a score on every criterion (of those, a third not released yet, 1 in 40 still in progress,
    a quarter graded by an assistant, some late); the rest submitted but not graded (5 %) or
    never submitted (2 %). Every assignment has its four milestones dated (contact, questions,
    interview, write-up); every student has one held interview on the first assignment.

    Rows go in by ``bulk_create``, the write-ups, grades and criterion scores (the largest
    tables) by INSERT … SELECT on the server (``insert_select``), then ANALYZE, so that the
    planner knows the tables' sizes as a live database's would. Several courses can live in
    one database (emails are unique per size)."""
    from django.db import connection

    from accounts.models import User
    from courses.enrolment import course_create
    from courses.models import Membership, Role
    from interviews.models import (
        Assignment,
        Contact,
        Criterion,
        CriterionScore,
        Grade,
        Interview,
        Level,
        Rubric,
        Submission,
    )

    t0 = time.perf_counter()
    tag = f"{students}x{assignments}"
    instructor = User.objects.create_user(
        email=f"instructor-{tag}@bench.example", full_name="Ines Instructor", password="!"
    )
    course = course_create(creator=instructor, title="Career Exploration", time_zone="UTC")
    people = User.objects.bulk_create(
        (
            User(email=f"s{tag}-{i:05}@bench.example", full_name=f"Student Zoë {i:05}",
                 password="!")
            for i in range(students)
        ),
        batch_size=BATCH,
    )  # fmt: skip
    assistants = User.objects.bulk_create(
        User(email=f"ta{tag}-{i}@bench.example", full_name=f"Assistant {i}", password="!")
        for i in range(ASSISTANTS)
    )
    Membership.objects.bulk_create(
        [Membership(course=course, user=s, role=Role.STUDENT) for s in people]
        + [Membership(course=course, user=a, role=Role.ASSISTANT) for a in assistants],
        batch_size=BATCH,
    )
    # The term so far: the write-ups fell due weekly, the last a week ago.
    today = datetime.now(UTC).replace(hour=17, minute=0, second=0, microsecond=0)
    due = today - timedelta(days=7 * assignments)
    works = Assignment.objects.bulk_create(
        Assignment(course=course, title=f"Interview {n + 1}", state=Assignment.State.PUBLISHED,
                   points=Decimal("20"), published_at=due - timedelta(days=30),
                   contact_due_at=due + timedelta(days=7 * n - 21),
                   questions_due_at=due + timedelta(days=7 * n - 14),
                   interview_due_at=due + timedelta(days=7 * n - 7),
                   writeup_due_at=due + timedelta(days=7 * n), created_by=instructor)
        for n in range(assignments)
    )  # fmt: skip
    rubrics = Rubric.objects.bulk_create(
        Rubric(assignment=a, title="Interview rubric") for a in works
    )
    criteria = Criterion.objects.bulk_create(
        Criterion(rubric=r, position=n, title=f"Criterion {n + 1}", points=Decimal("5"))
        for r in rubrics
        for n in range(CRITERIA)
    )
    Level.objects.bulk_create(
        Level(criterion=c, position=n, title=title, points=points)
        for c in criteria
        for n, (title, points) in enumerate(LEVELS)
    )

    # The largest tables go in server-side, one INSERT … SELECT per assignment: n is the
    # student's number (from 0) among the course's students.
    students_sql = "(SELECT id, k - 1 AS n FROM unnest(%(students)s::bigint[]) WITH ORDINALITY "
    students_sql += "AS u(id, k)) AS p"
    grader = f"CASE WHEN n %% 4 = 0 THEN (%(assistants)s::bigint[])[1 + n %% {ASSISTANTS}] "
    grader += "ELSE %(instructor)s END"
    submissions = grades = scores = 0
    for work in works:
        late = "n %% 17 = 0"
        submissions += insert_select(
            Submission(assignment=work, revision=1, submitted_revision=1, word_count=400),
            computed={
                "student_id": "p.id",
                "submitted_at": f"%(due)s + CASE WHEN {late} THEN interval '30 hours' "
                "ELSE interval '-1 hour' END",
                "is_late": late,
                "late_days": f"CASE WHEN {late} THEN 1 ELSE 0 END",
            },
            source=f"{students_sql} WHERE n %% 50 <> 7",  # 2 % never submitted
            params={"students": [s.pk for s in people], "due": work.writeup_due_at},
        )
        released = "n %% 3 <> 0 AND n %% 40 <> 1"  # complete grades only
        grades += insert_select(
            Grade(points_possible=Decimal("20"), overall_comment="Good questions."),
            computed={
                "submission_id": "s.id",
                "state": "CASE WHEN n %% 40 = 1 THEN 'draft' ELSE 'complete' END",
                "score": "n %% 21",
                "final_score": "n %% 21",
                "graded_by_id": grader,
                "graded_at": "s.submitted_at + interval '2 days'",
                "released_at": f"CASE WHEN {released} THEN %(released)s END",
                "released_by_id": f"CASE WHEN {released} THEN %(instructor)s END",
            },
            source=f"""(SELECT s.id, s.submitted_at, p.n FROM {Submission._meta.db_table} s
                JOIN {students_sql} ON p.id = s.student_id
                WHERE s.assignment_id = %(assignment)s) AS s
                WHERE n %% 20 <> 3""",  # 5 % not graded yet
            params={
                "students": [s.pk for s in people],
                "assignment": work.pk,
                "assistants": [a.pk for a in assistants],
                "instructor": instructor.pk,
                "released": work.writeup_due_at + timedelta(days=5),
            },
        )
        # A score on every criterion, at level (grade id mod 3).
        scores += insert_select(
            CriterionScore(comment=""),
            computed={
                "grade_id": "g.id",
                "criterion_id": "c.id",
                "position": "c.position",
                "title": "c.title",
                "level_id": "l.id",
                "level_title": "l.title",
                "points": "l.points",
                "max_points": "c.points",
            },
            source=f"""{Grade._meta.db_table} g
                JOIN {Submission._meta.db_table} s ON s.id = g.submission_id
                JOIN {Rubric._meta.db_table} r ON r.assignment_id = s.assignment_id
                JOIN {Criterion._meta.db_table} c ON c.rubric_id = r.id
                JOIN {Level._meta.db_table} l ON l.criterion_id = c.id AND l.position = g.id %% 3
                WHERE s.assignment_id = %(assignment)s""",
            params={"assignment": work.pk},
        )
    held = works[0].writeup_due_at - timedelta(days=10)
    chosen = held - timedelta(days=20)
    contacts = Contact.objects.bulk_create(
        (
            Contact(owner=s, name=f"Contact of {i:05}", organisation=f"Org {i % 40}",
                    industry=("Tech", "Health care", "Law", "Education")[i % 4],
                    created_at=chosen)
            for i, s in enumerate(people)
        ),
        batch_size=BATCH,
    )  # fmt: skip
    Interview.objects.bulk_create(
        (
            Interview(assignment=works[0], student_id=c.owner_id, contact=c,
                      status=Interview.Status.HELD, scheduled_at=held, held_at=held,
                      questions_ready_at=held - timedelta(days=5),
                      thank_you_sent_at=held + timedelta(hours=5), path_fit="yes",
                      created_at=chosen)
            for c in contacts
        ),
        batch_size=BATCH,
    )  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    seconds = time.perf_counter() - t0
    print(
        f"Built {students:,} students × {assignments} assignments: {submissions:,} "
        f"write-ups, {grades:,} grades, {scores:,} criterion scores, {len(contacts):,} "
        f"held interviews in {seconds:.1f} s"
    )
    return World(instructor, course, works, students, round(seconds, 1))


# Measuring one request -----------------------------------------------------------------------


def body(response) -> bytes:
    """The whole body, streamed or not: a streamed export is timed until its last byte."""
    return b"".join(response.streaming_content) if response.streaming else response.content


def fetch(client, url: str) -> bytes:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return body(response)


def peak_memory_kb(client, url: str) -> int:
    """Peak growth of Python's allocations, in KB, while ``url`` is answered and its body read
    a chunk at a time (each chunk dropped once counted, as a server sends it on)."""
    tracemalloc.start()
    start = tracemalloc.get_traced_memory()[0]
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    chunks = response.streaming_content if response.streaming else [response.content]
    size = sum(len(chunk) for chunk in chunks)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert size
    return round((peak - start) / 1024)


def measure(client, url: str, *, repeats: int = REPEATS, memory: bool = False) -> dict:
    """Median milliseconds over ``repeats`` runs after one warm-up; then one more request with
    its queries captured (count, and the slowest three with their time) and, with ``memory``
    or for a streamed response, one under tracemalloc for the peak growth."""
    return measure_together({url: (client, url)}, repeats=repeats, memory=memory)[url]


def measure_together(cases: dict, *, repeats: int = REPEATS, memory: bool = False) -> dict:
    """``measure`` for several requests, ``{key: (client, url)}``, taken in turns (one run of
    each, then the next run of each…), so that a change in the machine's load weighs on all of
    them alike rather than on whichever ran then. A case may carry a third item, a function
    called (untimed) before each of its requests. Returns ``{key: figures}``."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def prepare(case) -> tuple:
        client, url, *before = case
        for function in before:
            function()
        return client, url

    for case in cases.values():
        fetch(*prepare(case))  # warm-up: template loading, URL resolver, connection
    samples = {key: [] for key in cases}
    cpu = {key: [] for key in cases}
    sizes = {}
    for _ in range(repeats):
        for key, case in cases.items():
            client, url = prepare(case)
            t0, c0 = time.perf_counter(), time.process_time()
            sizes[key] = len(fetch(client, url))
            samples[key].append(time.perf_counter() - t0)
            cpu[key].append(time.process_time() - c0)
    figures = {}
    for key, case in cases.items():
        client, url = prepare(case)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
            body(response)
        slowest = sorted(queries.captured_queries, key=lambda q: -float(q["time"]))[:3]
        figures[key] = {
            "ms": round(statistics.median(samples[key]) * 1000, 1),
            "min_ms": round(min(samples[key]) * 1000, 1),
            # Django's own work (the database server's is not in it): steadier on a busy
            # machine.
            "cpu_ms": round(statistics.median(cpu[key]) * 1000, 1),
            "queries": len(queries),
            "kb": round(sizes[key] / 1024),
            "peak_kb": peak_memory_kb(client, url) if memory or response.streaming else None,
            "slowest_queries": [
                {"ms": round(float(q["time"]) * 1000, 1), "sql": q["sql"]} for q in slowest
            ],
        }
    return figures


def explain(sql: str) -> list[str]:
    """The plan PostgreSQL ran ``sql`` (a captured query, its values filled in) with: EXPLAIN
    (ANALYZE, BUFFERS), a streamed export's cursor declaration taken off."""
    from django.db import connection

    sql = re.sub(r'^DECLARE "[^"]+" NO SCROLL CURSOR WITH HOLD FOR ', "", sql)
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
        return [line for (line,) in cursor.fetchall()]
