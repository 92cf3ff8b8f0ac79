"""The day a resident was told they may apply for a permit, so that they are told once."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("residents", "0008_application_number")]

    operations = [
        migrations.AddField(
            model_name="resident",
            name="permit_eligible_reminded_on",
            field=models.DateField(blank=True, null=True, verbose_name="told they may apply for a permit on"),
        ),
    ]
