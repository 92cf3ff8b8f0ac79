"""The rectification notice (整改通知书): an A4 PDF in Chinese with the font embedded, for the
landlord, the grid worker and the town (page and API), audited; 503 without the font.

The PDF's text is read back (pypdf), and page 1 is drawn as an image (PDFium, through
pypdfium2) to check that the Chinese characters are drawn as glyphs: each title character's
box has ink, the characters differ from each other (missing glyphs would all be the same
empty box), and each looks like the same character drawn by Pillow with the same font. The
image is kept in tests/artifacts/ to look at.
"""

from __future__ import annotations

import io
import uuid
from typing import Any

import pypdfium2
import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from PIL import Image, ImageChops, ImageDraw, ImageFont
from pypdf import PdfReader
from rest_framework.test import APIClient

from nanhai_portal.accounts.models import User
from nanhai_portal.accounts.roles import Role
from nanhai_portal.accounts.tokens import token_issue
from nanhai_portal.audit.models import AuditEvent
from nanhai_portal.tenancy import town_context
from rentals import conf, notice, services
from rentals.models import Hazard, HazardCategory, RentalHouse
from tests.conftest import BASE_DIR
from tests.factories import ResidentFactory, UserFactory
from tests.rentals.factories import AT, RentalHouseFactory, grid_worker_of, landlord_with_account
from tests.unchanged import nothing_changes, rows

pytestmark = pytest.mark.django_db
TOWN = "guicheng"
ADDRESS = "桂城街道南海大道北73号"
ARTIFACTS = BASE_DIR / "tests" / "artifacts" / "test_notice"


@pytest.fixture
def house() -> RentalHouse:
    """A house with two open hazards (e-bike charged indoors, extinguisher) and one fixed (gas)."""
    landlord = landlord_with_account(TOWN)
    house = RentalHouseFactory(town_id=TOWN, landlord=landlord, address=ADDRESS)
    worker = grid_worker_of(house.grid)
    worker.name = "网格员王芳"
    worker.save(update_fields=["name"])
    with town_context(TOWN):
        services.inspection_record(
            house=house,
            client_id=uuid.uuid4(),
            items=[
                {"category": "ebike_indoor", "result": "hazard"},
                {"category": "extinguisher", "result": "hazard"},
                {"category": "gas", "result": "hazard"},
            ],
            by=worker,
            inspected_at=AT,
        )
        Hazard.objects.filter(house=house, category_id="gas").update(state=Hazard.State.VERIFIED)
    return house


def notice_url(house: RentalHouse) -> str:
    return reverse("rentals:notice", kwargs={"house_id": house.pk})


