"""What the benchmarks share: a scratch PostgreSQL database, the Django set-up on it, and a
plain-text table."""

import json
import os
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent

ADMIN_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")


def scratch_database() -> tuple[str, str]:
    """(name, URL) of a database to create, use and drop."""
    name = f"rapport_bench_{uuid.uuid4().hex[:8]}"
    parts = urlsplit(ADMIN_URL)
    return name, urlunsplit(parts._replace(path=f"/{name}"))


def admin(sql: str) -> None:
    """Run ``sql`` on the server's maintenance database (CREATE/DROP DATABASE)."""
    import psycopg

    with psycopg.connect(ADMIN_URL.replace("postgres://", "postgresql://"), autocommit=True) as c:
        c.execute(sql)


def table(headers: list[str], rows: list[list]) -> str:
    cells = [headers, *[[str(c) for c in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = [" | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in cells]
    lines.insert(1, "-+-".join("-" * w for w in widths))
    return "\n".join(lines)


def run_on_scratch_database(
    bench: Callable[[dict], None], *, artifact: str, test_environment: bool = True
) -> None:
    """Create a scratch database, set Django up on it and migrate, run ``bench(report)``, write
    the report to ``test-artifacts/<artifact>``, and drop the database whatever happened.

    ``test_environment``: the test Client's host and a local email backend (the page benches);
    the delivery bench keeps its own SMTP backend.
    """
    name, url = scratch_database()
    admin(f'CREATE DATABASE "{name}"')
    print(f"Scratch database {name}")
    try:
        os.environ["TEST_DATABASE_URL"] = url
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
        os.environ.setdefault("LOG_LEVEL", "WARNING")
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connections
        from django.test.utils import setup_test_environment

        if test_environment:
            setup_test_environment()
        call_command("migrate", verbosity=0)
        report: dict = {"measured_at": datetime.now(UTC).isoformat(timespec="seconds")}
        bench(report)
        artifacts = ROOT / "test-artifacts"
        artifacts.mkdir(exist_ok=True)
        (artifacts / artifact).write_text(json.dumps(report, indent=2, default=str) + "\n")
        connections.close_all()
    finally:
        admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        print(f"\nDropped {name}")
