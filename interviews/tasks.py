"""Tasks of the interviews app: thin, they take ids and call the domain function."""

from celery import shared_task
from django.db import DatabaseError

from accounts.models import User

from .reminders import replan_person

# As the engine's tasks: a database away is waited for, never a lost re-plan.
RETRY = {"autoretry_for": (DatabaseError,), "retry_backoff": 5, "retry_backoff_max": 60,
         "retry_kwargs": {"max_retries": None}}  # fmt: skip


@shared_task(ignore_result=True, **RETRY)
def replan_person_task(user_id: int) -> int:
    user = User.objects.filter(pk=user_id).first()
    return replan_person(user) if user else 0
