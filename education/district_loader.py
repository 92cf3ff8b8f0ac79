"""A year's points admission at the district's scale: 11,210 applications for 5,581 places in 60
schools across the seven towns (the source document's 2021 figures), with realistic points.

``seed_district_admissions(year=…)`` makes, in each town, a round of ``year`` in its ALLOCATION
phase (applications verified, objections answered, the lottery seed drawn), the town's share of
the 60 schools and their places, and its share of the applications: guardians taken from the
town's registered residents (``residents.district_loader``; the demo's few when that was not
run, several children each then), children made as new people (born for primary year 1 or
junior year 1), two to five ordered choices leaning to the popular schools, and facts drawn as
families have them (years of permit and registration, a home or a rental, social insurance,
education, some volunteering, a few deductions; half of those living in a catchment community
claim it). Points
are the engine's (``points.points_compute``) on those facts, kept with their breakdown, as the
services would have kept them after verification.

Rows are made in Python from a generator seeded per town and written with ``bulk_create`` in the
town's own scope (11,210 rows need no COPY). The loader does not audit or notify. A second run
finds the year's rounds and adds nothing.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from education import lottery, points
from education.models import (
    AdmissionApplication,
    AdmissionRound,
    Choice,
    Fact,
    PointsScheme,
    RoundSchool,
    School,
    SchoolCatchment,
)
from education.selectors import scheme_spec
from education.services.applications import breakdown_json
from education.services.schemes import scheme_create_from
from nanhai_portal.areas.models import Community, Town
from nanhai_portal.pii import id_facts
from nanhai_portal.pii.validators import id_check_character
from nanhai_portal.tenancy import town_context
from residents import synthetic
from residents.models import Person, Resident

DISTRICT_APPLICATIONS = 11_210
DISTRICT_PLACES = 5_581
DISTRICT_SCHOOLS = 60
# Each town's share of the applications and schools (new residents' children by town, roughly).
TOWN_SHARES = {
    "guicheng": 0.20,
    "shishan": 0.20,
    "dali": 0.18,
    "lishui": 0.12,
    "jiujiang": 0.10,
    "xiqiao": 0.10,
    "danzao": 0.10,
}
SCHEME_NAME = "积分入学方案（示范）"
CHILD_REGION = "440608"  # the loader's children: a region code the demo's and the tests' do not use


@dataclass(frozen=True)
class Loaded:
    rounds: int
    schools: int
    places: int
    applications: int


def _split(total: int, shares: list[float]) -> list[int]:
    """``total`` split by ``shares``, adding up exactly (the largest remainders get the rest)."""
    raw = [total * share / sum(shares) for share in shares]
    parts = [int(value) for value in raw]
    for index in sorted(range(len(raw)), key=lambda i: raw[i] - parts[i], reverse=True)[: total - sum(parts)]:
        parts[index] += 1
    return parts


def round_name(town: Town, year: int) -> str:
    return f"{town.name}{year}年积分入学（全区规模）"


def seed_district_admissions(
    *, year: int, scale: float = 1.0, now: datetime | None = None, report: Callable[[str], None] = print
) -> Loaded:
    """The district's points admission of ``year`` (``scale`` 1.0: 11,210 applications)."""
    now = now or timezone.now()
    towns = [town for town in Town.objects.order_by("code") if town.code in TOWN_SHARES]
    shares = [TOWN_SHARES[town.code] for town in towns]
    applications = _split(round(DISTRICT_APPLICATIONS * scale), shares)
    places = _split(max(len(towns), round(DISTRICT_PLACES * scale)), shares)
    schools = _split(DISTRICT_SCHOOLS, shares)
    loaded = Loaded(0, 0, 0, 0)
    for town, count, seats, school_count in zip(towns, applications, places, schools, strict=True):
        with town_context(town.code):
            if AdmissionRound.objects.filter(year=year, name=round_name(town, year)).exists():
                continue
            made = _town(town, year=year, applications=count, places=seats, schools=school_count, now=now)
        report(f"{town.code}: {made.schools} schools, {made.places:,} places, {made.applications:,} applications")
        loaded = Loaded(
            loaded.rounds + 1,
            loaded.schools + made.schools,
            loaded.places + made.places,
            loaded.applications + made.applications,
        )
    return loaded


