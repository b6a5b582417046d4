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
        "SITE_URL": f"https://{HOST}",
        "DEFAULT_FROM_EMAIL": f"Rapport <rapport@{HOST}>",
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


def deploy_check(env):
    result = run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"], env)
    return result.returncode, result.stdout + result.stderr


def test_deployment_checks_refuse_a_production_config_without_site_url(production_env):
    del production_env["SITE_URL"]

    status, output = deploy_check(production_env)

    assert status != 0
    assert "rapport.E001" in output and "SITE_URL is not set." in output
    # The Message-ID domain comes from SITE_URL's host, so it is missing too.
    assert "rapport.E004" in output


@pytest.mark.parametrize(
    ("variable", "value", "code"),
    [
        ("SITE_URL", f"http://{HOST}", "rapport.E002"),
        ("SITE_URL", "https://localhost:8000", "rapport.E002"),
        ("DEFAULT_FROM_EMAIL", "Rapport <rapport@localhost>", "rapport.E003"),
        ("NOTIFICATION_MESSAGE_ID_DOMAIN", "rapport.local", "rapport.E004"),
    ],
)
def test_deployment_checks_refuse_development_addresses(production_env, variable, value, code):
    production_env["NOTIFICATION_MESSAGE_ID_DOMAIN"] = HOST  # else it follows SITE_URL's host
    production_env[variable] = value

    status, output = deploy_check(production_env)

    assert status != 0
    assert code in output and variable in output
    assert output.count("rapport.E") == 1, output


def test_deployment_checks_refuse_a_missing_sender(production_env):
    del production_env["DEFAULT_FROM_EMAIL"]

    status, output = deploy_check(production_env)

    assert status != 0
    assert "rapport.E003" in output and "DEFAULT_FROM_EMAIL" in output


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
