# An edit of a released grade that needs review holds it back from the student until reviewed.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("interviews", "0003_drafts_calendar_stamps"),
    ]

    operations = [
        migrations.AddField(
            model_name="grade",
            name="held_for_review_at",
            field=models.DateTimeField(
                blank=True,
                help_text=(
                    "Released once, then held back from the student when an edit needed "
                    "review; the instructor's review releases it again."
                ),
                null=True,
            ),
        ),
    ]