@transaction.atomic
def _town(town: Town, *, year: int, applications: int, places: int, schools: int, now: datetime) -> Loaded:
    rng = random.Random(f"admissions-{town.code}-{year}")  # noqa: S311 - synthetic data
    scheme = PointsScheme.objects.filter(name=SCHEME_NAME).order_by("-version").first() or scheme_create_from(
        town=town.code, name=SCHEME_NAME, spec=points.foshan_demo_scheme()
    )
    spec = scheme_spec(scheme)
    seed = lottery.seed_new()
    opened = now - timedelta(days=60)
    round_ = AdmissionRound.objects.create(
        town_id=town.code,
        year=year,
        name=round_name(town, year),
        phase=AdmissionRound.Phase.ALLOCATION,
        scheme=scheme,
        max_choices=5,
        requires_permit=True,
        applications_open=opened,
        applications_close=opened + timedelta(days=20),
        points_published_on=(opened + timedelta(days=35)).date(),
        objections_close=opened + timedelta(days=45),
        results_published_on=(now + timedelta(days=3)).date(),
        acceptance_deadline=now + timedelta(days=10),
        second_round_close=now + timedelta(days=20),
        seed=seed,
        seed_digest=lottery.seed_digest(seed),
    )
    communities = list(Community.objects.order_by("code").values_list("pk", flat=True))
    offered = _schools(town, round_, rng, count=schools, places=places, communities=communities)
    guardians = list(
        Resident.objects.filter(moved_out_on__isnull=True)
        .order_by("pk")
        .values_list("pk", "community_id")[:applications]
    )
    if not guardians:
        raise RuntimeError(f"{town.code} has no registered residents to be guardians: load the residents first.")
    children = _children(town, rng, applications, year)
    catchments = set(
        SchoolCatchment.objects.filter(school__in=[s.school_id for s in offered]).values_list("community_id", flat=True)
    )
    popularity = [rng.paretovariate(1.2) for _ in offered]  # a few schools everyone wants
    rows: list[AdmissionApplication] = []
    facts: list[Fact] = []
    choices: list[Choice] = []
    submitted = opened + timedelta(days=5)
    for index, child in enumerate(children):
        guardian, community = guardians[index % len(guardians)]
        claimed = _facts(rng)
        if community in catchments and rng.random() < 0.5:
            claimed["catchment_community"] = Decimal(1)
        result = points.points_compute(spec, claimed)
        application = AdmissionApplication(
            town_id=town.code,
            round=round_,
            guardian_id=guardian,
            child_id=child,
            relationship=rng.choice(["father", "mother"]),
            consent_at=submitted,
            grade="P1",
            status=AdmissionApplication.Status.DISQUALIFIED
            if result.disqualified
            else AdmissionApplication.Status.VERIFIED,
            points=result.total,
            breakdown=breakdown_json(result),
            scheme_label=scheme.label,
            submitted_at=submitted,
            verified_at=submitted + timedelta(days=10),
        )
        rows.append(application)
        facts += [
            Fact(
                town_id=town.code,
                application=application,
                item_code=code,
                claimed=quantity,
                verified=quantity,
                state=Fact.State.ACCEPTED,
                from_records=code in ("residence_permit", "residence_registration"),
            )
            for code, quantity in claimed.items()
        ]
        picks = min(len(offered), rng.randint(2, 5))
        ranked = _weighted_sample(rng, offered, popularity, picks)
        choices += [
            Choice(town_id=town.code, application=application, round_school=school, rank=rank)
            for rank, school in enumerate(ranked, start=1)
        ]
    AdmissionApplication.objects.bulk_create(rows, batch_size=2000)
    Fact.objects.bulk_create(facts, batch_size=5000)
    Choice.objects.bulk_create(choices, batch_size=5000)
    return Loaded(1, len(offered), sum(school.places for school in offered), len(rows))


