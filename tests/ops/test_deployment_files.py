"""What the deployment files promise: .env.example and docs/operations.md name every variable
the settings and gunicorn.conf.py read, the containers run as a non-root user, and
MEDIA_STORAGE=s3 switches uploads to django-storages' S3 backend."""

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

from ruamel.yaml import YAML

ROOT = Path(__file__).resolve().parents[2]
READ = re.compile(r'(?:env|Env\(\))\.(?:str|bool|int|list|db|float|json)\(\s*"([A-Z][A-Z0-9_]+)"')
GUNICORN = re.compile(r'(?:_int|environ\.get)\("([A-Z][A-Z0-9_]+)"')
COMPOSE = re.compile(r"\$\{([A-Z][A-Z0-9_]+)")


def variables_read() -> set[str]:
    names = set()
    for settings in ("base.py", "production.py"):
        names |= set(READ.findall((ROOT / "config" / "settings" / settings).read_text()))
    names |= set(GUNICORN.findall((ROOT / "gunicorn.conf.py").read_text()))
    names |= set(COMPOSE.findall((ROOT / "docker-compose.yml").read_text()))
    return names


def test_env_example_and_the_operations_guide_name_every_variable():
    example = set(
        re.findall(r"^(?:# )?([A-Z][A-Z0-9_]+)=", (ROOT / ".env.example").read_text(), re.M)
    )
    guide = (ROOT / "docs" / "operations.md").read_text()
    read = variables_read()
    assert {"SITE_URL", "METRICS_TOKEN", "GUNICORN_WORKERS", "POSTGRES_PASSWORD"} <= read

    assert read - example == set()
    assert {name for name in read if f"`{name}`" not in guide} == set()


def test_the_app_containers_run_as_a_non_root_user():
    compose = YAML(typ="safe").load((ROOT / "docker-compose.yml").read_text())
    dockerfile = (ROOT / "Dockerfile").read_text()

    for name in ("web", "worker", "beat", "mailpit"):
        user = str(compose["services"][name].get("user", ""))
        assert user and not user.startswith(("0", "root")), name
    assert re.findall(r"^USER (\S+)", dockerfile, re.M)[-1] == "10001:10001"
    assert "useradd --system --uid 10001" in dockerfile
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert ".env" in ignored and "!.env.example" in ignored


def test_the_compose_services_run_the_procfiles_commands():
    procfile = dict(
        line.split(": ", 1) for line in (ROOT / "Procfile").read_text().splitlines() if line
    )
    services = YAML(typ="safe").load((ROOT / "docker-compose.yml").read_text())["services"]

    assert " ".join(services["worker"]["command"]) == procfile["worker"]
    assert " ".join(services["beat"]["command"]) == procfile["beat"]
    # The web service checks the deployment and migrates first, then runs the same gunicorn.
    assert services["web"]["command"].endswith(f'{procfile["web"]}"')


S3_SCRIPT = """
import django
django.setup()
from django.core.files.storage import storages
default_storage = storages["default"]
print(type(default_storage).__name__, default_storage.bucket_name, default_storage.location,
      default_storage.querystring_auth)
"""


def test_media_storage_s3_stores_uploads_in_a_private_bucket(tmp_path):
    host = "rapport.example.edu"
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(50), "ALLOWED_HOSTS": host,
        "SITE_URL": f"https://{host}", "DEFAULT_FROM_EMAIL": f"rapport@{host}",
        "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/postgres",
        "REDIS_URL": "redis://127.0.0.1:6379/0", "RAPPORT_VAR_DIR": str(tmp_path / "var"),
        "MEDIA_STORAGE": "s3", "AWS_STORAGE_BUCKET_NAME": "rapport-uploads",
        "AWS_S3_ENDPOINT_URL": "https://s3.example.edu",
    }  # fmt: skip

    result = subprocess.run(
        [sys.executable, "-c", S3_SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=60,
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["S3Storage", "rapport-uploads", "media", "True"]
