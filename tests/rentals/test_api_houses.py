"""The houses API: who sees which house, registering one, tenancies, the checklist's categories.

A grid worker sees their grids' houses (another grid's is 404), a landlord their own, a tenant
the house they rent, and another town's ids are 404 for everyone in a town.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from nanhai_portal.accounts.roles import Role
from nanhai_portal.areas.services import grid_assign_worker
from nanhai_portal.audit.models import AuditEvent
from nanhai_portal.pii import mask_id_number, mask_mobile
from nanhai_portal.tenancy import town_context
from rentals import services
from rentals.models import MAX_FLOORS, MAX_ROOMS, HazardCategory, RentalHouse, Tenancy
from tests.factories import PersonFactory, ResidentFactory, UserFactory, synthetic_id_number
from tests.rentals.factories import AT, GridFactory, RentalHouseFactory, grid_worker_of, landlord_with_account
from tests.rentals.test_api_inspections import client_of, entry
from tests.unchanged import nothing_changes, rows

pytestmark = pytest.mark.django_db
TOWN = "guicheng"


def ids(answer: Any) -> list[str]:
    assert answer.status_code == 200, answer.json()
    return [row["id"] for row in answer.json()["results"]]


def test_each_caller_sees_their_houses_and_the_landlords_data_masked() -> None:
    house = RentalHouseFactory(address="南海大道1号")
    worker = grid_worker_of(house.grid)
    other = RentalHouseFactory(address="南海大道2号")  # another grid, another landlord
    foreign = RentalHouseFactory(town_id="dali")
    tenant = ResidentFactory(town_id=TOWN, account=True)
    officer = UserFactory(role=Role.TOWN_OFFICER, town_id=TOWN)
    with town_context(TOWN):
        services.tenancy_add(house=house, resident=tenant, from_date=AT.date(), by=officer)

    assert ids(client_of(worker).get("/api/v1/rental-houses/")) == [str(house.pk)]
    assert ids(client_of(house.landlord.user).get("/api/v1/rental-houses/")) == [str(house.pk)]
    assert ids(client_of(tenant.person.user).get("/api/v1/rental-houses/")) == [str(house.pk)]
    # The town's and the district's lists hold the demo's houses too: these are among them, in
    # the address order, and the other town's only in the district's.
    mine = [str(house.pk), str(other.pk)]
    officers = ids(client_of(officer).get("/api/v1/rental-houses/?page_size=100"))
    assert [pk for pk in officers if pk in mine] == mine and str(foreign.pk) not in officers
    district = client_of(UserFactory(role=Role.DISTRICT_OFFICIAL)).get("/api/v1/rental-houses/?page_size=100")
    assert {str(house.pk), str(other.pk), str(foreign.pk)} <= set(ids(district))
    assert ids(client_of(ResidentFactory(town_id=TOWN, account=True).person.user).get("/api/v1/rental-houses/")) == []

    detail = client_of(worker).get(f"/api/v1/rental-houses/{house.pk}/").json()
    landlord = detail["landlord"]
    assert landlord["name"] == house.landlord.name
    assert landlord["id_number"] == mask_id_number(house.landlord.id_number) != house.landlord.id_number
    assert (detail["town"], detail["open_hazards"], detail["last_inspection"]) == (TOWN, 0, None)
    for caller in (worker, house.landlord.user, tenant.person.user, officer):
        assert client_of(caller).get(f"/api/v1/rental-houses/{foreign.pk}/").status_code == 404
    assert client_of(worker).get(f"/api/v1/rental-houses/{other.pk}/").status_code == 404
    assert client_of(house.landlord.user).get(f"/api/v1/rental-houses/{other.pk}/").status_code == 404


def test_the_detail_counts_open_hazards_and_names_the_last_inspection() -> None:
    house = RentalHouseFactory()
    worker = grid_worker_of(house.grid)
    client = client_of(worker)
    first = client.post("/api/v1/inspections/", entry(house), format="json").json()  # two hazards, at AT
    later = {
        **entry(house, items=[{"category": "gas", "result": "ok"}]),
        "inspected_at": (AT + timedelta(1)).isoformat(),
    }
    second = client.post("/api/v1/inspections/", later, format="json").json()
    detail = client.get(f"/api/v1/rental-houses/{house.pk}/").json()
    assert (detail["open_hazards"], detail["last_inspection"]) == (2, second["id"])
    assert first["id"] != second["id"]
    assert detail["inspection_due"] == "2025-05-02T10:00:00+08:00"  # ordinary: 90 days after 1 February


def test_filters_and_the_houses_due_now() -> None:
    grid = GridFactory()
    worker = grid_worker_of(grid)
    second_grid = GridFactory(community=grid.community)
    grid_worker_of(second_grid)
    with town_context(TOWN):
        grid_assign_worker(grid=second_grid, worker=worker)
    never = RentalHouseFactory(grid=grid, community=grid.community, address="A1")
    recent = RentalHouseFactory(grid=grid, community=grid.community, address="A2", risk_class="key")
    elsewhere = RentalHouseFactory(grid=second_grid, community=grid.community, address="A3")
    with town_context(TOWN):
        RentalHouse.objects.filter(pk=recent.pk).update(last_inspected_at=timezone.now() - timedelta(days=3))
    client = client_of(worker)

    assert ids(client.get("/api/v1/rental-houses/", {"grid": str(grid.pk)})) == [str(never.pk), str(recent.pk)]
    assert ids(client.get("/api/v1/rental-houses/", {"community": str(grid.community_id)})) == [
        str(never.pk),
        str(recent.pk),
        str(elsewhere.pk),
    ]
    assert ids(client.get("/api/v1/rental-houses/", {"risk_class": "key"})) == [str(recent.pk)]
    assert ids(client.get("/api/v1/rental-houses/", {"due": "true"})) == [str(never.pk), str(elsewhere.pk)]
    for bad in ({"grid": "1 OR 1=1"}, {"due": "yes"}, {"risk_class": "nonsense"}, {"community": "x" * 5000}):
        refused = client.get("/api/v1/rental-houses/", bad)
        assert refused.status_code == 400 and set(refused.json()["error"]["fields"]) == set(bad)


def test_a_grid_worker_registers_a_house_for_a_landlord_by_id_number() -> None:
    grid = GridFactory()
    worker = grid_worker_of(grid)
    id_number = synthetic_id_number(9_001)
    body = {
        "grid": str(grid.pk),
        "address": "平洲夏西路8号",
        "building_type": "mixed_use",
        "floors": 5,
        "rooms": 20,
        "landlord_id_number": id_number,
        "landlord_name": "梁房东",
        "landlord_mobile": "13800138000",
        "latitude": "23.0",
        "longitude": "113.1",
    }
    created = client_of(worker).post("/api/v1/rental-houses/", body, format="json")
    assert created.status_code == 201, created.json()
    house = created.json()
    assert (house["risk_class"], house["grid"], house["landlord"]["name"]) == ("key", str(grid.pk), "梁房东")
    assert house["landlord"]["mobile"] == mask_mobile("13800138000") != "13800138000"
    assert id_number not in created.content.decode()


def test_a_landlord_registers_their_own_house_and_refusals_change_nothing() -> None:
    grid = GridFactory()
    owner = landlord_with_account()
    other_grid_worker = grid_worker_of(GridFactory())
    body = {"grid": str(grid.pk), "address": "桂城路1号", "building_type": "self_built", "floors": 3, "rooms": 6}
    created = client_of(owner.user).post("/api/v1/rental-houses/", body, format="json")
    assert created.status_code == 201, created.json()
    assert created.json()["landlord"]["name"] == owner.name

    dali_grid = GridFactory(town_id="dali")
    someone = PersonFactory()
    client = client_of(owner.user)
    officer = client_of(UserFactory(role=Role.TOWN_OFFICER, town_id=TOWN))
    official = client_of(UserFactory(role=Role.DISTRICT_OFFICIAL))
    outsider = client_of(other_grid_worker)
    with town_context(TOWN), nothing_changes(rows(RentalHouse), rows(AuditEvent)):
        refusals = [
            (client.post("/api/v1/rental-houses/", {**body, "landlord_id_number": someone.id_number}), 403),
            (client.post("/api/v1/rental-houses/", {**body, "grid": str(dali_grid.pk)}), 400),
            (client.post("/api/v1/rental-houses/", {**body, "floors": 0}), 400),
            # The page's form and the import have the same limits (rentals.models.MAX_FLOORS, MAX_ROOMS).
            (client.post("/api/v1/rental-houses/", {**body, "floors": MAX_FLOORS + 1}), 400),
            (client.post("/api/v1/rental-houses/", {**body, "rooms": 0}), 400),
            (client.post("/api/v1/rental-houses/", {**body, "rooms": MAX_ROOMS + 1}), 400),
            (client.post("/api/v1/rental-houses/", {**body, "address": ""}), 400),
            (client.post("/api/v1/rental-houses/", {**body, "address": "路" * 201}), 400),
            (client.post("/api/v1/rental-houses/", {**body, "building_type": "castle"}), 400),
            (client.post("/api/v1/rental-houses/", {**body, "latitude": "23"}), 400),
            (client.post("/api/v1/rental-houses/", {}), 400),
            (outsider.post("/api/v1/rental-houses/", body), 403),
            (officer.post("/api/v1/rental-houses/", {**body, "landlord_id_number": "110101199001011234"}), 400),
        ]
        district = official.post("/api/v1/rental-houses/", body)
    for answer, wanted in refusals:
        assert answer.status_code == wanted, answer.json()
    assert district.status_code == 403


def test_tenancies_listed_for_the_landlord_and_a_tenant_sees_only_their_own() -> None:
    house = RentalHouseFactory()
    worker = grid_worker_of(house.grid)
    first = ResidentFactory(town_id=TOWN, account=True)
    second = ResidentFactory(town_id=TOWN, account=True)
    url = f"/api/v1/rental-houses/{house.pk}/tenancies/"
    landlord = client_of(house.landlord.user)

    added = landlord.post(url, {"resident": str(first.pk), "from_date": "2025-01-01"}, format="json")
    assert added.status_code == 201, added.json()
    assert (added.json()["resident"], added.json()["from_date"]) == (str(first.pk), "2025-01-01")
    assert client_of(worker).post(url, {"resident": str(second.pk), "from_date": "2025-02-01"}).status_code == 201
    assert [t["resident"] for t in landlord.get(url).json()["results"]] == [str(first.pk), str(second.pk)]
    assert [t["resident"] for t in client_of(first.person.user).get(url).json()["results"]] == [str(first.pk)]

    foreign = ResidentFactory(town_id="dali")
    dali_house = RentalHouseFactory(town_id="dali")
    tenant = client_of(first.person.user)
    stranger = client_of(ResidentFactory(town_id=TOWN, account=True).person.user)
    with town_context(TOWN), nothing_changes(rows(Tenancy), rows(AuditEvent)):
        again = landlord.post(url, {"resident": str(first.pk), "from_date": "2025-03-01"}, format="json")
        assert (again.status_code, again.json()["error"]["code"]) == (400, "already_tenant")
        elsewhere = landlord.post(url, {"resident": str(foreign.pk), "from_date": "2025-03-01"}, format="json")
        assert (elsewhere.status_code, elsewhere.json()["error"]["code"]) == (400, "resident_not_found")
        assert landlord.post(url, {"resident": "nope", "from_date": "2025-03-01"}).status_code == 400
        assert landlord.post(url, {"resident": str(second.pk), "from_date": "someday"}).status_code == 400
        assert tenant.post(url, {"resident": str(second.pk)}).status_code == 403
        assert stranger.get(url).status_code == 404
        assert stranger.post(url, {"resident": str(second.pk), "from_date": "2025-03-01"}).status_code == 404
        assert landlord.get(f"/api/v1/rental-houses/{dali_house.pk}/tenancies/").status_code == 404


def test_the_categories_in_both_languages_with_the_retired_flag() -> None:
    with town_context(TOWN):
        HazardCategory.objects.filter(code="gas").update(retired_at=AT)
    answer = client_of(UserFactory(role=Role.RESIDENT, town_id=TOWN)).get("/api/v1/hazard-categories/")
    assert answer.status_code == 200
    categories = {row["code"]: row for row in answer.json()}
    assert len(categories) >= 16
    assert categories["gas"]["retired"] is True and categories["extinguisher"]["retired"] is False
    assert categories["extinguisher"]["name_zh"] and categories["extinguisher"]["name_en"]
    assert APIClient().get("/api/v1/hazard-categories/").status_code == 401
