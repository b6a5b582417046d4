"""Headers every response carries (config/headers.py): signed-in pages are never stored by a
cache (ASVS V14.3.2), every response turns off the browser features no page uses, and neither the
app nor gunicorn names the server. The authorization walk (tests/test_authorization.py) checks
the same on every project URL for every actor, with ``assert_privacy_headers``."""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import AnonymousUser
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from config.headers import PrivacyHeadersMiddleware
from interviews.models import Submission
from tests.conftest import port_open
from tests.factories import make_assignment
from tests.notifications import notify
from tests.pages import assert_privacy_headers

ROOT = Path(__file__).resolve().parents[1]


def directives(response) -> set[str]:
    return {d.strip() for d in response.get("Cache-Control", "").split(",") if d.strip()}


def handed_in(course, *, student):
    """The ``assignment``: published, due in ten days, and the student has handed a write-up
    in for it."""
    assignment = make_assignment(
        course, title="Meet a professional", contact_due_at=None, interview_due_at=None,
        writeup_due_at=timezone.now() + timedelta(days=10), cutoff_at=None,
    )  # fmt: skip
    now = timezone.now()
    Submission.objects.create(
        assignment=assignment, student=student, body="What I learned", word_count=3,
        revision=1, submitted_revision=1, submitted_at=now,
    )  # fmt: skip
    return assignment


pytestmark = pytest.mark.assignment(build=handed_in)


def signed_in_pages(course, assignment):
    args = [course.pk, assignment.pk]
    return {
        "write-up": reverse("interviews:writeup", args=args),
        "feedback": reverse("interviews:feedback", args=args),
        "inbox": reverse("notifications:inbox"),
        "two-factor settings": reverse("mfa_index"),
        "profile": reverse("accounts:profile"),
        "my courses": reverse("courses:mine"),
    }


def test_signed_in_pages_are_never_stored(as_user, student, course, assignment):
    notify(student, n=1)
    client = as_user(student)

    for page, url in signed_in_pages(course, assignment).items():
        response = client.get(url)

        assert response.status_code == 200, page
        assert response["Content-Type"].startswith("text/html"), page
        assert directives(response) == {"private", "no-store"}, page
        assert_privacy_headers(response, signed_in=True, context=page)


def test_a_signed_in_download_keeps_its_own_no_store(as_user, instructor, course):
    """The exports are never_cache (no-store with must-revalidate and max-age=0)."""
    export = reverse("interviews:gradebook_export", args=[course.pk])

    response = as_user(instructor).get(export, {"format": "canvas", "released": "all"})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert {"no-store", "private", "must-revalidate", "max-age=0"} <= directives(response)


def signed_in_request(user, path="/"):
    request = RequestFactory().get(path)
    request.user = user
    return request


def test_any_response_to_a_signed_in_request_without_its_own_cache_control_gets_no_store(
    student,
):
    def export(request):
        return HttpResponse("name,email\r\n", content_type="text/csv")

    response = PrivacyHeadersMiddleware(export)(signed_in_request(student, "/export.csv"))

    assert response["Cache-Control"] == "private, no-store"


def test_a_views_own_cache_control_is_kept(student):
    def view(request):
        return HttpResponse("hi", headers={"Cache-Control": "private, max-age=60"})

    response = PrivacyHeadersMiddleware(view)(signed_in_request(student))

    assert response["Cache-Control"] == "private, max-age=60"


def test_anonymous_pages_are_left_to_the_usual_caching(as_user, db):
    client = as_user(None)

    for url in (reverse("courses:home"), reverse("healthz")):
        response = client.get(url)

        assert response.status_code == 200, url
        assert "no-store" not in directives(response), url
        assert_privacy_headers(response, signed_in=False, context=url)


def test_static_files_keep_whitenoises_caching_even_for_a_signed_in_person(
    as_user, student, settings
):
    settings.WHITENOISE_USE_FINDERS = True  # the tests do not run collectstatic

    response = as_user(student).get(settings.STATIC_URL + "favicon.svg")

    assert response.status_code == 200
    assert "no-store" not in directives(response)
    assert any(d.startswith("max-age=") for d in directives(response))
    assert response["Permissions-Policy"] == settings.PERMISSIONS_POLICY


