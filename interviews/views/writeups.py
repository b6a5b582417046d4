"""Views: the student's write-up — the draft (autosaved), attachments, submission, versions.

Every button of the write-up form posts the whole form, so what the student typed is saved
first (or, when the draft changed in another tab, shown back to them) before a file is
attached, removed or the write-up submitted.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from common import numbers
from common.refused import Refused, show_refusal

from .. import downloads, writeups
from ..forms.writeups import AttachmentForm, WriteupForm
from ..permissions import (
    get_assignment_for_student,
    get_attachment_for_viewer,
    get_draft_attachment_for_student,
    get_version_for_student,
)
from ..writeups import FewerInterviewsHeld, StaleRevision
from . import autosave


def _draft_form(request, assignment) -> WriteupForm:
    return WriteupForm(request.POST, prompts=list(assignment.prompts.all()))


def _save(request, assignment, form: WriteupForm, now):
    """Save the posted draft; raises StaleRevision when it changed elsewhere meanwhile."""
    return writeups.writeup_save(
        assignment=assignment,
        student=request.user,
        answers=form.answers,
        body=form.cleaned_data["body"],
        revision=form.cleaned_data["revision"],
        now=now,
    )


def _fresh_form(assignment, submission) -> WriteupForm:
    return WriteupForm(
        initial=WriteupForm.initial_for(submission), prompts=list(assignment.prompts.all())
    )


def _page(
    request, assignment, membership, *, form, submission=None, attachment_form=None,
    conflict=False, status=200,
):  # fmt: skip
    now = timezone.now()
    if submission is None:
        submission = writeups.writeup_draft(assignment=assignment, student=request.user)
    dates, extension = writeups.dates_for_student(assignment, request.user)
    late_days, penalty = assignment.late_penalty(submitted_at=now, due=dates.writeup_due_at)
    words = submission.word_count
    if form.is_bound and form.is_valid():
        words = writeups.count_words(form.answers, form.cleaned_data["body"])
    exists = submission.pk is not None
    held = writeups.held_interviews(assignment=assignment, student=request.user)
    short = len(held) < assignment.required_interviews
    context = {
        "membership": membership,
        "held_interviews": held,
        "shortfall": (
            writeups.shortfall_message(held=len(held), required=assignment.required_interviews)
            if short
            else ""
        ),
        "confirm_submit": short and request.GET.get("confirm") == "submit",
        "course": assignment.course,
        "assignment": assignment,
        "submission": submission,
        "form": form,
        "attachment_form": attachment_form or AttachmentForm(allowed=assignment.attachment_types),
        "attachments": submission.attachments.filter(removed_at__isnull=True) if exists else [],
        "versions": submission.versions.all() if exists else [],
        "dates": dates,
        "extension": extension,
        "original_due": assignment.writeup_due_at,
        "past_due": now > dates.writeup_due_at,
        "late_days": late_days,
        "penalty": penalty,
        "blocker": writeups.submit_blocker(
            assignment=assignment, submission=submission, dates=dates, now=now
        ),
        "conflict_message": writeups.CONFLICT_MESSAGE if conflict else "",
        "words": words,
        "orphans": list(
            writeups.orphan_answers(submission, {str(p.pk) for p in form.prompts}).values()
        ),
        "words_missing": max(0, assignment.min_words - words),
    }
    return render(request, "interviews/writeup/page.html", context, status=status)


def _saved_json(submission):
    """The background save's answer (views/autosave.py), with the saved word count."""
    saved_at = submission.saved_at
    return autosave.saved(
        revision=submission.revision,
        saved_at=saved_at,
        message=f"Saved at {autosave.clock(saved_at)}." if saved_at else "Nothing to save yet.",
        words=submission.word_count,
    )


def _conflict_json(stale: StaleRevision):
    submission = stale.submission
    return autosave.conflict(
        revision=submission.revision if submission else 0,
        saved_at=submission.saved_at if submission else None,
        message=writeups.CONFLICT_MESSAGE,
    )


def _errors_text(form) -> str:
    return " ".join(str(error) for errors in form.errors.values() for error in errors)


@login_required
@require_http_methods(["GET", "POST"])
def writeup(request, course_id, assignment_id):
    assignment, membership = get_assignment_for_student(request.user, course_id, assignment_id)
    if request.method == "GET":
        submission = writeups.writeup_draft(assignment=assignment, student=request.user)
        form = _fresh_form(assignment, submission)
        return _page(request, assignment, membership, form=form, submission=submission)
    form = _draft_form(request, assignment)
    background = autosave.wants_json(request)  # static/js/autosave-engine.js
    if not form.is_valid():
        if background:
            return autosave.invalid(form, message=f"Not saved: {_errors_text(form)}")
        return _page(request, assignment, membership, form=form, status=400)
    try:
        submission = _save(request, assignment, form, timezone.now())
    except StaleRevision as stale:
        if background:
            return _conflict_json(stale)
        return _page(request, assignment, membership, form=form, conflict=True, status=409)
    if background:
        return _saved_json(submission)
    messages.success(request, f"Draft saved ({submission.word_count} words).")
    return redirect("interviews:writeup", course_id, assignment_id)


