"""The write-up: a draft saved without silent overwrites, submitted versions, attachments.

Every change to the draft (text or files) raises ``Submission.revision`` by one. A save names
the revision it was based on; if the draft has moved on since (another tab, another window),
the save is refused with StaleRevision and nothing is overwritten.
"""

from datetime import datetime

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import F, Max

from common.refused import Refused

from .models import (
    Assignment,
    Attachment,
    DueDates,
    Extension,
    Interview,
    Submission,
    SubmissionVersion,
)
from .reminders import replan_later
from .uploads import FILE, check_upload

MAX_ATTACHMENTS = 10
CONFLICT_MESSAGE = (
    "This write-up was changed in another tab or window. Your text here is kept — copy it, "
    "then reload to see the other version."
)


class StaleRevision(Refused):
    """The draft changed since the revision the save or submit was based on: a revision
    conflict, which the page answers by showing the student's text beside the other version."""

    def __init__(self, submission: Submission | None = None):
        super().__init__(CONFLICT_MESSAGE)
        self.submission = submission


class FewerInterviewsHeld(Refused):
    """Fewer interviews are held than the assignment requires: submitted only once the
    student confirms (their progress then shows the interview missing), so the page asks
    instead of showing an error."""

    def __init__(self, *, held: int, required: int):
        super().__init__(shortfall_message(held=held, required=required))
        self.held, self.required = held, required


def shortfall_message(*, held: int, required: int) -> str:
    return (
        f"You have held {held} of the {required} interview{'s'[: required != 1]} this "
        "assignment requires."
    )


def held_interviews(*, assignment: Assignment, student) -> list[Interview]:
    """The student's own interviews held for ``assignment``, in the order they were held."""
    return list(
        Interview.objects.of_student(student)
        .held()
        .filter(assignment=assignment)
        .select_related("contact")
        .order_by("held_at", "pk")
    )


def count_words(answers: dict[str, str], body: str) -> int:
    """Words across every answer and the free text, split on whitespace (as the page does)."""
    return sum(len(text.split()) for text in [*answers.values(), body])


def dates_for_student(assignment: Assignment, student) -> tuple[DueDates, Extension | None]:
    """The dates that apply to ``student`` (their extension applied) and the extension."""
    extension = assignment.extension_for(student)
    return assignment.dates_for(extension), extension


def writeup_draft(*, assignment: Assignment, student) -> Submission:
    """The student's write-up, or an unsaved empty one (revision 0) when they have none yet."""
    submission = Submission.objects.filter(assignment=assignment, student=student).first()
    if submission is None:
        submission = Submission(assignment=assignment, student=student)
    submission.assignment = assignment
    return submission


def _clean_answers(answers: dict) -> dict[str, str]:
    return {str(key): str(text) for key, text in answers.items() if str(text).strip()}


def orphan_answers(submission: Submission, prompt_keys: set[str]) -> dict[str, str]:
    """Answers to prompts the instructor has since removed: kept, never silently dropped."""
    return {key: text for key, text in submission.answers.items() if key not in prompt_keys}


def writeup_save(
    *,
    assignment: Assignment,
    student,
    answers: dict[str, str],
    body: str,
    revision: int,
    now: datetime,
) -> Submission:
    """Save the draft written on top of ``revision``; returns the saved Submission.

    Saving exactly what is already stored changes nothing (a second tab that typed nothing is
    never in conflict). Answers to prompts removed since are kept but not counted. Raises
    StaleRevision when the draft has moved past ``revision``.
    """
    answers = _clean_answers(answers)
    prompt_keys = {str(pk) for pk in assignment.prompts.values_list("pk", flat=True)}
    words = count_words({k: t for k, t in answers.items() if k in prompt_keys}, body)
    submission = Submission.objects.filter(assignment=assignment, student=student).first()
    if submission is None:
        if revision != 0:
            raise StaleRevision(None)
        if not answers and not body:
            return writeup_draft(assignment=assignment, student=student)
        try:
            with transaction.atomic():
                created = Submission.objects.create(
                    assignment=assignment, student=student, answers=answers, body=body,
                    word_count=words, revision=1, saved_at=now,
                )  # fmt: skip
                _reflection_started(created)
                return created
        except IntegrityError:
            # Another tab wrote the first draft a moment ago: compare with that one.
            submission = Submission.objects.get(assignment=assignment, student=student)
    answers = {**orphan_answers(submission, prompt_keys), **answers}
    if submission.answers == answers and submission.body == body:
        return submission
    # The WHERE clause is the whole guard: of two saves based on one revision, one wins.
    updated = Submission.objects.filter(pk=submission.pk, revision=revision).update(
        answers=answers, body=body, word_count=words, revision=F("revision") + 1, saved_at=now
    )
    if not updated:
        submission.refresh_from_db()
        raise StaleRevision(submission)
    if submission.word_count == 0 and words > 0:
        _reflection_started(submission)
    submission.answers, submission.body, submission.word_count = answers, body, words
    submission.revision, submission.saved_at = revision + 1, now
    return submission


def submit_blocker(*, assignment: Assignment, submission: Submission, dates: DueDates, now) -> str:
    """Why the write-up cannot be submitted at ``now`` whatever it says ("" when it can)."""
    if not dates.accepts_work(now):
        return (
            "The hard cut-off has passed: nothing more can be submitted. Your draft is kept, "
            "and you can still read and copy it."
        )
    if submission.is_submitted and not assignment.allow_resubmission:
        return "This assignment takes one submission: your submitted version stands."
    if submission.is_submitted and now > dates.writeup_due_at:
        return (
            "Resubmissions closed at the due date: your latest submitted version stands. "
            "Changes you make here stay in your draft."
        )
    return ""


