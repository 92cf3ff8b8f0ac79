"""Fence 2, command by command: who may SELECT, INSERT, UPDATE and DELETE which town's rows.

Raw SQL as the app role, on a town-scoped table (the application timeline), in each scope
the app can be in: no town, town A, the district scope, and a district admin working inside
town A. Reading crosses towns in a district scope; writing never leaves the current town.
"""

from __future__ import annotations

import io
from contextlib import closing
from typing import Any

import psycopg2
import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.db.utils import ProgrammingError

from nanhai_portal.tenancy.context import ALL_TOWNS_SETTING, TOWN_SETTING
from nanhai_portal.tenancy.rls import POLICIES, tenant_tables

TOWN_A, TOWN_B = "dali", "guicheng"
TABLE = "residents_applicationstep"

# scope name -> (app.town, app.all_towns)
SCOPES = {
    "no town": ("", "off"),
    "town A": (TOWN_A, "off"),
    "district": ("", "on"),
    "district in town A": (TOWN_A, "on"),
}
# Which towns' rows each scope may touch, per command.
MAY_READ = {"no town": set(), "town A": {TOWN_A}, "district": {TOWN_A, TOWN_B}, "district in town A": {TOWN_A, TOWN_B}}
MAY_WRITE = {"no town": set(), "town A": {TOWN_A}, "district": set(), "district in town A": {TOWN_A}}


def _enter(scope: str) -> None:
    town, all_towns = SCOPES[scope]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config(%s, %s, true), set_config(%s, %s, true)",
            [TOWN_SETTING, town, ALL_TOWNS_SETTING, all_towns],
        )


def _sql(statement: str, params: list[Any] | None = None) -> Any:
    cursor = connection.cursor()
    cursor.execute(statement, params or [])
    return cursor


@pytest.fixture
def rows(db: None) -> dict[str, dict[str, Any]]:
    """One timeline step and its application in each of towns A and B (from the demo data)."""
    _enter("district")
    found = {}
    for town in (TOWN_A, TOWN_B):
        cursor = _sql(f"SELECT id, application_id FROM {TABLE} WHERE town_id = %s ORDER BY id LIMIT 1", [town])
        step_id, application_id = cursor.fetchone()
        found[town] = {"step": step_id, "application": application_id}
    return found


@pytest.mark.parametrize("scope", SCOPES)
def test_select_reads_the_current_town_or_every_town_in_a_district_scope(scope: str, rows: dict) -> None:
    _enter(scope)
    for town in (TOWN_A, TOWN_B):
        seen = _sql(f"SELECT count(*) FROM {TABLE} WHERE id = %s", [rows[town]["step"]]).fetchone()[0]
        assert seen == (1 if town in MAY_READ[scope] else 0), (scope, town)


@pytest.mark.parametrize("scope", SCOPES)
def test_insert_writes_only_the_current_towns_rows(scope: str, rows: dict) -> None:
    _enter(scope)
    for town in (TOWN_A, TOWN_B):
        insert = (
            f"INSERT INTO {TABLE} (town_id, application_id, status, note, at) VALUES (%s, %s, 'draft', 'probe', now())"
        )
        _sql("SAVEPOINT probe")
        if town in MAY_WRITE[scope]:
            assert _sql(insert, [town, rows[town]["application"]]).rowcount == 1
        else:
            with pytest.raises(ProgrammingError, match="row-level security"):
                _sql(insert, [town, rows[town]["application"]])
        _sql("ROLLBACK TO SAVEPOINT probe")


@pytest.mark.parametrize("scope", SCOPES)
def test_update_changes_only_the_current_towns_rows(scope: str, rows: dict) -> None:
    _enter(scope)
    for town in (TOWN_A, TOWN_B):
        changed = _sql(f"UPDATE {TABLE} SET note = 'probe' WHERE id = %s", [rows[town]["step"]]).rowcount
        assert changed == (1 if town in MAY_WRITE[scope] else 0), (scope, town)
        everywhere = _sql(f"UPDATE {TABLE} SET note = 'probe' WHERE town_id = %s", [town]).rowcount
        assert (everywhere > 0) == (town in MAY_WRITE[scope]), (scope, town)


