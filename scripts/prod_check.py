"""`make prod-check`: the production processes of the Procfile (gunicorn, a Celery worker, Celery
beat) with ``config.settings.production`` on this machine's PostgreSQL and Redis and a local SMTP
sink, driven through journey 6 over HTTP as a browser behind a TLS proxy would.

1. A scratch PostgreSQL database (created, migrated, dropped at the end), Redis database
   ``PROD_CHECK_REDIS_DB`` (13; flushed at the start and the end) as cache and broker, an SMTP
   sink (aiosmtpd) and a scratch ``RAPPORT_VAR_DIR`` (static files, media, beat's schedule).
2. Every line of the Procfile, as written there, each in its own process group.
3. Through gunicorn, with ``X-Forwarded-Proto: https`` and the public host name: an instructor
   and a student sign up and confirm their address from the email in the sink; the instructor
   creates a course and an assignment whose write-up is due in a day and a minute or two, with
   a reminder one day before, and publishes it; the student joins with the course's code, plans
   an interview and logs it held three and a half hours ago (thank-you nudge: three hours after
   it ended).
4. Nothing advances the clock: the reminder moments fall a minute or two ahead, and beat's
   ordinary tick (every 60 s) hands them to the worker. The check waits for the milestone
   reminder and the thank-you nudge in the sink, and asserts each came once, to the student,
   not before its moment, and that the student's inbox page lists both.
5. Every process it started is stopped, the database dropped and Redis flushed, also on failure.
"""

import contextlib
import email
import email.policy
import math
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback
import uuid
import zoneinfo
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import psycopg
import redis
import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.forms_as_rendered import Page, as_post_data  # noqa: E402
from tests.html_forms import form_action, form_data  # noqa: E402
from tests.reliability.support import Sink, free_port  # noqa: E402

PUBLIC_HOST = "rapport.prod-check.example.edu"
SITE_URL = f"https://{PUBLIC_HOST}"
POSTGRES = os.environ.get("PROD_CHECK_POSTGRES", "postgresql://postgres@127.0.0.1:5432")
REDIS_DB = int(os.environ.get("PROD_CHECK_REDIS_DB", "13"))
REDIS_URL = f"redis://127.0.0.1:6379/{REDIS_DB}"
PASSWORD = "plum-orchard-lantern-42"
START_TIMEOUT = 60
CANCELLED = "Tomorrow: interview with Priya Practitioner"
TICK_SENT = "Sending due task notifications-tick"  # beat's log line for each tick
# Beat ticks every 60 s; a reminder is due within a minute or two of being planned.
DELIVERY_TIMEOUT = 300
# Zones in which the student may live: the one where it is now closest to 14:00, so that no
# reminder waits for quiet hours (21:00-08:00 local).
ZONES = (
    "Pacific/Honolulu", "America/Los_Angeles", "America/Chicago", "America/New_York",
    "America/Sao_Paulo", "Atlantic/Azores", "Europe/London", "Europe/Madrid", "Europe/Athens",
    "Asia/Dubai", "Asia/Karachi", "Asia/Dhaka", "Asia/Bangkok", "Asia/Shanghai", "Asia/Tokyo",
    "Australia/Sydney", "Pacific/Noumea", "Pacific/Auckland",
)  # fmt: skip


class CheckFailed(Exception):
    pass


STARTED = time.monotonic()


def step(text: str) -> None:
    print(f"[prod-check {time.monotonic() - STARTED:5.0f} s] {text}", flush=True)


def check(condition, message: str) -> None:
    if not condition:
        raise CheckFailed(message)


def afternoon_zone(now: datetime) -> zoneinfo.ZoneInfo:
    def distance(name):
        local = now.astimezone(zoneinfo.ZoneInfo(name))
        return abs(local.hour + local.minute / 60 - 14)

    return zoneinfo.ZoneInfo(min(ZONES, key=distance))


def next_minute(moment: datetime, *, at_least: timedelta) -> datetime:
    """The first whole minute at least ``at_least`` after ``moment``."""
    later = moment + at_least
    return later.replace(second=0, microsecond=0) + timedelta(minutes=1)


def local_input(moment: datetime, zone: zoneinfo.ZoneInfo) -> str:
    """``moment`` as a datetime-local field carries it, in ``zone``."""
    return moment.astimezone(zone).strftime("%Y-%m-%dT%H:%M")


# The processes -------------------------------------------------------------------------------


