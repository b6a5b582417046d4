"""Notifications stop pointing at interviews' models: a scope key replaces the assignment,
interview and contact foreign keys, kinds are registered by the apps (no choices here), and the
assignment reminder schedule moves to interviews (the table is renamed, its rows kept)."""

from django.db import migrations, models
from django.db.models import CharField, Value
from django.db.models.functions import Cast, Concat

# The kinds an assignment plans for each student (interviews.notices.REMINDER_KINDS, as of now).
STUDENT_REMINDERS = [
    "milestone_soon", "milestone_overdue", "interview_tomorrow", "thank_you", "reflection",
    "follow_up",
]  # fmt: skip


def _text(field):
    return Cast(field, CharField())


def fill_scope(apps, schema_editor):
    Notification = apps.get_model("notifications", "Notification")
    with_assignment = Notification.objects.filter(assignment__isnull=False)
    with_assignment.filter(kind__in=STUDENT_REMINDERS).update(
        scope=Concat(
            Value("assignment:"),
            _text("assignment_id"),
            Value(":student:"),
            _text("recipient_id"),
            output_field=CharField(),
        )  # fmt: skip
    )
    with_assignment.exclude(kind__in=STUDENT_REMINDERS).update(
        scope=Concat(Value("grading:assignment:"), _text("assignment_id"), output_field=CharField())
    )
    Notification.objects.filter(kind="keep_in_touch", contact__isnull=False).update(
        scope=Concat(Value("contact:"), _text("contact_id"), output_field=CharField())
    )
    Notification.objects.filter(kind="grading_digest").update(scope=models.F("dedupe_key"))


class Migration(migrations.Migration):
    dependencies = [
        ("interviews", "0005_bounds"),
        ("notifications", "0003_inbox_shown_at"),
    ]

    operations = [
        migrations.AddField(
            model_name="notification",
            name="scope",
            field=models.CharField(
                blank=True,
                db_index=True,
                default="",
                max_length=120,
                help_text="What the row is about, as the app that planned it names it (e.g. "
                "assignment:12:student:7); re-planning a scope covers the keys that start with it.",
            ),  # fmt: skip
            preserve_default=False,
        ),
        migrations.RunPython(fill_scope, migrations.RunPython.noop),
        migrations.RemoveIndex(model_name="notification", name="notification_scope"),
        migrations.RemoveField(model_name="notification", name="assignment"),
        migrations.RemoveField(model_name="notification", name="interview"),
        migrations.RemoveField(model_name="notification", name="contact"),
        migrations.AlterField(
            model_name="notification",
            name="kind",
            field=models.CharField(
                help_text="A kind an app registered (notifications.kinds).", max_length=30
            ),
        ),
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.AlterModelTable(
                    name="assignmentremindersettings",
                    table="interviews_assignmentremindersettings",
                ),
            ],
            state_operations=[migrations.DeleteModel(name="AssignmentReminderSettings")],
        ),
    ]