@pytest.mark.parametrize("scope", SCOPES)
def test_update_cannot_move_a_row_out_of_the_current_town(scope: str, rows: dict) -> None:
    _enter(scope)
    for target in (TOWN_B, None):
        _sql("SAVEPOINT probe")
        if TOWN_A in MAY_WRITE[scope]:
            with pytest.raises(ProgrammingError, match="row-level security"):
                _sql(f"UPDATE {TABLE} SET town_id = %s WHERE id = %s", [target, rows[TOWN_A]["step"]])
        else:
            moved = _sql(f"UPDATE {TABLE} SET town_id = %s WHERE id = %s", [target, rows[TOWN_A]["step"]]).rowcount
            assert moved == 0
        _sql("ROLLBACK TO SAVEPOINT probe")


@pytest.mark.parametrize("scope", SCOPES)
def test_delete_removes_only_the_current_towns_rows(scope: str, rows: dict) -> None:
    _enter(scope)
    for town in (TOWN_A, TOWN_B):
        _sql("SAVEPOINT probe")
        deleted = _sql(f"DELETE FROM {TABLE} WHERE town_id = %s", [town]).rowcount
        assert (deleted > 0) == (town in MAY_WRITE[scope]), (scope, town, deleted)
        _sql("ROLLBACK TO SAVEPOINT probe")
    _enter("district")
    for town in (TOWN_A, TOWN_B):
        assert _sql(f"SELECT count(*) FROM {TABLE} WHERE id = %s", [rows[town]["step"]]).fetchone()[0] == 1


def test_every_tenant_table_has_exactly_the_four_command_policies(db: None) -> None:
    tables = tenant_tables(connection)
    cursor = _sql(
        "SELECT tablename, policyname, cmd FROM pg_policies WHERE schemaname = current_schema() AND tablename = ANY(%s)",
        [tables],
    )
    found: dict[str, set[tuple[str, str]]] = {}
    for table, policy, command in cursor.fetchall():
        found.setdefault(table, set()).add((policy, command))
    expected = {(name, name.removeprefix("town_").upper()) for name in POLICIES}
    assert found == {table: expected for table in tables}


def _owner_sql(statement: str) -> None:
    default = settings.DATABASES["default"]
    with closing(
        psycopg2.connect(
            host=default["HOST"] or None,
            port=default["PORT"] or None,
            dbname=default["NAME"],
            user=settings.DATABASE_OWNER_CREDENTIALS["USER"],
            password=settings.DATABASE_OWNER_CREDENTIALS["PASSWORD"],
        )
    ) as owner:
        with owner.cursor() as cursor:
            cursor.execute(statement)
        owner.commit()


def test_migrate_replaces_an_old_catch_all_policy_on_an_existing_database(live_db: None) -> None:
    # Given a database migrated by an older version: one FOR ALL policy whose USING lets a
    # district scope through for every command.
    _owner_sql(
        f"""CREATE POLICY town_isolation ON {TABLE}
            USING (town_id = current_setting('{TOWN_SETTING}', true) OR current_setting('{ALL_TOWNS_SETTING}', true) = 'on')
            WITH CHECK (town_id = current_setting('{TOWN_SETTING}', true) OR town_id IS NULL)"""
    )
    try:
        # When migrate runs again, then the old policy is gone and a district scope deletes nothing.
        call_command("migrate", verbosity=0, stdout=io.StringIO())
        with connection.cursor() as cursor:
            cursor.execute("SELECT policyname FROM pg_policies WHERE tablename = %s ORDER BY 1", [TABLE])
            assert [row[0] for row in cursor.fetchall()] == sorted(POLICIES)
            cursor.execute("BEGIN")
            try:
                _enter("district")
                cursor.execute(f"DELETE FROM {TABLE} WHERE town_id = %s", [TOWN_A])
                assert cursor.rowcount == 0
            finally:
                cursor.execute("ROLLBACK")
    finally:
        _owner_sql(f"DROP POLICY IF EXISTS town_isolation ON {TABLE}")
