"""Rubrics, grades, feedback and the conversation about a write-up.

A rubric belongs to one assignment; reusing it elsewhere copies it, so editing one never
changes another assignment or work already graded. A grade keeps a snapshot of what it was
given for (criterion titles, level titles, points), so editing the rubric afterwards does not
silently change a score either. Grades are hidden from the student until ``released_at``.
"""

from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from accounts.validators import no_control_characters
from common.numbers import CENT

from .work import Assignment, Submission

ZERO = Decimal("0")
POINTS_CEILING = Decimal("10000")


def points_field(verbose_name="points", **kwargs):
    return models.DecimalField(
        verbose_name, max_digits=7, decimal_places=2,
        validators=[MinValueValidator(ZERO), MaxValueValidator(POINTS_CEILING)], **kwargs,
    )  # fmt: skip


class Rubric(models.Model):
    assignment = models.OneToOneField(Assignment, on_delete=models.CASCADE, related_name="rubric")
    title = models.CharField(max_length=200, validators=[no_control_characters])
    source = models.CharField(
        max_length=300, blank=True, help_text="Where this rubric was copied from."
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return self.title

    def total_points(self) -> Decimal:
        """The sum of the criteria's points (uses prefetched criteria when there are)."""
        return sum((c.points for c in self.criteria.all()), ZERO)


class Criterion(models.Model):
    """One thing the work is judged on. With levels, the grader picks one; without, the grader
    types points up to ``points``."""

    rubric = models.ForeignKey(Rubric, on_delete=models.CASCADE, related_name="criteria")
    position = models.PositiveSmallIntegerField(default=0)
    title = models.CharField(max_length=200, validators=[no_control_characters])
    description = models.TextField(blank=True)
    points = points_field("maximum points")

    class Meta:
        ordering = ["position", "pk"]
        verbose_name_plural = "criteria"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(points__gte=0, points__lte=POINTS_CEILING),
                name="criterion_points_bounded",
            )
        ]

    def __str__(self):
        return self.title


class Level(models.Model):
    criterion = models.ForeignKey(Criterion, on_delete=models.CASCADE, related_name="levels")
    position = models.PositiveSmallIntegerField(default=0)
    title = models.CharField(max_length=100, validators=[no_control_characters])
    description = models.TextField(blank=True)
    points = points_field()

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(points__gte=0, points__lte=POINTS_CEILING),
                name="level_points_bounded",
            )
        ]

    def __str__(self):
        return f"{self.title} ({self.points})"


class GradeQuerySet(models.QuerySet):
    def released(self):
        return self.filter(released_at__isnull=False)

    def releasable(self):
        """Complete, reviewed where review is required, and not yet released."""
        return self.filter(state=Grade.State.COMPLETE, needs_review=False, released_at__isnull=True)


class Grade(models.Model):
    """The grade and feedback on one write-up.

    ``score`` is what the rubric (or the grader) gave out of ``points_possible``;
    ``final_score`` is that minus the late penalty, kept on the row so the gradebook is one
    read. ``revision`` goes up on every save, so two graders never silently overwrite each
    other.
    """

    class State(models.TextChoices):
        DRAFT = "draft", "In progress"
        COMPLETE = "complete", "Graded"

    submission = models.OneToOneField(Submission, on_delete=models.CASCADE, related_name="grade")
    state = models.CharField(max_length=20, choices=State.choices, default=State.DRAFT)
    score = points_field(null=True, blank=True)
    points_possible = points_field()
    late_penalty_percent = models.DecimalField(
        max_digits=5, decimal_places=2, default=ZERO,
        help_text="The penalty the assignment's late policy gives this submission.",
    )  # fmt: skip
    penalty_override_percent = models.DecimalField(
        "late penalty applied (%)", max_digits=5, decimal_places=2, null=True, blank=True,
        validators=[MinValueValidator(ZERO), MaxValueValidator(Decimal("100"))],
    )  # fmt: skip
    penalty_override_reason = models.CharField("reason for the change", max_length=300, blank=True)
    final_score = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    overall_comment = models.TextField("overall comment", blank=True)
    private_note = models.TextField(
        "private note for staff", blank=True, help_text="Never shown to the student."
    )
    graded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    graded_at = models.DateTimeField(null=True, blank=True)
    needs_review = models.BooleanField(
        default=False, help_text="Graded by an assistant on an assignment that requires review."
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    reviewed_at = models.DateTimeField(null=True, blank=True)
    released_at = models.DateTimeField(null=True, blank=True)
    held_for_review_at = models.DateTimeField(
        null=True, blank=True,
        help_text="Released once, then held back from the student when an edit needed review; "
        "the instructor's review releases it again.",
    )  # fmt: skip
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    revision = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = GradeQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["state", "released_at"])]

    def __str__(self):
        return f"Grade for {self.submission}"

    @property
    def is_released(self) -> bool:
        return self.released_at is not None

    @property
    def is_complete(self) -> bool:
        return self.state == self.State.COMPLETE

    @property
    def is_releasable(self) -> bool:
        return self.is_complete and not self.needs_review and not self.is_released

    @property
    def penalty_percent(self) -> Decimal:
        """The late penalty in force: the grader's override if there is one, else the
        policy's."""
        if self.penalty_override_percent is not None:
            return self.penalty_override_percent
        return self.late_penalty_percent

    @property
    def penalty_points(self) -> Decimal:
        if self.score is None:
            return ZERO
        return (self.score * self.penalty_percent / 100).quantize(CENT, ROUND_HALF_UP)

    def compute_final_score(self) -> Decimal | None:
        """``score`` less the late penalty, never below zero; None while there is no score."""
        if self.score is None:
            return None
        return max(self.score - self.penalty_points, ZERO)


class CriterionScore(models.Model):
    """What one criterion was given, with a snapshot of its title, level and maximum."""

    grade = models.ForeignKey(Grade, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(
        Criterion, on_delete=models.SET_NULL, null=True, blank=True, related_name="scores"
    )
    position = models.PositiveSmallIntegerField(default=0)
    title = models.CharField(max_length=200)
    level = models.ForeignKey(
        Level, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    level_title = models.CharField(max_length=100, blank=True)
    points = points_field(null=True, blank=True)
    max_points = points_field()
    comment = models.TextField(blank=True)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["grade", "criterion"], name="one_score_per_criterion")
        ]

    def __str__(self):
        return f"{self.title}: {self.points}"


class SavedComment(models.Model):
    """A grader's reusable comment (their comment bank), usable in every course they teach."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_comments"
    )
    text = models.TextField(max_length=2000)
    use_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-use_count", "text"]

    def __str__(self):
        return self.text[:60]


class FeedbackMessage(models.Model):
    """One message in the conversation between the student and the course's staff about a
    write-up."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    body = models.TextField(max_length=5000)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self):
        return self.body[:60]


class RegradeRequest(models.Model):
    class Outcome(models.TextChoices):
        CHANGED = "changed", "Grade changed"
        UNCHANGED = "unchanged", "Grade kept"

    grade = models.ForeignKey(Grade, on_delete=models.CASCADE, related_name="regrade_requests")
    student = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    reason = models.TextField(max_length=3000)
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    outcome = models.CharField(max_length=20, choices=Outcome.choices, blank=True)
    response = models.TextField(blank=True, max_length=3000)

    class Meta:
        ordering = ["-created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["grade"],
                condition=models.Q(resolved_at__isnull=True),
                name="one_open_regrade_request",
            )  # fmt: skip
        ]

    def __str__(self):
        return f"Regrade request on {self.grade}"

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None
