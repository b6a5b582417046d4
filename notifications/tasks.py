"""Celery tasks: thin wrappers that load ids and call the engine (see delivery.py)."""

import logging
from datetime import datetime

from celery import shared_task
from django.db import DatabaseError
from django.utils import timezone

from .delivery import batches, deliver, recover_stale, take_due
from .digest import plan_grading_digests

logger = logging.getLogger(__name__)

# A database outage fails the task; Celery retries it until the database is back.
RETRY = {"autoretry_for": (DatabaseError,), "retry_backoff": 5, "retry_backoff_max": 60,
         "retry_kwargs": {"max_retries": None}}  # fmt: skip


@shared_task(ignore_result=True)
def tick(now: datetime | None = None) -> int:
    """Hand every due reminder to a delivery task; run by beat every minute. ``now`` lets the
    reliability tests drive ticks through simulated time; beat passes nothing."""
    now = now or timezone.now()
    recover_stale(now=now)
    grouped = take_due(now=now)
    for ids in batches(grouped):
        deliver_batch.delay(ids)
    return sum(len(ids) for ids in grouped.values())


@shared_task(ignore_result=True, acks_late=True, **RETRY)
def deliver_batch(ids: list[int]) -> dict:
    return deliver(ids)


@shared_task(ignore_result=True, **RETRY)
def grading_digests() -> int:
    return plan_grading_digests(now=timezone.now())


@shared_task(ignore_result=True, **RETRY)
def replan_assignment(assignment_id: int) -> int:
    from interviews.models import Assignment
    from interviews.reminders import replan_assignment as replan

    assignment = Assignment.objects.select_related("course").filter(pk=assignment_id).first()
    return replan(assignment) if assignment else 0


@shared_task(ignore_result=True, **RETRY)
def replan_student(assignment_id: int, student_id: int) -> int:
    from django.contrib.auth import get_user_model

    from interviews.models import Assignment
    from interviews.reminders import replan_student as replan

    assignment = Assignment.objects.select_related("course").filter(pk=assignment_id).first()
    student = get_user_model().objects.filter(pk=student_id).first()
    return replan(assignment, student) if assignment and student else 0


@shared_task(ignore_result=True, **RETRY)
def replan_contact(contact_id: int) -> int:
    from interviews.models import Contact
    from interviews.reminders import replan_contact as replan

    contact = Contact.objects.select_related("owner").filter(pk=contact_id).first()
    return replan(contact) if contact else 0


@shared_task(ignore_result=True, **RETRY)
def replan_everything() -> int:
    """The safety net: re-plan every published assignment and every contact's cadence, so
    anything a missed trigger left out converges by morning."""
    from interviews.models import Assignment, Contact
    from interviews.reminders import replan_assignment as replan
    from interviews.reminders import replan_contact

    changed = 0
    for assignment in Assignment.objects.select_related("course").filter(
        course__archived_at__isnull=True
    ):
        changed += replan(assignment)
    for contact in Contact.objects.filter(keep_in_touch_weeks__isnull=False).select_related(
        "owner"
    ):
        changed += replan_contact(contact)
    return changed
