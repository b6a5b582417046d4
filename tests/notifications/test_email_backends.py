"""The real reminder email, built by delivery from real rows, through whatever EMAIL_BACKEND is
configured: Django's locmem backend, Django's SMTP backend talking to a real SMTP server
(aiosmtpd, in this process) and django-anymail's test backend (what an email service's API
backend is given), and how delivery reads an email service's refusals."""

import email
import email.policy
import json
import socket
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests
from aiosmtpd.controller import Controller
from anymail.exceptions import AnymailAPIError, AnymailCancelSend, AnymailRecipientsRefused
from anymail.message import AnymailRecipientStatus
from anymail.signals import pre_send
from django.core import mail

from interviews.notices import Kind
from notifications.delivery import deliver, is_transient
from notifications.models import Notification, message_id_for

SITE = "https://rapport.example.edu"
NOW = datetime(2027, 3, 2, 11, 0, tzinfo=UTC)  # midday in Berlin, where ``student`` lives
State = Notification.State


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = SITE
    settings.DEFAULT_FROM_EMAIL = "Rapport <rapport@example.edu>"


def due(student) -> list[Notification]:
    """Two reminders due together (one email), with text that needs encoding."""
    return [
        Notification.objects.create(
            recipient=student, kind=Kind.THANK_YOU, dedupe_key="thanks:1:2",
            send_at=NOW, subject="Send your thank-you note to Zoë Ångström",
            body="“A short note the same day is remembered.”", url="/courses/1/interviews/2/",
        ),
        Notification.objects.create(
            recipient=student, kind=Kind.MILESTONE_SOON, dedupe_key="soon:1:3",
            send_at=NOW, subject="Write-up due <tomorrow>", body="Fri 5 Mar, 17:00 & later",
            url="",
        ),
    ]  # fmt: skip


HEADERS = ("Message-ID", "List-Unsubscribe", "List-Unsubscribe-Post", "Auto-Submitted")


def check_digest(student, rows, *, subject, text, html, headers) -> None:
    """What every backend must have been given: one email for both rows."""
    # Over SMTP Django folds a long header (an encoded subject, the unsubscribe link) onto a
    # line of its own, which leaves a space in front once parsed.
    subject = subject.lstrip()
    headers = {name: str(headers[name]).lstrip() for name in HEADERS}
    assert subject == "[Rapport] 2 reminders: Send your thank-you note to Zoë Ångström"
    assert headers["Message-ID"] == message_id_for(["thanks:1:2", "soon:1:3"])
    assert headers["List-Unsubscribe"].startswith(f"<{SITE}/notifications/unsubscribe/")
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert headers["Auto-Submitted"] == "auto-generated"
    assert "Hello Stella" in text and "Hello Stella" in html
    assert "“A short note the same day is remembered.”" in text
    assert f"{SITE}/courses/1/interviews/2/" in text
    assert f'href="{SITE}/courses/1/interviews/2/"' in html
    assert "Write-up due &lt;tomorrow&gt;" in html  # escaped in the HTML, as typed in the text
    assert "Write-up due <tomorrow>" in text
    assert {r.message_id for r in Notification.objects.filter(pk__in=[r.pk for r in rows])} == {
        headers["Message-ID"]
    }
    assert set(Notification.objects.values_list("state", flat=True)) == {State.SENT}


def test_the_digest_through_the_locmem_backend(settings, student):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    rows = due(student)

    outcome = deliver([r.pk for r in rows], now=NOW)

    assert outcome["sent"] == 2
    [message] = mail.outbox
    assert message.to == [student.email]
    assert message.from_email == "Rapport <rapport@example.edu>"
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    check_digest(
        student, rows, subject=message.subject, text=message.body, html=html,
        headers=message.extra_headers,
    )  # fmt: skip


# A real SMTP server --------------------------------------------------------------------------


class Sink:
    """Keeps every message an SMTP client gives it, as the bytes that crossed the wire."""

    def __init__(self):
        self.received: list[tuple[str, list[str], bytes]] = []
        self.connections = 0

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        self.connections += 1
        return responses

    async def handle_DATA(self, server, session, envelope):
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_sink(settings):
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_USE_TLS, settings.EMAIL_TIMEOUT = False, 10
    yield sink
    controller.stop()


def test_the_digest_through_django_smtp_backend_to_a_real_smtp_server(smtp_sink, student):
    rows = due(student)

    outcome = deliver([r.pk for r in rows], now=NOW)

    assert outcome["sent"] == 2
    [(mail_from, rcpt_tos, data)] = smtp_sink.received
    assert (mail_from, rcpt_tos) == ("rapport@example.edu", [student.email])
    message = email.message_from_bytes(data, policy=email.policy.default)
    assert message["From"] == "Rapport <rapport@example.edu>"
    assert message["To"] == student.email
    assert message["Date"] is not None
    assert message.get_content_type() == "multipart/alternative"
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert text.get_content_charset() == html.get_content_charset() == "utf-8"
    check_digest(
        student, rows, subject=message["Subject"], text=text.get_content(),
        html=html.get_content(), headers=message,
    )  # fmt: skip


def test_a_batch_keeps_one_smtp_session_for_all_its_emails(
    smtp_sink, student, outsider, other_student
):
    rows = [
        Notification.objects.create(
            recipient=person, kind=Kind.MILESTONE_SOON, dedupe_key=f"k{i}", send_at=NOW,
            subject=f"Reminder {i}", body="Due soon.", url="/courses/",
        )
        for i, person in enumerate([student, outsider, other_student])
    ]  # fmt: skip

    assert deliver([r.pk for r in rows], now=NOW)["sent"] == 3

    assert sorted(rcpt for _, [rcpt], _ in smtp_sink.received) == sorted(
        [student.email, outsider.email, other_student.email]
    )
    assert smtp_sink.connections == 1


