"""For operators: every planned notification, what happened to it, and a retry for failures."""

from django.contrib import admin, messages
from django.utils import timezone

from common.admin import OutboxAdmin

from .models import Notification, Preference


@admin.register(Notification)
class NotificationAdmin(OutboxAdmin):
    list_display = [
        "subject", "recipient__email", "kind", "state", "send_at", "attempts", "error_summary",
    ]  # fmt: skip
    list_filter = ["state", "kind"]
    search_fields = ["recipient__email", "dedupe_key", "scope"]
    list_select_related = ["recipient"]
    ordering = ["-send_at", "-pk"]
    date_hierarchy = "send_at"
    actions = ["retry_now"]
    # Rows are written by the planner and delivery only; an edit here would bypass both.
    readonly_fields = [
        "recipient", "kind", "dedupe_key", "course", "scope",
        "subject", "body", "url", "send_at", "state", "attempts", "last_error", "enqueued_at",
        "claim_token", "claimed_at", "sent_at", "message_id", "read_at", "created_at",
        "updated_at",
    ]  # fmt: skip

    @admin.action(description="Retry now (failed notifications only)")
    def retry_now(self, request, queryset):
        failed = queryset.filter(state=Notification.State.FAILED)
        retried = failed.update(
            state=Notification.State.PENDING, send_at=timezone.now(), attempts=0,
            enqueued_at=None, claim_token="", claimed_at=None,
        )  # fmt: skip
        skipped = queryset.count() - retried
        self.message_user(
            request,
            f"{retried} notification{'s' if retried != 1 else ''} will be sent at the next tick."
            + (f" {skipped} not failed, left alone." if skipped else ""),
            messages.SUCCESS if retried else messages.WARNING,
        )


@admin.register(Preference)
class PreferenceAdmin(admin.ModelAdmin):
    list_display = ["user__email", "email_enabled", "disabled_kinds", "updated_at"]
    list_filter = ["email_enabled"]
    search_fields = ["user__email"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]
    filter_horizontal = ["muted_courses"]
