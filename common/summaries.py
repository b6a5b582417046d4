"""Whole-class summaries (counts, statistics, distributions) remembered between requests, so
that a page showing fifty students does not count ten thousand each time it is shown.

Each summary is one SQL aggregate, computed once and kept in the cache under the course's
*version*: a token replaced whenever anything the summaries count changes in the course (a
membership, a submission, an interview, a grade, an extension, an assignment's dates or
points: each app tells ``summaries_changed`` from its save signals and its bulk updates). A
new version makes every earlier summary of the course unreachable, so a summary is never older
than the last change it counts. Summaries that also depend on the time (a milestone is
"overdue" once its date passes) put the minute in their key.

The cache is the project's: Redis in production (shared by every web process and worker), a
file cache on the embedded default, a local-memory one in tests (cleared for every test).
"""

import hashlib
import logging
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

T = TypeVar("T")
logger = logging.getLogger(__name__)

_PREFIX = "summaries"


def _version_key(course_id: int) -> str:
    return f"{_PREFIX}:{course_id}:version"


def summaries_changed(course_id: int | None) -> None:
    """Something the summaries of ``course_id`` count has changed: they are computed afresh
    on their next use. Takes effect now and again when the transaction commits, so that no
    summary computed from the rows before the commit outlives it."""
    if course_id is None:
        return

    def forget() -> None:
        try:
            cache.set(_version_key(course_id), uuid.uuid4().hex, None)
        except Exception:  # the cache server is away: its summaries lapse within the timeout
            logger.warning("Could not record a change of course %s's summaries", course_id)

    forget()
    transaction.on_commit(forget)


def minute(moment: datetime) -> str:
    """A key part for summaries that change with the time: the same for a whole minute."""
    return moment.strftime("%Y%m%d%H%M")


def course_summary(course_id: int, name: str, compute: Callable[[], T]) -> T:
    """The summary ``name`` of ``course_id`` as of its latest change: remembered, or worked out
    by ``compute`` (a picklable value) and remembered for ``SUMMARY_CACHE_SECONDS``. Without a
    cache server the page still shows: each summary is worked out for each view."""
    try:
        key = _key(course_id, name)
        value = cache.get(key)
    except Exception:
        logger.warning("Summaries of course %s worked out without the cache", course_id)
        return compute()
    if value is None:
        value = compute()
        try:
            cache.set(key, value, settings.SUMMARY_CACHE_SECONDS)
        except Exception:
            logger.warning("Summaries of course %s not remembered", course_id)
    return value


def _key(course_id: int, name: str) -> str:
    version = cache.get(_version_key(course_id))
    if version is None:
        version = uuid.uuid4().hex
        # add, not set: a change recorded meanwhile by another process wins.
        if not cache.add(_version_key(course_id), version, None):
            version = cache.get(_version_key(course_id), version)
    # Hashed: a name may hold a search, which no cache key should carry as it is.
    digest = hashlib.sha256(name.encode()).hexdigest()[:32]
    return f"{_PREFIX}:{course_id}:{version}:{digest}"
