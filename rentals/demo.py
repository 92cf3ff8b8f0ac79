"""Demo rental houses (``seed_demo``); the district scale by COPY (``--scale district``).

In every town, the demo grid worker ``grid.<town>`` has five houses in their two grids, three
of them let by the demo landlord ``landlord.<town>`` (a person who signs in as a resident),
with inspections and hazards in every state of the workflow, all made through the services
(audited, the landlord told), at times counted back from now:

- a hazard fixed and verified a month ago; one open, due in a few days; one past its deadline
  (overdue: the town's queue once the escalation runs); one past the second deadline (the
  district's list); one with a rectification waiting for the return visit; one reopened;
- a house never inspected and one last inspected 100 days ago (due: the today list);
- in 桂城, ``resident.1`` rents the landlord's first house (a tenant sees its safety status).

Idempotent: a house already registered at its address in its grid is left as it is.
"""

from __future__ import annotations

import os
import random
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cache

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from nanhai_portal.accounts.models import User
from nanhai_portal.accounts.roles import Role
from nanhai_portal.accounts.services import user_set_role
from nanhai_portal.areas.access import grids_served_by
from nanhai_portal.areas.models import Grid, Town
from nanhai_portal.demo import DEMO_PASSWORD, DemoReport, demo_seeder
from nanhai_portal.tenancy import town_context
from rentals import services
from rentals.district_loader import seed_district_rentals
from rentals.models import Hazard, HazardCategory, RentalHouse
from residents import synthetic
from residents.models import Person, Resident
from residents.services import person_find_or_create

_NAMESPACE = uuid.UUID("2b7c61f4-93d0-4c55-8a0e-6d1f0c3e5a21")
LANDLORD = "landlord"  # the demo landlord owns the house
OTHER = "other"  # a landlord without an account