def procfile() -> dict[str, list[str]]:
    commands = {}
    for line in (ROOT / "Procfile").read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, command = line.partition(":")
            commands[name.strip()] = shlex.split(command)
    return commands


class Stack:
    """What the check starts, so that ``stop()`` can take every piece down again."""

    def __init__(self):
        self.database = f"rapport_prod_check_{uuid.uuid4().hex[:8]}"
        self.var_dir = Path(tempfile.mkdtemp(prefix="rapport-prod-check-"))
        self.sink = Sink()
        self.processes: dict[str, subprocess.Popen] = {}
        self.logs: dict[str, Path] = {}
        self.database_created = False
        self.web_port = free_port()
        self.env: dict[str, str] = {}

    def start_services(self) -> None:
        step(f"SMTP sink, Redis db {REDIS_DB} (flushed), PostgreSQL database {self.database}")
        self.sink.start()
        redis.Redis.from_url(REDIS_URL).flushdb()
        with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as db:
            db.execute(f'CREATE DATABASE "{self.database}"')
        self.database_created = True
        self.env = {
            **os.environ,
            "PATH": f"{ROOT / '.venv' / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}",
            "PYTHONUNBUFFERED": "1",
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "SECRET_KEY": f"prod-check-{uuid.uuid4().hex}{uuid.uuid4().hex}",
            "ALLOWED_HOSTS": PUBLIC_HOST,
            "SITE_URL": SITE_URL,
            "DATABASE_URL": f"{POSTGRES}/{self.database}",
            "REDIS_URL": REDIS_URL,
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(self.sink.port),
            "DEFAULT_FROM_EMAIL": "Rapport <rapport@prod-check.example.edu>",
            "COURSE_CREATORS": "domains",
            "ALLOWED_COURSE_CREATOR_DOMAINS": "college.example.edu",
            "RAPPORT_VAR_DIR": str(self.var_dir),
            "LOG_LEVEL": "INFO",
            # gunicorn reads this beside its configuration file: the Procfile line stays as is.
            "GUNICORN_CMD_ARGS": f"--bind=127.0.0.1:{self.web_port}",
        }
        for env_name in ("CI", "DJANGO_ALLOW_ASYNC_UNSAFE"):
            self.env.pop(env_name, None)

    def manage(self, *args: str) -> None:
        step(f"manage.py {' '.join(args)}")
        done = subprocess.run(
            [sys.executable, "manage.py", *args], cwd=ROOT, env=self.env,
            capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        check(
            done.returncode == 0, f"manage.py {' '.join(args)} failed:\n{done.stdout}{done.stderr}"
        )

    def start(self, name: str, command: list[str]) -> None:
        step(f"start {name}: {shlex.join(command)}")
        log = self.var_dir / f"{name}.log"
        with log.open("wb") as output:
            self.processes[name] = subprocess.Popen(
                command, cwd=ROOT, env=self.env, stdout=output, stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: stop() takes its children too
            )  # fmt: skip
        self.logs[name] = log

    def wait_for_log(self, name: str, needle: str) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if needle in self.logs[name].read_text(errors="replace"):
                return
            check(self.processes[name].poll() is None, f"{name} exited:\n{self.log(name)}")
            time.sleep(0.2)
        raise CheckFailed(f"{name} did not start in {START_TIMEOUT} s:\n{self.log(name)}")

    def log(self, name: str, tail: int | None = 4000) -> str:
        text = self.logs[name].read_text(errors="replace")
        return text[-tail:] if tail else text

    def alive(self) -> None:
        for name, process in self.processes.items():
            check(process.poll() is None, f"{name} exited:\n{self.log(name)}")

    def stop(self, *, keep_logs: bool) -> None:
        for name, process in self.processes.items():
            if process.poll() is None:
                step(f"stop {name} (pid {process.pid})")
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=5)
            # Children left behind in the group (a prefork pool whose parent died).
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)
        self.sink.stop()
        with contextlib.suppress(redis.RedisError):
            redis.Redis.from_url(REDIS_URL).flushdb()
        if self.database_created:
            step(f"drop database {self.database}")
            with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as db:
                db.execute(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')
        if keep_logs:
            step(f"logs kept in {self.var_dir}")
        else:
            shutil.rmtree(self.var_dir, ignore_errors=True)


# A browser behind a TLS proxy ----------------------------------------------------------------


class Browser:
    """A session sending what a browser behind the TLS proxy sends: the public host name,
    ``X-Forwarded-Proto: https`` (added by the proxy), the Origin on posts; redirects are
    followed by hand, the public address mapped back to gunicorn. The browser speaks HTTPS to
    the proxy, so it sends back the cookies marked Secure: they are kept here by hand, as
    ``requests`` would not send them over plain HTTP."""

    def __init__(self, base: str):
        self.base = base
        self.session = requests.Session()
        self.session.headers.update({"Host": PUBLIC_HOST, "X-Forwarded-Proto": "https"})
        self.cookies: dict[str, str] = {}
        self.url = ""

    def _local(self, url: str) -> str:
        parts = urlsplit(urljoin(SITE_URL + "/", url))
        check(parts.netloc == PUBLIC_HOST, f"A link leaves the site: {url}")
        return f"{self.base}{parts.path}" + (f"?{parts.query}" if parts.query else "")

    def request(self, method: str, url: str, **kwargs) -> requests.Response:
        target = self._local(url)
        for _ in range(10):
            headers = (
                {"Origin": SITE_URL, "Referer": SITE_URL + self.url} if method == "POST" else {}
            )
            if self.cookies:
                headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
            response = self.session.request(
                method, target, headers=headers, allow_redirects=False, timeout=30, **kwargs
            )
            self.session.cookies.clear()
            for cookie in response.cookies:
                if cookie.value and not cookie.is_expired():
                    self.cookies[cookie.name] = cookie.value
                else:
                    self.cookies.pop(cookie.name, None)
            self.url = urlsplit(target).path
            if response.status_code not in (301, 302, 303, 307, 308):
                check(
                    response.status_code < 400,
                    f"{method} {self.url} answered {response.status_code}:\n{response.text[:3000]}",
                )
                return response
            target = self._local(response.headers["Location"])
            method, kwargs = "GET", {}
        raise CheckFailed(f"Too many redirects from {url}")

    def get(self, url: str) -> requests.Response:
        return self.request("GET", url)

    def submit(self, page: requests.Response, *, containing: str, button=None, **changes):
        """Submit the form with the field ``containing`` as rendered, with ``changes``."""
        data = {**form_data(page.text, containing=containing, button=button), **changes}
        action = form_action(page.text, containing=containing, button=button, page_url=self.url)
        return self.request("POST", action, data=data)

    def press(self, page: requests.Response, button: str) -> requests.Response:
        """Press the submit button whose visible text is ``button``, as a browser would."""
        for form in Page(page.text).forms:
            pressed = [
                c for c in form.controls if c.is_submit and " ".join(c.text.split()) == button
            ]
            if form.method == "post" and pressed:
                data = as_post_data(form.submission(pressed[0]))
                return self.request("POST", form.action(self.url, pressed[0]), data=data)
        raise CheckFailed(f"No button {button!r} on {self.url}")


def text_of(page: requests.Response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", page.text).split())


# Journey 6 -----------------------------------------------------------------------------------


def message_to(sink: Sink, address: str, containing: str, timeout: float = 30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for received in sink.snapshot():
            if address in received.recipients and containing.encode() in received.content:
                return email.message_from_bytes(received.content, policy=email.policy.default)
        time.sleep(0.2)
    raise CheckFailed(f"No email to {address} containing {containing!r} arrived")


def plain_body(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def sign_up(browser: Browser, sink: Sink, *, email_address: str, name: str, zone: str) -> None:
    page = browser.get("/accounts/signup/")
    page = browser.submit(
        page, containing="email", email=email_address, full_name=name, time_zone=zone,
        password1=PASSWORD, password2=PASSWORD,
    )  # fmt: skip
    check("verify your email address" in text_of(page).lower(), "Sign-up did not ask to verify")
    body = plain_body(message_to(sink, email_address, "/accounts/confirm-email/"))
    link = re.search(r"https://\S+/accounts/confirm-email/\S+", body)
    check(link, f"No confirmation link in:\n{body}")
    page = browser.get(link.group(0))
    page = browser.submit(page, containing="csrfmiddlewaretoken", button="Confirm")
    check("My courses" in page.text, "Confirming the address did not sign in")
    step(f"  {name} <{email_address}> signed up, confirmed the address from the sink")


def journey(stack: Stack) -> None:
    base = f"http://127.0.0.1:{stack.web_port}"
    sink = stack.sink
    now = datetime.now(UTC)
    zone = afternoon_zone(now)
    course_zone = zoneinfo.ZoneInfo("America/Toronto")
    tag = uuid.uuid4().hex[:6]
    instructor_email = f"ines.instructor.{tag}@college.example.edu"
    student_email = f"sam.student.{tag}@example.edu"

    step("journey 6 through gunicorn (X-Forwarded-Proto: https, Host: " + PUBLIC_HOST + ")")
    health = requests.get(f"{base}/healthz/", headers={"Host": PUBLIC_HOST}, timeout=10)
    check(health.status_code == 200, f"/healthz/ answered {health.status_code}")
    plain = requests.get(f"{base}/", headers={"Host": PUBLIC_HOST}, allow_redirects=False)
    check(
        plain.status_code == 301 and plain.headers["Location"].startswith("https://"),
        f"Plain HTTP was not redirected to HTTPS: {plain.status_code}",
    )
    step("  plain HTTP is redirected to HTTPS; /healthz/ answers 200")

    instructor = Browser(base)
    sign_up(instructor, sink, email_address=instructor_email, name="Ines Instructor",
            zone="America/Toronto")  # fmt: skip
    student = Browser(base)
    sign_up(student, sink, email_address=student_email, name="Sam Student", zone=zone.key)

    page = instructor.get("/courses/new/")
    course_title = f"Career Exploration {tag}"
    page = instructor.submit(
        page, containing="title", title=course_title, term="Fall 2027",
        time_zone=course_zone.key,
    )  # fmt: skip
    check(f"Course “{course_title}” created." in page.text, "The course was not created")
    course_path = instructor.url
    join_code = re.search(r'class="join-code[^"]*">\s*([^<\s]+)', page.text)
    check(join_code, "No join code on the course page")
    step(f"  instructor created {course_title!r} ({course_path}), join code {join_code.group(1)}")

    page = student.get("/")
    page = student.submit(page, containing="code", code=join_code.group(1))
    check(f"You joined {course_title}." in page.text, "The student could not join")
    step("  student joined with the code")

    # The write-up is due a day and a minute or two from now: its "1 day before" reminder
    # falls a minute or two ahead, at the same wall time in the student's zone.
    milestone_at = next_minute(datetime.now(UTC), at_least=timedelta(seconds=20))
    writeup_due = milestone_at + timedelta(days=1)
    page = instructor.get(f"{course_path}assignments/new/")
    assignment_title = f"Meet a professional {tag}"
    page = instructor.submit(
        page, containing="writeup_due_at", title=assignment_title,
        instructions="Interview someone whose work you would like to do.",
        writeup_due_at=local_input(writeup_due, course_zone), reminder_days="1",
    )  # fmt: skip
    check(assignment_title in page.text, "The assignment was not created")
    page = instructor.press(page, "Publish to students")
    check("Published: the students of the course can see it now." in page.text, "Not published")
    assignment_path = instructor.url
    step(f"  instructor published {assignment_title!r}: write-up due {writeup_due:%H:%M} UTC "
         f"tomorrow, reminded 1 day before ({milestone_at:%H:%M} UTC)")  # fmt: skip

    # The student plans an interview for tomorrow at that minute (its "interview tomorrow"
    # reminder falls due with the milestone's), then logs it held three and a half hours ago
    # (it was brought forward): that reminder is cancelled, as its step is done, and the
    # thank-you nudge is due three hours after the interview ended.
    page = student.get(f"{assignment_path}interviews/new/")
    page = student.submit(
        page, containing="scheduled_at", time_zone=zone.key,
        **{"new_contact-name": "Priya Practitioner", "new_contact-organisation": "City Hospital"},
        scheduled_at=local_input(milestone_at + timedelta(days=1), zone),
        duration_minutes="30", status="scheduled",
    )  # fmt: skip
    check("Your interview with Priya Practitioner is planned." in page.text, "Not planned")
    interview_path = student.url
    thanks_at = next_minute(milestone_at, at_least=timedelta(seconds=30))
    held_at = thanks_at - timedelta(hours=3, minutes=30)
    page = student.get(f"{interview_path}log/")
    page = student.submit(
        page, containing="held_at", held="on", held_at=local_input(held_at, zone),
        notes="Shift handovers matter more than I thought.",
    )  # fmt: skip
    check("Logged as held." in page.text, "The interview was not logged held")
    step(f"  student ({zone.key}) planned an interview and logged it held at {held_at:%H:%M} "
         f"UTC for 30 min: thank-you nudge due {thanks_at:%H:%M} UTC")  # fmt: skip

    expected = {
        "milestone reminder": (f"by {_wall(writeup_due, zone)}: {assignment_title}", milestone_at),
        "thank-you nudge": ("Send your thank-you note to Priya Practitioner", thanks_at),
    }
    step(f"waiting for beat's tick and the worker (up to {DELIVERY_TIMEOUT} s)")
    deadline = time.monotonic() + DELIVERY_TIMEOUT
    while time.monotonic() < deadline:
        stack.alive()
        if all(_arrivals(sink, subject) for subject, _ in expected.values()):
            break
        time.sleep(1)
    # One more tick, and the delivery it may start: anything sent twice would arrive now.
    ticks = stack.log("beat", tail=None).count(TICK_SENT)
    while stack.log("beat", tail=None).count(TICK_SENT) == ticks and time.monotonic() < deadline:
        time.sleep(1)
    time.sleep(5)
    for what, (subject, due) in expected.items():
        arrivals = _arrivals(sink, subject)
        check(arrivals, f"The {what} ({subject!r}) never arrived:\n{stack.log('worker')}")
        check(len(arrivals) == 1, f"The {what} arrived {len(arrivals)} times")
        (received,) = arrivals
        check(received.recipients == (student_email,), f"The {what} went to {received.recipients}")
        check(
            received.received_at >= due,
            f"The {what} arrived at {received.received_at:%H:%M:%S}, before {due:%H:%M:%S}",
        )  # fmt: skip
        step(f"  {what} arrived once, to the student, at {received.received_at:%H:%M:%S} UTC "
             f"(due {due:%H:%M} UTC)")  # fmt: skip

    # Nothing else reached the student: the "interview tomorrow" reminder, due with the
    # milestone's, was cancelled when the interview was logged held.
    others = [
        m for m in sink.snapshot()
        if student_email in m.recipients and b"/accounts/confirm-email/" not in m.content
        and all(m not in _arrivals(sink, subject) for subject, _ in expected.values())
    ]  # fmt: skip
    check(not others, f"The student got {len(others)} other email(s): {others}")
    check(not _arrivals(sink, CANCELLED), "The interview-tomorrow reminder was sent")
    step(f"  {CANCELLED!r} (due {milestone_at:%H:%M} UTC, then held) was not sent")

    inbox = text_of(student.get("/notifications/"))
    for what, (subject, _) in expected.items():
        check(subject in inbox, f"The inbox does not list the {what} ({subject!r})")
    check(CANCELLED not in inbox, "The inbox lists the cancelled reminder")
    step("  the student's inbox page lists both, and not the cancelled one")


def _wall(moment: datetime, zone: zoneinfo.ZoneInfo) -> str:
    """A moment as the reminders word it (interviews.reminders._format)."""
    local = moment.astimezone(zone)
    return f"{local:%a %-d %b, %H:%M} {local.tzname()}"


def _arrivals(sink: Sink, subject: str) -> list:
    found = []
    for received in sink.snapshot():
        message = email.message_from_bytes(received.content, policy=email.policy.default)
        if subject in message["Subject"] or subject in plain_body(message):
            found.append(received)
    return found


def main() -> int:
    # Stopped from outside (CI's timeout, Ctrl-C): the finally clause still takes it all down.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    stack = Stack()
    passed = False
    try:
        stack.start_services()
        stack.manage("check", "--deploy", "--fail-level=ERROR")
        stack.manage("migrate", "--noinput")
        stack.manage("collectstatic", "--noinput")
        commands = procfile()
        check(set(commands) == {"web", "worker", "beat"}, f"Procfile processes: {set(commands)}")
        for name in ("web", "worker", "beat"):
            stack.start(name, commands[name])
        stack.wait_for_log("web", "Booting worker")
        stack.wait_for_log("worker", " ready.")
        stack.wait_for_log("beat", "beat: Starting")
        journey(stack)
        stack.alive()
        passed = True
    except Exception as failure:  # noqa: BLE001 - every failure is reported the same way
        if not isinstance(failure, CheckFailed):
            traceback.print_exc()
        print(f"\n[prod-check] FAILED: {failure}", file=sys.stderr, flush=True)
        for name in stack.processes:
            print(f"\n--- {name} log (end)\n{stack.log(name)}", file=sys.stderr)
        return 1
    finally:
        stack.stop(keep_logs=not passed)
    step(f"OK in {math.ceil(time.monotonic() - STARTED)} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
