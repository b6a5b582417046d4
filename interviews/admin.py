"""For operators: the reminder schedules instructors set on assignments."""

from django.contrib import admin

from .models import AssignmentReminderSettings


@admin.register(AssignmentReminderSettings)
class AssignmentReminderSettingsAdmin(admin.ModelAdmin):
    list_display = ["assignment", "before_days", "disabled_kinds"]
    search_fields = ["assignment__title", "assignment__course__title"]
    list_select_related = ["assignment"]
    raw_id_fields = ["assignment"]
