"""The migration that splits people from their registrations keeps every resident, permit
and application, with the same identity (residents 0006 → 0007).

A copy of the demo data is written, at the old schema, into a database of its own (made and
migrated as the owner role, with row-level security forced as ``migrate`` leaves it), then
migrated forward; every row is compared with the original, and the reverse migration is run
too.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import closing
from datetime import date
from typing import Any

import psycopg2
import pytest
from django.conf import settings
from django.db import connections
from django.db.migrations.executor import MigrationExecutor

from nanhai_portal.accounts.models import User
from nanhai_portal.areas.models import Town
from nanhai_portal.tenancy import district_context, town_context
from nanhai_portal.tenancy.rls import enforce_row_level_security
from residents.models import Application, Permit, Person, Resident

BEFORE = ("residents", "0006_signup_stand_in")
ALIAS = "person_migration_copy"


def _owner_sql(statement: str) -> None:
    default = settings.DATABASES["default"]
    with closing(
        psycopg2.connect(
            host=default["HOST"] or None,
            port=default["PORT"] or None,
            user=settings.DATABASE_OWNER_CREDENTIALS["USER"],
            password=settings.DATABASE_OWNER_CREDENTIALS["PASSWORD"],
            dbname="postgres",
        )
    ) as connection:
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute(statement)


@pytest.fixture
def copy_database(live_db: None) -> Iterator[str]:
    """An empty database of its own, reached as the owner role through ``ALIAS``."""
    name = f"{settings.DATABASES['default']['NAME']}_person_{uuid.uuid4().hex[:8]}"
    _owner_sql(f"CREATE DATABASE \"{name}\" TEMPLATE template0 ENCODING 'UTF8'")
    connections.settings[ALIAS] = {
        **connections["default"].settings_dict,
        "NAME": name,
        **settings.DATABASE_OWNER_CREDENTIALS,
    }
    try:
        yield ALIAS
    finally:
        connections[ALIAS].close()
        del connections[ALIAS]
        del connections.settings[ALIAS]
        _owner_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _migrate(alias: str, *, residents: tuple[str, str] | None) -> Any:
    """Migrate every app to its last migration, residents to ``residents`` (or its last).

    With residents held back, an app whose migrations need a later residents migration (a
    domain app built on ``Person``) is taken back to before its first migration."""
    executor = MigrationExecutor(connections[alias])
    graph = executor.loader.graph
    leaves = graph.leaf_nodes()
    if residents is None:
        targets: list[tuple[str, str | None]] = list(leaves)
    else:
        (last,) = [node for node in leaves if node[0] == "residents"]
        too_new = set(graph.forwards_plan(last)) - set(graph.forwards_plan(residents))
        targets = [residents]
        for leaf in leaves:
            if leaf[0] != "residents":
                targets.append((leaf[0], None) if too_new & set(graph.forwards_plan(leaf)) else leaf)
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state([node for node in targets if node[1] is not None]).apps


def _demo() -> dict[str, list[Any]]:
    """The demo district's residents (with their people), permits and applications."""
    with district_context():
        return {
            "residents": list(Resident.objects.for_all_towns().select_related("person__user", "community")),
            "permits": list(Permit.objects.for_all_towns()),
            "applications": list(Application.objects.for_all_towns()),
        }


