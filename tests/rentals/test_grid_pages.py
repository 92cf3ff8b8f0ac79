"""The grid worker's pages: today's work in its order, the one-screen inspection posted as a
plain form (no JavaScript), who may open them, and what makes them installable and offline
(the manifest, the service worker, the home tile)."""

from __future__ import annotations

import json
import re
import uuid
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.contrib.staticfiles import finders
from django.test import Client
from PIL import Image

from nanhai_portal.accounts.roles import Role
from nanhai_portal.audit.models import AuditEvent
from nanhai_portal.notifications.models import Notification
from nanhai_portal.tenancy import district_context, town_context
from rentals import services
from rentals.models import Hazard, HazardCategory, Inspection, Photo, RentalHouse
from tests.factories import UserFactory
from tests.rentals.factories import AT, GridFactory, RentalHouseFactory, grid_worker_of
from tests.residents.helpers import fake_png, jpeg, png
from tests.unchanged import nothing_changes, rows

pytestmark = pytest.mark.django_db
TOWN = "guicheng"
NOW = AT + timedelta(days=40)


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Any) -> Any:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def a_house_and_its_worker(**house: Any) -> tuple[RentalHouse, Any]:
    house_ = RentalHouseFactory(**house)
    return house_, grid_worker_of(house_.grid)


def everything_about(house: RentalHouse) -> list[Any]:
    return [
        rows(Inspection, house_id=house.pk),
        rows(Hazard, house_id=house.pk),
        rows(Photo, inspection__house_id=house.pk),
        rows(RentalHouse, pk=house.pk),
        rows(AuditEvent, action__startswith="rentals."),
        rows(Notification, event__startswith="rentals."),
    ]


def active_codes() -> list[str]:
    return list(
        HazardCategory.objects.filter(retired_at=None).order_by("sort_order", "code").values_list("code", flat=True)
    )


def answers(client_id: uuid.UUID | str, hazards: dict[str, str] | None = None, **extra: Any) -> dict[str, Any]:
    """A complete form: every active category ok, except ``hazards`` (code -> note)."""
    hazards = hazards or {}
    data: dict[str, Any] = {"client_id": str(client_id), "note": "", **extra}
    for code in active_codes():
        data[f"result_{code}"] = "hazard" if code in hazards else "ok"
        data[f"note_{code}"] = hazards.get(code, "")
    return data


def inspect_url(house: RentalHouse) -> str:
    return f"/rentals/houses/{house.pk}/inspect/"


# --- The inspection page: who may open it ---------------------------------------------


def test_the_inspection_page_offers_every_active_category_as_three_buttons() -> None:
    house, worker = a_house_and_its_worker()
    with district_context():
        HazardCategory.objects.filter(code="fire_blanket").update(retired_at=AT)
    response = signed_in(worker).get(inspect_url(house))
    assert response.status_code == 200
    page = response.content.decode()
    codes = re.findall(r'name="result_([a-z_]+)" value="ok"', page)
    assert codes == active_codes() and len(codes) == 15 and "fire_blanket" not in codes
    assert page.count('type="radio"') == 45
    assert 'accept="image/*" capture="environment"' in page
    assert "电动自行车违规停放充电" in page and "室内、楼道、疏散通道无电动自行车停放或充电" in page
    assert re.search(r'name="client_id" value="[0-9a-f-]{36}"', page)
    assert house.address in page