def writeup_submit(
    *,
    assignment: Assignment,
    student,
    revision: int,
    now: datetime,
    ask_about_shortfall: bool = False,
) -> tuple[SubmissionVersion, bool]:
    """Submit the draft at ``revision`` as a new version: (version, created).

    Submitting a revision that is already submitted (a double click, a second tab) creates
    nothing and returns (that version, False). Raises StaleRevision when the draft has moved
    past ``revision`` and Refused when it cannot be submitted (after the cut-off, empty,
    too short, resubmission not allowed); the draft is kept either way. With
    ``ask_about_shortfall``, a write-up that could be submitted but has fewer interviews held
    than required raises FewerInterviewsHeld instead, for the student to confirm.
    """
    dates, _ = dates_for_student(assignment, student)
    with transaction.atomic():
        submission = (
            Submission.objects.select_for_update()
            .filter(assignment=assignment, student=student)
            .first()
        )
        if submission is None:
            raise Refused("There is nothing to submit yet: write your reflection first.")
        if submission.revision != revision:
            raise StaleRevision(submission)
        if submission.submitted_revision == revision:
            return submission.versions.order_by("-number").first(), False
        blocker = submit_blocker(assignment=assignment, submission=submission, dates=dates, now=now)
        if blocker:
            raise Refused(f"Not submitted. {blocker}")
        attachments = list(submission.attachments.filter(removed_at__isnull=True))
        if submission.word_count == 0 and not attachments:
            raise Refused("There is nothing to submit yet: write your reflection first.")
        missing = assignment.min_words - submission.word_count
        if missing > 0:
            raise Refused(
                f"Not submitted: the reflection needs at least {assignment.min_words} words and "
                f"has {submission.word_count}. Write {missing} more word{'s'[: missing != 1]}, "
                "then submit. Your draft is saved."
            )
        if ask_about_shortfall:
            held = Interview.objects.of_student(student).held().filter(assignment=assignment)
            count = held.count()
            if count < assignment.required_interviews:
                raise FewerInterviewsHeld(held=count, required=assignment.required_interviews)
        late_days, penalty = assignment.late_penalty(submitted_at=now, due=dates.writeup_due_at)
        last = submission.versions.aggregate(last=Max("number"))["last"] or 0
        version = SubmissionVersion.objects.create(
            submission=submission, number=last + 1, answers=submission.answers,
            body=submission.body, word_count=submission.word_count, submitted_at=now,
            is_late=late_days > 0, late_days=late_days, penalty_percent=penalty,
        )  # fmt: skip
        version.attachments.set(attachments)
        submission.submitted_at, submission.submitted_revision = now, revision
        submission.is_late, submission.late_days = late_days > 0, late_days
        submission.penalty_percent = penalty
        submission.save(
            update_fields=[
                "submitted_at", "submitted_revision", "is_late", "late_days", "penalty_percent"
            ]
        )  # fmt: skip
        replan_later(assignment_id=assignment.pk, student_id=student.pk)
    return version, True


def _reflection_started(submission: Submission) -> None:
    """The first words of a reflection end its "start your reflection" reminders; later
    autosaves change nothing a reminder depends on, so they re-plan nothing."""
    if submission.word_count > 0:
        replan_later(assignment_id=submission.assignment_id, student_id=submission.student_id)


def _draft_changed(submission: Submission, now: datetime) -> None:
    Submission.objects.filter(pk=submission.pk).update(revision=F("revision") + 1, saved_at=now)


def attachment_add(
    *, assignment: Assignment, student, upload: UploadedFile, now: datetime
) -> Attachment:
    """Attach ``upload`` to the student's draft, after checking what its bytes really are.

    Refused (beside the upload; nothing stored) when attachments are off, the file is too big,
    of a type the assignment does not take, disguised, or one too many.
    """
    if not assignment.allow_attachments:
        raise Refused("This assignment does not take attachments.", field=FILE)
    sniffed = check_upload(upload, allowed=assignment.attachment_types)
    with transaction.atomic():
        submission, _ = Submission.objects.get_or_create(assignment=assignment, student=student)
        submission = Submission.objects.select_for_update().get(pk=submission.pk)
        if submission.attachments.filter(removed_at__isnull=True).count() >= MAX_ATTACHMENTS:
            raise Refused(
                f"A write-up can have at most {MAX_ATTACHMENTS} files. Remove one first.",
                field=FILE,
            )
        attachment = Attachment(
            # The name as checked: it ends in the extension of what the bytes are.
            submission=submission, original_name=sniffed.name[-255:],
            kind=sniffed.kind, content_type=sniffed.content_type, size=upload.size,
            uploaded_at=now,
        )  # fmt: skip
        # Storage reads the upload in chunks; the name comes from upload_to, never the student.
        attachment.file.save(upload.name or "attachment", upload, save=False)
        stored = attachment.file.name
        try:
            attachment.save()
            _draft_changed(submission, now)
        except Exception:
            attachment.file.storage.delete(stored)
            raise
    return attachment


def attachment_remove(*, attachment: Attachment, now: datetime) -> None:
    """Take ``attachment`` off the draft. A file a submitted version holds is kept (marked
    removed); otherwise the row goes and the file is deleted once the change is committed."""
    with transaction.atomic():
        submission = Submission.objects.select_for_update().get(pk=attachment.submission_id)
        if attachment.versions.exists():
            Attachment.objects.filter(pk=attachment.pk).update(removed_at=now)
            attachment.removed_at = now
        else:
            storage, name = attachment.file.storage, attachment.file.name
            attachment.delete()
            transaction.on_commit(lambda: storage.delete(name))
        _draft_changed(submission, now)
