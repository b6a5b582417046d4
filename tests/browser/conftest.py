"""Playwright against pytest-django's live server, on Debian's chromium.

Playwright's sync API runs an event loop in the test thread, so Django's ORM (used by fixtures
and assertions) must be told that this thread is allowed to make synchronous queries.
"""

import os
import re
import shutil
import time
from pathlib import Path

import pytest
from django.core import mail

from tests.conftest import require_service
from tests.factories import PASSWORD
from tests.lti.conftest import PEOPLE, register
from tests.lti.platform import LoopbackPlatform

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = "test-artifacts"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    # Session scoped like pytest-playwright's own fixture, hence not the per-test chromium_path.
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    require_service("Chromium", path is not None)
    return {**browser_type_launch_args, "executable_path": path, "args": CHROMIUM_ARGS}


@pytest.fixture
def new_context(new_context):
    """pytest-playwright's contexts, failing after 10 s instead of 30 s on a missing element."""

    def make(**kwargs):
        context = new_context(**kwargs)
        context.set_default_timeout(10_000)
        return context

    return make


@pytest.fixture
def site_url(live_server, settings):
    """The live server's address, also used for links in emails sent by the app."""
    settings.SITE_URL = live_server.url
    return live_server.url


@pytest.fixture
def lms(site_url):
    """A real LTI platform (lti1p3platform on loopback) registered in Rapport, whose tool is
    the live server. On localhost, like the live server: same site (the launch cookies are
    SameSite=Lax over plain HTTP) but another origin, so its iframe is cross-origin and
    frame-ancestors counts."""
    platform = LoopbackPlatform(
        tool_login_url=f"{site_url}/lti/login/",
        tool_launch_url=f"{site_url}/lti/launch/",
        people=dict(PEOPLE),
        host="localhost",
    ).start()
    register(platform)
    yield platform
    platform.stop()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when != "call" or not report.failed:
        return
    browser = item.funcargs.get("browser")
    if browser is None:
        return
    folder = Path(item.config.rootpath) / ARTIFACTS
    folder.mkdir(exist_ok=True)
    stem = re.sub(r"[^\w.-]+", "_", item.name).strip("_")
    pages = [page for context in browser.contexts for page in context.pages]
    for index, page in enumerate(pages, start=1):
        path = folder / (f"{stem}.png" if index == 1 else f"{stem}-{index}.png")
        try:
            page.screenshot(path=str(path), full_page=True)
        except Exception as exc:  # a crashed page must not hide the real failure
            report.sections.append(("screenshot", f"{path}: {exc}"))
        else:
            report.sections.append(("screenshot", str(path)))


def wait_for_mail(*, to: str, containing: str = "", timeout: float = 5.0) -> mail.EmailMessage:
    """The newest message to ``to`` (whose body contains ``containing``) in the outbox.

    The live server sends mail from its own thread when the view's transaction commits, so
    the message may land a moment after the browser has the response.
    """
    deadline = time.monotonic() + timeout
    while True:
        found = [m for m in mail.outbox if to in m.to and containing in m.body]
        if found:
            return found[-1]
        if time.monotonic() > deadline:
            sent = [(m.to, m.subject) for m in mail.outbox]
            raise AssertionError(f"No email to {to} containing {containing!r}; outbox: {sent}")
        time.sleep(0.05)


def link_in(message: mail.EmailMessage, path_part: str) -> str:
    """The first absolute link in the text body whose path contains ``path_part``."""
    for url in re.findall(r"https?://\S+", message.body):
        if path_part in url:
            return url
    raise AssertionError(f"No link with {path_part!r} in: {message.body}")


def sign_in(page, base_url: str, email: str, password: str = PASSWORD) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign In").click()
    page.get_by_role("heading", name="My courses").wait_for()