def api_url(house: RentalHouse) -> str:
    return reverse("rental-house-notice", kwargs={"pk": house.pk})


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def api_client(user: User) -> APIClient:
    client = APIClient()
    token, _expires = token_issue(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def landlord_of(house: RentalHouse) -> User:
    user = house.landlord.user
    assert user is not None
    return user


def test_the_landlord_downloads_the_notice_in_chinese_and_it_is_audited(house: RentalHouse) -> None:
    response = signed_in(landlord_of(house)).get(notice_url(house))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith('attachment; filename="rectification-notice-')
    assert response["Cache-Control"] == "private, no-store"
    reader = PdfReader(io.BytesIO(response.content))
    page = reader.pages[0]
    assert float(page.mediabox.width) == pytest.approx(595.27, abs=0.5)  # A4
    assert float(page.mediabox.height) == pytest.approx(841.89, abs=0.5)
    text = "".join(each.extract_text() for each in reader.pages).replace("\n", "")
    categories = {code: HazardCategory.objects.get(code=code) for code in ("ebike_indoor", "extinguisher", "gas")}
    assert "出租屋消防安全隐患整改通知书" in text
    assert "桂城街道" in text and ADDRESS in text
    assert categories["ebike_indoor"].name_zh in text and categories["extinguisher"].name_zh in text
    assert categories["extinguisher"].ok_zh.replace("\n", "")[:10] in text
    assert categories["gas"].name_zh not in text  # fixed and verified: not on the notice
    assert "网格员王芳" in text and "《中华人民共和国消防法》" in text and "签收" in text
    assert house.landlord.id_number_masked in text and house.landlord.id_number not in text
    # The font is embedded (a subset), not left to the reader
    fonts = [font for font in _fonts(reader) if "WenQuanYi" in font["name"]]
    assert fonts and all(font["embedded"] for font in fonts)
    with town_context(TOWN):
        event = AuditEvent.objects.get(action="rentals.notice_downloaded", object_id=str(house.pk))
    assert event.actor_username == landlord_of(house).username
    assert event.changes == {"hazards": 2}


def _fonts(reader: PdfReader) -> list[dict[str, Any]]:
    found = []
    resources = reader.pages[0]["/Resources"]["/Font"]
    for reference in resources.values():
        font = reference.get_object()
        descendants = font.get("/DescendantFonts")
        descriptor = (descendants[0].get_object() if descendants else font).get("/FontDescriptor")
        descriptor = descriptor.get_object() if descriptor is not None else {}
        embedded = any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3"))
        found.append({"name": str(font.get("/BaseFont")), "embedded": embedded})
    return found


def test_page_one_draws_the_chinese_characters(house: RentalHouse) -> None:
    with town_context(TOWN):
        pdf = notice.render_notice(house, now=AT)
    document = pypdfium2.PdfDocument(pdf)
    page = document[0]
    scale = 3
    image = page.render(scale=scale).to_pil().convert("L")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    image.save(ARTIFACTS / "notice-page-1.png")

    # The title's characters, where PDFium says they are
    text_page = page.get_textpage()
    text = text_page.get_text_range()
    start = text.index(notice.TITLE)
    height = page.get_height()
    crops = []
    for offset, character in enumerate(notice.TITLE[:6]):  # 出租屋消防
        left, bottom, right, top = text_page.get_charbox(start + offset)
        box = (
            int(left * scale),
            int((height - top) * scale),
            int(right * scale) + 1,
            int((height - bottom) * scale) + 1,
        )
        crop = image.crop(box)
        inked = sum(crop.histogram()[:128])
        assert inked > 0.05 * crop.width * crop.height, f"{character} has no ink"
        crops.append((character, crop))

    # No two characters look the same (missing glyphs are one empty box repeated)
    for index, (first, first_crop) in enumerate(crops):
        for second, second_crop in crops[index + 1 :]:
            other = second_crop.resize(first_crop.size)
            assert ImageChops.difference(first_crop, other).getbbox() is not None, f"{first} looks like {second}"

    # Each is the character the font draws: compared with Pillow's drawing of it, in the same font
    font = ImageFont.truetype(conf.notice_font(), size=120, index=0)
    for character, crop in crops:
        assert _likeness(_drawn(character, font), crop) > 0.6, character


def _drawn(character: str, font: Any) -> Image.Image:
    canvas = Image.new("L", (160, 160), 255)
    ImageDraw.Draw(canvas).text((20, 10), character, font=font, fill=0)
    return canvas


def _likeness(first: Image.Image, second: Image.Image) -> float:
    """How alike two drawings of a character are: the overlap of their inked cells on a 12x12
    grid of their ink's bounding boxes (1 is the same)."""

    def cells(image: Image.Image) -> set[tuple[int, int]]:
        ink = image.point(lambda value: 255 if value < 128 else 0)
        box = ink.getbbox()
        assert box is not None
        small = ink.crop(box).resize((12, 12), Image.Resampling.BOX)
        return {(x, y) for y in range(12) for x in range(12) if small.getpixel((x, y)) > 64}

    one, two = cells(first), cells(second)
    return len(one & two) / max(1, len(one | two))


def test_the_grid_worker_and_the_town_download_it_too_and_others_do_not(house: RentalHouse) -> None:
    worker = UserFactory(role=Role.GRID_WORKER, town_id=TOWN)  # of no grid
    tenant = ResidentFactory(town_id=TOWN, account=True)
    officer = UserFactory(role=Role.TOWN_OFFICER, town_id=TOWN)
    with town_context(TOWN):
        services.tenancy_add(house=house, resident=tenant, from_date=AT.date(), by=officer)
        grid_worker = User.objects.get(username=_workers(house)[0])
    assert signed_in(grid_worker).get(notice_url(house)).status_code == 200
    assert signed_in(officer).get(notice_url(house)).status_code == 200
    with nothing_changes(rows(AuditEvent, action="rentals.notice_downloaded")):
        assert signed_in(tenant.person.user).get(notice_url(house)).status_code == 403
        assert signed_in(worker).get(notice_url(house)).status_code == 404
        assert signed_in(UserFactory(role=Role.TOWN_OFFICER, town_id="dali")).get(notice_url(house)).status_code == 404
        assert signed_in(UserFactory(role=Role.DISTRICT_OFFICIAL)).get(notice_url(house)).status_code == 403
        assert Client().get(notice_url(house)).status_code == 302


def _workers(house: RentalHouse) -> list[str]:
    from nanhai_portal.areas.selectors import workers_serving

    return [user.username for user in workers_serving(house.grid)]


def test_the_api_answers_the_same_notice(house: RentalHouse) -> None:
    response = api_client(landlord_of(house)).get(api_url(house))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    tenant = ResidentFactory(town_id=TOWN, account=True)
    with town_context(TOWN):
        services.tenancy_add(
            house=house, resident=tenant, from_date=AT.date(), by=UserFactory(role=Role.TOWN_OFFICER, town_id=TOWN)
        )
    refused = api_client(tenant.person.user).get(api_url(house))
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "permission_denied"
    other_town = api_client(UserFactory(role=Role.TOWN_OFFICER, town_id="dali")).get(api_url(house))
    assert other_town.status_code == 404
    assert (
        api_client(landlord_of(house)).get(reverse("rental-house-notice", kwargs={"pk": uuid.uuid4()})).status_code
        == 404
    )
    assert APIClient().get(api_url(house)).status_code == 401


def test_without_the_font_the_download_is_a_clear_503_and_start_up_warns(
    house: RentalHouse, settings: Any, tmp_path: Any
) -> None:
    settings.RENTALS_NOTICE_FONT = str(tmp_path / "no-such-font.ttc")

    with nothing_changes(rows(AuditEvent, action="rentals.notice_downloaded")):
        page = signed_in(landlord_of(house)).get(notice_url(house))
        api = api_client(landlord_of(house)).get(api_url(house))

    assert page.status_code == 503
    assert 'role="alert"' in page.content.decode()
    assert api.status_code == 503 and api.json()["error"]["code"] == "notice_font_missing"
    warnings = notice.check_notice_font()
    assert [warning.id for warning in warnings] == ["rentals.W001"]
    assert "no-such-font.ttc" in warnings[0].msg
    output = io.StringIO()
    call_command("check", stdout=output, stderr=output)
    assert "rentals.W001" in output.getvalue()


def test_with_the_font_no_warning() -> None:
    assert notice.check_notice_font() == []
