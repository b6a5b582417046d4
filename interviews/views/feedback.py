"""Views: feedback. The student's feedback page, the conversation about a write-up (both
sides) and regrade requests.

The student's routes take no student id: they only ever reach the signed-in student's own
submission (``get_own_submission_for_feedback``), and the grade only through
``feedback.student_feedback``, which is None until release. Staff post from the panel on the
grading page and are sent back there.
"""

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from common.refused import Refused, show_refusal

from .. import feedback
from ..forms.feedback import (
    REGRADE_RESOLVE_ID,
    STAFF_MESSAGE_ID,
    MessageForm,
    RegradeRequestForm,
    RegradeResolveForm,
)
from ..models import FeedbackMessage, Grade, RegradeRequest, Submission
from ..permissions import (
    get_own_submission_for_feedback,
    get_regrade_request_for_staff,
    get_submission_for_grader,
    grade_visible_to_student,
)


def _thread_context(submission, *, viewer: str, form, post_url: str, sent=False) -> dict:
    """What templates/interviews/feedback/_thread.html needs, for either side."""
    return {
        "thread": feedback.thread_for(submission),
        "thread_student": submission.student,
        "thread_viewer": viewer,  # "student" or "staff"
        "thread_form": form,
        "thread_post_url": post_url,
        "thread_sent": sent,
        "time_zone": submission.assignment.course.time_zone,
        "heading_class": "h5" if viewer == "staff" else "h4",  # as on the grading page
    }


def _student_urls(course_id, assignment_id) -> dict:
    args = [course_id, assignment_id]
    return {
        "message_url": reverse("interviews:feedback_message", args=args),
        "regrade_url": reverse("interviews:regrade_request", args=args),
        "assignment_url": reverse("interviews:assignment_detail", args=args),
    }


def _student_page(
    request, submission, membership, *, message_form=None, regrade_form=None, status=200
):
    assignment = submission.assignment
    urls = _student_urls(assignment.course_id, assignment.pk)
    summary = feedback.student_feedback(submission)
    requests = feedback.regrade_requests_for(grade_visible_to_student(submission))
    has_open = any(r.is_open for r in requests)
    if summary is None:
        regrade_form = None
    elif regrade_form is None and not has_open:
        regrade_form = RegradeRequestForm()
    context = {
        "course": assignment.course,
        "membership": membership,
        "assignment": assignment,
        "submission": submission,
        "feedback": summary,
        "regrade_requests": requests if summary is not None else [],
        "regrade_form": regrade_form,
        **urls,
        **_thread_context(
            submission,
            viewer="student",
            form=message_form or MessageForm(),
            post_url=urls["message_url"],
        ),
    }
    return render(request, "interviews/feedback/page.html", context, status=status)


def _thread_fragment(request, submission, *, viewer, form, post_url, sent=False):
    """The conversation section alone, for HTMX to swap in. A bad message comes back with its
    error and a 200, because HTMX swaps only successful responses."""
    context = _thread_context(submission, viewer=viewer, form=form, post_url=post_url, sent=sent)
    return render(request, "interviews/feedback/_thread.html", context)


def _message_send(request, submission, form) -> bool:
    """Post the message in ``form`` from the signed-in user; False (nothing posted) when the
    form has errors. Either side: the caller has checked who may write on ``submission``."""
    if not form.is_valid():
        return False
    feedback.message_post(
        submission=submission,
        author=request.user,
        body=form.cleaned_data["body"],
        now=timezone.now(),
    )
    return True


@login_required
@require_GET
def feedback_page(request, course_id, assignment_id):
    submission, membership = get_own_submission_for_feedback(request.user, course_id, assignment_id)
    return _student_page(request, submission, membership)


@login_required
@require_POST
def feedback_message(request, course_id, assignment_id):
    submission, membership = get_own_submission_for_feedback(request.user, course_id, assignment_id)
    form = MessageForm(request.POST)
    post_url = reverse("interviews:feedback_message", args=[course_id, assignment_id])
    sent = _message_send(request, submission, form)
    if request.htmx:
        return _thread_fragment(
            request, submission, viewer="student", form=MessageForm() if sent else form,
            post_url=post_url, sent=sent,
        )  # fmt: skip
    if not sent:
        return _student_page(request, submission, membership, message_form=form, status=400)
    messages.success(request, "Message sent to your teacher.")
    return redirect(feedback.feedback_path(submission, "conversation"))


