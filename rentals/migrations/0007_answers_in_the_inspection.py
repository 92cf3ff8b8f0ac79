"""An inspection's answers move into its own row (rentals perf: a sync batch of 50 inspections
wrote 850 rows, 800 of them answers, and checked 800 same-town keys at its commit).

- ``rentals_inspection`` gains ``answers`` (category code → ok, hazard or na) and
  ``answer_notes`` (category code → note, for the answers with one), filled from
  ``rentals_inspectionitem``, with the check ``inspection_answers_valid``.
- ``rentals_hazard`` points at its inspection (``inspection_id``, held to the inspection's
  town by ``hazard_inspection_same_town``) instead of the answer; one hazard per inspection and
  category (``hazard_one_per_answer``).
- ``rentals_inspectionitem`` goes.
- A category that an inspection's answers name cannot be deleted (a trigger; it is retired
  instead): the foreign key from the answers did that before.

The copy runs under the same row-level security as the app, town by town (as residents 0007
does), inside this migration's one transaction. The reverse makes the answers' rows again.
"""

import django.db.models.deletion
import django.db.models.lookups
from django.db import migrations, models

def _each_town(cursor, statement):
    """Run ``statement`` (with ``%(town)s``) in the scope of each town that has inspections."""
    cursor.execute("SELECT set_config('app.all_towns', 'on', true)")
    cursor.execute("SELECT DISTINCT town_id FROM rentals_inspection ORDER BY town_id")
    towns = [town for (town,) in cursor.fetchall()]
    for town in towns:
        cursor.execute("SELECT set_config('app.town', %s, true)", [town])
        cursor.execute(statement, {"town": town})
    cursor.execute("SELECT set_config('app.town', '', true), set_config('app.all_towns', '', true)")
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # a table with pending checks cannot be altered


ANSWERS_FROM_ITEMS = """
    UPDATE rentals_inspection i
    SET answers = a.answers, answer_notes = a.notes
    FROM (
        SELECT inspection_id,
               jsonb_object_agg(category_id, result) AS answers,
               coalesce(jsonb_object_agg(category_id, note) FILTER (WHERE note <> ''), '{}') AS notes
        FROM rentals_inspectionitem WHERE town_id = %(town)s GROUP BY inspection_id
    ) a
    WHERE i.id = a.inspection_id AND i.town_id = %(town)s;
    UPDATE rentals_hazard h SET inspection_id = item.inspection_id
    FROM rentals_inspectionitem item
    WHERE item.id = h.item_id AND h.town_id = %(town)s AND item.town_id = %(town)s;
"""

ITEMS_FROM_ANSWERS = """
    INSERT INTO rentals_inspectionitem (id, town_id, inspection_id, category_id, result, note)
    SELECT gen_random_uuid(), i.town_id, i.id, a.key, a.value, coalesce(i.answer_notes ->> a.key, '')
    FROM rentals_inspection i, jsonb_each_text(i.answers) AS a
    WHERE i.town_id = %(town)s;
    UPDATE rentals_hazard h SET item_id = item.id
    FROM rentals_inspectionitem item
    WHERE item.inspection_id = h.inspection_id AND item.category_id = h.category_id
      AND h.town_id = %(town)s AND item.town_id = %(town)s;
"""


