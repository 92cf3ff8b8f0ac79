"""The migration that moves an inspection's answers into its own row keeps every answer, note
and hazard (rentals 0006 → 0007), under forced row-level security, and its reverse makes the
answers' rows again.

Two towns' inspections are written at the old schema (answer rows, a hazard pointing at its
answer) into a database of its own, migrated forward and back.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

import pytest
from django.db import IntegrityError, connections, transaction
from django.db.migrations.executor import MigrationExecutor

from nanhai_portal.tenancy import district_context, town_context
from nanhai_portal.tenancy.rls import enforce_row_level_security
from rentals.district_loader import landlord_id_number
from tests.residents.test_person_migration import copy_database  # noqa: F401 - a fixture

BEFORE = ("rentals", "0006_hazards_waiting_by_house")
AFTER = ("rentals", "0007_answers_in_the_inspection")
AT = datetime(2026, 5, 31, 9, 30, tzinfo=UTC)
TOWNS = ("guicheng", "xiqiao")


def _migrate(alias: str, rentals: tuple[str, str]) -> Any:
    """Rentals to ``rentals``, with what it needs (not the other domain apps); the apps of that state."""
    executor = MigrationExecutor(connections[alias])
    executor.migrate([rentals])
    executor.loader.build_graph()
    return executor.loader.project_state([rentals]).apps


def _old_inspections(old: Any, alias: str) -> dict[str, dict[str, Any]]:
    """In each town: a house, one inspection with three answers (one a hazard, with a note), one
    with none. Returns, per town, the ids written."""
    Town, Community, Grid = (old.get_model("areas", name) for name in ("Town", "Community", "Grid"))
    Person, User = old.get_model("residents", "Person"), old.get_model("accounts", "User")
    House, Inspection = old.get_model("rentals", "RentalHouse"), old.get_model("rentals", "Inspection")
    Item, Hazard = old.get_model("rentals", "InspectionItem"), old.get_model("rentals", "Hazard")
    written: dict[str, dict[str, Any]] = {}
    for number, town in enumerate(TOWNS):
        Town.objects.using(alias).update_or_create(
            code=town, defaults={"name": town, "name_en": town, "kind": "town", "division_code": f"44060500{number}"}
        )
        # (the town of an account arrives with a later accounts migration than rentals needs)
        town_of_user = {"town_id": town} if "town" in {field.name for field in User._meta.fields} else {}
        inspector = User.objects.using(alias).create(
            username=f"grid.{town}", role="grid_worker", password="!", **town_of_user
        )
        landlord = Person.objects.using(alias).create(
            name="李伟", id_number=landlord_id_number(number), mobile=f"1380000000{number}", sex="M",
            birth_date=date(1950, 1, 1), origin="广东省佛山市南海区",
        )  # fmt: skip
        with town_context(town, using=alias):
            community = Community.objects.using(alias).create(town_id=town, code=f"c{number}", name="社区", kind="com")
            grid = Grid.objects.using(alias).create(town_id=town, community=community, code=f"g{number}", name="网格")
            house = House.objects.using(alias).create(
                town_id=town, community=community, grid=grid, address="平洲1巷1号", building_type="self_built",
                floors=3, rooms=9, landlord=landlord, risk_class="ordinary",
            )  # fmt: skip
            checked = Inspection.objects.using(alias).create(
                town_id=town, client_id=uuid.uuid4(), house=house, inspector=inspector, inspected_at=AT
            )
            Inspection.objects.using(alias).create(
                town_id=town, client_id=uuid.uuid4(), house=house, inspector=inspector, inspected_at=AT
            )
            items = {
                category: Item.objects.using(alias).create(
                    town_id=town, inspection=checked, category_id=category, result=result, note=note
                )
                for category, result, note in (
                    ("gas", "ok", ""),
                    ("ebike_indoor", "hazard", "楼道充电"),
                    ("hydrant", "na", ""),
                )
            }
            hazard = Hazard.objects.using(alias).create(
                town_id=town, house=house, item=items["ebike_indoor"], category_id="ebike_indoor", severity="major",
                due_at=AT, opened_at=AT,
            )  # fmt: skip
        written[town] = {"inspection": checked.pk, "hazard": hazard.pk}
    return written


@pytest.mark.slow
@pytest.mark.timeout(900)  # a database migrated from nothing, forward and back
def test_the_answers_move_into_the_inspection_and_back(copy_database: str) -> None:  # noqa: F811
    alias = copy_database
    old = _migrate(alias, BEFORE)
    enforce_row_level_security(connections[alias])
    written = _old_inspections(old, alias)

    new = _migrate(alias, AFTER)

    Inspection, Hazard = new.get_model("rentals", "Inspection"), new.get_model("rentals", "Hazard")
    with district_context(using=alias):
        for town in TOWNS:
            inspections = Inspection.objects.using(alias).filter(town_id=town)
            answered = inspections.get(pk=written[town]["inspection"])
            assert answered.answers == {"gas": "ok", "ebike_indoor": "hazard", "hydrant": "na"}
            assert answered.answer_notes == {"ebike_indoor": "楼道充电"}
            assert inspections.exclude(pk=answered.pk).get().answers == {}  # none before, none now
            hazard = Hazard.objects.using(alias).get(pk=written[town]["hazard"])
            assert (hazard.inspection_id, hazard.category_id) == (answered.pk, "ebike_indoor")
    # The database now holds what the items' keys held: results among the three, a category in
    # use is not deleted.
    with town_context("guicheng", using=alias), pytest.raises(IntegrityError), transaction.atomic(using=alias):
        Inspection.objects.using(alias).filter(pk=written["guicheng"]["inspection"]).update(answers={"gas": "maybe"})
    with district_context(using=alias), pytest.raises(IntegrityError), transaction.atomic(using=alias):
        new.get_model("rentals", "HazardCategory").objects.using(alias).filter(code="ebike_indoor").delete()

    # And back: the answers' rows again, the hazard pointing at its answer.
    old = _migrate(alias, BEFORE)
    Item, Hazard = old.get_model("rentals", "InspectionItem"), old.get_model("rentals", "Hazard")
    with district_context(using=alias):
        for town in TOWNS:
            items = Item.objects.using(alias).filter(town_id=town)
            assert sorted(items.values_list("category_id", "result", "note")) == [
                ("ebike_indoor", "hazard", "楼道充电"),
                ("gas", "ok", ""),
                ("hydrant", "na", ""),
            ]
            hazard = Hazard.objects.using(alias).get(pk=written[town]["hazard"])
            assert hazard.item_id == items.get(result="hazard").pk
