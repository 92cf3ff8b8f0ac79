"""The landlord on a phone, in a real browser (issue 11, "Landlords and tenants").

A landlord signs in, finds their house from the home page's tile, sees each open hazard with
its deadline (the overdue one marked and first), reports the fix of one with two photos taken
with the phone, and downloads the rectification notice, a PDF. Everyone here is new, in a town
of their own; screenshots go to tests/artifacts/.
"""

from __future__ import annotations

import io
import random
import uuid
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from PIL import Image
from pypdf import PdfReader

from nanhai_portal.accounts.roles import Role
from nanhai_portal.tenancy import town_context
from rentals import services
from rentals.models import Hazard, Photo
from tests.e2e.browser import check_accessibility, goto, press, sign_in, type_into
from tests.e2e.conftest import outside_the_browser_loop
from tests.factories import PersonFactory, UserFactory
from tests.rentals.factories import AT, RentalHouseFactory, grid_worker_of

pytestmark = pytest.mark.slow

TOWN = "xiqiao"
PASSWORD = "Xi-Qiao-2026"


def a_landlord_with_two_hazards() -> dict[str, Any]:
    """A landlord with an account, their house inspected at AT: the escape window overdue, the
    extinguisher due three days from now."""
    suffix = uuid.uuid4().hex[:8]
    user = UserFactory(
        role=Role.RESIDENT,
        town_id=TOWN,
        username=f"landlord.{suffix}",
        password=PASSWORD,
        mobile=f"137{random.SystemRandom().randrange(10**8):08d}",
    )
    person = PersonFactory(user=user, name="房东测试")
    address = f"西樵镇樵园路{random.SystemRandom().randrange(1, 999)}号之{suffix[:4]}"
    house = RentalHouseFactory(town_id=TOWN, landlord=person, address=address)
    worker = grid_worker_of(house.grid)
    with town_context(TOWN):
        services.inspection_record(
            house=house,
            client_id=uuid.uuid4(),
            items=[
                {"category": "escape_window", "result": "hazard"},
                {"category": "extinguisher", "result": "hazard"},
            ],
            by=worker,
            inspected_at=AT,
        )
        due = timezone.now() + timedelta(days=3)
        Hazard.objects.filter(house=house, category_id="extinguisher").update(due_at=due)
        escape = Hazard.objects.get(house=house, category_id="escape_window")
    return {
        "username": user.username,
        "house": str(house.pk),
        "address": address,
        "escape": str(escape.pk),
        "escape_due": timezone.localtime(escape.due_at).strftime("%Y-%m-%d %H:%M"),
        "extinguisher_due": timezone.localtime(due).strftime("%Y-%m-%d %H:%M"),
    }


def hazard_state(hazard_id: str) -> tuple[str, int]:
    with town_context(TOWN):
        return Hazard.objects.get(pk=hazard_id).state, Photo.objects.filter(hazard_id=hazard_id).count()


def photo_file(folder: Path, name: str, colour: tuple[int, int, int]) -> Path:
    path = folder / name
    Image.new("RGB", (640, 480), colour).save(path, "JPEG")
    return path


