"""Per-test data for rentals: grids with their grid worker, houses with a landlord who signs in.

Tenant-owned rows are written inside ``town_context`` of their town (see tests/factories.py).
Times are fixed, never now: ``AT`` is 2025-01-31 10:00 Shanghai time (a month end).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import factory

from nanhai_portal.accounts.models import User
from nanhai_portal.accounts.roles import Role
from nanhai_portal.areas.models import Grid
from nanhai_portal.areas.services import grid_assign_worker
from nanhai_portal.tenancy import town_context
from rentals.models import RentalHouse
from tests.factories import CommunityFactory, PersonFactory, TownFactory, UserFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")
AT = datetime(2025, 1, 31, 10, 0, tzinfo=SHANGHAI)


class GridFactory(TownFactory):
    class Meta:
        model = Grid

    community = factory.SubFactory(CommunityFactory, town_id=factory.SelfAttribute("..town_id"))
    code = factory.Sequence(lambda n: f"RG{n:07d}")
    name = factory.Sequence(lambda n: f"测试网格{n}")


def grid_worker_of(grid: Grid) -> User:
    """A new grid worker serving ``grid``."""
    worker = UserFactory(role=Role.GRID_WORKER, town_id=grid.town_id)
    with town_context(grid.town_id):
        grid_assign_worker(grid=grid, worker=worker)
    return worker


def landlord_with_account(town_id: str = "guicheng") -> Any:
    """A person with a resident account: a landlord who signs in."""
    return PersonFactory(user=UserFactory(role=Role.RESIDENT, town_id=town_id))


class RentalHouseFactory(TownFactory):
    class Meta:
        model = RentalHouse

    grid = factory.SubFactory(GridFactory, town_id=factory.SelfAttribute("..town_id"))
    community = factory.SelfAttribute("grid.community")
    address = factory.Sequence(lambda n: f"测试路{n}号")
    building_type = RentalHouse.BuildingType.SELF_BUILT
    floors = 4
    rooms = 12
    landlord = factory.LazyFunction(landlord_with_account)
    risk_class = "ordinary"