@login_required
@require_POST
def regrade_request(request, course_id, assignment_id):
    submission, membership = get_own_submission_for_feedback(request.user, course_id, assignment_id)
    grade = grade_visible_to_student(submission)
    form = RegradeRequestForm(request.POST)
    if grade is None:
        # The same words whether there is an unreleased grade or none at all.
        messages.error(request, feedback.NOT_RELEASED)
        return _student_page(request, submission, membership, status=400)
    if form.is_valid():
        try:
            feedback.regrade_request_create(
                grade=grade,
                student=request.user,
                reason=form.cleaned_data["reason"],
                now=timezone.now(),
            )
        except Refused as refused:
            show_refusal(refused, form=form)
        else:
            messages.success(
                request,
                "Regrade request sent. Your teacher will look at it again; you are notified "
                "of the answer.",
            )
            return redirect(feedback.feedback_path(submission, "regrade"))
    return _student_page(request, submission, membership, regrade_form=form, status=400)


# Staff: the panel on the grading page --------------------------------------------------------


@dataclass
class StaffPanel:
    thread: list[FeedbackMessage]
    message_form: MessageForm
    message_url: str
    regrade_requests: list[RegradeRequest]
    open_request: RegradeRequest | None
    resolve_form: RegradeResolveForm
    resolve_url: str


def staff_panel(
    submission: Submission, grade: Grade | None, *, message_form=None, resolve_form=None
) -> StaffPanel:
    """Everything the staff panel on the grading page shows, in three queries whatever the
    thread's length. A form posted back with errors is shown instead of a fresh one."""
    assignment = submission.assignment
    args = [assignment.course_id, assignment.pk, submission.student_id]
    requests = feedback.regrade_requests_for(grade)
    open_request = next((r for r in requests if r.is_open), None)
    return StaffPanel(
        thread=feedback.thread_for(submission),
        message_form=message_form or MessageForm(auto_id=STAFF_MESSAGE_ID),
        message_url=reverse("interviews:grade_message", args=args),
        regrade_requests=requests,
        open_request=open_request,
        resolve_form=(resolve_form or RegradeResolveForm(auto_id=REGRADE_RESOLVE_ID)),
        resolve_url=(
            reverse("interviews:regrade_resolve", args=[*args, open_request.pk])
            if open_request
            else ""
        ),
    )


def _staff_page(request, submission, membership, *, message_form=None, resolve_form=None):
    """The panel on a page of its own, for a form posted without JavaScript that needs
    correcting: the grading page belongs to the grading views, so the typed text is shown here
    with its error and a way back."""
    assignment = submission.assignment
    context = {
        "course": assignment.course,
        "membership": membership,
        "assignment": assignment,
        "submission": submission,
        "grade": getattr(submission, "grade", None),
        "regrade_resolve_form": resolve_form,
        "panel": staff_panel(
            submission,
            getattr(submission, "grade", None),
            message_form=message_form,
            resolve_form=resolve_form,
        ),  # fmt: skip
        "grading_url": feedback.grading_path(submission),
    }
    return render(request, "interviews/feedback/staff_form.html", context, status=400)


@login_required
@require_POST
def grade_message(request, course_id, assignment_id, student_id):
    submission, membership = get_submission_for_grader(
        request.user, course_id, assignment_id, student_id
    )
    form = MessageForm(request.POST, auto_id=STAFF_MESSAGE_ID)
    post_url = reverse(
        "interviews:grade_message", args=[course_id, assignment_id, submission.student_id]
    )
    sent = _message_send(request, submission, form)
    if request.htmx:
        return _thread_fragment(
            request, submission, viewer="staff",
            form=MessageForm(auto_id=STAFF_MESSAGE_ID) if sent else form, post_url=post_url,
            sent=sent,
        )  # fmt: skip
    if not sent:
        return _staff_page(request, submission, membership, message_form=form)
    messages.success(request, f"Message sent to {feedback.student_name(submission)}.")
    return redirect(feedback.grading_path(submission, "conversation"))


@login_required
@require_POST
def regrade_resolve(request, course_id, assignment_id, student_id, request_id):
    regrade, membership = get_regrade_request_for_staff(
        request.user, course_id, assignment_id, student_id, request_id
    )
    submission = regrade.grade.submission
    form = RegradeResolveForm(request.POST, auto_id=REGRADE_RESOLVE_ID)
    if form.is_valid():
        try:
            feedback.regrade_resolve(
                request=regrade,
                by=request.user,
                outcome=form.cleaned_data["outcome"],
                response=form.cleaned_data["response"],
                now=timezone.now(),
            )
        except Refused as refused:
            show_refusal(refused, form=form)
        else:
            messages.success(request, f"Answer sent to {feedback.student_name(submission)}.")
            return redirect(feedback.grading_path(submission, "regrade-requests"))
    return _staff_page(request, submission, membership, resolve_form=form)