# An email service's API, through django-anymail --------------------------------------------

ANYMAIL_TEST = "anymail.backends.test.EmailBackend"


def test_the_digest_through_an_anymail_backend(settings, student):
    settings.EMAIL_BACKEND = ANYMAIL_TEST
    rows = due(student)

    outcome = deliver([r.pk for r in rows], now=NOW)

    assert outcome["sent"] == 2
    [message] = mail.outbox
    params = message.anymail_test_params
    assert params["from"].address == "Rapport <rapport@example.edu>"
    assert [to.addr_spec for to in params["to"]] == [student.email]
    assert params["is_batch_send"] is False
    check_digest(
        student, rows, subject=params["subject"], text=params["text_body"],
        html=params["html_body"], headers=params["extra_headers"],
    )  # fmt: skip
    # What the service answered, as anymail normalises it.
    assert message.anymail_status.status == {"sent"}
    assert message.anymail_status.recipients[student.email].status == "sent"


def http_error(status: int) -> AnymailAPIError:
    response = requests.Response()
    response.status_code, response.reason = status, "Refused"
    return AnymailAPIError("The service refused", status_code=status, response=response)


@pytest.fixture
def service_answers(settings):
    """``service_answers(answer)``: the anymail test backend gives ``answer`` (an exception to
    raise, or a send response) for the next emails, as an email service's API would."""
    settings.EMAIL_BACKEND = ANYMAIL_TEST
    answers = []

    def give(sender, message, esp_name, **kwargs):
        message.anymail_test_response = answers[0]

    pre_send.connect(give, weak=False)
    yield answers.append
    pre_send.disconnect(give)


@pytest.mark.parametrize(
    ("answer", "state"),
    [
        (http_error(429), State.PENDING),  # too many requests: retried later
        (http_error(503), State.PENDING),  # the service's trouble
        (AnymailAPIError("Connection refused"), State.PENDING),  # no answer at all
        (http_error(400), State.FAILED),  # a request the service will never take
        (http_error(422), State.FAILED),
        ("rejected", State.FAILED),  # every recipient refused (AnymailRecipientsRefused)
    ],
)
def test_an_email_services_refusals_are_retried_or_final(service_answers, student, answer, state):
    if answer == "rejected":
        answer = {
            "recipient_status": {student.email: AnymailRecipientStatus(None, status="rejected")}
        }
    service_answers(answer)
    rows = due(student)

    outcome = deliver([r.pk for r in rows], now=NOW)

    assert outcome["sent"] == 0
    assert {r.state for r in Notification.objects.all()} == {state}
    row = Notification.objects.get(pk=rows[0].pk)
    assert row.last_error.startswith(("AnymailAPIError", "AnymailRecipientsRefused"))
    if state == State.PENDING:
        assert row.send_at > NOW  # with backoff


def test_an_email_the_backend_does_not_send_fails_with_the_reason(settings, student):
    settings.EMAIL_BACKEND = ANYMAIL_TEST

    def cancel(sender, message, esp_name, **kwargs):
        raise AnymailCancelSend("Suppressed")

    pre_send.connect(cancel, weak=False)
    try:
        outcome = deliver([r.pk for r in due(student)], now=NOW)
    finally:
        pre_send.disconnect(cancel)

    assert (outcome["sent"], outcome["failed"]) == (0, 2)
    row = Notification.objects.first()
    assert row.state == State.FAILED
    assert row.last_error.startswith("NotSent: The email backend sent nothing")


@pytest.mark.parametrize(
    ("error", "transient"),
    [
        (http_error(429), True),
        (http_error(500), True),
        (http_error(502), True),
        (http_error(400), False),
        (http_error(401), False),
        (http_error(404), False),
        (AnymailAPIError("Connection aborted"), True),
        (AnymailRecipientsRefused(), False),
        # Amazon SES through boto3: the parsed answer instead of a requests response.
        (AnymailAPIError("Rate exceeded", response={
            "Error": {"Code": "TooManyRequestsException"},
            "ResponseMetadata": {"HTTPStatusCode": 429}}), True),
        (AnymailAPIError("Throttled", response={
            "Error": {"Code": "Throttling"}, "ResponseMetadata": {"HTTPStatusCode": 400}}), True),
        (AnymailAPIError("Not verified", response={
            "Error": {"Code": "MessageRejected"},
            "ResponseMetadata": {"HTTPStatusCode": 400}}), False),
    ],
)  # fmt: skip
def test_which_email_service_errors_are_worth_retrying(error, transient):
    assert is_transient(error) is transient


def test_anymail_settings_come_from_anymail_variables_of_the_environment():
    env = {
        "PATH": "/usr/bin:/bin", "ANYMAIL_POSTMARK_SERVER_TOKEN": "token-123",
        "ANYMAIL_IGNORE_RECIPIENT_STATUS": "true",
        "ANYMAIL_AMAZON_SES_CLIENT_PARAMS": '{"region_name": "eu-west-1"}',
    }  # fmt: skip
    script = "import json; from config.settings import base; print(json.dumps(base.ANYMAIL))"
    output = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True,
        cwd=Path(__file__).resolve().parents[2],
    ).stdout  # fmt: skip

    assert json.loads(output) == {
        "POSTMARK_SERVER_TOKEN": "token-123", "IGNORE_RECIPIENT_STATUS": True,
        "AMAZON_SES_CLIENT_PARAMS": {"region_name": "eu-west-1"},
    }  # fmt: skip
