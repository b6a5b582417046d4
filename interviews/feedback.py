"""The conversation about a write-up, regrade requests, and what a student sees of their grade.

The student sees a grade only once it is released (``grade_visible_to_student``), and then only
through ``student_feedback``: a read-only summary that never carries the private staff note, so a
template cannot show what it was never given. Messages and regrade requests notify the other
side through ``notifications.notify``: the next tick emails them and they land in the inbox.
"""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Prefetch
from django.urls import reverse

from common import numbers
from common.refused import Refused
from courses.models import Membership
from notifications.notify import notify

from .models import (
    Criterion,
    CriterionScore,
    FeedbackMessage,
    Grade,
    Level,
    RegradeRequest,
    Submission,
)
from .notices import Kind, grading_scope
from .permissions import grade_visible_to_student

MESSAGE_MAX_CHARS = 5000
REASON_MIN_CHARS = 20
REASON_MAX_CHARS = 3000
RESPONSE_MAX_CHARS = 3000
EXCERPT_CHARS = 300

MESSAGE_REQUIRED = "Write a message before sending."
MESSAGE_TOO_LONG = f"Keep your message to {MESSAGE_MAX_CHARS:,} characters or fewer."
REASON_TOO_SHORT = (
    "Explain in at least a sentence (20 characters or more) what you think was misjudged and "
    "why, so your teacher can look at it again."
)
REASON_TOO_LONG = f"Keep your reason to {REASON_MAX_CHARS:,} characters or fewer."
NOT_RELEASED = "You can ask for a regrade once your feedback is released."
ALREADY_OPEN = (
    "You already have a regrade request waiting for an answer. You can send another once it is "
    "answered; to add something meanwhile, write in the conversation."
)
RESPONSE_REQUIRED = "Write a response: the student reads it with the outcome."
RESPONSE_TOO_LONG = f"Keep your response to {RESPONSE_MAX_CHARS:,} characters or fewer."
ALREADY_RESOLVED = "This regrade request has already been answered."


# Where each side reads about it ------------------------------------------------------------


def feedback_path(submission: Submission, anchor: str = "") -> str:
    """The student's feedback page (an internal path), optionally at ``#anchor``."""
    path = reverse(
        "interviews:feedback", args=[submission.assignment.course_id, submission.assignment_id]
    )
    return f"{path}#{anchor}" if anchor else path


def grading_path(submission: Submission, anchor: str = "") -> str:
    """The staff's grading page for this write-up, optionally at ``#anchor``."""
    path = reverse(
        "interviews:grade",
        args=[submission.assignment.course_id, submission.assignment_id, submission.student_id],
    )
    return f"{path}#{anchor}" if anchor else path


