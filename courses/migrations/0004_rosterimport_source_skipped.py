from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("courses", "0003_consent"),
    ]

    operations = [
        migrations.AddField(
            model_name="rosterimport",
            name="source",
            field=models.CharField(blank=True, max_length=60),
        ),
        migrations.AddField(
            model_name="rosterimport",
            name="skipped",
            field=models.JSONField(blank=True, default=list),
        ),
    ]
