"""``/metrics/`` (ops/metrics.py): for Prometheus' token only; the notification queue, the
tick and roster imports read from the rows at scrape time, request latency by view."""

from datetime import timedelta

import pytest
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from courses.models import RosterImport
from notifications.models import Notification
from ops.models import Heartbeat
from ops.readiness import TICK
from tests.factories import make_course

TOKEN = "scrape-token-for-tests"


@pytest.fixture(autouse=True)
def token(settings):
    settings.METRICS_TOKEN = TOKEN


def scrape(client) -> dict:
    response = client.get("/metrics/", headers={"authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.content.decode())
        for sample in family.samples
    }


def planned(recipient, key, *, send_at, state=Notification.State.PENDING) -> Notification:
    return Notification.objects.create(
        recipient=recipient, kind="milestone_soon", dedupe_key=key, send_at=send_at,
        subject=key, body=key, state=state,
    )  # fmt: skip


def test_metrics_refuse_a_missing_or_wrong_token(client, instructor, settings):
    client.force_login(instructor)
    assert client.get("/metrics/").status_code == 401
    wrong = client.get("/metrics/", headers={"authorization": "Bearer nope"})
    assert wrong.status_code == 401
    assert wrong["WWW-Authenticate"] == 'Bearer realm="metrics"'

    settings.METRICS_TOKEN = ""
    assert client.get("/metrics/", headers={"authorization": "Bearer "}).status_code == 401


def test_metrics_show_the_notification_queue_and_the_oldest_due_age(client, student):
    now = timezone.now()
    planned(student, "a", send_at=now - timedelta(minutes=12))
    planned(student, "b", send_at=now - timedelta(minutes=1))
    planned(student, "later", send_at=now + timedelta(hours=1))
    planned(student, "c", send_at=now, state=Notification.State.SENDING)
    planned(student, "d", send_at=now, state=Notification.State.FAILED)
    planned(student, "e", send_at=now, state=Notification.State.SENT)

    samples = scrape(client)

    assert samples[("rapport_notifications", (("state", "pending"),))] == 3
    assert samples[("rapport_notifications", (("state", "sending"),))] == 1
    assert samples[("rapport_notifications", (("state", "failed"),))] == 1
    assert 12 * 60 <= samples[("rapport_notification_oldest_due_seconds", ())] < 13 * 60


def test_metrics_show_the_tick_roster_imports_and_request_latency(client, instructor):
    Heartbeat.objects.create(
        task=TICK, finished_at=timezone.now() - timedelta(seconds=40), duration_seconds=0.75
    )
    course = make_course(instructor)
    for state in ("done", "done", "failed"):
        RosterImport.objects.create(
            course=course, uploaded_by=instructor, filename="r.csv", state=state
        )
    client.get("/healthz/")

    samples = scrape(client)

    assert samples[("rapport_tick_duration_seconds", ())] == 0.75
    assert 40 <= samples[("rapport_tick_last_finished_age_seconds", ())] < 60
    assert samples[("rapport_roster_imports", (("state", "done"),))] == 2
    assert samples[("rapport_roster_imports", (("state", "failed"),))] == 1
    assert samples[("rapport_roster_imports", (("state", "queued"),))] == 0
    for state in ("pending", "sending", "sent", "failed"):  # grade passback to the LMS
        assert samples[("rapport_lms_passbacks", (("state", state),))] == 0
    healthz = (("method", "GET"), ("view", "healthz"))
    assert samples[("rapport_request_duration_seconds_count", healthz)] >= 1


def test_a_scrape_takes_one_query_each_for_the_queue_the_tick_imports_and_passbacks(
    client, django_assert_max_num_queries, db
):
    with django_assert_max_num_queries(4):
        scrape(client)
