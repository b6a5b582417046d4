"""/metrics/ for Prometheus (prometheus_client).

Request latency by view is a histogram kept by ``RequestMetricsMiddleware``; under gunicorn
set ``PROMETHEUS_MULTIPROC_DIR`` so every worker's samples are added up (gunicorn.conf.py).
The queue's state is read from the database at scrape time, in one aggregate per table, so it
is the same whichever process is scraped.
"""

import time

from django.conf import settings
from django.db.models import Count, Min, Q
from django.utils import timezone
from prometheus_client import REGISTRY, CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector

from courses.models import RosterImport
from lti.models import ScorePassback
from notifications.models import Notification

from .models import Heartbeat
from .readiness import TICK

REQUEST_SECONDS = Histogram(
    "rapport_request_duration_seconds",
    "Time to answer a request, by view (the URL pattern's name) and method.",
    ["view", "method"],
    buckets=(0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)

QUEUE_STATES = (
    Notification.State.PENDING,
    Notification.State.SENDING,
    Notification.State.FAILED,
)


class RequestMetricsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        view = (match.view_name if match else "") or "unresolved"
        REQUEST_SECONDS.labels(view=view, method=request.method).observe(
            time.perf_counter() - started
        )
        return response


class ScrapeTimeCollector:
    """Gauges computed from the rows when Prometheus scrapes."""

    def collect(self):
        now = timezone.now()
        queue = Notification.objects.filter(state__in=QUEUE_STATES).aggregate(
            **{state.value: Count("pk", filter=Q(state=state)) for state in QUEUE_STATES},
            oldest_due=Min("send_at", filter=Q(state=Notification.State.PENDING, send_at__lte=now)),
        )
        states = GaugeMetricFamily(
            "rapport_notifications",
            "Notifications by state (not yet sent, or failed).",
            labels=["state"],
        )
        for state in QUEUE_STATES:
            states.add_metric([state.value], queue[state.value])
        yield states
        oldest = queue["oldest_due"]
        yield GaugeMetricFamily(
            "rapport_notification_oldest_due_seconds",
            "How long the oldest due, unsent notification has waited (0: none waiting).",
            value=(now - oldest).total_seconds() if oldest else 0,
        )

        beat = Heartbeat.objects.filter(task=TICK).first()
        if beat is not None:
            yield GaugeMetricFamily(
                "rapport_tick_last_finished_age_seconds",
                "Seconds since the reminder tick last finished.",
                value=beat.age_seconds(now),
            )
            yield GaugeMetricFamily(
                "rapport_tick_duration_seconds",
                "How long the reminder tick's last run took.",
                value=beat.duration_seconds,
            )

        imports = GaugeMetricFamily(
            "rapport_roster_imports",
            "Roster imports kept (purged after a day), by state: done and failed are outcomes.",
            labels=["state"],
        )
        counted = dict(
            RosterImport.objects.values_list("state")
            .annotate(n=Count("pk"))
            .values_list("state", "n")
        )
        for state in RosterImport.State:
            imports.add_metric([state.value], counted.get(state.value, 0))
        yield imports

        passbacks = GaugeMetricFamily(
            "rapport_lms_passbacks",
            "Scores owed to LMS line items (grade passback), by state: sent and failed are "
            "outcomes.",
            labels=["state"],
        )
        counted = dict(ScorePassback.objects.values_list("state").annotate(n=Count("pk")))
        for state in ScorePassback.State:
            passbacks.add_metric([state.value], counted.get(state.value, 0))
        yield passbacks


class _ThisProcess:
    def collect(self):
        yield from REGISTRY.collect()


def exposition() -> bytes:
    """The text Prometheus reads: every process's request samples and the scrape-time gauges."""
    registry = CollectorRegistry()
    if settings.PROMETHEUS_MULTIPROC_DIR:
        MultiProcessCollector(registry, path=settings.PROMETHEUS_MULTIPROC_DIR)
    else:
        registry.register(_ThisProcess())
    registry.register(ScrapeTimeCollector())
    return generate_latest(registry)