def test_the_inspection_page_speaks_english_to_an_english_reader() -> None:
    house, worker = a_house_and_its_worker()
    client = signed_in(worker)
    client.cookies["django_language"] = "en"
    page = client.get(inspect_url(house), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "E-bikes parked or charged indoors" in page and "Submit the inspection" in page


def test_another_grids_house_is_not_there_and_a_non_grid_worker_may_not_inspect() -> None:
    house, worker = a_house_and_its_worker()
    other_grid_worker = grid_worker_of(GridFactory())
    officer = UserFactory(role=Role.TOWN_OFFICER, town_id=TOWN)
    other_town_house = RentalHouseFactory(town_id="dali")
    with nothing_changes(*everything_about(house)):
        assert signed_in(other_grid_worker).get(inspect_url(house)).status_code == 404
        assert signed_in(other_grid_worker).post(inspect_url(house), answers(uuid.uuid4())).status_code == 404
        assert signed_in(worker).get(inspect_url(other_town_house)).status_code == 404
        assert signed_in(worker).get(f"/rentals/houses/{uuid.uuid4()}/inspect/").status_code == 404
        # The town's officer sees the house, but inspecting is the grid worker's.
        assert signed_in(officer).get(inspect_url(house)).status_code == 403
        assert signed_in(officer).post(inspect_url(house), answers(uuid.uuid4())).status_code == 403
        # The landlord too.
        assert signed_in(house.landlord.user).post(inspect_url(house), answers(uuid.uuid4())).status_code == 403
        assert Client().get(inspect_url(house)).status_code == 302


# --- The plain form (without JavaScript) --------------------------------------------


def test_the_plain_form_records_one_inspection_with_its_hazards_and_photos() -> None:
    house, worker = a_house_and_its_worker()
    client_id = uuid.uuid4()
    data = answers(client_id, {"ebike_indoor": "楼道充电", "extinguisher": "过期"}, note="房东不在家")
    data["latitude"], data["longitude"] = "23.031234", "113.145678"
    with time_machine.travel(NOW, tick=False):
        response = signed_in(worker).post(inspect_url(house), {**data, "photos": [png(), jpeg()]})
    assert response.status_code == 302 and response["Location"] == "/rentals/today/"
    with town_context(TOWN):
        inspection = Inspection.objects.get(house=house)
        assert inspection.client_id == client_id
        assert inspection.inspected_at == NOW
        assert (str(inspection.latitude), str(inspection.longitude)) == ("23.031234", "113.145678")
        assert inspection.note == "房东不在家"
        assert len(inspection.answers) == 16
        hazards = {hazard.category_id: hazard.finding_note for hazard in Hazard.objects.filter(house=house)}
        assert hazards == {"ebike_indoor": "楼道充电", "extinguisher": "过期"}
        assert inspection.photos.count() == 2
    # Posted again (a double tap, the back button): nothing more.
    with nothing_changes(*everything_about(house)):
        again = signed_in(worker).post(inspect_url(house), {**data, "photos": [png()]})
    assert again.status_code == 302


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda data: data.pop("result_gas"), "Answer every category"),
        (lambda data: data.update(result_gas="maybe"), "Answer every category"),
        (lambda data: data.update(result_meteor_strike="hazard"), "meteor_strike"),
        (lambda data: data.update(note_gas="x" * 501), "500"),
        (lambda data: data.update(note="坏\x00字"), "Null characters are not allowed"),
        (lambda data: data.update(client_id="not-a-uuid"), "UUID"),
        (lambda data: data.update(latitude="91", longitude="113"), "90"),
    ],
    ids=[
        "missing answer",
        "result outside the three",
        "unknown category",
        "long note",
        "NUL",
        "bad client id",
        "latitude",
    ],
)
def test_bad_input_is_answered_with_a_clear_error_and_nothing_is_written(change: Any, message: str) -> None:
    house, worker = a_house_and_its_worker()
    data = answers(uuid.uuid4(), {"gas": "漏气"})
    change(data)
    client = signed_in(worker)
    client.cookies["django_language"] = "en"
    with nothing_changes(*everything_about(house)):
        response = client.post(inspect_url(house), data, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    page = response.content.decode()
    assert 'role="alert"' in page
    assert message in page


def test_a_retired_category_in_a_page_made_before_is_refused() -> None:
    house, worker = a_house_and_its_worker()
    data = answers(uuid.uuid4())  # made while fire blankets were still inspected
    with district_context():
        HazardCategory.objects.filter(code="fire_blanket").update(retired_at=AT)
    with nothing_changes(*everything_about(house)):
        response = signed_in(worker).post(inspect_url(house), data)
    assert response.status_code == 400
    assert "fire_blanket" in response.content.decode()


def test_hostile_text_comes_back_as_text() -> None:
    house, worker = a_house_and_its_worker()
    data = answers(uuid.uuid4(), {"gas": '<script>alert("x")</script>'})
    data.pop("result_hydrant")
    with nothing_changes(*everything_about(house)):
        response = signed_in(worker).post(inspect_url(house), data)
    assert response.status_code == 400
    page = response.content.decode()
    assert '<script>alert("x")</script>' not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page


def test_a_photo_that_is_not_an_image_refuses_the_whole_inspection() -> None:
    house, worker = a_house_and_its_worker()
    with nothing_changes(*everything_about(house)):
        response = signed_in(worker).post(inspect_url(house), {**answers(uuid.uuid4()), "photos": [fake_png()]})
    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode()


def test_more_photos_than_the_form_takes_are_refused(settings: Any) -> None:
    house, worker = a_house_and_its_worker()
    with nothing_changes(*everything_about(house)):
        response = signed_in(worker).post(
            inspect_url(house), {**answers(uuid.uuid4()), "photos": [png(f"p{n}.png") for n in range(5)]}
        )
    assert response.status_code == 400
    assert "4" in response.content.decode()


def test_the_same_client_id_with_other_answers_is_a_conflict() -> None:
    house, worker = a_house_and_its_worker()
    client_id = uuid.uuid4()
    client = signed_in(worker)
    assert client.post(inspect_url(house), answers(client_id, {"gas": "漏气"})).status_code == 302
    with nothing_changes(*everything_about(house)):
        response = client.post(inspect_url(house), answers(client_id, {"hydrant": "没水"}))
    assert response.status_code == 409


# --- Today's work ----------------------------------------------------------------------


def test_today_lists_overdue_hazards_first_then_houses_by_risk_class_and_last_visit() -> None:
    grid = GridFactory()
    worker = grid_worker_of(grid)
    ordinary_never = RentalHouseFactory(grid=grid, address="一般户从未检查")
    ordinary_old = RentalHouseFactory(grid=grid, address="一般户很久没查")
    key_old = RentalHouseFactory(grid=grid, risk_class="key", address="重点户很久没查")
    key_older = RentalHouseFactory(grid=grid, risk_class="key", address="重点户更久没查")
    with_hazards = RentalHouseFactory(grid=grid, address="有隐患的户")
    RentalHouseFactory(address="别的网格的户")
    with town_context(TOWN):
        RentalHouse.objects.filter(pk=ordinary_old.pk).update(last_inspected_at=AT - timedelta(days=200))
        RentalHouse.objects.filter(pk=key_old.pk).update(last_inspected_at=AT)
        RentalHouse.objects.filter(pk=key_older.pk).update(last_inspected_at=AT - timedelta(days=5))
        services.inspection_record(
            house=with_hazards,
            client_id=uuid.uuid4(),
            items=[{"category": "gas", "result": "hazard"}, {"category": "hydrant", "result": "hazard"}],
            by=worker,
            inspected_at=NOW - timedelta(days=2),
        )
    with time_machine.travel(NOW, tick=False):
        response = signed_in(worker).get("/rentals/today/")
    assert response.status_code == 200
    page = response.content.decode()
    # The overdue hazard (gas, 24 h) comes before the houses; the general one is not due yet.
    overdue = page.index('id="overdue-title"')
    houses_at = page.index('id="houses-title"')
    assert page.count("data-hazard=") == 1 and overdue < page.index("data-hazard=") < houses_at
    listed = re.findall(r'data-house="([0-9a-f-]{36})"', page)
    assert listed == [str(key_older.pk), str(key_old.pk), str(ordinary_never.pk), str(ordinary_old.pk)]
    assert page.count("/inspect/") >= 4
    saved = re.search(r'<script id="grid-day" type="application/json">(.*?)</script>', page, re.S)
    assert saved is not None
    day = json.loads(saved.group(1))
    assert [house["id"] for house in day["houses"]] == listed
    assert len(day["categories"]) == 16
    assert response["Cache-Control"].startswith("max-age=0") or "no-cache" in response["Cache-Control"]


def test_today_is_the_grid_workers_alone() -> None:
    officer = UserFactory(role=Role.TOWN_OFFICER, town_id=TOWN)
    resident = UserFactory(role=Role.RESIDENT, town_id=TOWN)
    assert signed_in(officer).get("/rentals/today/").status_code == 403
    assert signed_in(resident).get("/rentals/today/").status_code == 403
    assert signed_in(officer).get("/rentals/inspect/offline/").status_code == 403
    assert Client().get("/rentals/today/").status_code == 302
    assert signed_in(UserFactory(role=Role.GRID_WORKER, town_id=TOWN)).get("/rentals/today/").status_code == 200


def test_the_home_tile_counts_houses_due_and_overdue_hazards() -> None:
    grid = GridFactory()
    worker = grid_worker_of(grid)
    RentalHouseFactory(grid=grid)
    with_hazards = RentalHouseFactory(grid=grid)
    with town_context(TOWN):
        services.inspection_record(
            house=with_hazards,
            client_id=uuid.uuid4(),
            items=[{"category": "gas", "result": "hazard"}],
            by=worker,
            inspected_at=NOW - timedelta(days=2),
        )
    with time_machine.travel(NOW, tick=False):
        page = signed_in(worker).get("/").content.decode()
    tile = re.search(r'href="/rentals/today/">\s*<h2>(.*?)</h2>', page, re.S)
    assert tile is not None
    assert '<span class="tile-count">2</span>' in tile.group(1)  # one house due, one hazard overdue


# --- Installable and offline -------------------------------------------------------------


def test_the_service_worker_is_javascript_scoped_to_rentals_and_never_cached() -> None:
    response = Client().get("/rentals/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/javascript; charset=utf-8"
    assert "no-cache" in response["Cache-Control"]
    body = response.content.decode()
    settings = json.loads(body.split("\n", 1)[0].removeprefix("self.NANHAI_SW = ").removesuffix(";"))
    assert settings["today"] == "/rentals/today/" and settings["shell"] == "/rentals/inspect/offline/"
    assert "/rentals/today/" in settings["precache"] and "/static/rentals/grid.js" in settings["precache"]
    assert re.fullmatch(r"[0-9a-f]{16}", settings["version"])
    assert 'addEventListener("fetch"' in body


def test_the_manifest_opens_today_full_screen_with_vendored_icons() -> None:
    response = Client().get("/rentals/manifest.webmanifest")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    manifest = json.loads(response.content)
    assert manifest["start_url"] == "/rentals/today/" and manifest["scope"] == "/rentals/"
    assert manifest["display"] == "standalone"
    assert [icon["sizes"] for icon in manifest["icons"]] == ["192x192", "512x512"]
    for icon in manifest["icons"]:
        found = finders.find(icon["src"].removeprefix("/static/"))
        assert found is not None
        size = int(icon["sizes"].split("x")[0])
        assert Image.open(found).size == (size, size)


def test_the_offline_page_is_the_inspection_form_without_a_house() -> None:
    worker = grid_worker_of(GridFactory())
    page = signed_in(worker).get("/rentals/inspect/offline/").content.decode()
    assert "data-offline-shell" in page
    assert len(re.findall(r'name="result_[a-z_]+" value="hazard"', page)) == 16
    assert '<link rel="manifest" href="/rentals/manifest.webmanifest">' in page


# --- The today list by pages (rentals perf) ---------------------------------------------


def test_today_shows_a_days_worth_of_houses_and_the_rest_page_by_page(monkeypatch: Any) -> None:
    from rentals import selectors

    monkeypatch.setattr(selectors, "DAY_HOUSES_SHOWN", 2)
    grid = GridFactory()
    worker = grid_worker_of(grid)
    houses = [RentalHouseFactory(grid=grid, address=f"待查户{n}") for n in range(5)]
    with town_context(TOWN):
        for n, house in enumerate(houses):  # the longest unvisited first: 0, 1, 2, 3, 4
            RentalHouse.objects.filter(pk=house.pk).update(last_inspected_at=AT - timedelta(days=200 - n))
    client = signed_in(worker)

    def shown(query: str) -> tuple[list[str], dict[str, Any], str]:
        with time_machine.travel(NOW, tick=False):
            response = client.get(f"/rentals/today/{query}")
        assert response.status_code == 200
        page = response.content.decode()
        saved = re.search(r'<script id="grid-day" type="application/json">(.*?)</script>', page, re.S)
        assert saved is not None
        return re.findall(r'data-house="([0-9a-f-]{36})"', page), json.loads(saved.group(1)), page

    ids = [str(house.pk) for house in houses]
    first, day, page = shown("")
    assert first == ids[:2] and [h["id"] for h in day["houses"]] == ids[:2] and day["page"] == 1
    assert '<span class="tile-count">5</span>' in page and "还有 3 间出租屋待检查" in page
    assert 'href="?page=2"' in page and "?page=0" not in page
    second, day, page = shown("?page=2")
    assert second == ids[2:4] and day["page"] == 2 and "还有 1 间出租屋待检查" in page
    assert 'href="?page=1"' in page and 'href="?page=3"' in page
    last, _day, page = shown("?page=3")
    assert last == ids[4:] and 'href="?page=4"' not in page and '<span class="tile-count">5</span>' in page
    past, _day, page = shown("?page=9")
    assert past == [] and "没有更多待检查的出租屋。" in page and '<span class="tile-count">5</span>' in page
    for hostile in ("?page=0", "?page=-1", "?page=abc", "?page=%C2%B2", "?page=" + "9" * 5000, "?page=1e3"):
        assert shown(hostile)[0] == ids[:2], hostile
