"""What tells the course's whole-class summaries (common/summaries.py) that the work they count
has changed: every save of an assignment, an extension, an interview, a write-up or a grade and
every deletion of the first three, through Django's signals; the workflow functions that
change grades with an UPDATE call ``work_changed`` themselves (interviews/grading.py).

Finding the course costs no query when the row's assignment is loaded, as the workflow
functions load it; otherwise one, remembered in the cache (an assignment never changes course).
"""

from django.core.cache import cache
from django.db.models.signals import post_delete, post_save

from common.summaries import summaries_changed

from .models import Assignment, Extension, Grade, Interview, Submission

# Saves of only these fields change nothing a summary counts: notes, drafts and autosaves.
_UNCOUNTED = {
    Interview: {"notes", "went_poorly", "thank_you_draft", "follow_up_draft", "updated_at"},
    Submission: {"answers", "body", "word_count", "revision", "saved_at", "updated_at"},
}


def course_of_assignment(assignment_id: int) -> int | None:
    key = f"summaries:assignment-course:{assignment_id}"
    course_id = cache.get(key)
    if course_id is None:
        course_id = (
            Assignment.objects.filter(pk=assignment_id).values_list("course_id", flat=True).first()
        )
        if course_id is not None:
            cache.set(key, course_id, None)
    return course_id


def _course_of(instance) -> int | None:
    if isinstance(instance, Assignment):
        return instance.course_id
    if isinstance(instance, Grade):
        if not Grade.submission.is_cached(instance):
            return (
                Submission.objects.filter(pk=instance.submission_id)
                .values_list("assignment__course_id", flat=True)
                .first()
            )
        instance = instance.submission
    if type(instance).assignment.is_cached(instance):
        return instance.assignment.course_id
    return course_of_assignment(instance.assignment_id)


def work_changed(instance) -> None:
    """``instance`` (an assignment or a row of its work) changed: its course's summaries are
    worked out afresh."""
    summaries_changed(_course_of(instance))


def _saved(sender, instance, update_fields=None, raw=False, **kwargs) -> None:
    if raw or (update_fields and set(update_fields) <= _UNCOUNTED.get(sender, set())):
        return
    work_changed(instance)


def _deleted(sender, instance, **kwargs) -> None:
    work_changed(instance)


def connect() -> None:
    """Called once, from the app's ``ready``. Write-ups and grades are never deleted but with
    their assignment (whose deletion is enough): no receiver for theirs, so that deleting an
    assignment does not look up the course of each of its rows."""
    for model in (Assignment, Extension, Interview, Submission, Grade):
        post_save.connect(_saved, sender=model, dispatch_uid=f"summaries-saved-{model.__name__}")
    for model in (Assignment, Extension, Interview):
        post_delete.connect(
            _deleted, sender=model, dispatch_uid=f"summaries-deleted-{model.__name__}"
        )
