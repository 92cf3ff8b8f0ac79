"""Leaner writes of a sync batch (rentals perf): indexes that only cost each INSERT go, and
the answers' foreign keys that the same-town key already holds go.

- ``rentals_inspectionitem``: the lone ``inspection_id`` index (the unique key now starts with
  the inspection: ``(inspection_id, category_id, town_id)``), the ``town_id`` index and its
  ``varchar_pattern_ops`` twin, the category's pattern twin (the plain category index stays,
  renamed); the foreign keys ``inspection_id → rentals_inspection`` and ``town_id →
  areas_town``, which ``inspectionitem_inspection_same_town`` (0002) already holds: the
  answer's inspection exists and is of the answer's town, itself a real town.
- ``rentals_inspection``: the lone ``town_id`` indexes (``inspection_client_id_unique_in_town``
  starts with the town) and ``house_id`` (``inspection_house_latest`` starts with the house).
- ``rentals_rentalhouse``: ``rentalhouse_landlord``, a copy of the foreign key's own index, and
  the lone ``town_id`` indexes (``rentalhouse_grid_due`` starts with the town).

The database operations are written out so that no foreign key is dropped and re-added (and
so re-checked over millions of rows), which is what ``AlterField(db_index=False)`` would do;
the only index built is the answers' new unique key. Ids made by ``time_ordered_uuid`` from
here on change nothing in the database.
"""

import django.db.models.deletion
from django.db import migrations, models

import rentals.models

FORWARD = [
    "DROP INDEX IF EXISTS rentalhouse_landlord",
    "DROP INDEX IF EXISTS rentals_rentalhouse_town_id_c0c4f314",
    "DROP INDEX IF EXISTS rentals_rentalhouse_town_id_c0c4f314_like",
    "DROP INDEX IF EXISTS rentals_inspection_house_id_5fa7426a",
    "DROP INDEX IF EXISTS rentals_inspection_town_id_7a8b06c5",
    "DROP INDEX IF EXISTS rentals_inspection_town_id_7a8b06c5_like",
    "ALTER TABLE rentals_inspectionitem DROP CONSTRAINT rentals_inspectionit_inspection_id_e1fb74aa_fk_rentals_i",
    "ALTER TABLE rentals_inspectionitem DROP CONSTRAINT rentals_inspectionitem_town_id_840af983_fk_areas_town_code",
    "DROP INDEX IF EXISTS rentals_inspectionitem_inspection_id_e1fb74aa",
    "DROP INDEX IF EXISTS rentals_inspectionitem_town_id_840af983",
    "DROP INDEX IF EXISTS rentals_inspectionitem_town_id_840af983_like",
    "DROP INDEX IF EXISTS rentals_inspectionitem_category_id_ea03a9e3_like",
    "ALTER INDEX rentals_inspectionitem_category_id_ea03a9e3 RENAME TO inspectionitem_category",
    "ALTER TABLE rentals_inspectionitem DROP CONSTRAINT inspectionitem_one_per_category",
    "ALTER TABLE rentals_inspectionitem ADD CONSTRAINT inspectionitem_one_per_category "
    "UNIQUE (inspection_id, category_id, town_id)",
]
BACKWARD = [
    "ALTER TABLE rentals_inspectionitem DROP CONSTRAINT inspectionitem_one_per_category",
    "ALTER TABLE rentals_inspectionitem ADD CONSTRAINT inspectionitem_one_per_category "
    "UNIQUE (town_id, inspection_id, category_id)",
    "ALTER INDEX inspectionitem_category RENAME TO rentals_inspectionitem_category_id_ea03a9e3",
    "CREATE INDEX rentals_inspectionitem_category_id_ea03a9e3_like "
    "ON rentals_inspectionitem (category_id varchar_pattern_ops)",
    "CREATE INDEX rentals_inspectionitem_town_id_840af983_like ON rentals_inspectionitem (town_id varchar_pattern_ops)",
    "CREATE INDEX rentals_inspectionitem_town_id_840af983 ON rentals_inspectionitem (town_id)",
    "CREATE INDEX rentals_inspectionitem_inspection_id_e1fb74aa ON rentals_inspectionitem (inspection_id)",
    "ALTER TABLE rentals_inspectionitem ADD CONSTRAINT rentals_inspectionitem_town_id_840af983_fk_areas_town_code "
    "FOREIGN KEY (town_id) REFERENCES areas_town (code) DEFERRABLE INITIALLY DEFERRED",
    "ALTER TABLE rentals_inspectionitem ADD CONSTRAINT rentals_inspectionit_inspection_id_e1fb74aa_fk_rentals_i "
    "FOREIGN KEY (inspection_id) REFERENCES rentals_inspection (id) DEFERRABLE INITIALLY DEFERRED",
    "CREATE INDEX rentals_inspection_town_id_7a8b06c5_like ON rentals_inspection (town_id varchar_pattern_ops)",
    "CREATE INDEX rentals_inspection_town_id_7a8b06c5 ON rentals_inspection (town_id)",
    "CREATE INDEX rentals_inspection_house_id_5fa7426a ON rentals_inspection (house_id)",
    "CREATE INDEX rentals_rentalhouse_town_id_c0c4f314_like ON rentals_rentalhouse (town_id varchar_pattern_ops)",
    "CREATE INDEX rentals_rentalhouse_town_id_c0c4f314 ON rentals_rentalhouse (town_id)",
    "CREATE INDEX rentalhouse_landlord ON rentals_rentalhouse (landlord_id)",
]


