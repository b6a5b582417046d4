"""Tasks of the interviews app: thin, they take ids and call the domain function. The reminder
re-plans and the grading digest live here; the engine's own tasks (the tick, delivery) are in
``notifications.tasks``."""

from celery import shared_task
from django.db import DatabaseError
from django.utils import timezone

from accounts.models import User

from .digest import plan_grading_digests
from .models import Assignment, Contact
from .reminders import cancel_orphaned_reminders, replan_contact, replan_person
from .reminders import replan_assignment as replan_one_assignment
from .reminders import replan_student as replan_one_student

# As the engine's tasks: a database away is waited for, never a lost re-plan.
RETRY = {"autoretry_for": (DatabaseError,), "retry_backoff": 5, "retry_backoff_max": 60,
         "retry_kwargs": {"max_retries": None}}  # fmt: skip


@shared_task(ignore_result=True, **RETRY)
def replan_person_task(user_id: int) -> int:
    user = User.objects.filter(pk=user_id).first()
    return replan_person(user) if user else 0


@shared_task(ignore_result=True, **RETRY)
def replan_assignment(assignment_id: int) -> int:
    assignment = Assignment.objects.select_related("course").filter(pk=assignment_id).first()
    return replan_one_assignment(assignment) if assignment else 0


@shared_task(ignore_result=True, **RETRY)
def replan_student(assignment_id: int, student_id: int) -> int:
    assignment = Assignment.objects.select_related("course").filter(pk=assignment_id).first()
    student = User.objects.filter(pk=student_id).first()
    return replan_one_student(assignment, student) if assignment and student else 0


@shared_task(ignore_result=True, **RETRY)
def replan_contact_task(contact_id: int) -> int:
    contact = Contact.objects.select_related("owner").filter(pk=contact_id).first()
    return replan_contact(contact) if contact else 0


@shared_task(ignore_result=True, **RETRY)
def replan_everything() -> int:
    """The safety net: re-plan every published assignment and every contact's cadence, so
    anything a missed trigger left out converges by morning, and cancel what is still pending
    about an assignment or contact that no longer exists."""
    changed = cancel_orphaned_reminders()
    for assignment in Assignment.objects.select_related("course").filter(
        course__archived_at__isnull=True
    ):
        changed += replan_one_assignment(assignment)
    for contact in Contact.objects.filter(keep_in_touch_weeks__isnull=False).select_related(
        "owner"
    ):
        changed += replan_contact(contact)
    return changed


@shared_task(ignore_result=True, **RETRY)
def grading_digests() -> int:
    return plan_grading_digests(now=timezone.now())
