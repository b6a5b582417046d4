"""The invitation email and a reminder digest, once for real: the test commits, a Celery worker
process takes the task from the broker, reads the committed rows from the test database and
sends through the SMTP backend to a real SMTP server."""

import email
import email.policy
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import redis
from aiosmtpd.controller import Controller
from django.db import connection, transaction
from django.utils import timezone

from courses.enrolment import invitation_create
from courses.models import Role
from interviews.notices import Kind
from notifications.models import Notification, message_id_for
from notifications.tasks import tick
from tests.celery_publishing import celery_publishing
from tests.conftest import make_user, require_service

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
SITE_URL = "https://rapport.example.edu"
WORKER_START_TIMEOUT = 30
DELIVERY_TIMEOUT = 20


class Sink:
    """An SMTP server that keeps every message it is given."""

    def __init__(self):
        self.messages: list[tuple[list[str], email.message.EmailMessage]] = []

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append((list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"

    def wait_for(self, recipient: str, timeout: float = DELIVERY_TIMEOUT):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for rcpt_tos, message in self.messages:
                if recipient in rcpt_tos:
                    return message
            time.sleep(0.1)
        return None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_sink():
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield sink, controller.port
    controller.stop()


@pytest.fixture(params=["redis", "filesystem"])
def broker(request, tmp_path):
    """The broker for this test and the test process's Celery app publishing to it.

    ``redis``: a Redis db, emptied (production). ``filesystem``: kombu's filesystem transport in
    a fresh folder (the embedded default of ``make run``). Yields (broker URL, queue name,
    extra worker environment). The queue is this test's own, so parallel runs never take each
    other's tasks.
    """
    queue = f"integration-{uuid.uuid4().hex[:12]}"
    if request.param == "redis":
        url = request.getfixturevalue("redis_url")
        redis.Redis.from_url(url).flushdb()
        options, worker_env = {}, {}
    else:
        url, folder = "filesystem://", tmp_path / "broker"
        folder.mkdir()
        options = {
            "data_folder_in": str(folder),
            "data_folder_out": str(folder),
            "control_folder": str(folder),
            "store_processed": False,
        }
        worker_env = {"CELERY_BROKER_FOLDER": str(folder)}
    with celery_publishing(
        task_always_eager=False,
        broker_url=url,
        task_default_queue=queue,
        broker_transport_options=options,
    ):
        yield url, queue, worker_env


@pytest.fixture
def worker(transactional_db, broker, smtp_sink, tmp_path):
    """A real ``celery worker`` on the broker, the test database and the SMTP sink.

    Yields the path of its log. It is stopped before the test database is flushed or dropped.
    """
    require_service("PostgreSQL", connection.vendor == "postgresql")
    _, smtp_port = smtp_sink
    broker_url, queue, broker_env = broker
    log = tmp_path / "worker.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.integration",
        "DATABASE_NAME": connection.settings_dict["NAME"],
        "CELERY_BROKER_URL": broker_url,
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_port),
        "SITE_URL": SITE_URL,
        "PYTHONUNBUFFERED": "1",
        **broker_env,
    }
    command = [
        sys.executable, "-m", "celery", "-A", "config", "worker",
        "--pool=solo", "--concurrency=1", "--loglevel=INFO", f"--queues={queue}",
        "--without-gossip", "--without-mingle", "--without-heartbeat",
        f"--hostname=integration-{os.getpid()}@%h",
    ]  # fmt: skip
    with log.open("wb") as output:
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT
        )
    try:
        _wait_until_ready(process, log)
        yield log
    finally:
        _stop(process)


def _wait_until_ready(process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + WORKER_START_TIMEOUT
    while time.monotonic() < deadline:
        if " ready." in log.read_text(errors="replace"):
            return
        if process.poll() is not None:
            break
        time.sleep(0.1)
    pytest.fail(f"The Celery worker did not start:\n{log.read_text(errors='replace')}")


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


def received_invitation_tasks(log: Path) -> int:
    return sum(
        1
        for line in log.read_text(errors="replace").splitlines()
        if "courses.tasks.send_invitation_email[" in line and "received" in line
    )


def test_worker_sends_the_invitation_email_after_commit(worker, smtp_sink, course, instructor):
    sink, _ = smtp_sink
    with transaction.atomic():
        sent = invitation_create(
            course=course, email="Nina.Newcomer@example.edu", role=Role.STUDENT,
            invited_by=instructor,
        )  # fmt: skip

    message = sink.wait_for("nina.newcomer@example.edu")

    assert message is not None, f"No email arrived. Worker log:\n{worker.read_text()}"
    assert message["To"] == "nina.newcomer@example.edu"
    assert course.title in message["Subject"]
    body = message.get_body(preferencelist=("plain",)).get_content()
    assert f"{SITE_URL}/invitations/{sent.token}/" in body


def test_rolled_back_invitation_is_never_sent(worker, smtp_sink, course, instructor):
    sink, _ = smtp_sink

    class Abandon(Exception):
        pass

    with pytest.raises(Abandon), transaction.atomic():
        invitation_create(
            course=course, email="rolled.back@example.edu", role=Role.STUDENT,
            invited_by=instructor,
        )  # fmt: skip
        raise Abandon

    # A committed invitation afterwards shows the worker was up and had drained the queue.
    with transaction.atomic():
        invitation_create(
            course=course, email="after.commit@example.edu", role=Role.STUDENT,
            invited_by=instructor,
        )  # fmt: skip
    assert sink.wait_for("after.commit@example.edu") is not None, worker.read_text()
    time.sleep(2)  # anything queued in error would have reached the sink by now

    assert [rcpt for rcpt, _ in sink.messages] == [["after.commit@example.edu"]]
    assert received_invitation_tasks(worker) == 1, worker.read_text()


def test_worker_sends_the_reminder_digest_through_smtp(worker, smtp_sink):
    sink, _ = smtp_sink
    now = timezone.now()
    offset = 13 - now.hour  # a zone where it is early afternoon: no quiet hours
    zone = "UTC" if offset == 0 else f"Etc/GMT{'-' if offset > 0 else '+'}{abs(offset)}"
    person = make_user("rita.reminded@example.edu", "Rita Reminded", zone)
    for n, subject in enumerate(["Questions prepared by Friday", "Send your thank-you note"]):
        Notification.objects.create(
            recipient=person, kind=Kind.MILESTONE_SOON, dedupe_key=f"worker:{n}", send_at=now,
            subject=subject, body="Due soon.", url="/courses/",
        )  # fmt: skip

    assert tick() == 2  # published to the broker: the worker delivers

    message = sink.wait_for("rita.reminded@example.edu")
    assert message is not None, f"No email arrived. Worker log:\n{worker.read_text()}"
    assert message["Subject"] == "[Rapport] 2 reminders: Questions prepared by Friday"
    assert message["Message-ID"] == message_id_for(["worker:0", "worker:1"])
    assert message["Auto-Submitted"] == "auto-generated"
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    assert "Send your thank-you note" in text and "Send your thank-you note" in html
    assert f"{SITE_URL}/courses/" in text
    deadline = time.monotonic() + DELIVERY_TIMEOUT
    while Notification.objects.filter(state=Notification.State.SENT).count() < 2:
        assert time.monotonic() < deadline, worker.read_text()
        time.sleep(0.1)
    assert len(sink.messages) == 1
