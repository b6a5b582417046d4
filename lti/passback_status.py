"""What the grading page says of a grade's way to the LMS gradebook (interviews.hooks
.grade_destinations): sent, on its way, waiting for an LMS that did not answer, or refused."""

from courses.templatetags.when import long_moment

from .models import ScorePassback


def _lms(row: ScorePassback) -> str:
    registration = row.assignment_link.resource_link.context.deployment.registration
    return registration.name or "the LMS"


def _sentence(row: ScorePassback) -> str:
    lms = _lms(row)
    what = "The withdrawal of this score" if row.is_withdrawal else "This score"
    if row.state == ScorePassback.State.SENT:
        done = "withdrawn from" if row.is_withdrawal else "sent to"
        return f"Score {done} {lms}'s gradebook on {long_moment(row.sent_at)}."
    if row.state == ScorePassback.State.FAILED:
        return (
            f"{what} could not be sent to {lms}: {row.last_error or 'the LMS refused it'}. "
            "Rapport does not retry it; an operator can, from the admin, once the cause is fixed."
        )
    if row.attempts and row.next_attempt_at:
        return (
            f"{what} is waiting for {lms}, which did not take it ({row.attempts} "
            f"{'try' if row.attempts == 1 else 'tries'} so far); Rapport tries again at "
            f"{long_moment(row.next_attempt_at)}."
        )
    return f"{what} is on its way to {lms}'s gradebook."


def passback_states(*, grade_ids: list[int]) -> dict[int, list[str]]:
    """For each grade with rows in the outbox, a sentence per placement. One query."""
    rows = ScorePassback.objects.filter(grade_id__in=grade_ids).select_related(
        "assignment_link__resource_link__context__deployment__registration"
    )
    found: dict[int, list[str]] = {}
    for row in rows.order_by("pk"):
        found.setdefault(row.grade_id, []).append(_sentence(row))
    return found
