from django.contrib import admin, messages
from django.utils import timezone

from common.admin import OutboxAdmin

from .models import AssignmentLink, CourseLink, ScorePassback

# Registrations, deployments and keys are edited in django-lti's own admin ("LTI Tool").


@admin.register(CourseLink)
class CourseLinkAdmin(admin.ModelAdmin):
    list_display = ["context", "course", "created_at"]
    raw_id_fields = ["context", "course"]


@admin.register(AssignmentLink)
class AssignmentLinkAdmin(admin.ModelAdmin):
    list_display = ["resource_link", "assignment", "created_at"]
    raw_id_fields = ["resource_link", "assignment"]


@admin.register(ScorePassback)
class ScorePassbackAdmin(OutboxAdmin):
    """Grade passback to the LMS: what each student's LMS gradebook is owed and what happened."""

    list_display = [
        "lti_user__sub", "grade__submission__student__email", "assignment_link__assignment",
        "score_given", "points_possible", "state", "attempts", "next_attempt_at", "sent_at",
        "error_summary",
    ]  # fmt: skip
    list_filter = ["state"]
    search_fields = ["lti_user__sub", "grade__submission__student__email", "last_error"]
    list_select_related = ["lti_user", "grade__submission__student", "assignment_link__assignment"]
    ordering = ["-updated_at", "-pk"]
    actions = ["retry_now"]
    # Rows are written by passback planning and sending only; an edit here would bypass both.
    readonly_fields = [
        "assignment_link", "grade", "lti_user", "line_item", "score_given", "points_possible",
        "comment", "timestamp", "revision", "state", "attempts", "next_attempt_at", "claimed_at",
        "last_error", "sent_at", "sent_revision", "created_at", "updated_at",
    ]  # fmt: skip

    @admin.action(description="Retry now (failed scores only)")
    def retry_now(self, request, queryset):
        retried = queryset.filter(state=ScorePassback.State.FAILED).update(
            state=ScorePassback.State.PENDING, next_attempt_at=timezone.now(), attempts=0
        )
        self.message_user(
            request,
            f"{retried} score{'s' if retried != 1 else ''} will be sent within a minute.",
            messages.SUCCESS if retried else messages.WARNING,
        )
