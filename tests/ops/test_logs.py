"""Production logs are JSON lines (python-json-logger), each with the request's id; checked in
a fresh process with production settings, as tests/test_deploy.py does."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HOST = "rapport.example.edu"

SCRIPT = """
import django
django.setup()
from django.test import Client
Client().post("/healthz/", headers={"host": "%s", "x-forwarded-proto": "https",
                                        "x-request-id": "edge-42"})
"""


def test_production_logs_a_request_as_a_json_line_with_its_request_id(tmp_path):
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": HOST,
        "SITE_URL": f"https://{HOST}",
        "DEFAULT_FROM_EMAIL": f"rapport@{HOST}",
        "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/postgres",
        "REDIS_URL": "redis://127.0.0.1:6379/0",
        "RAPPORT_VAR_DIR": str(tmp_path / "var"),
    }

    result = subprocess.run(
        [sys.executable, "-c", SCRIPT % HOST], cwd=ROOT, env=env, capture_output=True,
        text=True, timeout=60,
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    refused = [line for line in lines if line["message"] == "Method Not Allowed (POST): /healthz/"]
    assert refused, result.stderr
    assert refused[0]["request_id"] == "edge-42"
    assert refused[0]["level"] == "WARNING"
    assert refused[0]["logger"] == "django.request"
    assert "time" in refused[0]
