"""What an operator relies on: production settings pass Django's deployment checks and send the
security headers, and the compose file is valid.

Production settings are loaded in a fresh process with only the environment an operator would
give it, so nothing from the test settings (or this shell) leaks in.
"""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HOST = "rapport.example.edu"


@pytest.fixture
def production_env(tmp_path):
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": HOST,
        "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/postgres",
        "REDIS_URL": "redis://127.0.0.1:6379/0",
        "RAPPORT_VAR_DIR": str(tmp_path / "var"),
    }


def run(args, env, **kwargs):
    return subprocess.run(
        args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, **kwargs
    )


def test_production_settings_pass_the_deployment_checks(production_env):
    assert len(production_env["SECRET_KEY"]) >= 50

    result = run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        production_env,
    )

    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "no issues" in output


HEADERS_SCRIPT = """
import json
import django
django.setup()
from django.test import Client

client = Client()
secure = client.get("/healthz/", headers={"host": "%(host)s", "x-forwarded-proto": "https"})
plain = client.get("/accounts/login/", headers={"host": "%(host)s"})
print(json.dumps({
    "status": secure.status_code,
    "headers": dict(secure.headers),
    "plain_status": plain.status_code,
    "plain_location": plain.headers.get("Location"),
}))
"""


def test_production_responses_carry_the_security_headers(production_env):
    result = run([sys.executable, "-c", HEADERS_SCRIPT % {"host": HOST}], production_env)
    assert result.returncode == 0, result.stderr
    response = json.loads(result.stdout.strip().splitlines()[-1])
    headers = {name.lower(): value for name, value in response["headers"].items()}

    assert response["status"] == 200
    csp = headers["content-security-policy"]
    for directive in ("default-src 'self'", "script-src 'self'", "object-src 'none'",
                      "frame-ancestors 'none'"):  # fmt: skip
        assert directive in csp
    assert "unsafe-inline" not in csp
    assert headers["referrer-policy"] == "same-origin"
    assert headers["strict-transport-security"] == "max-age=31536000; includeSubDomains; preload"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"
    # Plain HTTP is sent to HTTPS before any page is served.
    assert response["plain_status"] == 301
    assert response["plain_location"] == f"https://{HOST}/accounts/login/"


def test_compose_file_matches_the_compose_specification():
    compose = ROOT / "docker-compose.yml"
    assert compose.exists(), "docker-compose.yml is missing"
    checker = Path(sys.executable).with_name("check-jsonschema")

    result = run(
        [str(checker), "--builtin-schema", "vendor.compose-spec", str(compose)], dict(os.environ)
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "ok" in result.stdout
