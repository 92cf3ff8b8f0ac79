"""Applications get a number (办件编号) at their first submission, from a district-wide sequence.

Applications submitted before keep an empty number: nothing is invented for them afterwards.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("areas", "0002_towns"),
        ("residents", "0007_person"),
    ]

    operations = [
        migrations.AddField(
            model_name="application",
            name="number",
            field=models.CharField(blank=True, default="", max_length=24, verbose_name="application number"),
        ),
        migrations.AddConstraint(
            model_name="application",
            constraint=models.UniqueConstraint(
                condition=models.Q(("number", ""), _negated=True),
                fields=("town", "number"),
                name="application_number_unique_in_town",
            ),
        ),
        migrations.RunSQL(
            "CREATE SEQUENCE IF NOT EXISTS residents_application_number_seq",
            "DROP SEQUENCE IF EXISTS residents_application_number_seq",
        ),
    ]
