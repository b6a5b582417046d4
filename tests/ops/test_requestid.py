"""Request ids (ops/requestid.py): kept from the proxy or made, sent back, on every log line of
the request and of the Celery tasks it queues, restored by the worker from the task's headers.

The worker here is Celery's own test worker in a thread of this process, on the in-memory
broker: the task runs in another thread, so its id can only have come through the message."""

import logging
import re
import time
import uuid

import pytest
from celery.contrib.testing.worker import start_worker
from django.core import mail
from django.urls import reverse

from ops.requestid import RequestIdFilter
from tests.celery_publishing import celery_publishing


class Captured(logging.Handler):
    def __init__(self):
        super().__init__(logging.INFO)
        self.addFilter(RequestIdFilter())
        self.records: list[logging.LogRecord] = []

    def emit(self, record):
        self.records.append(record)


@pytest.fixture
def captured():
    handler = Captured()
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    yield handler
    root.removeHandler(handler)
    root.setLevel(level)


def test_a_response_carries_the_proxys_request_id_or_a_new_one(client, db):
    kept = client.get("/healthz/", headers={"x-request-id": "lb-7f3a.2"})
    made = client.get("/healthz/", headers={"x-request-id": "no spaces <allowed>"})

    assert kept["X-Request-ID"] == "lb-7f3a.2"
    assert re.fullmatch(r"[0-9a-f]{32}", made["X-Request-ID"])


@pytest.fixture
def real_worker(transactional_db):
    queue = f"requestid-{uuid.uuid4().hex[:10]}"
    with (
        celery_publishing(
            task_always_eager=False, broker_url="memory://", task_default_queue=queue
        ) as app,
        start_worker(
            app, pool="solo", perform_ping_check=False, shutdown_timeout=10, queues=[queue]
        ),
    ):
        yield


def test_the_task_a_request_queues_logs_the_requests_id(
    client, instructor, course, real_worker, captured
):
    client.force_login(instructor)

    response = client.post(
        reverse("courses:invite", args=[course.pk]),
        {"emails": "newcomer@example.edu", "role": "student"},
        headers={"x-request-id": "req-invite-1"},
    )

    assert response.status_code == 302
    assert response["X-Request-ID"] == "req-invite-1"
    deadline = time.monotonic() + 10
    while not mail.outbox and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [m.to for m in mail.outbox] == [["newcomer@example.edu"]]
    done = [
        record
        for record in captured.records
        if "send_invitation_email" in record.getMessage() and "succeeded" in record.getMessage()
    ]
    assert done, [record.getMessage() for record in captured.records]
    assert {record.request_id for record in done} == {"req-invite-1"}
    assert done[0].threadName != "MainThread"
