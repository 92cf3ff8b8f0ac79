"""Demo residents, applications and permits (``seed_demo``); the district scale by COPY.

- ``resident.1`` (桂城) registered a year ago, eligible for a permit, holds none;
- ``resident.2`` registered three months ago (not yet eligible);
- ``resident.3`` holds a permit whose endorsement is due this month, and the reminder of it;
- every town has a few residents with applications in the officer's queue and a permit.
"""

from __future__ import annotations

import os
import random
from datetime import date, timedelta

from django.utils import timezone

from nanhai_portal.accounts.models import User
from nanhai_portal.areas.models import Community, Town
from nanhai_portal.demo import DemoReport, demo_seeder
from nanhai_portal.periods import months_after, years_after
from nanhai_portal.tenancy import town_context
from residents import synthetic
from residents.district_loader import seed_district_residents
from residents.models import Application, ApplicationStep, Permit, Resident
from residents.services import next_permit_number, permits_refresh_town, person_find_or_create, resident_register

QUEUE_PER_TOWN = 3


def _resident(
    rng: random.Random,
    *,
    town: str,
    community: Community,
    registered_since: date,
    id_number: str,
    name: str | None = None,
    user: User | None = None,
    mobile: str | None = None,
) -> Resident:
    """The person's registration here, made (with the person) on the first run only."""
    person = person_find_or_create(id_number=id_number, name=name or synthetic.name(rng), mobile=mobile)
    existing = person.registrations.filter(town_id=town, moved_out_on=None).first()
    if existing is not None:
        return existing
    return resident_register(
        name=person.name,
        id_number=id_number,
        community=community,
        mobile=mobile,
        address=f"{community.name}{rng.randrange(1, 200)}号",
        registered_since=registered_since,
        user=user,
    )


def _permit(resident: Resident, *, since: date) -> Permit:
    permit = resident.permits.first()
    if permit is None:
        permit = Permit.objects.create(
            town_id=resident.town_id,
            resident=resident,
            permit_number=next_permit_number(since),
            valid_from=since,
            valid_until=years_after(since, 3),
            continuous_since=since,
        )
    return permit


@demo_seeder(order=40)
def seed_residents(report: DemoReport, scale: str) -> None:
    rng = random.Random(2021)  # the same demo every time
    today = timezone.localdate()
    made = 0
    for town in Town.objects.all():
        with town_context(town.code):
            communities = list(Community.objects.order_by("code")[:5])
            if town.code == "guicheng":
                plans = [
                    ("resident.1", years_after(today, -1), None),
                    ("resident.2", months_after(today, -3), None),
                    ("resident.3", years_after(today, -2), years_after(today + timedelta(days=15), -1)),
                ]
                for number, (username, since, permit_since) in enumerate(plans, start=1):
                    user = User.objects.get(username=username)
                    resident = _resident(
                        rng,
                        town=town.code,
                        community=communities[0],
                        registered_since=since,
                        user=user,
                        name=user.name,
                        mobile=f"1380000000{number}",
                        id_number=synthetic.id_number(random.Random(number), region="431102"),
                    )
                    if permit_since is not None:
                        _permit(resident, since=permit_since)
            for index in range(QUEUE_PER_TOWN):
                resident = _resident(
                    rng,
                    town=town.code,
                    community=communities[index % len(communities)],
                    registered_since=months_after(today, -(8 + index)),
                    id_number=synthetic.id_number(random.Random(f"{town.code}-{index}")),
                )
                made += 1
                if not resident.applications.exists():
                    status = [Application.Status.SUBMITTED, Application.Status.ACCEPTED, Application.Status.ISSUED][
                        index
                    ]
                    now = timezone.now()
                    application = Application.objects.create(
                        town_id=town.code,
                        resident=resident,
                        kind=Application.Kind.PERMIT_ISSUE,
                        status=status,
                        # The accepted one is two days past its 15-day deadline: the queue shows what
                        # overdue looks like; the issued one was issued in time.
                        submitted_at=now - timedelta(days=18 + 3 * index),
                        accepted_at=None if index == 0 else now - timedelta(days=17 + 3 * index),
                        due_at=None if index == 0 else now - timedelta(days=2 + 3 * index),
                    )
                    ApplicationStep.objects.create(town_id=town.code, application=application, status=status)
                if index == 2:
                    _permit(resident, since=months_after(today, -5))
            # The nightly check, run once now: the permits' states are today's, and resident.3,
            # whose endorsement window is open, has the reminder in the inbox (once: idempotent).
            permits_refresh_town(today=today)
    report.lines.append(f"{made + 3} residents with applications and permits in 7 towns")
    if scale == "district":
        loaded = seed_district_residents(processes=os.cpu_count() or 1, report=print)
        report.lines.append(f"{loaded:,} synthetic residents at district scale")
