"""Celery tasks of the LMS integration: grade passback (Assignment and Grade Services) and
roster sync (Names and Role Provisioning Services)."""

import logging

from celery import shared_task
from django.core.cache import cache
from django.db import DatabaseError, transaction
from django.utils import timezone

from .models import CourseLink
from .passback import passback_plan_all, send_due
from .roster_sync import RosterUnavailable, roster_sync

log = logging.getLogger(__name__)


# --- Roster sync (NRPS) -------------------------------------------------------------------------

# A launch asks for a sync at most this often per course: a class opening Rapport together
# costs the LMS one roster fetch, not one per student.
LAUNCH_SYNC_EVERY_SECONDS = 300


@shared_task(
    ignore_result=True, autoretry_for=(RosterUnavailable,), retry_backoff=60,
    retry_backoff_max=3600, retry_kwargs={"max_retries": 6},
)  # fmt: skip
def sync_roster(course_link_id: int) -> None:
    """Sync one linked course's roster from its LMS; an LMS that is down is tried again later
    (backoff up to an hour), and the next scheduled sync catches up in any case."""
    link = (
        CourseLink.objects.select_related("course", "context__deployment__registration")
        .filter(pk=course_link_id, course__archived_at__isnull=True)
        .first()
    )
    if link is not None:
        roster_sync(course_link=link)


@shared_task(ignore_result=True)
def sync_all_rosters() -> int:
    """Run by beat: one sync task for every linked, unarchived course whose LMS offers NRPS."""
    ids = list(
        CourseLink.objects.filter(course__archived_at__isnull=True)
        .exclude(context__memberships_url="")
        .values_list("pk", flat=True)
    )
    for pk in ids:
        sync_roster.delay(pk)
    return len(ids)


def sync_roster_after_launch(course_link: CourseLink) -> None:
    """Queue a sync once the launch commits, unless one was queued for the course lately. A
    failing sync never fails the launch (``robust``): it is logged and retried."""
    if not course_link.context.memberships_url:
        return
    if cache.add(f"lti:roster-sync-queued:{course_link.pk}", 1, LAUNCH_SYNC_EVERY_SECONDS):
        transaction.on_commit(lambda: sync_roster.delay(course_link.pk), robust=True)


# --- Grade passback (AGS) -----------------------------------------------------------------------


@shared_task(
    ignore_result=True, autoretry_for=(DatabaseError,), retry_backoff=5, retry_backoff_max=60,
    retry_kwargs={"max_retries": None},
)  # fmt: skip
def send_scores(now=None) -> dict:
    """Send every due score to its LMS (lti/passback.py); run by beat every minute and queued on
    commit after a grade is released, hidden or changed. The rows are the record: a lost or
    duplicated task sends nothing twice and loses nothing. ``now`` is for tests."""
    return send_due(now=now or timezone.now())


@shared_task(ignore_result=True)
def plan_scores(now=None) -> int:
    """Run by beat hourly: the safety net of grade passback (``passback_plan_all``)."""
    return passback_plan_all(now=now or timezone.now())
