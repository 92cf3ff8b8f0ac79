"""Fence 2 holds only if the app connects as a role that RLS binds: check the roles and tables."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.db import connection

from nanhai_portal.tenancy.models import TenantModel
from nanhai_portal.tenancy.rls import POLICIES, tenant_tables

pytestmark = pytest.mark.django_db


def test_every_table_with_town_id_has_rls_enabled_and_forced_with_the_town_policies() -> None:
    tables = tenant_tables(connection)
    assert {"areas_community", "areas_grid"} <= set(tables)
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity,
                   (SELECT count(*) = %s FROM pg_policies p WHERE p.tablename = c.relname AND p.policyname = ANY(%s))
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = current_schema() AND c.relname = ANY(%s)
            """,
            [len(POLICIES), list(POLICIES), tables],
        )
        rows = cursor.fetchall()
    assert len(rows) == len(tables)
    for table, enabled, forced, has_policy in rows:
        assert (enabled, forced, has_policy) == (True, True, True), table


def test_the_app_role_is_no_superuser_cannot_bypass_rls_and_owns_no_table() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper, rolbypassrls, rolcreaterole FROM pg_roles WHERE rolname = current_user")
        assert cursor.fetchone() == (False, False, False)
        cursor.execute("SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()")
        assert cursor.fetchone()[0] > 10
        cursor.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND tableowner = current_user"
        )
        assert cursor.fetchall() == []


def test_the_app_role_cannot_switch_rls_off_or_drop_a_table() -> None:
    with connection.cursor() as cursor:
        for statement in ("ALTER TABLE areas_community DISABLE ROW LEVEL SECURITY", "DROP TABLE areas_grid"):
            cursor.execute("SAVEPOINT probe")
            with pytest.raises(Exception, match="must be owner"):
                cursor.execute(statement)
            cursor.execute("ROLLBACK TO SAVEPOINT probe")


def test_every_tenant_owned_model_keeps_its_town_in_a_town_id_column() -> None:
    tenant_models = [model for model in apps.get_models() if issubclass(model, TenantModel)]
    assert tenant_models
    tables = set(tenant_tables(connection))
    for model in tenant_models:
        assert model._meta.get_field("town").column == "town_id", model
        assert model._meta.db_table in tables, model
