from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("courses", "0002_bounds"),
    ]

    operations = [
        migrations.AddField(
            model_name="membership",
            name="left_by_choice",
            field=models.BooleanField(default=False, verbose_name="left of their own accord"),
        ),
    ]