def test_errors_and_redirects_carry_the_permissions_policy(as_user, student, db):
    missing = as_user(None).get("/no-such-page/")
    to_sign_in = as_user(None).get(reverse("courses:mine"))
    signed_in_missing = as_user(student).get("/no-such-page/")

    assert missing.status_code == signed_in_missing.status_code == 404
    assert to_sign_in.status_code == 302
    assert_privacy_headers(missing, signed_in=False)
    assert_privacy_headers(to_sign_in, signed_in=False)
    assert_privacy_headers(signed_in_missing, signed_in=True)


# Written out rather than read from settings, so a loosened CONTENT_SECURITY_POLICY fails here.
SAME_ORIGIN_POLICY = {
    "default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:",
    "font-src 'self'", "connect-src 'self'", "object-src 'none'", "base-uri 'self'",
    "form-action 'self'", "frame-ancestors 'none'",
}  # fmt: skip


def content_security_policy(response) -> set[str]:
    """The policy's directives; django-csp does not keep their order from one process to the
    next, and the order carries no meaning."""
    header = response.get("Content-Security-Policy", "")
    return {d.strip() for d in header.split(";") if d.strip()}


def test_pages_static_files_and_errors_run_only_same_origin_scripts_and_styles(
    as_user, student, course, assignment, settings
):
    settings.WHITENOISE_USE_FINDERS = True  # the tests do not run collectstatic
    client = as_user(student)
    statuses = {
        reverse("interviews:writeup", args=[course.pk, assignment.pk]): 200,
        settings.STATIC_URL + "favicon.svg": 200,
        "/no-such-page/": 404,
    }

    for url, status in statuses.items():
        response = client.get(url)

        assert response.status_code == status, url
        assert content_security_policy(response) == SAME_ORIGIN_POLICY, url


def test_the_app_never_names_its_server():
    def view(request):
        return HttpResponse("hi", headers={"Server": "WSGIServer/0.2 CPython/3.11"})

    response = PrivacyHeadersMiddleware(view)(signed_in_request(AnonymousUser()))

    assert "Server" not in response


def test_a_view_that_sets_its_own_permissions_policy_keeps_it():
    def view(request):
        return HttpResponse("hi", headers={"Permissions-Policy": "camera=(self)"})

    response = PrivacyHeadersMiddleware(view)(RequestFactory().get("/"))

    assert response["Permissions-Policy"] == "camera=(self)"


# Outside the test client: gunicorn as deployed, and Chromium reading the policy --------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_gunicorn_as_deployed_names_no_server(tmp_path):
    """gunicorn started as the Dockerfile starts it (from the project root, so it reads
    gunicorn.conf.py) sends an empty Server header instead of "gunicorn"."""
    port = free_port()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    gunicorn = Path(sys.executable).with_name("gunicorn")
    server = subprocess.Popen(
        [str(gunicorn), "config.wsgi:application", "--bind", f"127.0.0.1:{port}",
         "--workers", "1"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 20
        while not port_open("127.0.0.1", port):
            assert server.poll() is None, server.stderr.read().decode()
            assert time.monotonic() < deadline, "gunicorn did not start"
            time.sleep(0.1)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz/", timeout=10) as answer:
            headers = answer.headers
            body = answer.read()
    finally:
        server.terminate()
        server.wait(timeout=20)

    assert body == b"ok"
    assert headers.get_all("Server") == [""]
    assert headers["Permissions-Policy"] == django_settings.PERMISSIONS_POLICY


CONSOLE_SCRIPT = """
import json, sys
from playwright.sync_api import sync_playwright

with sync_playwright() as playwright:
    browser = playwright.chromium.launch(
        executable_path=sys.argv[1], args=["--no-sandbox", "--disable-gpu"]
    )
    page = browser.new_page()
    console = []
    page.on("console", lambda message: console.append(message.text))
    response = page.goto(sys.argv[2])
    page.wait_for_load_state("load")
    page.wait_for_timeout(200)
    policy = response.headers.get("permissions-policy")
    browser.close()
print(json.dumps({"policy": policy, "console": console}))
"""


@pytest.mark.browser
def test_chromium_recognises_every_feature_the_policy_turns_off(live_server, chromium_path):
    """An unknown feature name is ignored with a console warning; none may be. (Chromium runs
    from its own process: Playwright's sync API cannot share a thread with the browser tests'.)"""
    result = subprocess.run(
        [sys.executable, "-c", CONSOLE_SCRIPT, chromium_path,
         live_server.url + reverse("courses:home")],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["policy"] == django_settings.PERMISSIONS_POLICY
    assert [text for text in seen["console"] if "Permissions-Policy" in text] == []
