"""Photos (inspection and rectification) and the offline queue's batch: replays create nothing,
each bad item is refused with its code and the rest kept, a batch over the limit is refused whole."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.test import override_settings

from nanhai_portal.errors import DomainError
from nanhai_portal.tenancy import town_context
from rentals import services
from rentals.models import Hazard, Inspection, Photo
from residents.uploads import BadUpload
from tests.rentals.factories import AT, RentalHouseFactory, grid_worker_of
from tests.residents.helpers import fake_png, pdf, png
from tests.unchanged import nothing_changes, rows

pytestmark = pytest.mark.django_db

ITEMS = [
    {"category": "ebike_indoor", "result": "hazard", "note": "楼道充电"},
    {"category": "extinguisher", "result": "hazard"},
    {"category": "smoke_alarm", "result": "ok"},
]


def entry(house: Any, client_id: uuid.UUID | None = None, items: list[dict[str, Any]] = ITEMS) -> dict[str, Any]:
    return {"client_id": client_id or uuid.uuid4(), "house": house.pk, "items": items, "inspected_at": AT}


def test_a_batch_sent_twice_creates_once_and_reports_each_item() -> None:
    house = RentalHouseFactory()
    worker = grid_worker_of(house.grid)
    other = RentalHouseFactory()  # another grid of the same town
    batch = [entry(house), entry(house, items=[{"category": "gas", "result": "ok"}])]
    bad = [
        entry(other),
        entry(house, items=[{"category": "no_such_thing", "result": "ok"}]),
        entry(house, items=[{"category": "gas", "result": "maybe"}]),
        {"house": house.pk},
    ]
    with town_context(house.town_id):
        first = services.inspections_sync(batch=[*batch, *bad], by=worker)
        assert [r.result for r in first] == ["created", "created", "refused", "refused", "refused", "refused"]
        assert [r.code for r in first[2:]] == ["house_not_found", "unknown_category", "invalid_result", "invalid_item"]
        assert Inspection.objects.filter(house=house).count() == 2 and Hazard.objects.filter(house=house).count() == 2
        with nothing_changes(rows(Inspection), rows(Hazard)):
            again = services.inspections_sync(batch=batch, by=worker)
        assert [r.result for r in again] == ["duplicate", "duplicate"]
        assert [r.inspection for r in again] == [r.inspection for r in first[:2]]
        changed = {**batch[0], "items": [{"category": "gas", "result": "hazard"}]}
        conflict = services.inspections_sync(batch=[changed], by=worker)
        assert (conflict[0].result, conflict[0].code, conflict[0].current_version) == ("conflict", "conflict", 1)


@override_settings(RENTALS_SYNC_MAX_BATCH=3)
def test_a_batch_over_the_limit_is_refused_whole_with_the_limit() -> None:
    house = RentalHouseFactory()
    worker = grid_worker_of(house.grid)
    with town_context(house.town_id), nothing_changes(rows(Inspection)):
        with pytest.raises(DomainError) as refused:
            services.inspections_sync(batch=[entry(house) for _ in range(4)], by=worker)
    assert (refused.value.status, refused.value.code) == (413, "batch_too_large")
    assert "3" in refused.value.message


def test_an_inspection_photo_is_stored_once_per_client_id_and_must_be_an_image() -> None:
    house = RentalHouseFactory()
    worker = grid_worker_of(house.grid)
    with town_context(house.town_id):
        inspection = services.inspections_sync(batch=[entry(house)], by=worker)[0].inspection
        client_id = uuid.uuid4()
        added = services.inspection_add_photo(
            inspection=inspection, upload=png(), by=worker, client_id=client_id, category="extinguisher"
        )
        assert added.created and added.photo.content_type == "image/png"
        with nothing_changes(rows(Photo)):
            again = services.inspection_add_photo(inspection=inspection, upload=png(), by=worker, client_id=client_id)
            assert (again.created, again.photo.pk) == (False, added.photo.pk)
            for upload in (pdf(), fake_png()):
                with pytest.raises(BadUpload) as refused:
                    services.inspection_add_photo(inspection=inspection, upload=upload, by=worker)
                assert refused.value.code == "wrong_file_type"


def test_a_rectification_carries_photos_and_a_bad_photo_keeps_nothing() -> None:
    house = RentalHouseFactory()
    worker = grid_worker_of(house.grid)
    with town_context(house.town_id):
        services.inspections_sync(batch=[entry(house)], by=worker)
        first, second = Hazard.objects.filter(house=house)
        with nothing_changes(rows(Photo), rows(Hazard)):
            with pytest.raises(BadUpload):
                services.hazard_rectify(hazard=first, note="已换新", by=house.landlord.user, photos=[png(), pdf()])
        services.hazard_rectify(hazard=first, note="已换新", by=house.landlord.user, photos=[png(), png()])
        first.refresh_from_db()
        assert first.state == Hazard.State.RECTIFICATION_SUBMITTED
        assert first.photos.count() == 2 and second.photos.count() == 0
