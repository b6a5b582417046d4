"""What Rapport remembers of LMS launches, on top of django-lti's models (``lti_tool``).

django-lti keeps the platform side: ``LtiRegistration`` (issuer, client id, platform URLs),
``LtiDeployment``, ``LtiUser`` (registration + ``sub``, linked to a Rapport user through
``auth_user``), ``LtiContext`` (with the NRPS memberships URL and the AGS line-items URL and
scopes from the launch) and ``LtiResourceLink``. These two models tie them to Rapport's own rows,
so roster sync (NRPS), grade passback (AGS) and deep linking can start from a course or an
assignment.
"""

from django.db import models
from django.utils import timezone
from lti_tool.models import LtiContext, LtiLineItem, LtiResourceLink, LtiUser

from courses.models import Course
from interviews.models import Assignment, Grade


class CourseLink(models.Model):
    """One LMS course (registration + deployment + context id) is one Rapport course."""

    context = models.OneToOneField(LtiContext, on_delete=models.CASCADE, related_name="course_link")
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="lti_links")
    created_at = models.DateTimeField(default=timezone.now)
    # What the last roster sync (NRPS) did, for the roster page.
    synced_at = models.DateTimeField("last roster sync", null=True, blank=True)
    sync_added = models.PositiveIntegerField(default=0)
    sync_removed = models.PositiveIntegerField(default=0)
    sync_roles_changed = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"{self.context} → {self.course}"


class AssignmentLink(models.Model):
    """A resource link placed in the LMS that opens one Rapport assignment (set by deep linking
    or by an operator; a launch only reads it)."""

    resource_link = models.OneToOneField(
        LtiResourceLink, on_delete=models.CASCADE, related_name="assignment_link"
    )
    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="lti_links")
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"{self.resource_link} → {self.assignment}"


class ScorePassback(models.Model):
    """The score Rapport owes one LMS line item for one student: the outbox of grade passback.

    One row per placement of an assignment (``assignment_link``, whose resource link has one
    line item) and student grade. It holds the latest thing to send: the released grade
    (``score_given`` out of ``points_possible``, on Rapport's scale; scaled to the line item's
    maximum when sent) or, once the grade is hidden again, a withdrawal (``score_given`` None).
    Each change of what is owed raises ``revision`` and makes the row pending again; a worker
    marks it sent only if the revision it sent is still the latest, so nothing is lost and an
    unchanged score is never sent twice.
    """

    class State(models.TextChoices):
        PENDING = "pending", "Waiting to be sent"
        SENDING = "sending", "Being sent"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed (will not be retried)"

    assignment_link = models.ForeignKey(
        AssignmentLink, on_delete=models.CASCADE, related_name="score_passbacks"
    )
    grade = models.ForeignKey(Grade, on_delete=models.CASCADE, related_name="lti_passbacks")
    lti_user = models.ForeignKey(
        LtiUser, on_delete=models.CASCADE, related_name="+", verbose_name="LMS user"
    )
    line_item = models.ForeignKey(
        LtiLineItem, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        help_text="Found or created on the first send.",
    )  # fmt: skip
    score_given = models.DecimalField(
        max_digits=7, decimal_places=2, null=True, blank=True,
        help_text="Final score on Rapport's scale; empty: the score is withdrawn.",
    )  # fmt: skip
    points_possible = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    comment = models.TextField(blank=True)
    timestamp = models.DateTimeField(help_text="When this version of the score came to be.")
    revision = models.PositiveIntegerField(default=1)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    sent_revision = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["assignment_link", "grade"], name="lti_one_passback_per_link_and_grade"
            )
        ]
        indexes = [models.Index(fields=["state", "next_attempt_at"])]

    def __str__(self):
        what = "withdrawal" if self.is_withdrawal else f"{self.score_given}/{self.points_possible}"
        return f"{what} for {self.lti_user.sub} ({self.get_state_display()})"

    @property
    def is_withdrawal(self) -> bool:
        return self.score_given is None