def _excerpt(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= EXCERPT_CHARS else text[: EXCERPT_CHARS - 1].rstrip() + "…"


def _name(user) -> str:
    return user.display_name if user is not None else "Someone"


def student_name(submission: Submission) -> str:
    return _name(submission.student)


def _staff_ids(submission: Submission) -> list[int]:
    """Everyone who currently teaches or assists in the write-up's course."""
    return list(
        Membership.objects.filter(course_id=submission.assignment.course_id)
        .staff()
        .order_by("user_id")
        .values_list("user_id", flat=True)
    )


# The conversation --------------------------------------------------------------------------


def _clean_text(
    text: str, *, field: str, max_chars: int, too_long: str, too_short: str, min_chars: int = 1
) -> str:
    """``text`` without surrounding white space; raises Refused for ``field`` when it
    is shorter than ``min_chars`` (by default: empty) or longer than ``max_chars``."""
    text = (text or "").strip()
    if len(text) < min_chars:
        raise Refused(too_short, field=field)
    if len(text) > max_chars:
        raise Refused(too_long, field=field)
    return text


def clean_message_body(body: str) -> str:
    """The body as it will be stored; raises Refused when empty or too long."""
    return _clean_text(
        body, field="body", too_short=MESSAGE_REQUIRED,
        max_chars=MESSAGE_MAX_CHARS, too_long=MESSAGE_TOO_LONG,
    )  # fmt: skip


def thread_for(submission: Submission) -> list[FeedbackMessage]:
    """The conversation on ``submission``, oldest first, with its authors."""
    return list(submission.messages.select_related("author").order_by("created_at", "pk"))


@transaction.atomic
def message_post(*, submission: Submission, author, body: str, now: datetime) -> FeedbackMessage:
    """Add ``author``'s message to the conversation on ``submission`` and notify the other side:
    a student's message goes to every active staff member of the course, a staff member's to
    the student. The caller has checked that ``author`` is the student or the course's staff.
    """
    body = clean_message_body(body)
    message = FeedbackMessage.objects.create(
        submission=submission, author=author, body=body, created_at=now
    )
    assignment = submission.assignment
    common = {"course_id": assignment.course_id, "scope": grading_scope(assignment.pk), "now": now}
    if author.pk == submission.student_id:
        for staff_id in _staff_ids(submission):
            notify(
                recipient_id=staff_id,
                kind=Kind.STUDENT_MESSAGE,
                key=f"feedback-message:{message.pk}:{staff_id}",
                subject=f"{_name(author)} wrote about their write-up for {assignment.title}",
                body=_excerpt(body),
                url=grading_path(submission, "conversation"),
                **common,
            )
    else:
        notify(
            recipient_id=submission.student_id,
            kind=Kind.FEEDBACK_MESSAGE,
            key=f"feedback-message:{message.pk}:{submission.student_id}",
            subject=f"{_name(author)} wrote about your write-up for {assignment.title}",
            body=_excerpt(body),
            url=feedback_path(submission, "conversation"),
            **common,
        )
    return message


# Regrade requests --------------------------------------------------------------------------


def clean_regrade_reason(reason: str) -> str:
    return _clean_text(
        reason, field="reason", min_chars=REASON_MIN_CHARS, too_short=REASON_TOO_SHORT,
        max_chars=REASON_MAX_CHARS, too_long=REASON_TOO_LONG,
    )  # fmt: skip


def regrade_requests_for(grade: Grade | None) -> list[RegradeRequest]:
    """The regrade requests on ``grade``, newest first, with who answered them."""
    if grade is None or grade.pk is None:  # not graded yet (or a grade not saved yet)
        return []
    return list(grade.regrade_requests.select_related("resolved_by").order_by("-created_at", "-pk"))


def regrade_request_create(*, grade: Grade, student, reason: str, now: datetime) -> RegradeRequest:
    """Ask for ``grade`` to be looked at again, and tell the course's staff.

    Refused unless the grade is ``student``'s own and released, the reason is
    at least a sentence, and no earlier request of theirs is still waiting for an answer.
    """
    if grade.submission.student_id != student.pk or not grade.is_released:
        raise Refused(NOT_RELEASED)
    reason = clean_regrade_reason(reason)
    try:
        with transaction.atomic():
            # Lock the grade so two tabs cannot both find no open request.
            locked = Grade.objects.select_for_update().get(pk=grade.pk)
            if locked.released_at is None:
                raise Refused(NOT_RELEASED)
            if locked.regrade_requests.filter(resolved_at__isnull=True).exists():
                raise Refused(ALREADY_OPEN)
            request = RegradeRequest.objects.create(
                grade=grade, student=student, reason=reason, created_at=now
            )
            submission = grade.submission
            assignment = submission.assignment
            for staff_id in _staff_ids(submission):
                notify(
                    recipient_id=staff_id,
                    kind=Kind.REGRADE_REQUESTED,
                    key=f"regrade-requested:{request.pk}:{staff_id}",
                    subject=f"{_name(student)} asked for a regrade on {assignment.title}",
                    body=_excerpt(reason),
                    url=grading_path(submission, "regrade-requests"),
                    course_id=assignment.course_id,
                    scope=grading_scope(assignment.pk),
                    now=now,
                )
    except IntegrityError as exc:  # the one-open-request constraint, should the lock be missed
        raise Refused(ALREADY_OPEN) from exc
    return request


def clean_regrade_response(response: str) -> str:
    return _clean_text(
        response, field="response", too_short=RESPONSE_REQUIRED,
        max_chars=RESPONSE_MAX_CHARS, too_long=RESPONSE_TOO_LONG,
    )  # fmt: skip


@transaction.atomic
def regrade_resolve(
    *, request: RegradeRequest, by, outcome: str, response: str, now: datetime
) -> RegradeRequest:
    """Answer an open regrade request (the grade itself is changed on the grading page first)
    and tell the student. Refused when already answered, or without a response."""
    if outcome not in RegradeRequest.Outcome.values:
        raise Refused("Choose whether the grade changed.", field="outcome")
    response = clean_regrade_response(response)
    claimed = RegradeRequest.objects.filter(pk=request.pk, resolved_at__isnull=True).update(
        resolved_at=now, resolved_by=by, outcome=outcome, response=response
    )
    if claimed != 1:
        raise Refused(ALREADY_RESOLVED)
    request.resolved_at, request.resolved_by = now, by
    request.outcome, request.response = outcome, response
    submission = request.grade.submission
    assignment = submission.assignment
    notify(
        recipient_id=request.student_id,
        kind=Kind.REGRADE_ANSWERED,
        key=f"regrade-answered:{request.pk}",
        subject=f"Your regrade request on {assignment.title}: {request.get_outcome_display()}",
        body=_excerpt(response),
        url=feedback_path(submission, "regrade"),
        course_id=assignment.course_id,
        scope=grading_scope(assignment.pk),
        now=now,
    )
    return request


# What the student sees of a released grade --------------------------------------------------


@dataclass(frozen=True)
class LevelShown:
    title: str
    description: str
    points: Decimal
    selected: bool


@dataclass(frozen=True)
class CriterionShown:
    """One rubric row: the snapshot taken when graded, and the criterion's levels as they are
    now (none when the criterion was removed from the rubric since)."""

    title: str
    description: str
    level_title: str
    points: Decimal | None
    max_points: Decimal
    comment: str
    levels: tuple[LevelShown, ...]

    @property
    def level_still_in_rubric(self) -> bool:
        """Whether the level given is one of ``levels`` (else only its snapshot is left)."""
        return any(level.selected for level in self.levels)


@dataclass(frozen=True)
class StudentFeedback:
    """A released grade as its student may see it. Deliberately without the private note."""

    final_score: Decimal | None
    points_possible: Decimal
    percent: Decimal | None
    score: Decimal | None
    penalty_percent: Decimal
    penalty_points: Decimal
    policy_penalty_percent: Decimal
    penalty_changed: bool
    penalty_reason: str
    overall_comment: str
    criteria: tuple[CriterionShown, ...]
    graded_by: str
    graded_at: datetime | None
    released_at: datetime


def _criterion_shown(score: CriterionScore) -> CriterionShown:
    criterion: Criterion | None = score.criterion
    levels: tuple[LevelShown, ...] = ()
    if criterion is not None:
        levels = tuple(
            LevelShown(
                title=level.title,
                description=level.description,
                points=level.points,
                selected=level.pk == score.level_id,
            )
            for level in criterion.levels.all()
        )
    return CriterionShown(
        title=score.title,
        description=criterion.description if criterion is not None else "",
        level_title=score.level_title,
        points=score.points,
        max_points=score.max_points,
        comment=score.comment,
        levels=levels,
    )


def student_feedback(submission: Submission) -> StudentFeedback | None:
    """What the student may see of the grade on their own ``submission``: None until it is
    released (nothing of a draft or unreleased grade leaves this function)."""
    grade = grade_visible_to_student(submission)
    if grade is None:
        return None
    scores = grade.scores.select_related("criterion").prefetch_related(
        Prefetch("criterion__levels", queryset=Level.objects.order_by("position", "pk"))
    )
    graded_by = grade.graded_by if grade.graded_by_id else None
    return StudentFeedback(
        final_score=grade.final_score,
        points_possible=grade.points_possible,
        percent=numbers.percent(grade.final_score, grade.points_possible, step=Decimal("0.1")),
        score=grade.score,
        penalty_percent=grade.penalty_percent,
        penalty_points=grade.penalty_points,
        policy_penalty_percent=grade.late_penalty_percent,
        penalty_changed=grade.penalty_override_percent is not None
        and grade.penalty_override_percent != grade.late_penalty_percent,
        penalty_reason=grade.penalty_override_reason,
        overall_comment=grade.overall_comment,
        criteria=tuple(_criterion_shown(score) for score in scores),
        graded_by=_name(graded_by) if graded_by is not None else "",
        graded_at=grade.graded_at,
        released_at=grade.released_at,
    )