def _write_old_shape(old: Any, alias: str, demo: dict[str, list[Any]]) -> dict[str, int]:
    """The demo rows as the old schema held them: the identity on the resident. Returns the
    copy's user id by username."""
    # The towns too: areas' data migration writes through the default connection, not ours.
    for town in Town.objects.all():
        old.get_model("areas", "Town").objects.using(alias).update_or_create(
            code=town.code,
            defaults={
                "name": town.name,
                "name_en": town.name_en,
                "kind": town.kind,
                "division_code": town.division_code,
            },
        )
    users: dict[str, int] = {}
    for resident in demo["residents"]:
        account = resident.person.user
        if account is not None:
            users[account.username] = (
                old.get_model("accounts", "User")
                .objects.using(alias)
                .create(username=account.username, name=account.name, role=account.role, password="!")
                .pk
            )
    Community = old.get_model("areas", "Community")
    OldResident, OldPermit = old.get_model("residents", "Resident"), old.get_model("residents", "Permit")
    OldApplication = old.get_model("residents", "Application")
    for town in sorted({resident.town_id for resident in demo["residents"]}):
        with town_context(town, using=alias):
            for resident in (item for item in demo["residents"] if item.town_id == town):
                community = resident.community
                Community.objects.using(alias).get_or_create(
                    pk=community.pk,
                    defaults={"town_id": town, "code": community.code, "name": community.name, "kind": community.kind},
                )
                person = resident.person
                OldResident.objects.using(alias).create(
                    pk=resident.pk, town_id=town, community_id=community.pk, name=person.name,
                    id_number=person.id_number, mobile=person.mobile, sex=person.sex, birth_date=person.birth_date,
                    origin=person.origin, address=resident.address, registered_since=resident.registered_since,
                    user_id=users.get(person.user.username) if person.user else None,
                )  # fmt: skip
            for permit in (item for item in demo["permits"] if item.town_id == town):
                OldPermit.objects.using(alias).create(
                    pk=permit.pk, town_id=town, resident_id=permit.resident_id, permit_number=permit.permit_number,
                    valid_from=permit.valid_from, valid_until=permit.valid_until, status=permit.status,
                    continuous_since=permit.continuous_since,
                )  # fmt: skip
            for application in (item for item in demo["applications"] if item.town_id == town):
                OldApplication.objects.using(alias).create(
                    pk=application.pk, town_id=town, resident_id=application.resident_id, kind=application.kind,
                    status=application.status, permit_id=application.permit_id, submitted_at=application.submitted_at,
                )  # fmt: skip
    return users


def test_every_resident_permit_and_application_keeps_its_identity(copy_database: str) -> None:
    # Given the demo district at the old schema, under forced row-level security.
    demo = _demo()
    assert len(demo["residents"]) >= 20 and demo["permits"] and demo["applications"]
    old = _migrate(copy_database, residents=BEFORE)
    enforce_row_level_security(connections[copy_database])
    with connections[copy_database].cursor() as cursor:
        cursor.execute("SELECT relforcerowsecurity FROM pg_class WHERE relname = 'residents_resident'")
        assert cursor.fetchone()[0], "the owner that migrates is bound by row-level security"
    users = _write_old_shape(old, copy_database, demo)

    # When the migration runs.
    _migrate(copy_database, residents=None)

    # Then every resident is there, pointing at a person with the same identity.
    with district_context(using=copy_database):
        residents = {
            item.pk: item for item in Resident.objects.for_all_towns().using(copy_database).select_related("person")
        }
        permits = {item.pk: item for item in Permit.objects.for_all_towns().using(copy_database)}
        applications = {item.pk: item for item in Application.objects.for_all_towns().using(copy_database)}
    assert set(residents) == {item.pk for item in demo["residents"]}
    for original in demo["residents"]:
        moved, was = residents[original.pk], original.person
        person = moved.person
        assert (person.name, person.id_number, person.mobile) == (was.name, was.id_number, was.mobile)
        assert (person.sex, person.birth_date, person.origin) == (was.sex, was.birth_date, was.origin)
        assert person.user_id == (users[was.user.username] if was.user else None)
        assert person.registered_town_id == moved.town_id == original.town_id
        assert (moved.community_id, moved.address, moved.registered_since) == (
            original.community_id,
            original.address,
            original.registered_since,
        )
        assert moved.moved_out_on is None
    assert Person.objects.using(copy_database).count() == len(demo["residents"])
    # And every permit and application still belongs to its resident.
    assert {pk: (item.resident_id, item.permit_number) for pk, item in permits.items()} == {
        item.pk: (item.resident_id, item.permit_number) for item in demo["permits"]
    }
    assert {pk: (item.resident_id, item.kind, item.status, item.permit_id) for pk, item in applications.items()} == {
        item.pk: (item.resident_id, item.kind, item.status, item.permit_id) for item in demo["applications"]
    }
    assert User.objects.using(copy_database).filter(person__isnull=False).count() == len(users)

    # And back: the reverse migration puts the identity on the residents again.
    reverted = _migrate(copy_database, residents=BEFORE)
    with district_context(using=copy_database):
        back = {
            item.pk: item for item in reverted.get_model("residents", "Resident").objects.using(copy_database).all()
        }
    assert {pk: (item.name, item.id_number, item.birth_date) for pk, item in back.items()} == {
        item.pk: (item.person.name, item.person.id_number, item.person.birth_date) for item in demo["residents"]
    }
    assert all(isinstance(item.birth_date, date) for item in back.values())
