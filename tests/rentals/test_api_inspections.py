"""The inspections API: one at a time, a batch from the offline queue, photos, a stale edit.

Each refusal says why with a code and changes nothing; a replay creates nothing new.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from nanhai_portal.accounts.roles import Role
from nanhai_portal.accounts.tokens import token_issue
from nanhai_portal.audit.models import AuditEvent
from nanhai_portal.notifications.models import Notification
from nanhai_portal.tenancy import town_context
from rentals.models import Hazard, HazardCategory, Inspection, Photo
from tests.factories import UserFactory
from tests.rentals.factories import AT, RentalHouseFactory, grid_worker_of
from tests.residents.helpers import fake_png, pdf, png
from tests.unchanged import nothing_changes, rows

pytestmark = pytest.mark.django_db
TOWN = "guicheng"
ITEMS = [
    {"category": "ebike_indoor", "result": "hazard", "note": "楼道充电"},
    {"category": "extinguisher", "result": "hazard"},
    {"category": "smoke_alarm", "result": "ok"},
]


def client_of(user: Any) -> APIClient:
    token, _expires = token_issue(user=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def entry(target: Any, **changes: Any) -> dict[str, Any]:
    return {
        "client_id": str(uuid.uuid4()),
        "house": str(target.pk),
        "items": ITEMS,
        "inspected_at": AT.isoformat(),
        **changes,
    }


def everything() -> list[Any]:
    """What a sync may write: inspections (their answers in them), hazards, photos, audit, messages."""
    return [
        rows(Inspection),
        rows(Hazard),
        rows(Photo),
        rows(AuditEvent),
        rows(Notification),
    ]


@pytest.fixture
def house() -> Any:
    return RentalHouseFactory()


@pytest.fixture
def worker(house: Any) -> Any:
    return grid_worker_of(house.grid)


def test_an_inspection_is_created_once_and_a_replay_answers_the_same(house: Any, worker: Any) -> None:
    client = client_of(worker)
    body = entry(house, latitude="23.031234", longitude="113.145678", note="三楼")

    created = client.post("/api/v1/inspections/", body, format="json")
    assert created.status_code == 201, created.json()
    answer = created.json()
    assert answer["town"] == TOWN and answer["house"] == str(house.pk) and answer["version"] == 1
    assert [(i["category"], i["result"]) for i in answer["items"]] == [
        ("ebike_indoor", "hazard"),
        ("extinguisher", "hazard"),
        ("smoke_alarm", "ok"),
    ]
    assert sorted(h["category"] for h in answer["hazards"]) == ["ebike_indoor", "extinguisher"]
    assert (answer["latitude"], answer["longitude"], answer["note"]) == ("23.031234", "113.145678", "三楼")

    with town_context(TOWN), nothing_changes(*everything()):
        again = client.post("/api/v1/inspections/", body, format="json")
    assert again.status_code == 200 and again.json() == answer


def test_the_same_client_id_with_other_answers_is_a_conflict_with_the_version(house: Any, worker: Any) -> None:
    client = client_of(worker)
    body = entry(house)
    assert client.post("/api/v1/inspections/", body, format="json").status_code == 201
    changed = {**body, "items": [{"category": "gas", "result": "hazard"}]}
    with town_context(TOWN), nothing_changes(*everything()):
        conflict = client.post("/api/v1/inspections/", changed, format="json")
    assert conflict.status_code == 409
    error = conflict.json()["error"]
    assert (error["code"], error["current_version"]) == ("conflict", 1)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"client_id": "not-a-uuid"}, "client_id"),
        ({"house": "x' OR 1=1 --"}, "house"),
        ({"items": []}, "items"),
        ({"items": "ok"}, "items"),
        ({"items": [{"category": "gas"}]}, "items.0.result"),
        ({"items": [{"category": "g" * 33, "result": "ok"}]}, "items.0.category"),
        ({"items": [{"category": "gas", "result": "ok", "note": "长" * 501}]}, "items.0.note"),
        ({"items": [{"category": "gas", "result": "ok"}] * 65}, "items"),
        ({"latitude": "23.1"}, "longitude"),
        ({"latitude": "91", "longitude": "113"}, "latitude"),
        ({"inspected_at": "2099-01-01T00:00:00+08:00"}, "inspected_at"),
        ({"inspected_at": "yesterday"}, "inspected_at"),
        ({"note": "<script>\x00</script>"}, "note"),
    ],
)
def test_wrong_input_is_400_with_the_field_and_nothing_written(
    house: Any, worker: Any, change: dict[str, Any], field: str
) -> None:
    with town_context(TOWN), nothing_changes(*everything()):
        refused = client_of(worker).post("/api/v1/inspections/", entry(house, **change), format="json")
    assert refused.status_code == 400, refused.json()
    assert field in refused.json()["error"]["fields"]


@pytest.mark.parametrize(
    ("items", "code"),
    [
        ([{"category": "no_such_thing", "result": "ok"}], "unknown_category"),
        ([{"category": "gas", "result": "maybe"}], "invalid_result"),
        ([{"category": "gas", "result": "ok"}, {"category": "gas", "result": "na"}], "duplicate_category"),
    ],
)
def test_the_checklists_rules_answer_with_their_code(house: Any, worker: Any, items: Any, code: str) -> None:
    with town_context(TOWN), nothing_changes(*everything()):
        refused = client_of(worker).post("/api/v1/inspections/", entry(house, items=items), format="json")
    assert refused.status_code == 400 and refused.json()["error"]["code"] == code


def test_another_grids_house_is_404_and_the_landlord_may_not_inspect(house: Any, worker: Any) -> None:
    other = RentalHouseFactory()  # another grid of the same town
    foreign = RentalHouseFactory(town_id="dali")
    with town_context(TOWN), nothing_changes(*everything()):
        for target in (other, foreign):
            answer = client_of(worker).post("/api/v1/inspections/", entry(target), format="json")
            assert answer.status_code == 404
        landlord = client_of(house.landlord.user).post("/api/v1/inspections/", entry(house), format="json")
        assert landlord.status_code == 403


def test_a_batch_answers_each_item_and_a_replay_changes_nothing(house: Any, worker: Any) -> None:
    client = client_of(worker)
    with town_context(TOWN):
        HazardCategory.objects.filter(code="gas").update(retired_at=AT)
    other = RentalHouseFactory()
    foreign = RentalHouseFactory(town_id="dali")
    good = [entry(house), entry(house, items=[{"category": "smoke_alarm", "result": "ok"}])]
    bad = [
        entry(other),
        entry(foreign),
        entry(house, items=[{"category": "no_such_thing", "result": "ok"}]),
        entry(house, items=[{"category": "gas", "result": "ok"}]),
        entry(house, items=[{"category": "smoke_alarm", "result": "maybe"}]),
        entry(house, items=[{"category": "smoke_alarm", "result": "ok"}, {"category": "smoke_alarm", "result": "na"}]),
        {"house": str(house.pk)},
        "not an object",
    ]
    batch = [good[0], *bad, good[1]]

    first = client.post("/api/v1/inspections/sync/", {"inspections": batch}, format="json")
    assert first.status_code == 200, first.json()
    results = first.json()["results"]
    assert [r["index"] for r in results] == list(range(len(batch)))
    assert [r["result"] for r in results] == ["created", *["refused"] * 8, "created"]
    assert [r["code"] for r in results[1:9]] == [
        "house_not_found",
        "house_not_found",
        "unknown_category",
        "retired_category",
        "invalid_result",
        "duplicate_category",
        "invalid",
        "invalid",
    ]
    assert {"client_id", "items"} <= set(results[7]["fields"])
    assert results[0]["inspection"] and results[0]["client_id"] == good[0]["client_id"]
    assert results[1]["inspection"] is None

    with town_context(TOWN), nothing_changes(*everything()):
        again = client.post("/api/v1/inspections/sync/", {"inspections": batch}, format="json")
        assert [r["result"] for r in again.json()["results"]] == ["duplicate", *["refused"] * 8, "duplicate"]
        assert again.json()["results"][0]["inspection"] == results[0]["inspection"]
        conflict = client.post(
            "/api/v1/inspections/sync/",
            {"inspections": [{**good[0], "items": [{"category": "smoke_alarm", "result": "hazard"}]}]},
            format="json",
        ).json()["results"][0]
    assert (conflict["result"], conflict["code"], conflict["current_version"]) == ("conflict", "conflict", 1)
    assert conflict["inspection"] == results[0]["inspection"]


@override_settings(RENTALS_SYNC_MAX_BATCH=3)
def test_a_batch_over_the_limit_is_413_with_the_limit_and_writes_nothing(house: Any, worker: Any) -> None:
    with town_context(TOWN), nothing_changes(*everything()):
        refused = client_of(worker).post(
            "/api/v1/inspections/sync/", {"inspections": [entry(house) for _ in range(4)]}, format="json"
        )
    assert refused.status_code == 413
    error = refused.json()["error"]
    assert (error["code"], error["limit"]) == ("batch_too_large", 3) and "3" in error["message"]


@pytest.mark.parametrize("body", [{}, {"inspections": "all"}, {"inspections": {"a": 1}}, [1, 2]])
def test_a_batch_that_is_not_a_list_is_400(house: Any, worker: Any, body: Any) -> None:
    refused = client_of(worker).post("/api/v1/inspections/sync/", body, format="json")
    assert refused.status_code == 400 and "inspections" in refused.json()["error"]["fields"]


def test_photos_are_kept_once_per_client_id_and_must_be_images(house: Any, worker: Any, settings: Any) -> None:
    client = client_of(worker)
    inspection = client.post("/api/v1/inspections/", entry(house), format="json").json()
    url = f"/api/v1/inspections/{inspection['id']}/photos/"
    client_id = str(uuid.uuid4())

    added = client.post(url, {"file": png(), "client_id": client_id, "category": "extinguisher"}, format="multipart")
    assert added.status_code == 201, added.json()
    photo = added.json()
    assert (photo["content_type"], photo["category"], photo["client_id"]) == ("image/png", "extinguisher", client_id)
    with town_context(TOWN), nothing_changes(rows(Photo), rows(AuditEvent)):
        again = client.post(url, {"file": png(), "client_id": client_id}, format="multipart")
        assert again.status_code == 200 and again.json()["id"] == photo["id"]
        for upload in (pdf(), fake_png()):
            refused = client.post(url, {"file": upload}, format="multipart")
            assert (refused.status_code, refused.json()["error"]["code"]) == (400, "wrong_file_type")
        unknown = client.post(url, {"file": png(), "category": "no_such"}, format="multipart")
        assert (unknown.status_code, unknown.json()["error"]["code"]) == (400, "unknown_category")
        missing = client.post(url, {}, format="multipart")
        assert missing.status_code == 400 and "file" in missing.json()["error"]["fields"]
        settings.RESIDENTS_MAX_DOCUMENT_BYTES = 100
        big = client.post(url, {"file": png()}, format="multipart")
        assert (big.status_code, big.json()["error"]["code"]) == (400, "file_too_large")
        landlord = client_of(house.landlord.user).post(url, {"file": png()}, format="multipart")
        assert landlord.status_code == 403

    detail = client.get(f"/api/v1/inspections/{inspection['id']}/").json()
    assert [p["id"] for p in detail["photos"]] == [photo["id"]]
    download = client.get(photo["url"])
    assert download.status_code == 200 and download["Content-Type"] == "image/png"
    assert download["Cache-Control"] == "private, no-store"
    assert client_of(house.landlord.user).get(photo["url"]).status_code == 200
    outsider = grid_worker_of(RentalHouseFactory().grid)
    assert client_of(outsider).get(photo["url"]).status_code == 404
    assert client_of(outsider).post(url, {"file": png()}, format="multipart").status_code == 404


def test_an_upload_over_the_body_limit_is_413_before_it_is_read(house: Any, worker: Any, settings: Any) -> None:
    client = client_of(worker)
    inspection = client.post("/api/v1/inspections/", entry(house), format="json").json()
    settings.RESIDENTS_MAX_DOCUMENT_BYTES = 1024
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    big = b"\x89PNG\r\n\x1a\n" + b"0" * (200 * 1024)
    from django.core.files.uploadedfile import SimpleUploadedFile

    with town_context(TOWN), nothing_changes(rows(Photo)):
        refused = client.post(
            f"/api/v1/inspections/{inspection['id']}/photos/",
            {"file": SimpleUploadedFile("big.png", big, content_type="image/png")},
            format="multipart",
        )
    assert refused.status_code == 413 and refused.json()["error"]["code"] == "request_too_large"


def test_a_stale_edit_is_409_with_the_current_version(house: Any, worker: Any) -> None:
    client = client_of(worker)
    inspection = client.post("/api/v1/inspections/", entry(house), format="json").json()
    url = f"/api/v1/inspections/{inspection['id']}/"

    changed = client.patch(
        url, {"base_version": 1, "note": "补充：二楼", "latitude": "23", "longitude": "113"}, format="json"
    )
    assert changed.status_code == 200, changed.json()
    assert (changed.json()["version"], changed.json()["note"]) == (2, "补充：二楼")
    outsider = grid_worker_of(RentalHouseFactory().grid)
    with town_context(TOWN), nothing_changes(rows(Inspection), rows(AuditEvent)):
        stale = client.patch(url, {"base_version": 1, "note": "旧的"}, format="json")
        assert stale.status_code == 409
        assert (stale.json()["error"]["code"], stale.json()["error"]["current_version"]) == ("conflict", 2)
        assert client.patch(url, {"note": "无版本"}, format="json").status_code == 400
        assert client_of(house.landlord.user).patch(url, {"base_version": 2}, format="json").status_code == 403
        assert client_of(outsider).patch(url, {"base_version": 2}, format="json").status_code == 404


def test_the_list_shows_what_each_caller_may_see(house: Any, worker: Any) -> None:
    client = client_of(worker)
    mine = client.post("/api/v1/inspections/", entry(house), format="json").json()
    other = RentalHouseFactory()
    client_of(grid_worker_of(other.grid)).post("/api/v1/inspections/", entry(other), format="json")

    assert [i["id"] for i in client.get("/api/v1/inspections/").json()["results"]] == [mine["id"]]
    assert [i["id"] for i in client_of(house.landlord.user).get("/api/v1/inspections/").json()["results"]] == [
        mine["id"]
    ]
    assert client.get(f"/api/v1/inspections/{mine['id']}/").status_code == 200
    foreign = RentalHouseFactory(town_id="dali")
    dali_worker = grid_worker_of(foreign.grid)
    theirs = client_of(dali_worker).post("/api/v1/inspections/", entry(foreign), format="json").json()
    assert client.get(f"/api/v1/inspections/{theirs['id']}/").status_code == 404
    assert client.get("/api/v1/inspections/not-a-uuid/").status_code == 404


def test_refusals_read_in_chinese_and_district_roles_write_nothing(house: Any, worker: Any) -> None:
    refused = client_of(worker).post(
        "/api/v1/inspections/", entry(house, latitude="23.1"), format="json", HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert refused.json()["error"]["fields"]["longitude"] == ["请同时填写纬度和经度，或都不填。"]
    official = client_of(UserFactory(role=Role.DISTRICT_OFFICIAL))
    with town_context(TOWN), nothing_changes(*everything()):
        for path, body in (("/api/v1/inspections/", entry(house)), ("/api/v1/inspections/sync/", {"inspections": []})):
            assert official.post(path, body, format="json").status_code == 403
