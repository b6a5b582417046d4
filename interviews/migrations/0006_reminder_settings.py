"""The assignment reminder schedule belongs to interviews now; its table was renamed by
notifications.0004, so only the model's state moves here."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("interviews", "0005_bounds"),
        ("notifications", "0004_scope_key"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="AssignmentReminderSettings",
                    fields=[
                        ("id", models.BigAutoField(
                            auto_created=True, primary_key=True, serialize=False,
                            verbose_name="ID",
                        )),
                        ("before_days", models.JSONField(
                            default=list,
                            help_text="Days before each milestone to remind, e.g. [3, 1].",
                        )),
                        ("disabled_kinds", models.JSONField(blank=True, default=list)),
                        ("assignment", models.OneToOneField(
                            on_delete=django.db.models.deletion.CASCADE,
                            related_name="reminder_settings", to="interviews.assignment",
                        )),
                    ],
                ),
            ],
            database_operations=[],
        ),
    ]  # fmt: skip
