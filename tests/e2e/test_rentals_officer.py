"""The town officer's rentals pages in a real browser, on a phone: the tiles, the hazards with
their counts, a filter, the escalation queue and the houses list; then the district's list on
a desktop. Axe checks every page; screenshots go to tests/artifacts/.

Everything is committed, in a town the other browser tests do not use (danzao); other tests
may add hazards there too, so the test looks for its own rows only.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from nanhai_portal.areas.models import Grid
from nanhai_portal.demo import DEMO_PASSWORD
from nanhai_portal.tenancy import town_context
from rentals import services
from rentals.models import Hazard
from tests.e2e.browser import goto, press, sign_in
from tests.e2e.conftest import outside_the_browser_loop
from tests.rentals.factories import AT, RentalHouseFactory, grid_worker_of

pytestmark = pytest.mark.slow

TOWN = "danzao"
OFFICER = "officer.danzao"


def hazards_in_danzao() -> dict[str, str]:
    """A house with two hazards found at AT (long overdue), escalated, the gas one to the district."""
    with town_context(TOWN):
        grid = Grid.objects.order_by("code").last()
        assert grid is not None
        house = RentalHouseFactory(
            town_id=TOWN, grid=grid, community=grid.community, address=f"浏览器测试路{uuid.uuid4().hex[:4]}号"
        )
    worker = grid_worker_of(grid)
    with town_context(TOWN):
        services.inspection_record(
            house=house,
            client_id=uuid.uuid4(),
            items=[{"category": "gas", "result": "hazard"}, {"category": "extinguisher", "result": "hazard"}],
            by=worker,
            inspected_at=AT,
        )
        services.hazards_escalate_overdue(now=AT + timedelta(days=3))  # gas (24 h) to the town; extinguisher not yet
        services.hazards_escalate_overdue(now=AT + timedelta(days=9))  # gas to the district; extinguisher to the town
        hazards = {hazard.category_id: str(hazard.pk) for hazard in Hazard.objects.filter(house=house)}
    return {"house": str(house.pk), "address": house.address, **hazards}


def fits_the_screen(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def row_ids(page: Any, table: str) -> list[str]:
    return page.locator(f"#{table} tbody tr[data-id]").evaluate_all("rows => rows.map(row => row.dataset.id)")


def test_the_officer_follows_overdue_hazards_on_a_phone_and_the_district_reads_its_list(
    portal_url: str, phone: Callable[..., Any], desktop: Callable[..., Any], screenshot: Callable[[Any, str], Any]
) -> None:
    made = outside_the_browser_loop(hazards_in_danzao)
    page = phone()
    sign_in(page, portal_url, OFFICER, DEMO_PASSWORD)

    # The home page's tiles, in Chinese
    hazards_tile = page.locator("a.tile-link", has_text="消防安全隐患")
    assert hazards_tile.count() == 1 and page.locator("a.tile-link", has_text="逾期督办队列").count() == 1
    screenshot(page, "01-home")
    press(page, hazards_tile)
    assert page.url == f"{portal_url}/rentals/hazards/"
    assert page.locator("h1").inner_text() == "消防安全隐患"
    assert made["gas"] in row_ids(page, "hazards") and made["extinguisher"] in row_ids(page, "hazards")
    assert page.locator("#by-state tbody tr").count() >= 1 and page.locator("#by-category svg rect").count() >= 2
    assert fits_the_screen(page)
    screenshot(page, "02-hazards")

    # Filter: the gas hazards only
    page.select_option("#id_category", "gas")
    press(page, page.locator("form.filter-grid button.primary"))
    ids = row_ids(page, "hazards")
    assert made["gas"] in ids and made["extinguisher"] not in ids
    assert "category=gas" in page.url
    screenshot(page, "03-hazards-gas")

    # The escalation queue: both, the gas one marked as gone to the district
    goto(page, f"{portal_url}/rentals/escalations/")
    queue = row_ids(page, "escalations")
    assert made["gas"] in queue and made["extinguisher"] in queue
    gas_row = page.locator(f"#escalations tr[data-id='{made['gas']}']")
    assert "区" in gas_row.inner_text() and made["address"] in gas_row.inner_text()
    assert fits_the_screen(page)
    screenshot(page, "04-escalations")

    goto(page, f"{portal_url}/rentals/houses/?due=yes")
    assert made["house"] in row_ids(page, "houses")
    assert fits_the_screen(page)
    screenshot(page, "05-houses")

    # The district's list on a desktop: only what went to the district, every town
    official = desktop()
    sign_in(official, portal_url, "official", DEMO_PASSWORD)
    goto(official, f"{portal_url}/rentals/escalations/")
    listed = row_ids(official, "escalations")
    assert made["gas"] in listed and made["extinguisher"] not in listed
    assert official.locator("h1").inner_text() == "区级逾期隐患督办清单"
    screenshot(official, "06-district-list")
