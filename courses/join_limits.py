"""How many wrong join codes one account and one client address may try.

A join code is eight characters from a 32-letter alphabet: unguessable only while guessing is
slow. Wrong codes are counted in the shared cache (Redis in production, as allauth's login
limits are), per account and per client address, for a window that starts at the first wrong
code. Once either count is reached every code is refused, the right one too, until the window
has passed: otherwise a guesser would learn from the one code that still works.
"""

import ipaddress

from django.conf import settings
from django.core.cache import cache


def _address(client_ip: str) -> str:
    """The client's address, or for IPv6 its /64: one subscriber's network hands out many."""
    try:
        address = ipaddress.ip_address(client_ip)
    except ValueError:
        return client_ip
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def _counters(*, user, client_ip: str | None) -> list[tuple[str, int]]:
    counters = [(f"join-code-failures:user:{user.pk}", settings.JOIN_CODE_FAILURES_PER_USER)]
    if client_ip:
        counters.append(
            (f"join-code-failures:ip:{_address(client_ip)}", settings.JOIN_CODE_FAILURES_PER_IP)
        )
    return counters


def join_limit_problem(*, user, client_ip: str | None) -> str | None:
    """Why ``user`` may not try a join code now, in words for them; None while they may."""
    for key, limit in _counters(user=user, client_ip=client_ip):
        if cache.get(key, 0) >= limit:
            minutes = settings.JOIN_CODE_FAILURE_WINDOW_MINUTES
            return (
                f"Too many wrong join codes. Wait {minutes} minutes, then try again with the "
                "code exactly as your instructor gave it. An invitation link from your "
                "instructor works without a code."
            )
    return None


def join_failure_record(*, user, client_ip: str | None) -> None:
    """Count one wrong code against ``user`` and their address."""
    window = settings.JOIN_CODE_FAILURE_WINDOW_MINUTES * 60
    for key, _limit in _counters(user=user, client_ip=client_ip):
        cache.add(key, 0, timeout=window)  # starts the window; a no-op while it runs
        try:
            cache.incr(key)
        except ValueError:  # the window ended between the two calls
            cache.add(key, 1, timeout=window)
