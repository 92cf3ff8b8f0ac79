"""Row-level security (the second fence) and the app role's table privileges.

After every ``migrate`` (which runs as the owner role), every table in the schema that has
a ``town_id`` column gets RLS enabled and *forced*, so that the owner is bound by it too,
with one policy per command keyed on the transaction-local settings ``app.town`` and
``app.all_towns``. New tables of later
features are covered without a line of their own. The app role is granted DML on every
table (and nothing else: it owns none, so it can neither alter nor drop them).
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper

from nanhai_portal.tenancy.context import ALL_TOWNS_SETTING, TOWN_SETTING

# One policy per command, because a policy's USING clause applies to every command it covers:
# a single FOR ALL policy that lets a district scope *read* every town would also let it
# UPDATE and DELETE every town's rows (WITH CHECK guards only the new row).
# Read: the current town's rows, or every town's inside a district scope.
# Write: only the current town's rows, in any scope; a district scope without a town writes none.
# A row without a town (possible only where the column is nullable, as in the audit trail's
# district-level events) may be inserted from anywhere, read in a district scope only, and
# neither changed nor deleted.
_TOWN = f"town_id = current_setting('{TOWN_SETTING}', true)"
_ALL_TOWNS = f"current_setting('{ALL_TOWNS_SETTING}', true) = 'on'"
POLICIES: dict[str, str] = {
    "town_select": f"FOR SELECT USING ({_TOWN} OR {_ALL_TOWNS})",
    "town_insert": f"FOR INSERT WITH CHECK ({_TOWN} OR town_id IS NULL)",
    "town_update": f"FOR UPDATE USING ({_TOWN}) WITH CHECK ({_TOWN})",
    "town_delete": f"FOR DELETE USING ({_TOWN})",
}


def tenant_tables(connection: BaseDatabaseWrapper) -> list[str]:
    """Every table of the current schema with a ``town_id`` column."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.table_name
            FROM information_schema.columns c
            JOIN information_schema.tables t
              ON t.table_schema = c.table_schema AND t.table_name = c.table_name
            WHERE c.table_schema = current_schema() AND c.column_name = 'town_id'
              AND t.table_type = 'BASE TABLE'
            ORDER BY c.table_name
            """
        )
        return [row[0] for row in cursor.fetchall()]


def enforce_row_level_security(connection: BaseDatabaseWrapper) -> list[str]:
    """Enable, force and (re)create the town policies on every tenant table. Idempotent.

    Every other policy on a tenant table is dropped: policies are permissive, so one left
    behind by an older version (the single ``town_isolation`` FOR ALL policy) would keep
    admitting whatever it admitted. The tables change in one transaction, so no connection
    sees one between the drop and the create (with no policy, RLS would refuse all anyway).
    """
    quote = connection.ops.quote_name
    tables = tenant_tables(connection)
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"ALTER TABLE {quote(table)} ENABLE ROW LEVEL SECURITY")
            cursor.execute(f"ALTER TABLE {quote(table)} FORCE ROW LEVEL SECURITY")
            cursor.execute(
                "SELECT policyname FROM pg_policies WHERE schemaname = current_schema() AND tablename = %s",
                [table],
            )
            for (policy,) in cursor.fetchall():
                cursor.execute(f"DROP POLICY {quote(policy)} ON {quote(table)}")
            for policy, clauses in POLICIES.items():
                cursor.execute(f"CREATE POLICY {quote(policy)} ON {quote(table)} {clauses}")
    return tables


def append_only_tables() -> list[str]:
    """Tables of models that declare ``append_only_in_database = True`` (the audit trail)."""
    return sorted(
        model._meta.db_table for model in apps.get_models() if getattr(model, "append_only_in_database", False)
    )


def grant_app_role(connection: BaseDatabaseWrapper, role: str) -> None:
    """Give the app role DML on every table and use of every sequence, nothing more.

    On append-only tables it may only SELECT and INSERT.
    """
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        if cursor.fetchone()[0] == role:
            return  # migrating as the app role itself (a single-role deployment)
        cursor.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {quote(role)}")
        cursor.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {quote(role)}")
        existing = set(connection.introspection.table_names(cursor))
        for table in append_only_tables():
            if table in existing:
                cursor.execute(f"REVOKE UPDATE, DELETE, TRUNCATE ON {quote(table)} FROM {quote(role)}")


def after_migrate(using: str = "default", **kwargs: Any) -> None:
    """post_migrate receiver: runs once per app; the work is idempotent and cheap."""
    connection = connections[using]
    grant_app_role(connection, settings.DATABASE_APP_ROLE)
    enforce_row_level_security(connection)
