"""The offline batch written set-based (``services.inspections_sync``) writes the same rows and
answers the same as recording its items one by one (``services._sync_each``), in a number of
queries that does not grow with the batch (rentals perf, helper F)."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from nanhai_portal.audit.models import AuditEvent
from nanhai_portal.notifications.models import Notification, OutboxMessage
from nanhai_portal.tenancy import town_context
from rentals import services
from rentals.models import Hazard, HazardCategory, Inspection, RentalHouse
from tests.rentals.factories import AT, GridFactory, RentalHouseFactory, grid_worker_of

pytestmark = pytest.mark.django_db

TWO_HAZARDS = [
    {"category": "ebike_indoor", "result": "hazard", "note": "楼道充电"},
    {"category": "extinguisher", "result": "hazard"},
    {"category": "smoke_alarm", "result": "ok", "note": " 已安装 "},
]


def entry(house: Any, client_id: uuid.UUID, items: list[dict[str, Any]] = TWO_HAZARDS, **extra: Any) -> dict[str, Any]:
    return {"client_id": client_id, "house": house.pk, "items": items, "inspected_at": AT, **extra}


class Rollback(Exception):
    pass


def snapshot(results: list[services.SyncResult], houses: list[RentalHouse]) -> dict[str, Any]:
    """What a sync wrote and answered, with the random ids replaced by the client ids."""
    inspections = {i.pk: i for i in Inspection.objects.filter(house__in=houses)}
    by_id = {pk: str(i.client_id) for pk, i in inspections.items()}
    hazards = {h.pk: h for h in Hazard.objects.filter(inspection__in=list(inspections))}

    def hazard_key(pk: Any) -> tuple[str, str]:
        hazard = hazards[uuid.UUID(str(pk))]
        return by_id[hazard.inspection_id], hazard.category_id

    notifications = Notification.objects.filter(target_id__in=[str(pk) for pk in hazards])
    return {
        "answers": [
            (r.index, r.client_id, r.result, r.code, r.message, r.current_version,
             str(r.inspection.client_id) if r.inspection else None)
            for r in results
        ],
        "inspections": sorted(
            (by_id[i.pk], str(i.house_id), i.inspector_id, i.inspected_at, i.latitude, i.longitude, i.note, i.version,
             i.town_id)
            for i in inspections.values()
        ),
        "answers_stored": sorted((by_id[i.pk], i.answers, i.answer_notes) for i in inspections.values()),
        "hazards": sorted(
            (hazard_key(h.pk), str(h.house_id), h.severity, h.state, h.due_at, h.opened_at, h.escalated_level, h.town_id)
            for h in hazards.values()
        ),
        "audit": sorted(
            (by_id[uuid.UUID(e.object_id)], e.action, e.actor_id, e.actor_username, e.actor_role, e.object_type,
             e.object_repr, e.changes, e.town_id)
            for e in AuditEvent.objects.filter(object_id__in=[str(pk) for pk in inspections])
        ),
        "notifications": sorted(
            (hazard_key(n.target_id), n.recipient_id, n.event, sorted(n.context.items()), n.title, n.body, n.language,
             n.target_type, n.url)
            for n in notifications
        ),
        "outbox": sorted(
            (hazard_key(m.notification.target_id), m.recipient_id, m.channel)
            for m in OutboxMessage.objects.filter(notification__in=notifications).select_related("notification")
        ),
        "last_inspected": sorted((str(h.pk), h.last_inspected_at) for h in RentalHouse.objects.filter(pk__in=[h.pk for h in houses])),
    }  # fmt: skip


def test_a_batch_writes_and_answers_exactly_what_recording_each_item_would() -> None:
    grid = GridFactory()
    worker = grid_worker_of(grid)
    house, second, third = (RentalHouseFactory(grid=grid, town_id=grid.town_id) for _ in range(3))
    outside = RentalHouseFactory(town_id=grid.town_id)  # another grid of the town
    sent_before, repeated, clashing = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    with town_context(grid.town_id):
        services.inspection_record(
            house=second, client_id=sent_before, items=TWO_HAZARDS, by=worker, inspected_at=AT - timedelta(days=3)
        )
    later = AT + timedelta(hours=2)
    batch = [
        entry(house, uuid.uuid4(), note=" 第一次 ", latitude="23.0301", longitude="113.1502"),
        entry(house, uuid.uuid4(), items=[{"category": "gas", "result": "na"}], inspected_at=later),
        entry(second, sent_before, inspected_at=AT - timedelta(days=3)),  # sent before: duplicate
        entry(second, sent_before, items=[{"category": "gas", "result": "ok"}]),  # sent before, other answers
        entry(third, repeated),
        entry(third, repeated),  # twice in the batch: a duplicate of the first
        entry(third, clashing),
        entry(third, clashing, items=[{"category": "gas", "result": "hazard"}]),  # other answers: conflict
        entry(outside, uuid.uuid4()),
        entry(house, uuid.uuid4(), items=[{"category": "no_such_thing", "result": "ok"}]),
        entry(house, uuid.uuid4(), items=[{"category": "gas", "result": "maybe"}]),
        entry(house, uuid.uuid4(), items=[{"category": "gas", "result": "ok"}, {"category": "gas", "result": "ok"}]),
        entry(house, uuid.uuid4(), items=[]),
        {"house": house.pk, "items": TWO_HAZARDS},
        {**entry(house, uuid.uuid4()), "client_id": "not-a-uuid"},
        {**entry(house, uuid.uuid4()), "house": "not-a-uuid"},
    ]
    houses = [house, second, third, outside]
    with town_context(grid.town_id):
        with pytest.raises(Rollback), transaction.atomic():
            one_by_one = snapshot(services._sync_each(batch, worker), houses)
            raise Rollback
        at_once = snapshot(services.inspections_sync(batch=batch, by=worker), houses)
    assert at_once == one_by_one
    assert [answer[2] for answer in at_once["answers"]] == [
        "created", "created", "duplicate", "conflict", "created", "duplicate", "created", "conflict",
        "refused", "refused", "refused", "refused", "refused", "refused", "refused", "refused",
    ]  # fmt: skip
    assert [answer[3] for answer in at_once["answers"][8:]] == [
        "house_not_found", "unknown_category", "invalid_result", "duplicate_category", "no_items",
        "invalid_item", "invalid_item", "house_not_found",
    ]  # fmt: skip
    assert len(at_once["hazards"]) == 2 + 2 + 2 + 2  # the earlier one's, the house's first, third's two
    assert len(at_once["notifications"]) == 8 and len(at_once["audit"]) == 5
    assert dict(at_once["last_inspected"])[str(house.pk)] == later


def batch_of(houses: list[RentalHouse], count: int) -> list[dict[str, Any]]:
    codes = list(HazardCategory.objects.filter(retired_at=None).values_list("code", flat=True))
    return [
        entry(
            houses[n % len(houses)],
            uuid.uuid4(),
            items=[{"category": code, "result": "hazard" if i == n % 5 else "ok"} for i, code in enumerate(codes)],
            inspected_at=AT + timedelta(minutes=n),
        )
        for n in range(count)
    ]


def test_a_batch_takes_as_many_queries_for_fifty_inspections_as_for_five() -> None:
    """Each with 16 answers and a hazard in one of the same five categories, whose landlord is
    told: the messages look each category's name up once per batch (so a batch makes at most one
    query more per category of the checklist that it finds hazards in, whatever its size)."""
    grid = GridFactory()
    worker = grid_worker_of(grid)
    houses = [RentalHouseFactory(grid=grid, town_id=grid.town_id) for _ in range(10)]  # landlords with accounts
    counts = []
    with town_context(grid.town_id):
        services.inspections_sync(batch=batch_of(houses, 1), by=worker)  # the process's caches (content types)
        for size in (5, 50):
            batch = batch_of(houses, size)
            with CaptureQueriesContext(connection) as queries:
                results = services.inspections_sync(batch=batch, by=worker)
            assert [r.result for r in results] == ["created"] * size
            counts.append(len(queries))
        hazards = [str(pk) for pk in Hazard.objects.filter(house__in=houses).values_list("pk", flat=True)]
        assert len(hazards) == 56
        assert Notification.objects.filter(event="rentals.hazard_opened", target_id__in=hazards).count() == 56
    assert counts[1] == counts[0], counts
    assert counts[0] <= 25, counts


def test_a_batch_that_meets_a_race_on_a_client_id_is_recorded_item_by_item(monkeypatch: pytest.MonkeyPatch) -> None:
    """Another request records one of the batch's client ids between the batch's checks and its
    INSERT (here: inside the batch's own savepoint, just before the rows are made): the bulk write
    fails on the unique client id, is rolled back whole, and the batch is recorded one by one."""
    grid = GridFactory()
    worker = grid_worker_of(grid)
    house = RentalHouseFactory(grid=grid, town_id=grid.town_id)
    raced = uuid.uuid4()
    batch = [entry(house, uuid.uuid4()), entry(house, raced)]
    made = services._inspection_rows
    each = services._sync_each
    calls: list[str] = []

    def racing_rows(**row: Any) -> Any:
        if row["client_id"] == raced and not calls:
            calls.append("raced")
            services.inspection_record(house=house, client_id=raced, items=TWO_HAZARDS, by=worker, inspected_at=AT)
        return made(**row)

    def spied_each(*args: Any) -> Any:
        calls.append("one by one")
        return each(*args)

    monkeypatch.setattr(services, "_inspection_rows", racing_rows)
    monkeypatch.setattr(services, "_sync_each", spied_each)
    with town_context(grid.town_id):
        results = services.inspections_sync(batch=batch, by=worker)
        assert calls == ["raced", "one by one"]
        assert [r.result for r in results] == ["created", "created"]
        assert Inspection.objects.filter(house=house).count() == 2
        assert Hazard.objects.filter(house=house).count() == 4
        assert AuditEvent.objects.filter(action="rentals.inspection_recorded", object_id__in=[
            str(r.inspection.pk) for r in results if r.inspection]).count() == 2  # fmt: skip
