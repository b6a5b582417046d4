"""The shared email rate limit (notifications/ratelimit.py), driven by a clock that moves only
when a limiter sleeps: no test waits, and each assertion counts the sends every second allowed.
Delivery under the limit: tests/notifications/test_delivery.py."""

import threading
import uuid
from collections import Counter

import pytest
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache

from notifications.ratelimit import SendRate


class Clock:
    def __init__(self, start: float = 1_000_000.25):
        self.now = start
        self.slept: list[float] = []

    def time(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


@pytest.fixture
def clock(monkeypatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(SendRate, "clock", staticmethod(clock.time))
    monkeypatch.setattr(SendRate, "sleep", staticmethod(clock.sleep))
    return clock


@pytest.fixture
def cache():
    return LocMemCache(f"ratelimit-{uuid.uuid4().hex}", {})


def test_each_second_allows_the_limit_then_the_sender_sleeps_to_the_next(clock, cache):
    rate = SendRate(4, cache=cache)
    seconds = []

    for _ in range(10):
        assert rate.acquire()
        seconds.append(int(clock.now))

    assert sorted(Counter(seconds).values(), reverse=True) == [4, 4, 2]
    assert sorted(set(seconds)) == [1_000_000, 1_000_001, 1_000_002]
    assert clock.slept == [0.75, 1.0]  # to the start of each next second, not a second each


def test_two_workers_share_the_limit(clock, cache):
    """Two limiters on one cache (two workers on Redis): 5 a second between them, however
    their sends interleave."""
    first, second = SendRate(5, cache=cache), SendRate(5, cache=cache)
    seconds = []

    for i in range(23):
        assert (first if i % 3 else second).acquire()
        seconds.append(int(clock.now))

    per_second = Counter(seconds)
    assert max(per_second.values()) == 5
    assert len(per_second) == 5  # 23 sends need at least five seconds at 5 a second


def test_no_limit_never_sleeps(clock, cache, settings):
    settings.NOTIFICATION_EMAILS_PER_SECOND = 0
    rate = SendRate(cache=cache)

    assert all(rate.acquire() for _ in range(1000))
    assert clock.slept == []
    assert not rate.limited


def test_the_limit_comes_from_the_setting(settings, cache):
    settings.NOTIFICATION_EMAILS_PER_SECOND = 14  # Amazon SES's starting rate

    assert SendRate(cache=cache).per_second == 14


def test_a_sender_that_may_not_wait_long_enough_gives_up_without_sleeping(clock, cache):
    rate = SendRate(2, cache=cache)
    assert rate.acquire() and rate.acquire()

    assert rate.acquire(timeout=0.5) is False  # the next second starts in 0.75 s
    assert clock.slept == []
    assert rate.acquire(timeout=1.0) is True
    assert clock.slept == [0.75]


def test_the_shared_counter_gives_every_send_its_own_place_on_redis(redis_url):
    """Redis's SET NX and INCR are atomic: senders on several connections at once never get
    the same place in a second (the production cache, shared by the workers)."""
    key = f"rapport-test-rate-{uuid.uuid4().hex}"
    places: list[int] = []
    lock = threading.Lock()
    start = threading.Barrier(4)

    def send(n: int) -> None:
        rate = SendRate(1000, cache=RedisCache(redis_url, {}), key=key)
        start.wait()
        for _ in range(n):
            place = rate._take(42)
            with lock:
                places.append(place)

    threads = [threading.Thread(target=send, args=(50,)) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(places) == list(range(1, 201))
