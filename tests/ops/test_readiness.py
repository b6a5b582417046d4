"""``/readyz/`` (ops/readiness.py): 200 when the database, Redis, the broker and the beat all
work, 503 naming what does not. Redis and the broker are a Redis server of this test's own,
stopped and started again; the machine's shared Redis is never touched."""

from datetime import timedelta

import pytest
from django.utils import timezone

from notifications.tasks import tick
from ops.models import Heartbeat
from ops.readiness import TICK
from tests.reliability.support import RedisServer


@pytest.fixture
def own_redis(tmp_path, settings):
    server = RedisServer(tmp_path)
    assert server.private, "redis-server is not installed"
    server.start()
    settings.READYZ_REDIS_URL = server.url
    settings.CELERY_BROKER_URL = server.url
    yield server
    server.stop()


def ticked(seconds_ago: float) -> Heartbeat:
    return Heartbeat.objects.update_or_create(
        task=TICK,
        defaults={
            "finished_at": timezone.now() - timedelta(seconds=seconds_ago),
            "duration_seconds": 0.2,
        },
    )[0]


def test_readyz_is_503_while_redis_is_stopped_and_200_when_it_is_back(client, db, own_redis):
    ticked(seconds_ago=30)
    ready = client.get("/readyz/")
    assert ready.status_code == 200, ready.content
    assert ready.json()["status"] == "ok"
    assert ready.json()["parts"]["redis"] == "ok"

    own_redis.stop()
    down = client.get("/readyz/")

    assert down.status_code == 503
    assert down.json()["failed"] == ["redis", "broker"]
    assert down.json()["parts"]["database"] == "ok"
    assert "127.0.0.1" not in down.content.decode()  # no connection address leaks

    own_redis.start()
    back = client.get("/readyz/")
    assert back.status_code == 200, back.content
    assert back.json()["failed"] == []


def test_readyz_is_503_when_beat_has_not_ticked_for_three_minutes(client, db, own_redis):
    ticked(seconds_ago=200)

    response = client.get("/readyz/")

    assert response.status_code == 503
    assert response.json()["failed"] == ["beat"]
    assert "last finished 200 s ago" in response.json()["parts"]["beat"]
    # A load balancer may ask about the parts a web server itself needs.
    assert client.get("/readyz/?part=database&part=redis").status_code == 200


def test_readyz_says_when_the_tick_never_ran(client, db, own_redis):
    response = client.get("/readyz/")

    assert response.status_code == 503
    assert response.json()["parts"]["beat"] == "the reminder tick has never run"


def test_the_tick_records_when_it_finished_and_how_long_it_took(db):
    before = timezone.now()
    tick.delay()  # eager in tests: the same task signals a worker sends

    beat = Heartbeat.objects.get(task=TICK)
    assert beat.finished_at >= before
    assert 0 <= beat.duration_seconds < 5
