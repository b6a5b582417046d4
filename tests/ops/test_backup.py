"""``make backup`` / ``make restore`` (scripts/backup.sh, scripts/restore.sh): a backup of the
test database and its uploaded files, restored into a scratch database and folder, has the
rows and the file. The scratch database is dropped afterwards."""

import os
import subprocess
import uuid
from pathlib import Path

import psycopg
import pytest
from django.db import connection

from tests.conftest import require_service
from tests.factories import make_course

ROOT = Path(__file__).resolve().parents[2]


def database_url(name: str) -> str:
    conf = connection.settings_dict
    user = conf["USER"] or "postgres"
    return f"postgres://{user}@{conf['HOST'] or '127.0.0.1'}:{conf['PORT'] or 5432}/{name}"


@pytest.fixture
def scratch_database():
    name = f"rapport_restore_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(database_url("postgres"), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    yield name
    with psycopg.connect(database_url("postgres"), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def make(target: str, **env: str) -> subprocess.CompletedProcess:
    result = subprocess.run(
        ["make", "--no-print-directory", target],
        cwd=ROOT, env={**os.environ, **env}, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def test_a_backup_restores_into_a_scratch_database_with_its_rows_and_files(
    transactional_db, instructor, tmp_path, scratch_database
):
    require_service("PostgreSQL", connection.vendor == "postgresql")
    course = make_course(instructor, title="Backed-up careers course")
    media = tmp_path / "media"
    (media / "attachments" / "2026").mkdir(parents=True)
    (media / "attachments" / "2026" / "notes.pdf").write_bytes(b"%PDF-1.4 interview notes")
    backup = tmp_path / "backup"

    made = make("backup", BACKUP_DIR=str(backup), MEDIA_ROOT=str(media),
                DATABASE_URL=database_url(connection.settings_dict["NAME"]))  # fmt: skip
    restored_media = tmp_path / "restored-media"
    done = make("restore", BACKUP_DIR=str(backup), MEDIA_ROOT=str(restored_media),
                DATABASE_URL=database_url(scratch_database))  # fmt: skip

    assert f"backup: written to {backup}" in made.stdout
    assert f"restore: {backup} restored" in done.stdout
    with psycopg.connect(database_url(scratch_database)) as restored:
        rows = restored.execute(
            "SELECT c.title, u.email FROM courses_course c"
            " JOIN accounts_user u ON u.id = c.created_by_id WHERE c.id = %s",
            [course.pk],
        ).fetchall()
        migrated = restored.execute(
            "SELECT count(*) FROM django_migrations WHERE app = 'ops'"
        ).fetchone()[0]
    assert rows == [("Backed-up careers course", instructor.email)]
    assert migrated == 1
    restored_file = restored_media / "attachments" / "2026" / "notes.pdf"
    assert restored_file.read_bytes() == b"%PDF-1.4 interview notes"


def test_restore_refuses_without_a_backup_folder():
    result = subprocess.run(
        ["make", "--no-print-directory", "restore"], cwd=ROOT, capture_output=True, text=True,
        env={**os.environ, "BACKUP_DIR": ""}, timeout=30,
    )  # fmt: skip

    assert result.returncode != 0
    assert "make restore BACKUP_DIR=" in result.stdout