def _schools(
    town: Town, round_: AdmissionRound, rng: random.Random, *, count: int, places: int, communities: list[object]
) -> list[RoundSchool]:
    sizes = _split(places, [rng.uniform(0.5, 2.0) for _ in range(count)])
    offered = []
    for number, size in enumerate(sizes, start=1):
        school = School.objects.create(
            town_id=town.code,
            name=f"{town.name}第{number}公办学校（全区规模）",
            stage="primary",
            address=f"{town.name}{number}号",
        )
        if communities and number % 3 == 0:
            SchoolCatchment.objects.create(
                town_id=town.code, school=school, community_id=communities[number % len(communities)]
            )
        offered.append(RoundSchool.objects.create(town_id=town.code, round=round_, school=school, places=size))
    return offered


def _children(town: Town, rng: random.Random, count: int, year: int) -> list[uuid.UUID]:
    """``count`` new children, born between September ``year - 7`` and August ``year - 6``
    (6 on 31 August of ``year``), each with a valid ID number of the loader's own."""
    start = date(year - 7, 9, 1)
    people = []
    for index in range(count):
        born = start + timedelta(days=index % 365)
        serial = (TOWNS_ORDER.index(town.code) * 140 + index // 365) % 1000
        first17 = f"{CHILD_REGION}{born:%Y%m%d}{serial:03d}"
        number = first17 + id_check_character(first17)
        facts = id_facts(number)
        people.append(
            Person(
                name=synthetic.name(rng),
                id_number=number,
                sex=facts.sex,
                birth_date=facts.birth_date,
                origin=facts.origin,
            )
        )
    Person.objects.bulk_create(people, batch_size=2000)
    return [person.pk for person in people]


TOWNS_ORDER = sorted(TOWN_SHARES)


def _facts(rng: random.Random) -> dict[str, Decimal]:
    """One family's facts, as families have them: most hold a permit for a few years, a third own
    their home, most rent otherwise; social insurance for years; degrees for some."""
    facts: dict[str, Decimal] = {
        "residence_permit": Decimal(rng.choices(range(1, 13), weights=[4, 8, 10, 10, 9, 8, 6, 5, 4, 3, 2, 2])[0]),
        "residence_registration": Decimal(rng.randint(1, 10)),
    }
    if rng.random() < 0.35:
        facts["owned_home"] = Decimal(rng.randint(45, 140)) + Decimal(rng.randint(0, 99)) / 100
    else:
        facts["registered_rental"] = Decimal(rng.randint(1, 8))
    facts["social_insurance_guangdong"] = Decimal(rng.randint(0, 12))
    if rng.random() < 0.7:
        facts["social_insurance_foshan"] = Decimal(rng.randint(1, 11))
    degree = rng.random()
    if degree < 0.2:
        facts["bachelor_degree"] = Decimal(1)
    elif degree < 0.45:
        facts["college_diploma"] = Decimal(1)
    if rng.random() < 0.15:
        facts["volunteer_service"] = Decimal(rng.randint(10, 150))
    if rng.random() < 0.02:
        facts["credit_blacklist"] = Decimal(1)
    if rng.random() < 0.003:
        facts["false_documents"] = Decimal(1)
    return facts


def _weighted_sample(
    rng: random.Random, schools: list[RoundSchool], weights: list[float], count: int
) -> list[RoundSchool]:
    """``count`` distinct schools, the popular more often and earlier."""
    pool, pool_weights, picked = list(schools), list(weights), []
    for _ in range(count):
        index = rng.choices(range(len(pool)), weights=pool_weights)[0]
        picked.append(pool.pop(index))
        pool_weights.pop(index)
    return picked
