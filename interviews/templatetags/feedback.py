"""The staff panel's data (conversation and regrade requests), loaded by the panel itself so the
grading page only has to include it: ``{% staff_feedback_panel submission grade as panel %}``;
and ``|points`` to show a score as people write it.
"""

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django import template
from django.urls import reverse

from interviews import feedback
from interviews.forms.feedback import (
    REGRADE_RESOLVE_ID,
    STAFF_MESSAGE_ID,
    MessageForm,
    RegradeResolveForm,
)
from interviews.models import FeedbackMessage, Grade, RegradeRequest, Submission

register = template.Library()


@dataclass
class StaffPanel:
    thread: list[FeedbackMessage]
    message_form: MessageForm
    message_url: str
    regrade_requests: list[RegradeRequest]
    open_request: RegradeRequest | None
    resolve_form: RegradeResolveForm
    resolve_url: str


@register.simple_tag(takes_context=True)
def staff_feedback_panel(context, submission: Submission, grade: Grade | None) -> StaffPanel:
    """Everything the panel shows, in three queries whatever the thread's length. A form posted
    back with errors (``staff_message_form`` / ``regrade_resolve_form`` in the context) is shown
    instead of a fresh one."""
    assignment = submission.assignment
    args = [assignment.course_id, assignment.pk, submission.student_id]
    requests = feedback.regrade_requests_for(grade)
    open_request = next((r for r in requests if r.is_open), None)
    return StaffPanel(
        thread=feedback.thread_for(submission),
        message_form=context.get("staff_message_form") or MessageForm(auto_id=STAFF_MESSAGE_ID),
        message_url=reverse("interviews:grade_message", args=args),
        regrade_requests=requests,
        open_request=open_request,
        resolve_form=(
            context.get("regrade_resolve_form") or RegradeResolveForm(auto_id=REGRADE_RESOLVE_ID)
        ),
        resolve_url=(
            reverse("interviews:regrade_resolve", args=[*args, open_request.pk])
            if open_request
            else ""
        ),
    )


@register.filter
def points(value) -> str:
    """A score as people write it: ``14.40`` → ``14.4``, ``20.00`` → ``20``; None → "—"."""
    if value is None or value == "":
        return "—"
    try:
        number = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        return str(value)
    return f"{number.quantize(Decimal('0.01')).normalize():f}"
