"""Inspections: once per client id, each bad item refused with its code, stale edits refused,
every "hazard" answer a hazard with its deadline, the landlord told once."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from django.http import Http404
from django.utils import timezone

from nanhai_portal.audit.models import AuditEvent
from nanhai_portal.notifications.models import Notification
from nanhai_portal.tenancy import town_context
from rentals import services
from rentals.models import Hazard, HazardCategory, Inspection, RentalHouse
from tests.rentals.factories import AT, GridFactory, RentalHouseFactory, grid_worker_of

pytestmark = pytest.mark.django_db

TWO_HAZARDS = [
    {"category": "ebike_indoor", "result": "hazard", "note": "楼道充电"},
    {"category": "extinguisher", "result": "hazard", "note": "过期"},
    {"category": "smoke_alarm", "result": "ok"},
    {"category": "gas", "result": "na"},
]


def a_house_and_its_worker() -> tuple[RentalHouse, Any]:
    house = RentalHouseFactory()
    return house, grid_worker_of(house.grid)


def record(house: RentalHouse, worker: Any, client_id: uuid.UUID, items: list[dict[str, Any]] = TWO_HAZARDS) -> Any:
    with town_context(house.town_id):
        return services.inspection_record(house=house, client_id=client_id, items=items, by=worker, inspected_at=AT)


def counts(house: RentalHouse) -> tuple[int, int, int, int, int]:
    with town_context(house.town_id):
        inspections = Inspection.objects.filter(house=house)
        return (
            inspections.count(),
            sum(len(answered) for answered in inspections.values_list("answers", flat=True)),
            Hazard.objects.filter(house=house).count(),
            AuditEvent.objects.filter(
                action="rentals.inspection_recorded", object_id__in=[str(i.pk) for i in inspections]
            ).count(),
            Notification.objects.filter(recipient=house.landlord.user, event="rentals.hazard_opened").count(),
        )


def test_an_inspection_opens_one_hazard_per_hazard_answer_due_by_severity() -> None:
    house, worker = a_house_and_its_worker()
    recorded = record(house, worker, uuid.uuid4())
    assert recorded.created
    assert counts(house) == (1, 4, 2, 1, 2)
    with town_context(house.town_id):
        due = {hazard.category_id: hazard.due_at for hazard in Hazard.objects.filter(house=house)}
        house.refresh_from_db()
    assert due == {"ebike_indoor": AT + timedelta(hours=24), "extinguisher": AT + timedelta(days=7)}
    assert timezone.localtime(due["ebike_indoor"]).date().isoformat() == "2025-02-01"  # across the month end
    assert house.last_inspected_at == AT


def test_a_replay_creates_nothing_and_returns_the_first_inspection() -> None:
    house, worker = a_house_and_its_worker()
    client_id = uuid.uuid4()
    first = record(house, worker, client_id)
    again = record(house, worker, client_id)
    assert not again.created
    assert again.inspection.pk == first.inspection.pk
    assert counts(house) == (1, 4, 2, 1, 2)


def test_the_same_client_id_with_other_answers_is_a_conflict() -> None:
    house, worker = a_house_and_its_worker()
    client_id = uuid.uuid4()
    record(house, worker, client_id)
    with pytest.raises(services.Conflict) as refused:
        record(house, worker, client_id, [{"category": "ebike_indoor", "result": "ok"}])
    assert refused.value.status == 409 and refused.value.code == "conflict"
    assert refused.value.extra["current_version"] == 1
    assert counts(house) == (1, 4, 2, 1, 2)


@pytest.mark.parametrize(
    ("items", "code"),
    [
        ([{"category": "no_such_thing", "result": "ok"}], "unknown_category"),
        ([{"category": "gas", "result": "maybe"}], "invalid_result"),
        ([{"category": "gas", "result": "ok"}, {"category": "gas", "result": "na"}], "duplicate_category"),
        ([], "no_items"),
    ],
)
def test_a_bad_item_is_refused_with_its_code_and_nothing_is_written(items: list[dict[str, Any]], code: str) -> None:
    house, worker = a_house_and_its_worker()
    with pytest.raises(services.ItemRefused) as refused:
        record(house, worker, uuid.uuid4(), [{"category": "smoke_alarm", "result": "ok"}, *items] if items else [])
    assert refused.value.code == code
    if items:
        assert refused.value.extra["index"] >= 1
    assert counts(house) == (0, 0, 0, 0, 0)


def test_a_retired_category_is_refused() -> None:
    house, worker = a_house_and_its_worker()
    HazardCategory.objects.filter(code="fire_blanket").update(retired_at=AT)
    with pytest.raises(services.ItemRefused) as refused:
        record(house, worker, uuid.uuid4(), [{"category": "fire_blanket", "result": "ok"}])
    assert refused.value.code == "retired_category"
    assert counts(house) == (0, 0, 0, 0, 0)


def test_a_house_outside_the_workers_grids_is_not_there() -> None:
    house = RentalHouseFactory()
    other_worker = grid_worker_of(GridFactory())
    with pytest.raises(Http404):
        record(house, other_worker, uuid.uuid4())
    assert counts(house) == (0, 0, 0, 0, 0)


def test_a_stale_edit_is_a_conflict_with_the_current_version() -> None:
    house, worker = a_house_and_its_worker()
    inspection = record(house, worker, uuid.uuid4()).inspection
    with town_context(house.town_id):
        services.inspection_update(inspection=inspection, base_version=1, by=worker, note="补充说明")
        with pytest.raises(services.Conflict) as refused:
            services.inspection_update(inspection=inspection, base_version=1, by=worker, note="旧版本的修改")
        inspection.refresh_from_db()
    assert refused.value.status == 409 and refused.value.extra["current_version"] == 2
    assert (inspection.version, inspection.note) == (2, "补充说明")
