from django.contrib import admin

from .models import Course, Invitation, Membership, RosterImport


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ["user"]


@admin.register(Course)
class CourseAdmin(admin.ModelAdmin):
    list_display = ["title", "code", "term", "time_zone", "archived_at", "created_at"]
    search_fields = ["title", "code", "term"]
    inlines = [MembershipInline]
    raw_id_fields = ["created_by"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = [
        "email",
        "course",
        "role",
        "created_at",
        "expires_at",
        "accepted_at",
        "revoked_at",
    ]
    search_fields = ["email", "course__title"]
    exclude = ["token_hash"]
    raw_id_fields = ["course", "invited_by", "accepted_by"]


@admin.register(RosterImport)
class RosterImportAdmin(admin.ModelAdmin):
    list_display = ["filename", "course", "state", "error_count", "created_at", "finished_at"]
    exclude = ["rows"]
    raw_id_fields = ["course", "uploaded_by"]
