"""The landlord's and tenant's pages, one house, one hazard and its actions, photos, registering
a house and its tenants: each page as each role sees it, and each form with wrong, missing,
hostile and oversized input (nothing changes on a refusal).

The cast: a landlord who signs in, a tenant (a resident of the town), the grid worker of the
house's grid, a grid worker of another grid of the same town, the town's officer, another
town's officer and a district official. Times are fixed (``AT``), except where a deadline
must lie ahead of the real clock: then it is set a year ahead of it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from nanhai_portal.accounts.models import User
from nanhai_portal.accounts.roles import Role
from nanhai_portal.audit.models import AuditEvent
from nanhai_portal.tenancy import town_context
from rentals import services
from rentals.models import Hazard, Photo, RentalHouse, Tenancy
from residents.models import Resident
from tests.factories import ResidentFactory, UserFactory, synthetic_id_number
from tests.rentals.factories import AT, GridFactory, RentalHouseFactory, grid_worker_of, landlord_with_account
from tests.residents.helpers import fake_png, jpeg, pdf, png
from tests.unchanged import nothing_changes, rows

pytestmark = pytest.mark.django_db
TOWN = "guicheng"
NEW_LANDLORD_ID = synthetic_id_number(987_001)  # nobody holds it yet
NOBODYS_ID = synthetic_id_number(987_002)
BAD_CHECK_DIGIT = NOBODYS_ID[:17] + ("0" if NOBODYS_ID[17] != "0" else "1")


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Any) -> Any:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@dataclass
class Street:
    house: RentalHouse
    hazard: Hazard
    photo: Photo
    landlord: User
    tenant: User
    tenant_resident: Resident
    worker: User
    other_worker: User
    other_grid: Any
    officer: User
    other_officer: User
    official: User


@pytest.fixture
def street() -> Street:
    """A house let by its landlord to one tenant, inspected by its grid worker at ``AT`` with two
    hazards found (escape window, major; extinguisher, general) and a photo taken."""
    landlord = landlord_with_account(TOWN)
    house = RentalHouseFactory(town_id=TOWN, landlord=landlord, address="桂城街道南海大道88号")
    worker = grid_worker_of(house.grid)
    other_grid = GridFactory(town_id=TOWN)
    other_worker = grid_worker_of(other_grid)
    officer = UserFactory(role=Role.TOWN_OFFICER, town_id=TOWN)
    tenant_resident = ResidentFactory(town_id=TOWN, account=True, person__name="租客甲")
    with town_context(TOWN):
        services.tenancy_add(house=house, resident=tenant_resident, from_date=AT.date(), by=officer)
        inspection = services.inspection_record(
            house=house,
            client_id=uuid.uuid4(),
            items=[
                {"category": "escape_window", "result": "hazard", "note": "防盗网无逃生口"},
                {"category": "extinguisher", "result": "hazard"},
                {"category": "gas", "result": "ok"},
            ],
            by=worker,
            inspected_at=AT,
        ).inspection
        photo = services.inspection_add_photo(inspection=inspection, upload=png(), by=worker).photo
        hazard = Hazard.objects.get(house=house, category_id="escape_window")
    return Street(
        house=house,
        hazard=hazard,
        photo=photo,
        landlord=landlord.user,
        tenant=tenant_resident.person.user,
        tenant_resident=tenant_resident,
        worker=worker,
        other_worker=other_worker,
        other_grid=other_grid,
        officer=officer,
        other_officer=UserFactory(role=Role.TOWN_OFFICER, town_id="dali"),
        official=UserFactory(role=Role.DISTRICT_OFFICIAL),
    )


def browser(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def about_hazard(hazard: Hazard) -> list[Any]:
    return [
        rows(Hazard, pk=hazard.pk),
        rows(Photo, hazard_id=hazard.pk),
        rows(AuditEvent, object_id=str(hazard.pk)),
    ]


def house_url(street: Street, name: str = "rentals:house") -> str:
    return reverse(name, kwargs={"house_id": street.house.pk})


def hazard_url(street: Street, action: str | None = None) -> str:
    if action:
        return reverse("rentals:hazard-action", kwargs={"hazard_id": street.hazard.pk, "action": action})
    return reverse("rentals:hazard", kwargs={"hazard_id": street.hazard.pk})


# --- One house, as each role sees it ------------------------------------------------------


def test_the_house_page_shows_each_role_what_is_theirs(street: Street) -> None:
    url = house_url(street)
    landlord_name = street.house.landlord.name
    pages = {role: browser(user).get(url) for role, user in vars(street).items() if isinstance(user, User)}

    # The landlord: the house, its hazards with their deadlines, the tenant (masked), the notice
    landlord = pages["landlord"].content.decode()
    assert pages["landlord"].status_code == 200
    assert "桂城街道南海大道88号" in landlord and "租客甲" in landlord
    assert street.tenant_resident.person.id_number not in landlord
    assert street.tenant_resident.person.id_number_masked in landlord
    assert reverse("rentals:notice", kwargs={"house_id": street.house.pk}) in landlord
    assert str(street.hazard.pk) in landlord and "data-risk-class" in landlord

    # The tenant: the house's safety, without the landlord's or other tenants' personal data
    tenant = pages["tenant"].content.decode()
    assert pages["tenant"].status_code == 200
    assert str(street.hazard.pk) in tenant
    assert landlord_name not in tenant and street.house.landlord.id_number_masked not in tenant
    assert "租客甲" not in tenant and "notice.pdf" not in tenant

    # The grid worker of the grid: the inspection link; the town: tenants; the district: no tenants
    worker = pages["worker"].content.decode()
    assert pages["worker"].status_code == 200
    assert f"/rentals/houses/{street.house.pk}/inspect/" in worker and "租客甲" in worker
    assert pages["officer"].status_code == 200 and "租客甲" in pages["officer"].content.decode()
    official = pages["official"].content.decode()
    assert pages["official"].status_code == 200
    assert "租客甲" not in official and "notice.pdf" not in official and "/inspect/" not in official

    # Another grid's worker and another town's officer: as if there were no such house
    assert pages["other_worker"].status_code == 404
    assert pages["other_officer"].status_code == 404
    assert browser(None).get(url).status_code == 302


def test_an_unknown_house_is_404(street: Street) -> None:
    response = browser(street.landlord).get(reverse("rentals:house", kwargs={"house_id": uuid.uuid4()}))
    assert response.status_code == 404


# --- My rental houses -----------------------------------------------------------------------


def test_the_landlord_sees_open_hazards_with_deadlines_overdue_ones_marked(street: Street) -> None:
    # Given one hazard long overdue (found at AT) and one due a year from now
    ahead = timezone.now() + timedelta(days=365)
    with town_context(TOWN):
        Hazard.objects.filter(house=street.house, category_id="extinguisher").update(due_at=ahead)

    page = browser(street.landlord).get(reverse("rentals:my-houses"))

    html = page.content.decode()
    assert page.status_code == 200
    assert "桂城街道南海大道88号" in html
    overdue_row = html.split(f'data-hazard="{street.hazard.pk}"')[1].split("</a>")[0]
    assert "overdue-flag" in overdue_row
    assert timezone.localtime(street.hazard.due_at).strftime("%Y-%m-%d %H:%M") in overdue_row
    with town_context(TOWN):
        other = Hazard.objects.get(house=street.house, category_id="extinguisher")
    ahead_row = html.split(f'data-hazard="{other.pk}"')[1].split("</a>")[0]
    assert "overdue-flag" not in ahead_row
    assert timezone.localtime(ahead).strftime("%Y-%m-%d %H:%M") in ahead_row
    # The overdue one comes first
    assert html.index(str(street.hazard.pk)) < html.index(str(other.pk))


def test_the_tenant_sees_the_safety_of_the_home_they_rent(street: Street) -> None:
    page = browser(street.tenant).get(reverse("rentals:my-houses"))

    html = page.content.decode()
    assert page.status_code == 200
    assert "桂城街道南海大道88号" in html and str(street.hazard.pk) in html
    assert timezone.localtime(AT).strftime("%Y-%m-%d") in html  # the last inspection
    assert street.house.landlord.name not in html


def test_someone_with_no_house_is_told_how_to_register_one(street: Street) -> None:
    page = browser(ResidentFactory(town_id=TOWN, account=True).person.user).get(reverse("rentals:my-houses"))
    assert page.status_code == 200
    assert reverse("rentals:register") in page.content.decode()
    assert "桂城街道南海大道88号" not in page.content.decode()


def test_the_home_tile_counts_the_landlords_open_hazards_and_tells_the_tenant(street: Street) -> None:
    landlord_home = browser(street.landlord).get("/").content.decode()
    tenant_home = browser(street.tenant).get("/").content.decode()
    stranger_home = browser(ResidentFactory(town_id=TOWN, account=True).person.user).get("/").content.decode()

    tile = landlord_home.split(reverse("rentals:my-houses"))[1].split("</a>")[0]
    assert '<span class="tile-count">2</span>' in tile
    tenant_tile = tenant_home.split(reverse("rentals:my-houses"))[1].split("</a>")[0]
    assert "tile-count" not in tenant_tile and "tile-status" in tenant_tile
    stranger_tile = stranger_home.split(reverse("rentals:my-houses"))[1].split("</a>")[0]
    assert "tile-count" not in stranger_tile and "tile-status" not in stranger_tile


# --- Registering a house ---------------------------------------------------------------------

HOUSE = {"address": "桂城街道灯湖路6号", "building_type": "self_built", "floors": "5", "rooms": "14"}


def test_a_landlord_registers_their_own_house(street: Street) -> None:
    person = ResidentFactory(town_id=TOWN, account=True).person
    response = browser(person.user).post(reverse("rentals:register"), {**HOUSE, "grid": street.house.grid_id})

    with town_context(TOWN):
        house = RentalHouse.objects.get(address="桂城街道灯湖路6号")
    assert response.status_code == 302 and response["Location"] == reverse(
        "rentals:house", kwargs={"house_id": house.pk}
    )
    assert house.landlord_id == person.pk and house.risk_class == "ordinary" and house.floors == 5


def test_a_grid_worker_registers_a_house_for_a_landlord_in_their_grid_only(street: Street) -> None:
    landlord = {"landlord_name": "房东乙", "landlord_id_number": NEW_LANDLORD_ID, "landlord_mobile": "13800138000"}
    worker = browser(street.worker)

    # Not in a grid they do not serve: the grid is not a choice
    with nothing_changes(rows(RentalHouse, address="桂城街道灯湖路6号")):
        refused = worker.post(reverse("rentals:register"), {**HOUSE, **landlord, "grid": street.other_grid.pk})
    assert refused.status_code == 400
    assert "grid" in refused.context["form"].errors

    # Without the landlord's ID number: asked for
    with nothing_changes(rows(RentalHouse, address="桂城街道灯湖路6号")):
        missing = worker.post(reverse("rentals:register"), {**HOUSE, "grid": street.house.grid_id})
    assert missing.status_code == 400
    assert set(missing.context["form"].errors) == {"landlord_name", "landlord_id_number"}

    done = worker.post(reverse("rentals:register"), {**HOUSE, **landlord, "grid": street.house.grid_id})
    assert done.status_code == 302
    with town_context(TOWN):
        house = RentalHouse.objects.select_related("landlord").get(address="桂城街道灯湖路6号")
    assert house.landlord.name == "房东乙" and house.landlord.mobile == "13800138000"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"address": ""}, "address"),
        ({"address": "路" * 201}, "address"),
        ({"address": '=HYPERLINK("http://x")'}, "address"),
        ({"address": "南海大道\u202e1号"}, "address"),
        ({"floors": "0"}, "floors"),
        ({"floors": "abc"}, "floors"),
        ({"rooms": "99999999999999999999"}, "rooms"),
        ({"building_type": "castle"}, "building_type"),
        ({"grid": "not-a-grid"}, "grid"),
    ],
)
def test_registering_with_wrong_input_changes_nothing(street: Street, change: dict[str, str], field: str) -> None:
    person = ResidentFactory(town_id=TOWN, account=True).person
    data = {**HOUSE, "grid": str(street.house.grid_id), **change}
    with nothing_changes(rows(RentalHouse, landlord_id=person.pk)):
        response = browser(person.user).post(reverse("rentals:register"), data)
    assert response.status_code == 400
    assert field in response.context["form"].errors


def test_another_towns_grid_cannot_be_chosen_and_district_roles_register_nothing(street: Street) -> None:
    dali_grid = GridFactory(town_id="dali")
    person = ResidentFactory(town_id=TOWN, account=True).person
    with nothing_changes(rows(RentalHouse, address="桂城街道灯湖路6号")):
        response = browser(person.user).post(reverse("rentals:register"), {**HOUSE, "grid": dali_grid.pk})
        district = browser(street.official).post(reverse("rentals:register"), {**HOUSE, "grid": dali_grid.pk})
    assert response.status_code == 400 and "grid" in response.context["form"].errors
    assert district.status_code == 403


# --- Tenants -------------------------------------------------------------------------------


def test_the_landlord_adds_a_tenant_by_id_number_and_ends_a_tenancy(street: Street) -> None:
    newcomer = ResidentFactory(town_id=TOWN)
    url = house_url(street, "rentals:tenants")
    landlord = browser(street.landlord)

    added = landlord.post(url, {"op": "add", "id_number": newcomer.person.id_number, "from_date": "2025-02-01"})

    assert added.status_code == 302
    with town_context(TOWN):
        tenancy = Tenancy.objects.get(house=street.house, resident=newcomer)
    assert str(tenancy.from_date) == "2025-02-01"

    # An end before the first day: refused next to the field, nothing changed
    with nothing_changes(rows(Tenancy, pk=tenancy.pk)):
        wrong = landlord.post(url, {"op": "end", "tenancy": str(tenancy.pk), "to_date": "2025-01-01"})
    assert wrong.status_code == 400

    ended = landlord.post(url, {"op": "end", "tenancy": str(tenancy.pk), "to_date": "2025-06-30"})
    assert ended.status_code == 302
    with town_context(TOWN):
        assert str(Tenancy.objects.get(pk=tenancy.pk).to_date) == "2025-06-30"


@pytest.mark.parametrize(
    "data",
    [
        {"op": "add", "id_number": "", "from_date": "2025-02-01"},
        {"op": "add", "id_number": BAD_CHECK_DIGIT, "from_date": "2025-02-01"},
        {"op": "add", "id_number": NOBODYS_ID, "from_date": "2025-02-01"},  # nobody of the town
        {"op": "add", "id_number": "1" * 300, "from_date": "2025-02-01"},
        {"op": "add", "id_number": "<script>alert(1)</script>", "from_date": "not a date"},
        {"op": "end", "tenancy": "x", "to_date": "2025-06-30"},
        {"probe": "1"},
    ],
)
def test_wrong_tenant_input_is_refused_and_changes_nothing(street: Street, data: dict[str, str]) -> None:
    with nothing_changes(rows(Tenancy, house_id=street.house.pk)):
        response = browser(street.landlord).post(house_url(street, "rentals:tenants"), data)
    assert response.status_code == 400


def test_a_resident_of_another_town_cannot_be_added(street: Street) -> None:
    stranger = ResidentFactory(town_id="dali")
    with nothing_changes(rows(Tenancy, house_id=street.house.pk)):
        response = browser(street.landlord).post(
            house_url(street, "rentals:tenants"),
            {"op": "add", "id_number": stranger.person.id_number, "from_date": "2025-02-01"},
        )
    assert response.status_code == 400


def test_tenants_are_the_landlords_the_grid_workers_and_the_towns_business(street: Street) -> None:
    url = house_url(street, "rentals:tenants")
    assert browser(street.landlord).get(url).status_code == 200
    assert browser(street.worker).get(url).status_code == 200
    assert browser(street.officer).get(url).status_code == 200
    newcomer = ResidentFactory(town_id=TOWN)
    data = {"op": "add", "id_number": newcomer.person.id_number, "from_date": "2025-02-01"}
    with nothing_changes(rows(Tenancy, house_id=street.house.pk)):
        assert browser(street.tenant).post(url, data).status_code == 403
        assert browser(street.official).post(url, data).status_code == 403
        assert browser(street.other_worker).post(url, data).status_code == 404
        assert browser(street.other_officer).post(url, data).status_code == 404


# --- One hazard and its actions ---------------------------------------------------------


def test_the_hazard_page_offers_each_role_its_actions(street: Street) -> None:
    landlord = browser(street.landlord).get(hazard_url(street))
    worker = browser(street.worker).get(hazard_url(street))
    tenant = browser(street.tenant).get(hazard_url(street))

    assert landlord.status_code == 200 and landlord.context["actions"] == ["rectify"]
    html = landlord.content.decode()
    assert "防盗网逃生窗" in html or "逃生窗" in html
    assert 'capture="environment"' in html and "multiple" in html
    assert reverse("rentals:photo", kwargs={"photo_id": street.photo.pk}) in html
    assert worker.status_code == 200 and worker.context["actions"] == []
    assert tenant.status_code == 200 and tenant.context["actions"] == []
    assert browser(street.other_worker).get(hazard_url(street)).status_code == 404
    assert browser(street.other_officer).get(hazard_url(street)).status_code == 404
    # The district reads it, across towns, with its photos; and acts on nothing
    official = browser(street.official).get(hazard_url(street))
    assert official.status_code == 200 and official.context["actions"] == []
    assert [photo.pk for photo in official.context["inspection_photos"]] == [street.photo.pk]
    house = browser(street.official).get(house_url(street))
    assert reverse("rentals:photo", kwargs={"photo_id": street.photo.pk}) in house.content.decode()


def test_the_hazard_page_in_english_names_the_category_in_english(street: Street) -> None:
    client = browser(street.landlord)
    client.cookies["django_language"] = "en"
    page = client.get(hazard_url(street), HTTP_ACCEPT_LANGUAGE="en")
    assert page.context["category_name"] == street.hazard.category.name_en


def test_the_landlord_rectifies_with_two_photos_and_the_worker_verifies(street: Street) -> None:
    response = browser(street.landlord).post(
        hazard_url(street, "rectify"), {"note": "已加装可开启逃生窗", "photos": [png("a.png"), jpeg("b.jpg")]}
    )

    assert response.status_code == 302 and response["Location"] == hazard_url(street)
    with town_context(TOWN):
        hazard = Hazard.objects.get(pk=street.hazard.pk)
        photos = list(Photo.objects.filter(hazard=hazard).order_by("content_type"))
    assert hazard.state == Hazard.State.RECTIFICATION_SUBMITTED
    assert [photo.content_type for photo in photos] == ["image/jpeg", "image/png"]

    page = browser(street.worker).get(hazard_url(street))
    assert page.context["actions"] == ["verify", "reopen"]
    assert len(page.context["rectification_photos"]) == 2

    # A reopening without a reason is refused; with one, the hazard is open again
    with nothing_changes(*about_hazard(street.hazard)):
        assert browser(street.worker).post(hazard_url(street, "reopen"), {"reason": "  "}).status_code == 400
    assert browser(street.worker).post(hazard_url(street, "reopen"), {"reason": "窗仍锁死"}).status_code == 302
    with town_context(TOWN):
        assert Hazard.objects.get(pk=street.hazard.pk).state == Hazard.State.REOPENED


def twelve_megabytes() -> SimpleUploadedFile:
    return SimpleUploadedFile("big.png", b"\x89PNG\r\n\x1a\n" + b"\0" * (12 * 1024 * 1024), content_type="image/png")


@pytest.mark.parametrize(
    ("data", "code"),
    [
        ({"note": "", "photos": []}, "note"),
        ({"note": "=cmd|' /C calc'!A0", "photos": []}, "note"),
        ({"note": "好" * 1001, "photos": []}, "note"),
        ({"note": "已整改", "photos": [pdf("fix.png")]}, "wrong_file_type"),
        ({"note": "已整改", "photos": [fake_png()]}, "wrong_file_type"),
        ({"note": "已整改", "photos": [png(f"{n}.png") for n in range(9)]}, "too_many_photos"),
        ({"note": "已整改", "photos": [png("ok.png"), "twelve"]}, "file_too_large"),
    ],
)
def test_a_wrong_rectification_is_refused_and_changes_nothing(street: Street, data: dict[str, Any], code: str) -> None:
    if "twelve" in data["photos"]:
        data = {**data, "photos": [png("ok.png"), twelve_megabytes()]}
    with nothing_changes(*about_hazard(street.hazard)):
        response = browser(street.landlord).post(hazard_url(street, "rectify"), data)
    assert response.status_code == 400
    form = response.context["forms"]["rectify"]
    if code == "note":
        assert "note" in form.errors
    else:
        assert form.errors, code


def test_rectifying_a_verified_hazard_is_refused_with_a_clear_message(street: Street) -> None:
    with town_context(TOWN):
        services.hazard_rectify(hazard=street.hazard, note="已整改", by=street.landlord, now=AT + timedelta(hours=2))
        services.hazard_verify(hazard=street.hazard, by=street.worker, now=AT + timedelta(days=1))

    with nothing_changes(*about_hazard(street.hazard)):
        response = browser(street.landlord).post(hazard_url(street, "rectify"), {"note": "再次整改", "photos": [png()]})

    assert response.status_code == 409
    with town_context(TOWN):
        state = Hazard.objects.get(pk=street.hazard.pk).get_state_display()
    assert str(state) in response.context["refusal"]
    assert 'role="alert"' in response.content.decode()


def test_actions_not_theirs_are_403_and_unseen_hazards_404(street: Street) -> None:
    with nothing_changes(*about_hazard(street.hazard)):
        assert browser(street.tenant).post(hazard_url(street, "rectify"), {"note": "x"}).status_code == 403
        assert browser(street.worker).post(hazard_url(street, "rectify"), {"note": "x"}).status_code == 403
        assert browser(street.officer).post(hazard_url(street, "verify"), {"confirm": "1"}).status_code == 403
        assert browser(street.landlord).post(hazard_url(street, "verify"), {"confirm": "1"}).status_code == 403
        assert browser(street.other_worker).post(hazard_url(street, "verify"), {}).status_code == 404
        assert browser(street.other_officer).post(hazard_url(street, "rectify"), {"note": "x"}).status_code == 404
        assert browser(street.official).post(hazard_url(street, "rectify"), {"note": "x"}).status_code == 403
        assert browser(street.landlord).post(hazard_url(street, "demolish"), {"note": "x"}).status_code == 404
        assert browser(street.landlord).get(hazard_url(street, "rectify")).status_code == 405


def test_verifying_an_open_hazard_is_refused(street: Street) -> None:
    with nothing_changes(*about_hazard(street.hazard)):
        response = browser(street.worker).post(hazard_url(street, "verify"), {"confirm": "1"})
    assert response.status_code == 409


# --- Photos --------------------------------------------------------------------------------


def test_a_photo_is_streamed_to_whoever_sees_its_house(street: Street) -> None:
    url = reverse("rentals:photo", kwargs={"photo_id": street.photo.pk})

    response = browser(street.landlord).get(url)

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"].startswith("private")
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")
    for user in (street.tenant, street.worker, street.officer, street.official):
        assert browser(user).get(url).status_code == 200
    for user in (street.other_worker, street.other_officer, ResidentFactory(town_id=TOWN, account=True).person.user):
        assert browser(user).get(url).status_code == 404
    assert browser(street.landlord).get(reverse("rentals:photo", kwargs={"photo_id": uuid.uuid4()})).status_code == 404


def test_the_history_keeps_every_rectification_and_reopening(street: Street) -> None:
    with town_context(TOWN):
        services.hazard_rectify(
            hazard=street.hazard, note="第一次整改", by=street.landlord, now=AT + timedelta(hours=2)
        )
        services.hazard_reopen(hazard=street.hazard, reason="窗仍锁死", by=street.worker, now=AT + timedelta(hours=5))
        services.hazard_rectify(
            hazard=street.hazard, note="第二次整改", by=street.landlord, now=AT + timedelta(hours=9)
        )

    page = browser(street.tenant).get(hazard_url(street))

    history = page.context["history"]
    assert [note for _at, _what, note in history] == ["", "第一次整改", "窗仍锁死", "第二次整改"]
    assert history[0][0] == AT
    html = page.content.decode()
    assert street.worker.username not in html and street.landlord.username not in html


def test_a_rectification_declared_larger_than_every_photo_at_its_largest_is_refused_unread(street: Street) -> None:
    from rentals import conf
    from residents.uploads import max_document_bytes

    declared = max_document_bytes() * conf.max_photos() + 1024 * 1024
    with nothing_changes(*about_hazard(street.hazard)):
        response = browser(street.landlord).post(
            hazard_url(street, "rectify"), {"note": "已整改"}, CONTENT_LENGTH=str(declared)
        )
    assert response.status_code == 413


def test_every_page_reads_in_english_too(street: Street) -> None:
    client = browser(street.landlord)
    client.post("/i18n/setlang/", {"language": "en"})
    pages = [
        reverse("rentals:my-houses"),
        reverse("rentals:register"),
        house_url(street),
        house_url(street, "rentals:tenants"),
        hazard_url(street),
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert '<html lang="en">' in html, url
        assert "楼层数" not in html and "整改期限" not in html and "房屋信息" not in html, url
    assert "Fix by" in client.get(hazard_url(street)).content.decode()
    assert street.hazard.category.name_en in client.get(house_url(street)).content.decode()
