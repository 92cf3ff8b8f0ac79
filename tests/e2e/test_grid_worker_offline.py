"""A grid worker's inspection on a phone without signal (issue 11's first "done when").

Online, the worker opens today's page: the service worker installs and keeps the pages, and
the day's houses go into IndexedDB. The signal goes; the worker opens a house's inspection
page (the service worker answers with the kept page, filled in from IndexedDB), answers all
the categories with two hazards, attaches a photo and submits: it waits in the phone's queue.
The signal comes back: the queue is sent, and the server has one inspection with two hazards
and the photo. The same batch sent again (the phone never heard the answer) creates nothing.

Committed for real, in a town of its own (danzao). Screenshots go to tests/artifacts/.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from nanhai_portal.accounts.roles import Role
from nanhai_portal.areas.models import Grid
from nanhai_portal.tenancy import town_context
from rentals.models import Hazard, Inspection, Photo, RentalHouse
from tests.e2e.browser import goto, sign_in
from tests.e2e.conftest import NARROW_PHONE, outside_the_browser_loop
from tests.factories import UserFactory
from tests.rentals.factories import GridFactory, RentalHouseFactory, grid_worker_of, landlord_with_account

pytestmark = pytest.mark.slow

TOWN = "danzao"
PASSWORD = "Dan-Zao-2026"
HAZARDS = {"ebike_indoor": "楼道里有两辆电动车在充电", "extinguisher": "三楼灭火器过期"}


def a_grid_worker_with_a_house() -> dict[str, str]:
    grid = GridFactory(town_id=TOWN)
    worker = UserFactory(role=Role.GRID_WORKER, town_id=TOWN, password=PASSWORD)
    with town_context(TOWN):
        from nanhai_portal.areas.services import grid_assign_worker

        grid_assign_worker(grid=grid, worker=worker)
    grid_worker_of(grid)  # a colleague on the same grid: the house is not only ours
    house = RentalHouseFactory(
        town_id=TOWN,
        grid=grid,
        community=grid.community,
        landlord=landlord_with_account(TOWN),
        address="丹灶镇测试路8号",
    )
    return {"username": worker.username, "house": str(house.pk), "address": house.address}


def on_the_server(house: str) -> tuple[int, int, list[tuple[str, str]], int]:
    """(inspections, answers, hazards as (category, note), photos) of ``house``."""
    with town_context(TOWN):
        inspections = Inspection.objects.filter(house_id=house)
        return (
            inspections.count(),
            sum(len(answered) for answered in inspections.values_list("answers", flat=True)),
            sorted((hazard.category_id, hazard.finding_note) for hazard in Hazard.objects.filter(house_id=house)),
            Photo.objects.filter(inspection__house_id=house).count(),
        )


def a_photo() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), (180, 40, 40)).save(buffer, "JPEG")
    return buffer.getvalue()


def fits_the_screen(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def queue_state(page: Any) -> dict[str, str]:
    return dict(
        page.locator("[data-queue]").evaluate(
            "box => ({waiting: box.dataset.waiting, problems: box.dataset.problems,"
            " text: box.querySelector('[data-queue-state]').textContent})"
        )
    )


# The test's own copy of the queue (Blobs included: IndexedDB keeps them), in a database of its own.
COPY_QUEUE = """async ([from, to]) => {
  const done = (request) => new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  const open = (name) => {
    const request = indexedDB.open(name, 1);
    request.onupgradeneeded = () => request.result.createObjectStore("queue", { keyPath: "client_id" });
    return done(request);
  };
  const source = await open(from);
  const entries = await done(source.transaction("queue").objectStore("queue").getAll());
  const target = await open(to);
  const writing = target.transaction("queue", "readwrite");
  entries.forEach((entry) => writing.objectStore("queue").put(entry));
  await new Promise((resolve) => { writing.oncomplete = resolve; });
  return entries.length;
}"""


def keep_a_copy_of_the_queue(page: Any) -> int:
    return int(page.evaluate(COPY_QUEUE, ["nanhai-rentals", "test-copy"]))


def put_the_copy_back(page: Any) -> int:
    return int(page.evaluate(COPY_QUEUE, ["test-copy", "nanhai-rentals"]))


def test_an_inspection_made_without_signal_reaches_the_server_once(
    phone: Callable[..., Any], portal_url: str, screenshot: Callable[[Any, str], Path]
) -> None:
    given = outside_the_browser_loop(a_grid_worker_with_a_house)
    page = phone()
    context = page.context
    sign_in(page, portal_url, given["username"], PASSWORD)

    # Online: today's page, the house due; the service worker takes over and keeps the pages.
    goto(page, f"{portal_url}/rentals/today/")
    page.wait_for_selector("html[data-grid-ready=true]")
    page.wait_for_function("navigator.serviceWorker.controller !== null", timeout=20_000)
    card = page.locator(f"li[data-house='{given['house']}']")
    assert given["address"] in card.inner_text()
    assert fits_the_screen(page)
    screenshot(page, "01-today-online")

    # No signal: the inspection page comes from the service worker, the house from IndexedDB.
    context.set_offline(True)
    goto(page, f"{portal_url}/rentals/houses/{given['house']}/inspect/")
    page.wait_for_selector("html[data-grid-ready=true]")
    assert page.locator("form[data-offline-shell]").count() == 1, "the page came from the network"
    assert page.locator("[data-house-field=address]").inner_text() == given["address"]
    items = page.locator(".check-item")
    assert items.count() == 16
    for index in range(items.count()):
        item = items.nth(index)
        code = item.locator("input[type=radio]").first.get_attribute("name").removeprefix("result_")
        if code in HAZARDS:
            item.locator("label.choice-hazard").click()
            item.locator("input[type=text]").fill(HAZARDS[code])
        elif code == "gas":
            item.locator("label.choice-na").click()
        else:
            item.locator("label.choice-ok").click()
    page.set_input_files("#id_photos", files=[{"name": "走廊.jpg", "mimeType": "image/jpeg", "buffer": a_photo()}])
    page.fill("textarea[name=note]", "房东不在家，已电话通知")
    screenshot(page, "02-offline-answered")
    page.locator("button.submit-inspection").click()
    page.wait_for_selector("[data-queued-note]:not([hidden])")
    page.wait_for_function("document.querySelector('[data-queue]').dataset.waiting === '1'")
    state = queue_state(page)
    assert "没有信号" in state["text"] and "1" in state["text"], state
    screenshot(page, "03-offline-queued")
    assert outside_the_browser_loop(on_the_server, given["house"]) == (0, 0, [], 0)
    assert keep_a_copy_of_the_queue(page) == 1

    # The signal is back: the queue goes to the server by itself (the `online` event).
    context.set_offline(False)
    page.wait_for_function(
        "document.querySelector('[data-queue]').dataset.waiting === '0'"
        " && document.querySelector('[data-queue]').dataset.problems === '0'",
        timeout=30_000,
    )
    assert "已发送 1 条" in queue_state(page)["text"]
    screenshot(page, "04-online-synced")
    expected = (1, 16, sorted(HAZARDS.items()), 1)
    assert outside_the_browser_loop(on_the_server, given["house"]) == expected

    # Reloaded, and the same batch sent again (as if the phone never heard the answer): nothing more.
    goto(page, f"{portal_url}/rentals/today/")
    page.wait_for_selector("html[data-grid-ready=true]")
    assert put_the_copy_back(page) == 1
    page.locator("[data-sync-now]").click()
    page.wait_for_function(
        "document.querySelector('[data-queue]').dataset.waiting === '0'"
        " && document.querySelector('[data-queue]').dataset.problems === '0'",
        timeout=30_000,
    )
    assert outside_the_browser_loop(on_the_server, given["house"]) == expected
    assert page.locator(f"li[data-house='{given['house']}']").count() == 0  # inspected: no longer due
    screenshot(page, "05-today-after")


def a_worker_with_a_house_that_moves_grid() -> dict[str, str]:
    given = a_grid_worker_with_a_house()
    given["elsewhere"] = str(GridFactory(town_id=TOWN).pk)
    return given


def moved_to_another_grid(house: str, grid: str) -> None:
    """Given: while the phone had no signal, the town moved the house to another worker's grid."""
    with town_context(TOWN):
        target = Grid.objects.get(pk=grid)
        RentalHouse.objects.filter(pk=house).update(grid=target, community=target.community)


