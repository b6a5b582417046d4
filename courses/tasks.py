import logging
from datetime import timedelta

from celery import shared_task
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from common.refused import Refused

from .emails import send_invitation
from .models import Invitation, RosterImport
from .roster import roster_import_run

logger = logging.getLogger(__name__)


def roster_import_progress_key(import_id: int) -> str:
    return f"roster-import-progress:{import_id}"


@shared_task(autoretry_for=(OSError,), retry_backoff=30, retry_kwargs={"max_retries": 5})
def send_invitation_email(invitation_id: int, token: str) -> None:
    invitation = (
        Invitation.objects.select_related("course", "invited_by").filter(pk=invitation_id).first()
    )
    if invitation is None or invitation.status() != Invitation.Status.PENDING:
        return  # revoked or replaced before the worker got to it
    send_invitation(invitation, token)


@shared_task
def run_roster_import(import_id: int) -> None:
    updated = RosterImport.objects.filter(pk=import_id, state=RosterImport.State.QUEUED).update(
        state=RosterImport.State.RUNNING
    )
    if not updated:
        return  # already run by another worker
    roster_import = RosterImport.objects.select_related("course", "uploaded_by").get(pk=import_id)
    key = roster_import_progress_key(import_id)
    try:
        roster_import_run(
            roster_import=roster_import, report=lambda done: cache.set(key, done, timeout=3600)
        )
    except Exception as exc:
        logger.exception("Roster import %s failed", import_id)
        # A refusal (an invitation limit reached since the preview) is shown as written.
        failure = str(exc) if isinstance(exc, Refused) else f"{type(exc).__name__}: {exc}"
        with transaction.atomic():
            RosterImport.objects.filter(pk=import_id).update(
                state=RosterImport.State.FAILED,
                failure=failure[:2000],
                finished_at=timezone.now(),
            )
    finally:
        cache.delete(key)


@shared_task
def purge_stale_roster_imports() -> int:
    """Forget uploaded rosters a day after upload; they hold names and addresses."""
    cutoff = timezone.now() - timedelta(days=1)
    deleted, _ = (
        RosterImport.objects.filter(created_at__lt=cutoff)
        .exclude(state__in=[RosterImport.State.QUEUED, RosterImport.State.RUNNING])
        .delete()
    )
    return deleted