def fits(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def test_the_landlord_fixes_a_hazard_with_two_photos_and_downloads_the_notice_on_a_phone(
    phone: Callable[..., Any], portal_url: str, screenshot: Callable[[Any, str], Path], tmp_path: Path
) -> None:
    base = portal_url
    given = outside_the_browser_loop(a_landlord_with_two_hazards)
    page = phone()

    # Home: the rental houses tile counts the two open hazards
    sign_in(page, base, given["username"], PASSWORD)
    tile = page.locator(".tile", has=page.locator("a[href='/rentals/mine/']"))
    assert tile.locator(".tile-count").inner_text() == "2"
    screenshot(page, "01-home")

    # My rental houses: each hazard with its deadline, the overdue one marked and first
    press(page, tile.locator("a"))
    rows = page.locator(".hazard-row")
    assert rows.count() == 2
    first, second = rows.nth(0), rows.nth(1)
    assert first.get_attribute("data-hazard") == given["escape"]
    assert given["escape_due"] in first.inner_text() and "已逾期" in first.inner_text()
    assert given["extinguisher_due"] in second.inner_text() and "已逾期" not in second.inner_text()
    assert given["address"] in page.locator("main").inner_text()
    assert fits(page), "the page is wider than the phone"
    screenshot(page, "02-my-houses")

    # The hazard: what ok means, the deadline, and the form to report the fix (camera capture)
    press(page, first)
    assert given["escape_due"] in page.locator("#deadline").inner_text()
    photos = page.locator("#rectify-photos")
    assert photos.get_attribute("capture") == "environment" and photos.get_attribute("multiple") is not None
    assert fits(page)
    screenshot(page, "03-hazard")

    # Sent with a note and two photos: submitted, both photos shown
    type_into(page, "#rectify-note", "已拆除防盗网锁，加装可从内开启的逃生窗")
    photos.set_input_files(
        [photo_file(tmp_path, "window-1.jpg", (180, 40, 40)), photo_file(tmp_path, "window-2.jpg", (40, 120, 180))]
    )
    check_accessibility(page)
    press(page, page.locator("#rectify button[type=submit]"))
    assert "整改已提交" in page.locator(".messages").inner_text()
    assert page.locator("#rectification-photos img").count() == 2
    assert page.locator(".page-head .badge").inner_text() == "已提交整改"
    assert outside_the_browser_loop(hazard_state, given["escape"]) == ("rectification_submitted", 2)
    assert page.locator("#rectify").count() == 0, "no second rectification while the first is checked"
    screenshot(page, "04-rectified")

    # The house: the notice downloads as a PDF with the address and the open hazard
    goto(page, f"{base}/rentals/houses/{given['house']}/")
    screenshot(page, "05-house")
    with page.expect_download() as download_info:
        page.locator("a[data-notice]").click()
    download = download_info.value
    content = Path(download.path()).read_bytes()
    assert download.suggested_filename.endswith(".pdf") and content.startswith(b"%PDF-")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages).replace("\n", "")
    assert given["address"] in text and "整改通知书" in text


def a_landlord_and_a_tenant() -> dict[str, Any]:
    """A landlord with an account and no house yet, and a resident of the town to rent from them."""
    from tests.factories import ResidentFactory
    from tests.rentals.factories import GridFactory

    suffix = uuid.uuid4().hex[:8]
    user = UserFactory(role=Role.RESIDENT, town_id=TOWN, username=f"landlord.{suffix}", password=PASSWORD)
    PersonFactory(user=user, name="房东登记")
    grid = GridFactory(town_id=TOWN, name=f"樵园网格{suffix[:4]}")
    tenant = ResidentFactory(town_id=TOWN, person__name="租客乙")
    return {
        "username": user.username,
        "grid": str(grid.pk),
        "grid_name": grid.name,
        "tenant_id_number": tenant.person.id_number,
        "address": f"西樵镇登记路{suffix[:4]}号",
    }


def test_a_landlord_registers_a_house_and_its_tenant_on_a_phone(
    phone: Callable[..., Any], portal_url: str, screenshot: Callable[[Any, str], Path]
) -> None:
    base = portal_url
    given = outside_the_browser_loop(a_landlord_and_a_tenant)
    page = phone()
    sign_in(page, base, given["username"], PASSWORD)
    goto(page, f"{base}/rentals/mine/")
    press(page, page.locator("a[href='/rentals/houses/new/']"))

    # Sent empty: each field says what it needs
    press(page, page.locator("main form button[type=submit]"))
    assert page.locator(".field-error").count() >= 4
    assert fits(page)
    screenshot(page, "01-register-errors")

    page.select_option("#id_grid", given["grid"])
    type_into(page, "#id_address", given["address"])
    page.check("input[name=building_type][value=self_built]")
    type_into(page, "#id_floors", "4")
    type_into(page, "#id_rooms", "9")
    screenshot(page, "02-register-filled")
    press(page, page.locator("main form button[type=submit]"))
    assert "/rentals/houses/" in page.url and given["address"] in page.locator("h1").inner_text()

    # Its tenant, by ID number
    press(page, page.locator("a[href$='/tenants/']"))
    type_into(page, "#add-id_number", given["tenant_id_number"])
    page.fill("#add-from_date", "2025-03-01")
    press(page, page.locator("form:has(#add-id_number) button[type=submit]"))
    assert "租客乙" in page.locator(".tenancy-list").inner_text()
    assert given["tenant_id_number"] not in page.locator("main").inner_text()
    assert fits(page)
    screenshot(page, "03-tenants")