def _submitted_message(version) -> str:
    text = f"Submitted: version {version.number} of your write-up is in."
    if version.is_late:
        days = version.late_days
        text += (
            f" It is {days} day{'s'[: days != 1]} late: a penalty of "
            f"{numbers.number(version.penalty_percent)}%."
        )
    return text


@login_required
@require_POST
def writeup_submit(request, course_id, assignment_id):
    assignment, membership = get_assignment_for_student(request.user, course_id, assignment_id)
    form = _draft_form(request, assignment)
    if not form.is_valid():
        return _page(request, assignment, membership, form=form, status=400)
    now = timezone.now()
    try:
        submission = _save(request, assignment, form, now)
        version, created = writeups.writeup_submit(
            assignment=assignment,
            student=request.user,
            revision=submission.revision,
            now=now,
            ask_about_shortfall=request.POST.get("confirm_shortfall") != "yes",
        )
    except StaleRevision:
        return _page(request, assignment, membership, form=form, conflict=True, status=409)
    except FewerInterviewsHeld:
        # The text is saved; the page asks, naming what is missing, before submitting.
        url = reverse("interviews:writeup", args=[course_id, assignment_id])
        return redirect(f"{url}?confirm=submit#submit-confirm")
    except Refused as refused:
        show_refusal(refused, request=request)
    else:
        if created:
            messages.success(request, _submitted_message(version))
        else:
            messages.info(
                request,
                f"Already submitted: version {version.number} holds exactly this text, so "
                "nothing new was submitted.",
            )
    return redirect("interviews:writeup", course_id, assignment_id)


@login_required
@require_POST
def attachment_upload(request, course_id, assignment_id):
    assignment, membership = get_assignment_for_student(request.user, course_id, assignment_id)
    form = _draft_form(request, assignment)
    upload_form = AttachmentForm(request.POST, request.FILES, allowed=assignment.attachment_types)
    if not form.is_valid():
        return _page(
            request, assignment, membership, form=form, attachment_form=upload_form, status=400
        )
    now = timezone.now()
    try:
        submission = _save(request, assignment, form, now)
    except StaleRevision:
        return _page(
            request, assignment, membership, form=form, attachment_form=upload_form,
            conflict=True, status=409,
        )  # fmt: skip
    if upload_form.is_valid():
        try:
            attachment = writeups.attachment_add(
                assignment=assignment,
                student=request.user,
                upload=upload_form.cleaned_data["file"],
                now=now,
            )
        except Refused as refused:
            show_refusal(refused, form=upload_form)
        else:
            messages.success(request, f"“{attachment.original_name}” is attached.")
            return redirect("interviews:writeup", course_id, assignment_id)
    # The text was saved: show it again at its new revision, with the file's problem.
    return _page(
        request, assignment, membership, form=_fresh_form(assignment, submission),
        attachment_form=upload_form, status=400,
    )  # fmt: skip


@login_required
@require_POST
def attachment_remove(request, course_id, assignment_id, attachment_id):
    attachment, membership = get_draft_attachment_for_student(
        request.user, course_id, assignment_id, attachment_id
    )
    assignment = attachment.submission.assignment
    form = _draft_form(request, assignment)
    if not form.is_valid():
        return _page(request, assignment, membership, form=form, status=400)
    now = timezone.now()
    try:
        _save(request, assignment, form, now)
    except StaleRevision:
        return _page(request, assignment, membership, form=form, conflict=True, status=409)
    writeups.attachment_remove(attachment=attachment, now=now)
    kept = " Your submitted version still includes it." if attachment.removed_at else ""
    messages.success(request, f"“{attachment.original_name}” was removed from your draft.{kept}")
    return redirect("interviews:writeup", course_id, assignment_id)


@login_required
@require_GET
def writeup_version(request, course_id, assignment_id, number):
    version, membership = get_version_for_student(request.user, course_id, assignment_id, number)
    assignment = version.submission.assignment
    prompts = list(assignment.prompts.all())
    prompt_keys = {str(prompt.pk) for prompt in prompts}
    return render(
        request,
        "interviews/writeup/version.html",
        {
            "course": assignment.course,
            "membership": membership,
            "assignment": assignment,
            "submission": version.submission,
            "version": version,
            "is_latest": not version.submission.versions.filter(number__gt=number).exists(),
            "answered": [(p.text, version.answers.get(str(p.pk), "")) for p in prompts],
            "orphans": [t for key, t in version.answers.items() if key not in prompt_keys],
            "attachments": version.attachments.all(),
        },
    )


@login_required
@require_GET
def attachment_download(request, attachment_id):
    attachment = get_attachment_for_viewer(request.user, attachment_id)
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404("The file is missing.") from exc
    return downloads.attachment_download(attachment, handle)
