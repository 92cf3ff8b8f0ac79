"""Per-test data for education: a town's demo scheme, a round with its dates around ``AT``,
schools with places, a guardian with a residence permit, a child's ID number.

Tenant-owned rows are written inside ``town_context`` of their town. Times are fixed, never
now: ``AT`` is 2026-05-31 10:00 Shanghai time (a month end), with applications open.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from education import lottery, points
from education.models import AdmissionRound, PointsScheme, RoundSchool, School
from education.services.schemes import scheme_create_from
from nanhai_portal.accounts.roles import Role
from nanhai_portal.tenancy import town_context
from residents import synthetic
from residents.models import Resident
from tests.factories import PermitFactory, ResidentFactory, UserFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")
AT = datetime(2026, 5, 31, 10, 0, tzinfo=SHANGHAI)
YEAR = 2026


def child_id_number(n: int, *, born: date | None = None) -> str:
    """The ``n``-th child's valid ID number (region 440604, which the demo's people do not use),
    born in the first 240 days of 2020 (6 on 31 August 2026: primary year 1) unless ``born``."""
    born = born or date(2020, 1, 1) + timedelta(days=n % 240)
    return synthetic.id_number(random.Random(n), region="440604", born=born, serial=n // 240)


_children = iter(range(1, 10**6))
_schemes = iter(range(1, 10**6))


def next_child_id_number(*, born: date | None = None) -> str:
    return child_id_number(next(_children), born=born)


def scheme_in(town: str = "guicheng") -> PointsScheme:
    with town_context(town):
        return scheme_create_from(town=town, name=f"test-{next(_schemes)}", spec=points.foshan_demo_scheme())


def round_in(
    town: str = "guicheng",
    *,
    phase: str = AdmissionRound.Phase.APPLICATIONS,
    max_choices: int = 3,
    year: int = YEAR,
    **dates: Any,
) -> AdmissionRound:
    """A round of ``town`` in ``phase``: applications open from 10 days before ``AT`` to 10 days
    after, objections until 30 days after, acceptance until 50 days after."""
    scheme = scheme_in(town)
    values = {
        "applications_open": AT - timedelta(days=10),
        "applications_close": AT + timedelta(days=10),
        "points_published_on": (AT + timedelta(days=20)).date(),
        "objections_close": AT + timedelta(days=30),
        "results_published_on": (AT + timedelta(days=40)).date(),
        "acceptance_deadline": AT + timedelta(days=50),
        "second_round_close": AT + timedelta(days=60),
        **dates,
    }
    if phase != AdmissionRound.Phase.DRAFT:  # drawn when applications opened
        seed = lottery.seed_new()
        values.update(seed=seed, seed_digest=lottery.seed_digest(seed))
    with town_context(town):
        return AdmissionRound.objects.create(
            town_id=town,
            year=year,
            name=f"测试{year}年积分入学{next(_schemes)}",
            phase=phase,
            scheme=scheme,
            max_choices=max_choices,
            **values,
        )


def school_in(
    round_: AdmissionRound, *, places: int = 2, stage: str = "primary", name: str | None = None
) -> RoundSchool:
    with town_context(round_.town_id):
        school = School.objects.create(town_id=round_.town_id, name=name or f"测试小学{next(_schemes)}", stage=stage)
        return RoundSchool.objects.create(town_id=round_.town_id, round=round_, school=school, places=places)


def guardian_in(town: str = "guicheng", *, permit: bool = True) -> Resident:
    """A resident with an account, registered since 2020, holding (or not) a permit in good
    standing: continuous residence since 2021-07-15, endorsed on 2025-07-01 (4 years on 2026-06-10)."""
    resident = ResidentFactory(town_id=town, account=True, registered_since=date(2020, 1, 15))
    if permit:
        PermitFactory(
            town_id=town,
            resident=resident,
            valid_from=date(2024, 7, 15),
            valid_until=date(2027, 7, 15),
            continuous_since=date(2021, 7, 15),
            last_endorsed_on=date(2025, 7, 1),
        )
    return resident


def officer_of(town: str = "guicheng", role: str = Role.TOWN_OFFICER) -> Any:
    return UserFactory(role=role, town_id=town)
