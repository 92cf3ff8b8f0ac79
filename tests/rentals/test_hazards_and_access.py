"""A hazard to its fix, each step by the right person from the right state; who sees which
house; houses registered with their risk class; the grid worker's day."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.test import override_settings
from django.utils import timezone

from nanhai_portal.accounts.roles import Role
from nanhai_portal.audit.models import AuditEvent
from nanhai_portal.errors import DomainError, InvalidTransition
from nanhai_portal.notifications.models import Notification
from nanhai_portal.notifications.selectors import notification_text
from nanhai_portal.tenancy import district_context, town_context
from rentals import access, selectors, services
from rentals.models import Hazard, RentalHouse, Tenancy
from tests.factories import PersonFactory, ResidentFactory, UserFactory
from tests.rentals.factories import AT, GridFactory, RentalHouseFactory, grid_worker_of, landlord_with_account

pytestmark = pytest.mark.django_db
TOWN = "guicheng"


def a_hazard() -> tuple[Hazard, Any]:
    """Given: a house in a grid, its worker, and one open major hazard found at ``AT``."""
    house = RentalHouseFactory()
    worker = grid_worker_of(house.grid)
    with town_context(TOWN):
        services.inspection_record(
            house=house,
            client_id=uuid.uuid4(),
            items=[{"category": "escape_window", "result": "hazard"}],
            by=worker,
            inspected_at=AT,
        )
        return Hazard.objects.select_related("house__landlord").get(house=house), worker


def footprint(hazard: Hazard) -> tuple[str, int]:
    with town_context(TOWN):
        return Hazard.objects.get(pk=hazard.pk).state, AuditEvent.objects.filter(object_id=str(hazard.pk)).count()


def test_open_rectified_verified_audited_and_notified_once() -> None:
    hazard, worker = a_hazard()
    landlord = hazard.house.landlord.user
    with town_context(TOWN):
        services.hazard_rectify(hazard=hazard, note="已拆除防盗网加装逃生窗", by=landlord, now=AT + timedelta(hours=5))
        services.hazard_verify(hazard=hazard, by=worker, now=AT + timedelta(days=1))
        hazard.refresh_from_db()
        actions = list(AuditEvent.objects.filter(object_id=str(hazard.pk)).values_list("action", flat=True))
    assert hazard.state == Hazard.State.VERIFIED
    assert hazard.verified_at == AT + timedelta(days=1)
    assert sorted(actions) == ["rentals.hazard_rectification_submitted", "rentals.hazard_verified"]
    assert Notification.objects.filter(recipient=landlord, event="rentals.hazard_opened").count() == 1
    assert Notification.objects.filter(recipient=worker, event="rentals.hazard_rectified").count() == 1


def test_the_landlords_message_names_the_category_in_the_readers_language() -> None:
    # Given a hazard found at a landlord's house, told to them in Chinese
    hazard, _worker = a_hazard()
    message = Notification.objects.get(recipient=hazard.house.landlord.user, event="rentals.hazard_opened")

    # Then the message keeps the category's code, and each reader reads its name in their language
    assert message.context is not None and message.context["category"] == "escape_window"
    assert "防盗网逃生窗" in message.body
    english = notification_text(message, language="en")
    assert "escape window" in english.body.lower() and "防盗网" not in english.body


def test_reopened_with_a_reason_and_a_new_deadline_then_rectified_again() -> None:
    hazard, worker = a_hazard()
    landlord = hazard.house.landlord.user
    with town_context(TOWN):
        services.hazard_rectify(hazard=hazard, note="已整改", by=landlord, now=AT)
        with pytest.raises(DomainError) as no_reason:
            services.hazard_reopen(hazard=hazard, reason="  ", by=worker, now=AT)
        services.hazard_reopen(hazard=hazard, reason="逃生窗无法打开", by=worker, now=AT + timedelta(days=1))
        hazard.refresh_from_db()
        assert (hazard.state, hazard.due_at) == (Hazard.State.REOPENED, AT + timedelta(days=2))
        services.hazard_rectify(hazard=hazard, note="已更换", by=landlord, now=AT + timedelta(days=1, hours=3))
    assert no_reason.value.code == "reason_required"
    assert Notification.objects.filter(recipient=landlord, event="rentals.hazard_reopened").count() == 1


def test_a_wrong_state_is_refused_and_nothing_changes() -> None:
    hazard, worker = a_hazard()
    before = footprint(hazard)
    with town_context(TOWN):
        with pytest.raises(InvalidTransition):
            services.hazard_verify(hazard=hazard, by=worker, now=AT)
        with pytest.raises(InvalidTransition):
            services.hazard_reopen(hazard=hazard, reason="x", by=worker, now=AT)
    assert footprint(hazard) == before


def test_the_wrong_person_is_refused_and_nothing_changes() -> None:
    hazard, worker = a_hazard()
    before = footprint(hazard)
    stranger = UserFactory(role=Role.RESIDENT)
    other_worker = grid_worker_of(GridFactory())
    with town_context(TOWN):
        with pytest.raises(PermissionDenied):  # the worker sees the house but is not its landlord
            services.hazard_rectify(hazard=hazard, note="x", by=worker, now=AT)
        with pytest.raises(Http404):
            services.hazard_rectify(hazard=hazard, note="x", by=stranger, now=AT)
        with pytest.raises(Http404):
            services.hazard_verify(hazard=hazard, by=other_worker, now=AT)
    assert footprint(hazard) == before


def test_who_sees_which_house() -> None:
    house = RentalHouseFactory()
    mine_too = RentalHouseFactory(grid=house.grid)
    elsewhere = RentalHouseFactory()
    worker = grid_worker_of(house.grid)
    other_worker = grid_worker_of(elsewhere.grid)
    landlord = house.landlord.user
    officer = UserFactory(role=Role.TOWN_OFFICER)
    other_town_officer = UserFactory(role=Role.TOWN_OFFICER, town_id="jiujiang")
    tenant = ResidentFactory(account=True)
    with town_context(TOWN):
        services.tenancy_add(house=house, resident=tenant, from_date=date(2025, 1, 1), by=landlord)
        assert set(access.houses_visible_to(worker)) == {house, mine_too}
        assert set(access.houses_visible_to(landlord)) == {house}
        assert set(access.houses_visible_to(tenant.person.user)) == {house}
        assert {house, mine_too, elsewhere} <= set(access.houses_visible_to(officer))
        with pytest.raises(Http404):
            access.get_house_for(other_worker, house.pk, action=access.VIEW)
        with pytest.raises(PermissionDenied):
            access.get_house_for(tenant.person.user, house.pk, action=access.MANAGE)
        with pytest.raises(PermissionDenied):
            access.get_house_for(landlord, house.pk, action=access.INSPECT)
    with town_context("jiujiang"):
        with pytest.raises(Http404):
            access.get_house_for(other_town_officer, house.pk)
    with district_context():
        official = UserFactory(role=Role.DISTRICT_OFFICIAL)
        assert access.houses_visible_to(official).filter(pk=house.pk).exists()
        with pytest.raises(PermissionDenied):
            access.get_house_for(official, house.pk, action=access.MANAGE)


@override_settings(RENTALS_RISK_RULES=[{"risk_class": "key", "min_tenants": 2}, {"risk_class": "ordinary"}])
def test_registration_assigns_the_risk_class_and_tenants_change_it() -> None:
    grid = GridFactory()
    worker = grid_worker_of(grid)
    owner = landlord_with_account()
    with town_context(TOWN):
        house = services.house_register(
            by=worker,
            grid=grid,
            address="平洲夏西路8号",
            building_type=RentalHouse.BuildingType.SELF_BUILT,
            floors=5,
            rooms=20,
            landlord_id_number=owner.id_number,
            landlord_name=owner.name,
        )
        assert (house.landlord_id, house.risk_class, house.community_id) == (owner.pk, "ordinary", grid.community_id)
        first, second = ResidentFactory(), ResidentFactory()
        services.tenancy_add(house=house, resident=first, from_date=date(2025, 1, 1), by=owner.user)
        tenancy = services.tenancy_add(house=house, resident=second, from_date=date(2025, 1, 1), by=worker)
        house.refresh_from_db()
        assert house.risk_class == "key"
        services.tenancy_end(tenancy=tenancy, to_date=date(2025, 2, 28), by=worker)
        house.refresh_from_db()
        assert house.risk_class == "ordinary"
        assert AuditEvent.objects.filter(action="rentals.house_registered", object_id=str(house.pk)).count() == 1


def test_a_landlord_registers_only_their_own_house() -> None:
    grid = GridFactory()
    owner = landlord_with_account()
    someone_else = PersonFactory()
    with town_context(TOWN):
        house = services.house_register(
            by=owner.user, grid=grid, address="桂城路1号", building_type="mixed_use", floors=3, rooms=6
        )
        assert (house.landlord_id, house.risk_class) == (owner.pk, "key")
        with pytest.raises(PermissionDenied):
            services.house_register(
                by=owner.user,
                grid=grid,
                address="桂城路2号",
                building_type="self_built",
                floors=3,
                rooms=6,
                landlord_id_number=someone_else.id_number,
            )


def test_the_grid_workers_day_overdue_first() -> None:
    grid = GridFactory()
    worker = grid_worker_of(grid)
    never = RentalHouseFactory(grid=grid, address="从未检查")
    recent = RentalHouseFactory(grid=grid, address="刚检查过")
    key_due = RentalHouseFactory(grid=grid, risk_class="key", address="重点户")
    RentalHouseFactory(address="别的网格")
    now = AT + timedelta(days=40)
    with town_context(TOWN):
        RentalHouse.objects.filter(pk=recent.pk).update(last_inspected_at=AT + timedelta(days=30))
        RentalHouse.objects.filter(pk=key_due.pk).update(last_inspected_at=AT)
        due = list(selectors.houses_due_for_inspection(worker, now=now))
        assert due == [never, key_due]
        services.inspection_record(
            house=recent,
            client_id=uuid.uuid4(),
            items=[{"category": "gas", "result": "hazard"}, {"category": "hydrant", "result": "hazard"}],
            by=worker,
            inspected_at=now - timedelta(days=2),
        )
        visits = list(selectors.hazards_for_return_visit(worker, now=now))
        # The major one (gas, 24 h) is overdue; the general one (7 days) is not yet due.
        assert [(hazard.category_id, hazard.overdue) for hazard in visits] == [("gas", True)]
        assert list(selectors.houses_due_for_inspection(grid_worker_of(GridFactory()), now=now)) == []


def test_a_grid_of_another_town_is_not_there_for_registration() -> None:
    other_towns_grid = GridFactory(town_id="jiujiang")
    officer = UserFactory(role=Role.TOWN_OFFICER)
    owner = landlord_with_account()
    with town_context(TOWN), pytest.raises(Http404):
        services.house_register(
            by=officer,
            grid=other_towns_grid,
            address="九江路1号",
            building_type="self_built",
            floors=2,
            rooms=4,
            landlord_id_number=owner.id_number,
        )
    with town_context("jiujiang"):
        assert not RentalHouse.objects.filter(grid=other_towns_grid).exists()


def test_a_tenant_sees_the_house_until_the_last_day_of_the_tenancy() -> None:
    house = RentalHouseFactory()
    tenant = ResidentFactory(account=True)
    landlord = house.landlord.user
    today = timezone.localdate()
    with town_context(TOWN):
        tenancy = services.tenancy_add(house=house, resident=tenant, from_date=today - timedelta(days=60), by=landlord)
        services.tenancy_end(tenancy=tenancy, to_date=today, by=landlord)
        assert list(access.houses_visible_to(tenant.person.user)) == [house]  # the last day still counts
        Tenancy.objects.filter(pk=tenancy.pk).update(to_date=today - timedelta(days=1))
        assert list(access.houses_visible_to(tenant.person.user)) == []
        with pytest.raises(Http404):
            access.get_house_for(tenant.person.user, house.pk)
