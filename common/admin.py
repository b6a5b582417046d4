"""What the admin pages of the project's outboxes share (notifications, LMS grade passback):
rows are written by their planners and senders only, so nothing is added or edited here; the
last error shows in the list; failed rows can be retried."""

from django.contrib import admin


class OutboxAdmin(admin.ModelAdmin):
    """Read-only rows with a short ``last_error`` column (``error_summary``)."""

    def has_add_permission(self, request):
        return False

    @admin.display(description="last error")
    def error_summary(self, obj):
        return obj.last_error[:120]
