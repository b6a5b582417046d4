"""How fast reminder emails go out: at most ``NOTIFICATION_EMAILS_PER_SECOND`` in any one
second, counted across every worker together.

Email services limit the rate at which an account sends (Amazon SES starts accounts at 14
messages a second; Postmark, Mailgun and SendGrid have their own limits, and an SMTP relay may
have one too). Going over gets emails refused (HTTP 429, SMTP 4xx) or the account throttled, so
the workers share one counter per wall-clock second in Django's cache (Redis in production,
where ``add`` and ``incr`` are atomic): each email takes a place in the current second's
window, and when the window is full the sender sleeps until the next one. 0 means no limit.

The windows follow the clock of each worker's machine (keep them in sync with NTP); a window
is one second long, so two bursts either side of a boundary can come within one second of
each other: set the limit a little under the provider's if it counts by the sliding second.
The development file cache and the test suite's local-memory cache are not atomic across
processes: there the limit holds per process only.
"""

import time
from collections.abc import Callable

from django.conf import settings
from django.core.cache import caches

KEY = "notifications:emails-per-second"
CACHE_ALIAS = "default"


class SendRate:
    """At most ``per_second`` sends in each second of ``clock``, shared through the cache with
    every other ``SendRate`` on the same cache and key."""

    # The clock and the sleep are attributes so that tests can drive the limiter without
    # waiting (tests/notifications/test_ratelimit.py).
    clock: Callable[[], float] = staticmethod(time.time)
    sleep: Callable[[float], None] = staticmethod(time.sleep)

    def __init__(self, per_second: float | None = None, *, cache=None, key: str = KEY):
        if per_second is None:
            per_second = settings.NOTIFICATION_EMAILS_PER_SECOND
        self.per_second = int(per_second)
        self.cache = cache if cache is not None else caches[CACHE_ALIAS]
        self.key = key

    @property
    def limited(self) -> bool:
        return self.per_second > 0

    def acquire(self, *, timeout: float | None = None) -> bool:
        """Take a place for one send, sleeping until a window has room; ``False`` if none has
        within ``timeout`` seconds (the caller stops sending rather than wait longer)."""
        if not self.limited:
            return True
        give_up = None if timeout is None else self.clock() + timeout
        while True:
            now = self.clock()
            window = int(now)
            if self._take(window) <= self.per_second:
                return True
            next_window = window + 1
            if give_up is not None and next_window > give_up:
                return False
            self.sleep(next_window - now)

    def _take(self, window: int) -> int:
        """This send's place in ``window`` (1 for the first)."""
        key = f"{self.key}:{window}"
        # Kept a little longer than its second, so a late worker still counts in it.
        if self.cache.add(key, 1, timeout=10):
            return 1
        try:
            return self.cache.incr(key)
        except ValueError:  # expired between add() and incr(): a window long past
            return self.per_second + 1
