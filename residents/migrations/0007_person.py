"""People (``Person``, district-wide) split from their registrations (``Resident``, per town).

Each resident's identity (name, ID and mobile numbers with their blind indexes, sex, birth
date, origin, account) moves to a person, one per ID number (the blind index was unique
across the table, so no two residents share one), and the resident points at it. The
ciphertext and the blind indexes are copied as they are: both tables encrypt with the same
keys and kinds, so nothing is decrypted.

``residents_resident`` is under forced row-level security, which binds the owner that runs
migrations too. Rather than lift it (``NO FORCE`` for a moment), the copy runs under the same
policies as the app: the read in a district scope (``app.all_towns``), the update of each
town's rows in that town (``app.town``), all inside this migration's one transaction, so the
settings end with it.
"""

import django.db.models.deletion
import nanhai_portal.pii.fields
import uuid
from django.conf import settings
from django.db import migrations, models

IDENTITY = ("user_id", "name", "id_number", "id_number_index", "mobile", "mobile_index", "sex", "birth_date", "origin")


def move_identities_to_people(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT set_config('app.all_towns', 'on', true)")
        cursor.execute(
            f"""
            INSERT INTO residents_person (id, {", ".join(IDENTITY)}, registered_town_id, created_at)
            SELECT gen_random_uuid(), {", ".join(f"r.{column}" for column in IDENTITY)}, r.town_id, r.created_at
            FROM residents_resident r ORDER BY r.created_at
            ON CONFLICT (id_number_index) DO NOTHING
            """
        )
        cursor.execute("SELECT DISTINCT town_id FROM residents_resident")
        for (town,) in cursor.fetchall():
            cursor.execute("SELECT set_config('app.town', %s, true)", [town])
            cursor.execute(
                """
                UPDATE residents_resident r SET person_id = p.id
                FROM residents_person p
                WHERE p.id_number_index = r.id_number_index AND r.town_id = %s
                """,
                [town],
            )
        cursor.execute("SELECT count(*) FROM residents_resident WHERE person_id IS NULL")
        if cursor.fetchone()[0]:
            raise RuntimeError("Some residents found no person: is row-level security hiding rows?")
        cursor.execute("SELECT set_config('app.town', '', true), set_config('app.all_towns', '', true)")
        # Check the deferred foreign keys now: a table with pending checks cannot be altered.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def move_identities_back(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT set_config('app.all_towns', 'on', true)")
        cursor.execute("SELECT DISTINCT town_id FROM residents_resident")
        for (town,) in cursor.fetchall():
            cursor.execute("SELECT set_config('app.town', %s, true)", [town])
            cursor.execute(
                f"""
                UPDATE residents_resident r SET {", ".join(f"{column} = p.{column}" for column in IDENTITY)}
                FROM residents_person p WHERE p.id = r.person_id AND r.town_id = %s
                """,  # noqa: S608 - fixed names
                [town],
            )
        cursor.execute("SELECT set_config('app.town', '', true), set_config('app.all_towns', '', true)")
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


class Migration(migrations.Migration):
    dependencies = [
        ("areas", "0002_towns"),
        ("residents", "0006_signup_stand_in"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="Person",
            fields=[
                ("id", models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                ("name", models.CharField(max_length=64, verbose_name="name")),
                ("id_number", nanhai_portal.pii.fields.EncryptedField(kind="id_number", verbose_name="ID number")),
                ("id_number_index", nanhai_portal.pii.fields.BlindIndexField(source="id_number", unique=True)),
                (
                    "mobile",
                    nanhai_portal.pii.fields.EncryptedField(
                        blank=True, kind="mobile", null=True, verbose_name="mobile number"
                    ),
                ),
                ("mobile_index", nanhai_portal.pii.fields.BlindIndexField(db_index=True, source="mobile")),
                ("sex", models.CharField(choices=[("M", "male"), ("F", "female")], max_length=1, verbose_name="sex")),
                ("birth_date", models.DateField(verbose_name="birth date")),
                ("origin", models.CharField(blank=True, max_length=64, verbose_name="place of origin")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created")),
                (
                    "registered_town",
                    models.ForeignKey(
                        blank=True,
                        db_index=False,
                        help_text="The town of the current residence registration (居住登记), if any.",
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="areas.town",
                        verbose_name="registered in",
                    ),
                ),
                (
                    "user",
                    models.OneToOneField(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="person",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="account",
                    ),
                ),
            ],
            options={"verbose_name": "person", "verbose_name_plural": "people"},
        ),
        migrations.AddField(
            model_name="resident",
            name="person",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="registrations",
                to="residents.person",
                verbose_name="person",
            ),
        ),
        migrations.AddField(
            model_name="resident",
            name="moved_out_on",
            field=models.DateField(blank=True, null=True, verbose_name="moved out on"),
        ),
        # The identity columns may be empty while the data moves back (a reverse migration).
        migrations.AlterField(
            model_name="resident",
            name="name",
            field=models.CharField(max_length=64, null=True, verbose_name="name"),
        ),
        migrations.AlterField(
            model_name="resident",
            name="sex",
            field=models.CharField(
                choices=[("M", "male"), ("F", "female")], max_length=1, null=True, verbose_name="sex"
            ),
        ),
        migrations.AlterField(
            model_name="resident",
            name="birth_date",
            field=models.DateField(null=True, verbose_name="birth date"),
        ),
        migrations.AlterField(
            model_name="resident",
            name="id_number",
            field=nanhai_portal.pii.fields.EncryptedField(kind="id_number", null=True, verbose_name="ID number"),
        ),
        migrations.RunPython(move_identities_to_people, move_identities_back),
        migrations.AlterField(
            model_name="resident",
            name="person",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="registrations",
                to="residents.person",
                verbose_name="person",
            ),
        ),
        migrations.RemoveField(model_name="resident", name="user"),
        migrations.RemoveField(model_name="resident", name="name"),
        migrations.RemoveField(model_name="resident", name="id_number"),
        migrations.RemoveField(model_name="resident", name="id_number_index"),
        migrations.RemoveField(model_name="resident", name="mobile"),
        migrations.RemoveField(model_name="resident", name="mobile_index"),
        migrations.RemoveField(model_name="resident", name="sex"),
        migrations.RemoveField(model_name="resident", name="birth_date"),
        migrations.RemoveField(model_name="resident", name="origin"),
        migrations.AlterModelOptions(
            name="resident",
            options={
                "ordering": ["town_id", "created_at"],
                "verbose_name": "new resident",
                "verbose_name_plural": "new residents",
            },
        ),
        migrations.AddConstraint(
            model_name="resident",
            constraint=models.UniqueConstraint(
                condition=models.Q(("moved_out_on__isnull", True)),
                fields=("town", "person"),
                name="resident_one_current_per_town",
            ),
        ),
        migrations.AlterField(
            model_name="permit",
            name="permit_number",
            field=models.CharField(max_length=20, verbose_name="permit number"),
        ),
        migrations.AddConstraint(
            model_name="permit",
            constraint=models.UniqueConstraint(fields=("town", "permit_number"), name="permit_number_unique_in_town"),
        ),
    ]