class Migration(migrations.Migration):
    dependencies = [
        ("areas", "0002_towns"),
        ("rentals", "0004_photo"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunSQL(FORWARD, BACKWARD)],
            state_operations=[
                migrations.RemoveConstraint(
                    model_name="inspectionitem",
                    name="inspectionitem_one_per_category",
                ),
                migrations.RemoveIndex(
                    model_name="rentalhouse",
                    name="rentalhouse_landlord",
                ),
                migrations.AlterField(
                    model_name="hazard",
                    name="id",
                    field=models.UUIDField(
                        default=rentals.models.time_ordered_uuid, editable=False, primary_key=True, serialize=False
                    ),
                ),
                migrations.AlterField(
                    model_name="inspection",
                    name="house",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="inspections",
                        to="rentals.rentalhouse",
                        verbose_name="house",
                    ),
                ),
                migrations.AlterField(
                    model_name="inspection",
                    name="id",
                    field=models.UUIDField(
                        default=rentals.models.time_ordered_uuid, editable=False, primary_key=True, serialize=False
                    ),
                ),
                migrations.AlterField(
                    model_name="inspection",
                    name="town",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="areas.town",
                        verbose_name="town",
                    ),
                ),
                migrations.AlterField(
                    model_name="inspectionitem",
                    name="category",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="rentals.hazardcategory",
                    ),
                ),
                migrations.AlterField(
                    model_name="inspectionitem",
                    name="id",
                    field=models.UUIDField(
                        default=rentals.models.time_ordered_uuid, editable=False, primary_key=True, serialize=False
                    ),
                ),
                migrations.AlterField(
                    model_name="inspectionitem",
                    name="inspection",
                    field=models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="items",
                        to="rentals.inspection",
                    ),
                ),
                migrations.AlterField(
                    model_name="inspectionitem",
                    name="town",
                    field=models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="areas.town",
                        verbose_name="town",
                    ),
                ),
                migrations.AlterField(
                    model_name="rentalhouse",
                    name="town",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="areas.town",
                        verbose_name="town",
                    ),
                ),
                migrations.AddIndex(
                    model_name="inspectionitem",
                    index=models.Index(fields=["category"], name="inspectionitem_category"),
                ),
                migrations.AddConstraint(
                    model_name="inspectionitem",
                    constraint=models.UniqueConstraint(
                        fields=("inspection", "category", "town"), name="inspectionitem_one_per_category"
                    ),
                ),
            ],
        ),
    ]