def answers_from_items(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        _each_town(cursor, ANSWERS_FROM_ITEMS)
        cursor.execute("SELECT set_config('app.all_towns', 'on', true)")
        cursor.execute("SELECT count(*) FROM rentals_hazard WHERE inspection_id IS NULL")
        missing = cursor.fetchone()[0]
        cursor.execute("SELECT set_config('app.all_towns', '', true)")
        if missing:
            raise RuntimeError(f"{missing} hazards found no inspection: is row-level security hiding rows?")


def items_from_answers(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        _each_town(cursor, ITEMS_FROM_ANSWERS)


CATEGORY_IN_USE = """
CREATE FUNCTION rentals_category_in_use() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    previous text := coalesce(current_setting('app.all_towns', true), '');
    in_use boolean;
BEGIN
    -- Row-level security would show a town's session only its own inspections: the look is
    -- made in a district scope, and the session's own scope is put back at once.
    PERFORM set_config('app.all_towns', 'on', true);
    in_use := EXISTS (SELECT 1 FROM rentals_inspection WHERE answers ? OLD.code);
    PERFORM set_config('app.all_towns', previous, true);
    IF in_use THEN
        RAISE EXCEPTION 'the category % is answered in inspections: retire it instead', OLD.code
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN OLD;
END $$;
CREATE TRIGGER rentals_category_in_use BEFORE DELETE ON rentals_hazardcategory
    FOR EACH ROW EXECUTE FUNCTION rentals_category_in_use();
"""
CATEGORY_IN_USE_REVERSE = """
DROP TRIGGER rentals_category_in_use ON rentals_hazardcategory;
DROP FUNCTION rentals_category_in_use();
"""


class Migration(migrations.Migration):
    dependencies = [("rentals", "0006_hazards_waiting_by_house")]

    operations = [
        migrations.AddField(
            model_name="inspection",
            name="answers",
            field=models.JSONField(default=dict, verbose_name="answers"),
        ),
        migrations.AddField(
            model_name="inspection",
            name="answer_notes",
            field=models.JSONField(blank=True, default=dict, verbose_name="notes on answers"),
        ),
        migrations.AddField(
            model_name="hazard",
            name="inspection",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="hazards",
                to="rentals.inspection",
                verbose_name="inspection",
            ),
        ),
        # Nullable before the copy, so that the reverse can add it back empty and fill it.
        migrations.AlterField(
            model_name="hazard",
            name="item",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="hazards",
                to="rentals.inspectionitem",
            ),
        ),
        migrations.RunPython(answers_from_items, items_from_answers),
        migrations.AlterField(
            model_name="hazard",
            name="inspection",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="hazards",
                to="rentals.inspection",
                verbose_name="inspection",
            ),
        ),
        migrations.RunSQL(
            "ALTER TABLE rentals_hazard DROP CONSTRAINT hazard_item_same_town",
            "ALTER TABLE rentals_hazard ADD CONSTRAINT hazard_item_same_town FOREIGN KEY (item_id, town_id) "
            "REFERENCES rentals_inspectionitem (id, town_id) DEFERRABLE INITIALLY DEFERRED",
        ),
        migrations.RemoveConstraint(model_name="hazard", name="hazard_one_per_item"),
        migrations.RemoveField(model_name="hazard", name="item"),
        migrations.AddConstraint(
            model_name="hazard",
            constraint=models.UniqueConstraint(
                fields=("inspection", "category", "town"), name="hazard_one_per_answer"
            ),
        ),
        migrations.RunSQL(
            "ALTER TABLE rentals_hazard ADD CONSTRAINT hazard_inspection_same_town FOREIGN KEY (inspection_id, town_id) "
            "REFERENCES rentals_inspection (id, town_id) DEFERRABLE INITIALLY DEFERRED",
            "ALTER TABLE rentals_hazard DROP CONSTRAINT hazard_inspection_same_town",
        ),
        migrations.RunSQL(
            migrations.RunSQL.noop,
            "ALTER TABLE rentals_inspectionitem ADD CONSTRAINT inspectionitem_inspection_same_town "
            "FOREIGN KEY (inspection_id, town_id) REFERENCES rentals_inspection (id, town_id) "
            "DEFERRABLE INITIALLY DEFERRED",
        ),
        migrations.DeleteModel(name="InspectionItem"),
        # An object of results among the three, and one of notes (``rentals.models.ANSWERS_VALID``).
        migrations.AddConstraint(
            model_name="inspection",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    django.db.models.lookups.Exact(
                        models.Func(models.F("answers"), function="jsonb_typeof", output_field=models.CharField()),
                        "object",
                    ),
                    django.db.models.lookups.Exact(
                        models.Func(models.F("answer_notes"), function="jsonb_typeof", output_field=models.CharField()),
                        "object",
                    ),
                    models.Q(
                        models.Func(
                            models.F("answers"),
                            models.Value('$.* ? (@.type() != "string" || (@ != "ok" && @ != "hazard" && @ != "na"))'),
                            function="jsonb_path_exists",
                            output_field=models.BooleanField(),
                        ),
                        _negated=True,
                    ),
                    models.Q(
                        models.Func(
                            models.F("answer_notes"),
                            models.Value('$.* ? (@.type() != "string")'),
                            function="jsonb_path_exists",
                            output_field=models.BooleanField(),
                        ),
                        _negated=True,
                    ),
                ),
                name="inspection_answers_valid",
            ),
        ),
        migrations.RunSQL(CATEGORY_IN_USE, CATEGORY_IN_USE_REVERSE),
    ]
