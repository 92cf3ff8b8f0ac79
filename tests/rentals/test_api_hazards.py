"""The hazards API: listed by state, category, house and overdue; the landlord rectifies with
photos, the grid worker verifies or reopens; each step only by its person, from its state."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from nanhai_portal.accounts.roles import Role
from nanhai_portal.audit.models import AuditEvent
from nanhai_portal.notifications.models import Notification
from nanhai_portal.tenancy import town_context
from rentals.models import Hazard, Photo
from tests.factories import ResidentFactory, UserFactory
from tests.rentals.factories import RentalHouseFactory, grid_worker_of
from tests.rentals.test_api_inspections import client_of, entry
from tests.residents.helpers import jpeg, pdf, png
from tests.unchanged import nothing_changes, rows

pytestmark = pytest.mark.django_db
TOWN = "guicheng"


def watched() -> list[Any]:
    return [rows(Hazard), rows(Photo), rows(AuditEvent), rows(Notification)]


@pytest.fixture
def found() -> dict[str, Any]:
    """A house, its grid worker and two open hazards found at ``AT`` (extinguisher: general,
    e-bike indoors: its own severity); the landlord signs in."""
    house = RentalHouseFactory()
    worker = grid_worker_of(house.grid)
    inspection = client_of(worker).post("/api/v1/inspections/", entry(house), format="json").json()
    hazards = {h["category"]: h["id"] for h in inspection["hazards"]}
    return {"house": house, "worker": worker, "landlord": house.landlord.user, "hazards": hazards}


def test_the_landlord_rectifies_with_photos_and_the_grid_worker_verifies(found: dict[str, Any]) -> None:
    landlord, worker = client_of(found["landlord"]), client_of(found["worker"])
    url = f"/api/v1/hazards/{found['hazards']['extinguisher']}/"

    before = landlord.get(url).json()
    assert (before["state"], before["actions"], before["town"]) == ("open", ["rectify"], TOWN)
    assert worker.get(url).json()["actions"] == []

    rectified = landlord.post(url + "rectify/", {"note": "已更换灭火器", "photos": [png(), jpeg()]}, format="multipart")
    assert rectified.status_code == 200, rectified.json()
    body = rectified.json()
    assert (body["state"], body["rectification_note"], len(body["photos"])) == (
        "rectification_submitted",
        "已更换灭火器",
        2,
    )
    assert client_of(found["landlord"]).get(body["photos"][0]["url"]).status_code == 200
    assert worker.get(url).json()["actions"] == ["verify", "reopen"]

    verified = worker.post(url + "verify/")
    assert verified.status_code == 200 and verified.json()["state"] == "verified"
    with town_context(TOWN), nothing_changes(*watched()):
        again = worker.post(url + "verify/")
        assert (again.status_code, again.json()["error"]["code"]) == (409, "invalid_transition")
        late = landlord.post(url + "rectify/", {"note": "再次"}, format="multipart")
        assert (late.status_code, late.json()["error"]["code"]) == (409, "invalid_transition")


def test_reopened_with_a_reason_then_rectified_again(found: dict[str, Any]) -> None:
    landlord, worker = client_of(found["landlord"]), client_of(found["worker"])
    url = f"/api/v1/hazards/{found['hazards']['extinguisher']}/"
    assert landlord.post(url + "rectify/", {"note": "换了"}, format="json").status_code == 200

    with town_context(TOWN), nothing_changes(*watched()):
        assert worker.post(url + "reopen/", {}, format="json").status_code == 400
        assert worker.post(url + "reopen/", {"reason": "   "}, format="json").status_code == 400
        assert worker.post(url + "reopen/", {"reason": "长" * 1001}, format="json").status_code == 400
        assert landlord.post(url + "reopen/", {"reason": "我说不行"}, format="json").status_code == 403
    reopened = worker.post(url + "reopen/", {"reason": "灭火器仍已过期"}, format="json")
    assert reopened.status_code == 200
    assert (reopened.json()["state"], reopened.json()["reopen_reason"]) == ("reopened", "灭火器仍已过期")
    assert landlord.post(url + "rectify/", {"note": "这次真换了"}, format="json").json()["state"] == (
        "rectification_submitted"
    )


def test_a_bad_photo_refuses_the_rectification_and_keeps_nothing(found: dict[str, Any], settings: Any) -> None:
    landlord = client_of(found["landlord"])
    url = f"/api/v1/hazards/{found['hazards']['extinguisher']}/rectify/"
    too_many = [png() for _ in range(9)]
    with town_context(TOWN), nothing_changes(*watched()):
        for photos, code in (([png(), pdf()], "wrong_file_type"), (too_many, "too_many_photos")):
            refused = landlord.post(url, {"note": "换了", "photos": photos}, format="multipart")
            assert (refused.status_code, refused.json()["error"]["code"]) == (400, code)
        empty = landlord.post(url, {"note": "换了", "photos": [SimpleUploadedFile("e.png", b"")]}, format="multipart")
        assert empty.status_code == 400
        assert landlord.post(url, {"photos": [png()]}, format="multipart").status_code == 400  # no note
        assert landlord.post(url, {"note": "\x00\x01"}, format="json").status_code == 400
        settings.RESIDENTS_MAX_DOCUMENT_BYTES = 100
        big = landlord.post(url, {"note": "换了", "photos": [png()]}, format="multipart")
        assert (big.status_code, big.json()["error"]["code"]) == (400, "file_too_large")


def test_only_the_right_person_acts_and_others_see_404(found: dict[str, Any]) -> None:
    url = f"/api/v1/hazards/{found['hazards']['extinguisher']}/"
    officer = client_of(UserFactory(role=Role.TOWN_OFFICER, town_id=TOWN))
    outsider = client_of(grid_worker_of(RentalHouseFactory().grid))
    stranger = client_of(ResidentFactory(town_id=TOWN, account=True).person.user)
    dali = client_of(UserFactory(role=Role.TOWN_OFFICER, town_id="dali"))
    official = client_of(UserFactory(role=Role.DISTRICT_OFFICIAL))
    worker = client_of(found["worker"])
    with town_context(TOWN), nothing_changes(*watched()):
        assert worker.post(url + "rectify/", {"note": "我来"}, format="json").status_code == 403
        assert officer.post(url + "verify/").status_code == 403
        assert officer.get(url).status_code == 200
        for caller in (outsider, stranger, dali):
            assert caller.get(url).status_code == 404
            assert caller.post(url + "verify/").status_code == 404
            assert caller.post(url + "rectify/", {"note": "x"}, format="json").status_code == 404
        assert official.get(url).status_code == 200
        assert official.post(url + "verify/").status_code == 403
        assert worker.get("/api/v1/hazards/not-a-uuid/").status_code == 404


def test_the_list_filters_by_state_category_house_and_overdue(found: dict[str, Any], settings: Any) -> None:
    worker, landlord = client_of(found["worker"]), client_of(found["landlord"])
    hazards = found["hazards"]
    other_house = RentalHouseFactory(grid=found["house"].grid, community=found["house"].community)
    worker.post(
        "/api/v1/inspections/", entry(other_house, items=[{"category": "gas", "result": "hazard"}]), format="json"
    )
    assert landlord.post(f"/api/v1/hazards/{hazards['extinguisher']}/rectify/", {"note": "换了"}).status_code == 200

    def listed(**query: str) -> list[str]:
        answer = worker.get("/api/v1/hazards/", query)
        assert answer.status_code == 200, answer.json()
        return [row["id"] for row in answer.json()["results"]]

    assert len(listed()) == 3
    assert listed(state="rectification_submitted") == [hazards["extinguisher"]]
    assert listed(category="ebike_indoor") == [hazards["ebike_indoor"]]
    assert set(listed(house=str(found["house"].pk))) == set(hazards.values())
    # Found at AT (2025-01-31): every one still open is past its deadline today.
    overdue = listed(overdue="true")
    assert hazards["extinguisher"] not in overdue and hazards["ebike_indoor"] in overdue and len(overdue) == 2
    assert {row["id"] for row in landlord.get("/api/v1/hazards/").json()["results"]} == set(hazards.values())
    for bad in ({"state": "closed"}, {"overdue": "maybe"}, {"house": "1;DROP TABLE"}, {"category": "c" * 40}):
        refused = worker.get("/api/v1/hazards/", bad)
        assert refused.status_code == 400 and set(refused.json()["error"]["fields"]) == set(bad)
    assert listed(category="no_such") == []