def test_on_a_narrow_phone_a_refused_inspection_stays_with_the_servers_message(
    open_page: Callable[..., Any], portal_url: str, screenshot: Callable[[Any, str], Path]
) -> None:
    given = outside_the_browser_loop(a_worker_with_a_house_that_moves_grid)
    page = open_page(NARROW_PHONE)
    sign_in(page, portal_url, given["username"], PASSWORD)
    goto(page, f"{portal_url}/rentals/today/")
    page.wait_for_selector("html[data-grid-ready=true]")
    page.wait_for_function("navigator.serviceWorker.controller !== null", timeout=20_000)
    assert fits_the_screen(page)
    screenshot(page, "01-today-320")

    page.context.set_offline(True)
    goto(page, f"{portal_url}/rentals/houses/{given['house']}/inspect/")
    page.wait_for_selector("html[data-grid-ready=true]")
    assert page.locator("form[data-offline-shell]").count() == 1
    assert fits_the_screen(page)
    for index in range(page.locator(".check-item").count()):
        page.locator(".check-item").nth(index).locator("label.choice-ok").click()
    screenshot(page, "02-inspect-320")
    page.locator("button.submit-inspection").click()
    page.wait_for_function("document.querySelector('[data-queue]').dataset.waiting === '1'")
    outside_the_browser_loop(moved_to_another_grid, given["house"], given["elsewhere"])

    page.context.set_offline(False)
    page.wait_for_function("document.querySelector('[data-queue]').dataset.problems === '1'", timeout=30_000)
    problem = page.locator("[data-queue-problems] li")
    assert given["address"] in problem.inner_text()
    assert "您的网格中没有这间出租屋。" in problem.inner_text()
    assert "未被服务器接受" in queue_state(page)["text"]
    assert fits_the_screen(page)
    screenshot(page, "03-refused-320")
    assert outside_the_browser_loop(on_the_server, given["house"]) == (0, 0, [], 0)

    problem.get_by_role("button", name="放弃").click()
    page.wait_for_function("document.querySelector('[data-queue]').dataset.problems === '0'")
    assert page.locator("[data-queue-problems] li").count() == 0