@dataclass(frozen=True)
class Visit:
    days_ago: float
    hazards: tuple[str, ...] = ()  # categories answered "hazard"; the others ok
    # per hazard category, what happened after: ("rectify" | "verify" | "reopen", days ago)
    then: dict[str, tuple[tuple[str, float], ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class DemoHouse:
    number: int
    grid: int  # which of the grid worker's grids
    owner: str
    building_type: str
    visits: tuple[Visit, ...]


HOUSES = (
    DemoHouse(
        1,
        0,
        LANDLORD,
        RentalHouse.BuildingType.SELF_BUILT,
        (
            Visit(40, ("extinguisher",), {"extinguisher": (("rectify", 36), ("verify", 33))}),  # verified
            Visit(3, ("escape_window", "fire_blanket")),  # overdue (major, 24 h), open (general, 7 days)
        ),
    ),
    DemoHouse(
        2,
        1,
        LANDLORD,
        RentalHouse.BuildingType.APARTMENT,
        (
            Visit(
                12,
                ("ebike_indoor", "smoke_alarm"),
                {
                    "ebike_indoor": (("rectify", 10), ("reopen", 0.5)),  # reopened, due in 12 hours
                    "smoke_alarm": (("rectify", 1),),  # waiting for the return visit
                },
            ),
        ),
    ),
    # Past the deadline and the second one: on the district's list once escalated.
    DemoHouse(3, 0, OTHER, RentalHouse.BuildingType.MIXED_USE, (Visit(20, ("evacuation_route",)),)),
    DemoHouse(4, 1, OTHER, RentalHouse.BuildingType.SELF_BUILT, ()),  # never inspected
    DemoHouse(5, 0, LANDLORD, RentalHouse.BuildingType.DORMITORY, (Visit(100),)),  # last visit 100 days ago
)


def _local(rng: random.Random) -> str:
    """A Nanhai local's ID number, born 1935–1939 (no synthetic resident or district landlord)."""
    return synthetic.id_number(rng, region="440605", born=date(1935, 1, 1) + timedelta(days=rng.randrange(0, 1800)))


@cache
def _password_hash() -> str:
    # One hash for the seven landlords, made only when one is missing: hashing is slow on purpose.
    return make_password(DEMO_PASSWORD)


def _landlord(town: Town, rng: random.Random) -> Person:
    """``landlord.<town>``: a resident account and the person it signs in as (a Nanhai local)."""
    username = f"{LANDLORD}.{town.code}"
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User.objects.create(username=username, name=f"{town.name}房东", password=_password_hash())
        user_set_role(user=user, role=Role.RESIDENT, town_code=town.code)
    person = person_find_or_create(id_number=_local(rng), name=user.name, mobile=synthetic.mobile(rng))
    if person.user_id is None:
        person.user = user
        person.save(update_fields=["user"])
    return person


def _id_number(person: Person) -> str:
    return str(person.id_number)


@transaction.atomic
def _house(spec: DemoHouse, *, town: Town, grid: Grid, worker: User, owner: Person, now: datetime) -> bool:
    """Register one demo house and live its story; False when it is there already."""
    address = f"{grid.name}出租屋{spec.number}号"
    if RentalHouse.objects.filter(grid=grid, address=address).exists():
        return False
    house = services.house_register(
        by=worker,
        grid=grid,
        address=address,
        building_type=spec.building_type,
        floors=3 + spec.number % 3,
        rooms=8 + 2 * spec.number,
        landlord_id_number=_id_number(owner),
        landlord_name=owner.name,
    )
    codes = list(HazardCategory.objects.filter(retired_at=None).values_list("code", flat=True))
    for visit_number, visit in enumerate(spec.visits):
        at = now - timedelta(days=visit.days_ago)
        recorded = services.inspection_record(
            house=house,
            client_id=uuid.uuid5(_NAMESPACE, f"{town.code}-{spec.number}-{visit_number}"),
            items=[{"category": code, "result": "hazard" if code in visit.hazards else "ok"} for code in codes],
            by=worker,
            inspected_at=at,
        )
        landlord = owner.user
        for code, steps in visit.then.items():
            hazard = Hazard.objects.get(inspection=recorded.inspection, category_id=code)
            for action, days_ago in steps:
                when = now - timedelta(days=days_ago)
                if action == "rectify" and landlord is not None:
                    hazard = services.hazard_rectify(hazard=hazard, note="已整改，请复查。", by=landlord, now=when)
                elif action == "verify":
                    hazard = services.hazard_verify(hazard=hazard, by=worker, now=when)
                elif action == "reopen":
                    hazard = services.hazard_reopen(
                        hazard=hazard, reason="整改不到位，请重新整改。", by=worker, now=when
                    )
    return True


def _tenant(town: Town, worker: User, now: datetime) -> None:
    """``resident.1`` rents the demo landlord's first house in 桂城."""
    user = User.objects.filter(username="resident.1").first()
    resident = Resident.objects.filter(person__user=user, moved_out_on=None).first() if user else None
    house = RentalHouse.objects.filter(landlord__user__username=f"{LANDLORD}.{town.code}").order_by("address").first()
    if resident is None or house is None or house.tenancies.filter(resident=resident).exists():
        return
    services.tenancy_add(house=house, resident=resident, from_date=(now - timedelta(days=200)).date(), by=worker)


@demo_seeder(order=50)
def seed_rentals(report: DemoReport, scale: str) -> None:
    now = timezone.now()
    made = 0
    for town in Town.objects.order_by("code"):
        rng = random.Random(f"rentals-{town.code}")
        with town_context(town.code):
            worker = User.objects.get(username=f"grid.{town.code}")
            grids = list(grids_served_by(worker).order_by("code"))
            with transaction.atomic():
                landlord = _landlord(town, rng)
                other = person_find_or_create(
                    id_number=_local(rng), name=synthetic.name(rng), mobile=synthetic.mobile(rng)
                )
            for spec in HOUSES:
                owner = landlord if spec.owner == LANDLORD else other
                made += _house(spec, town=town, grid=grids[spec.grid % len(grids)], worker=worker, owner=owner, now=now)
            if town.code == "guicheng":
                _tenant(town, worker, now)
            # The overdue ones go to the town's queue and the district's list, as the beat would.
            services.hazards_escalate_overdue(now=now)
        report.accounts.append((f"{LANDLORD}.{town.code}", Role.RESIDENT, town.name))
    report.lines.append(f"{made} rental houses with inspections and hazards in every state (7 towns)")
    if scale == "district":
        loaded = seed_district_rentals(processes=os.cpu_count() or 1, report=print)
        report.lines.append(
            f"{loaded.houses:,} rental houses, {loaded.inspections:,} inspections, {loaded.hazards:,} hazards "
            f"and {loaded.tenancies:,} tenancies at district scale"
        )
