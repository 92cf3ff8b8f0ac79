"""Leaner inserts into the audit trail, which every write adds to (a sync batch 50 events):

- time-ordered keys (``nanhai_portal.ids.time_ordered_uuid``): a batch's events land at the
  right edge of the primary key instead of on random pages of a table of millions (new rows
  only; nothing changes in the database);
- the lone ``town_id`` index and its ``varchar_pattern_ops`` twin go: ``audit_town_time``
  starts with the town;
- ``object_id``'s pattern twin goes (an object's history is looked up whole, never by its
  start); its plain index stays, renamed ``audit_object``.

10 indexes → 7. The database operations are written out so that no index is rebuilt.
"""

import django.db.models.deletion
from django.db import migrations, models

import nanhai_portal.ids

FORWARD = [
    "DROP INDEX IF EXISTS audit_auditevent_town_id_f89314ed",
    "DROP INDEX IF EXISTS audit_auditevent_town_id_f89314ed_like",
    "DROP INDEX IF EXISTS audit_auditevent_object_id_3d6dccfb_like",
    "ALTER INDEX audit_auditevent_object_id_3d6dccfb RENAME TO audit_object",
]
BACKWARD = [
    "ALTER INDEX audit_object RENAME TO audit_auditevent_object_id_3d6dccfb",
    "CREATE INDEX audit_auditevent_object_id_3d6dccfb_like ON audit_auditevent (object_id varchar_pattern_ops)",
    "CREATE INDEX audit_auditevent_town_id_f89314ed_like ON audit_auditevent (town_id varchar_pattern_ops)",
    "CREATE INDEX audit_auditevent_town_id_f89314ed ON audit_auditevent (town_id)",
]


class Migration(migrations.Migration):
    dependencies = [
        ("areas", "0002_towns"),
        ("audit", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunSQL(FORWARD, BACKWARD)],
            state_operations=[
                migrations.AlterField(
                    model_name="auditevent",
                    name="id",
                    field=models.UUIDField(
                        default=nanhai_portal.ids.time_ordered_uuid, editable=False, primary_key=True, serialize=False
                    ),
                ),
                migrations.AlterField(
                    model_name="auditevent",
                    name="object_id",
                    field=models.CharField(blank=True, max_length=64, verbose_name="object id"),
                ),
                migrations.AlterField(
                    model_name="auditevent",
                    name="town",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="areas.town",
                        verbose_name="town",
                    ),
                ),
                migrations.AddIndex(
                    model_name="auditevent",
                    index=models.Index(fields=["object_id"], name="audit_object"),
                ),
            ],
        ),
    ]
