"""Demo accounts, all with the password ``Nanhai-2026`` (never in production)."""

from __future__ import annotations

from functools import cache

from django.contrib.auth.hashers import make_password

from nanhai_portal.accounts.models import User
from nanhai_portal.accounts.roles import Role
from nanhai_portal.accounts.services import user_set_mobile, user_set_role
from nanhai_portal.areas.models import Grid, Town
from nanhai_portal.areas.services import grid_assign_worker
from nanhai_portal.demo import DEMO_PASSWORD, DemoReport, demo_seeder
from nanhai_portal.tenancy import town_context

RESIDENT_COUNT = 3
GRIDS_PER_WORKER = 2


@cache
def _demo_password_hash() -> str:
    # One hash for every demo account, made only when one is missing: hashing is slow on purpose.
    return make_password(DEMO_PASSWORD)


def _account(username: str, name: str, role: Role, town: str | None) -> User:
    user = User.objects.filter(username=username).first()
    created = user is None
    if user is None:
        user = User.objects.create(username=username, name=name, password=_demo_password_hash())
    if created or user.role != role or user.town_id != town:
        user_set_role(user=user, role=role, town_code=town)
    return user


@demo_seeder(order=20)
def seed_accounts(report: DemoReport, scale: str) -> None:
    admin = _account("admin", "区系统管理员", Role.DISTRICT_ADMIN, None)
    if not admin.is_superuser:
        admin.is_superuser = True
        admin.save(update_fields=["is_superuser"])
    report.accounts.append(("admin", Role.DISTRICT_ADMIN, "—"))
    _account("official", "区新市民服务中心", Role.DISTRICT_OFFICIAL, None)
    report.accounts.append(("official", Role.DISTRICT_OFFICIAL, "—"))

    for town in Town.objects.all():
        for prefix, role, title in (
            ("officer", Role.TOWN_OFFICER, "受理员"),
            ("townadmin", Role.TOWN_ADMIN, "管理员"),
            ("grid", Role.GRID_WORKER, "网格员"),
        ):
            username = f"{prefix}.{town.code}"
            user = _account(username, f"{town.name}{title}", role, town.code)
            report.accounts.append((username, role, town.name))
            if role == Role.GRID_WORKER:
                with town_context(town.code):
                    for grid in Grid.objects.order_by("code")[:GRIDS_PER_WORKER]:
                        grid_assign_worker(grid=grid, worker=user)

    home = Town.objects.get(code="guicheng")
    for number in range(1, RESIDENT_COUNT + 1):
        username = f"resident.{number}"
        resident = _account(username, f"新市民{number}号", Role.RESIDENT, home.code)
        if resident.mobile is None:  # sign-in by mobile number works for the demo residents
            user_set_mobile(user=resident, mobile=f"1380000000{number}")
        report.accounts.append((username, Role.RESIDENT, home.name))
