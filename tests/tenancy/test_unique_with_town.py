"""Every unique constraint of a town-scoped table includes the town, so that the tables can
be distributed by town (DESIGN.md, "Scaling past one machine"). What is unique across the
district lives in a table without a town: ``Person``, one per ID number.

Primary keys are not counted: they are random UUIDs (or a sequence), unique by construction,
and the tables that other rows point at in their own town also carry ``(id, town)``.
"""

from __future__ import annotations

import pytest
from django.apps import apps
from django.db import connection, models

from nanhai_portal.tenancy.rls import tenant_tables
from residents.models import Person

pytestmark = pytest.mark.django_db


def _town_scoped_models() -> list[type[models.Model]]:
    return [
        model
        for model in apps.get_models()
        if any(field.column == "town_id" for field in model._meta.concrete_fields) and not model._meta.proxy
    ]


def test_every_declared_unique_constraint_of_a_town_scoped_model_includes_the_town() -> None:
    missing = []
    for model in _town_scoped_models():
        label = model._meta.label
        missing += [
            f"{label}.{field.name} unique=True"
            for field in model._meta.concrete_fields
            if field.unique and not field.primary_key
        ]
        missing += [
            f"{label} unique_together {fields}" for fields in model._meta.unique_together if "town" not in fields
        ]
        for constraint in model._meta.constraints:
            if isinstance(constraint, models.UniqueConstraint) and "town" not in constraint.fields:
                missing.append(f"{label} {constraint.name}")
    assert _town_scoped_models(), "no town-scoped model found: the test looks in the wrong place"
    assert missing == []


def test_every_unique_index_in_the_database_on_a_town_table_includes_town_id() -> None:
    # The database too: constraints added by raw SQL in migrations count.
    tables = tenant_tables(connection)
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT t.relname, i.relname
            FROM pg_index x
            JOIN pg_class t ON t.oid = x.indrelid
            JOIN pg_class i ON i.oid = x.indexrelid
            WHERE x.indisunique AND NOT x.indisprimary AND t.relname = ANY(%s)
              AND NOT EXISTS (
                  SELECT 1 FROM pg_attribute a
                  WHERE a.attrelid = t.oid AND a.attnum = ANY(x.indkey) AND a.attname = 'town_id'
              )
            ORDER BY 1, 2
            """,
            [tables],
        )
        assert cursor.fetchall() == []
    assert "residents_resident" in tables and "residents_person" not in tables


def test_a_person_is_district_wide_and_unique_by_the_blind_index_of_the_id_number() -> None:
    columns = {field.column for field in Person._meta.concrete_fields}
    assert "town_id" not in columns  # no town: no row-level security, read through a town's record
    assert Person._meta.get_field("id_number_index").unique
