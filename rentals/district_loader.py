"""The district's rental houses at full scale, loaded by COPY in minutes.

``seed_district_rentals()`` makes what the source document counts: about 300,000 rental
houses in the seven towns' grids, their landlords (Persons, Nanhai locals born 1940–1959),
1.2 million inspections since 2018 and 395,000 hazards, of which 391,000 (98.9%) are fixed,
in the document's categories (``FIXED_BY_CATEGORY``), with current tenants taken from the
town's registered residents (``residents.district_loader``; none when it was not run).

Rows are made in Python from a random generator seeded per town and batch (so a second run
makes the same ids, finds them and skips the batch), copied with COPY into temporary staging
tables and moved set-wise with ``INSERT … SELECT`` in the town's own scope, row-level
security on (PostgreSQL refuses COPY into a table under it). Landlords are made through
``PERSON_INSERT_SQL``, the set-wise twin of ``person_find_or_create``.

Every inspection answers the whole checklist, in its own row (``Inspection.answers``): the
categories of the hazards it found as "hazard", each of the others ok, or not applicable one
time in ten; 19 million answers at full scale.

The loader does not audit or notify: 395,000 historical hazards are not news to anyone, and
the services (which do both) would take hours at this scale.
"""

from __future__ import annotations

import io
import json
import multiprocessing
import random
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from django.db import connection, connections, transaction
from django.utils import timezone

from nanhai_portal.accounts.models import User
from nanhai_portal.accounts.roles import Role
from nanhai_portal.areas.models import Grid, Town
from nanhai_portal.pii import crypto, id_facts
from nanhai_portal.pii.validators import id_check_character
from nanhai_portal.tenancy import town_context
from rentals import conf
from rentals.models import Hazard, HazardCategory, RentalHouse
from residents import synthetic
from residents.services.people import PERSON_INSERT_SQL

DISTRICT_HOUSES = 300_000
DISTRICT_INSPECTIONS = 1_200_000
# Hazards fixed (verified) by category, as the document counts them (2021): e-bikes moved out
# 66,800; fire-fighting equipment 177,600 (spread here over its six categories); wiring 52,100;
# evacuation routes opened 39,600; the other 54,900 over the remaining categories.
FIXED_BY_CATEGORY: dict[str, int] = {
    "ebike_indoor": 66_800,
    "extinguisher": 70_000,
    "smoke_alarm": 45_000,
    "emergency_lighting": 30_000,
    "hydrant": 12_000,
    "escape_mask": 12_600,
    "fire_blanket": 8_000,
    "electrical_wiring": 52_100,
    "evacuation_route": 39_600,
    "escape_window": 15_000,
    "outdoor_charging": 12_000,
    "gas": 8_000,
    "combustible_storage": 8_000,
    "fire_door": 5_000,
    "kitchen_fire": 4_000,
    "mixed_use": 2_900,
}
DISTRICT_FIXED = 391_000
DISTRICT_HAZARDS = 395_000  # found; the 4,000 not fixed are spread like the fixed ones
NOT_APPLICABLE = 0.1  # the share of the answers without a hazard that are "not applicable"
HOUSES_PER_LANDLORD = 2.5
BATCH_HOUSES = 5_000
FIRST_YEAR = datetime(2018, 1, 1, tzinfo=UTC)
LANDLORD_FIRST_INDEX = 0
# Not yet fixed hazards are found among the inspections of the last RECENT days.
RECENT = timedelta(days=60)

BUILDING_TYPES = [
    (RentalHouse.BuildingType.SELF_BUILT, 70),
    (RentalHouse.BuildingType.APARTMENT, 14),
    (RentalHouse.BuildingType.DORMITORY, 5),
    (RentalHouse.BuildingType.MIXED_USE, 8),
    (RentalHouse.BuildingType.OTHER, 3),
]
# Current tenants of a house: 0 to 14, about 3 on average, a few with 10 or more (key houses).
TENANT_WEIGHTS = [8, 16, 20, 17, 12, 8, 5, 4, 3, 2, 2, 1, 1, 0.5, 0.5]
STATUSES = [(RentalHouse.Status.ACTIVE, 92), (RentalHouse.Status.VACANT, 6), (RentalHouse.Status.CLOSED, 2)]
UNFIXED_STATES = [
    (Hazard.State.OPEN, 45),
    (Hazard.State.RECTIFICATION_SUBMITTED, 30),
    (Hazard.State.REOPENED, 25),
]

STAGING = {
    "landlord_staging": (
        "seq integer, name text, id_number text, id_number_index text, mobile text, mobile_index text, "
        "sex text, birth_date text, origin text"
    ),
    "house_staging": (
        "seq integer, id uuid, community_id uuid, grid_id uuid, address text, building_type text, "
        "floors smallint, rooms smallint, landlord_index text, risk_class text, status text, "
        "last_inspected_at timestamptz, created_at timestamptz, tenants smallint, tenants_from date"
    ),
    "inspection_staging": "id uuid, client_id uuid, house_id uuid, inspected_at timestamptz, answers jsonb",
    "hazard_staging": (
        "id uuid, house_id uuid, inspection_id uuid, category_id text, severity text, state text, due_at timestamptz, "
        "opened_at timestamptz, rectified_at timestamptz, verified_at timestamptz, escalated_level smallint, "
        "escalated_at timestamptz, rectification_note text, reopen_reason text"
    ),
}
MOVE_SQL = [
    PERSON_INSERT_SQL.format(source="landlord_staging", where="", order="seq", registered_town="NULL"),
    """
    INSERT INTO rentals_rentalhouse (
        id, town_id, community_id, grid_id, address, building_type, floors, rooms, landlord_id,
        risk_class, status, last_inspected_at, version, created_at, updated_at
    )
    SELECT s.id, %(town)s, s.community_id, s.grid_id, s.address, s.building_type, s.floors, s.rooms, p.id,
           s.risk_class, s.status, s.last_inspected_at, 1, s.created_at, %(now)s
    FROM house_staging s JOIN residents_person p ON p.id_number_index = s.landlord_index
    ORDER BY s.seq
    """,
    """
    INSERT INTO rentals_inspection (
        id, town_id, client_id, house_id, inspector_id, inspected_at, note, answers, answer_notes, version,
        created_at
    )
    SELECT id, %(town)s, client_id, house_id, %(inspector)s, inspected_at, '', answers, '{}', 1, inspected_at
    FROM inspection_staging
    """,
    """
    INSERT INTO rentals_hazard (
        id, town_id, house_id, inspection_id, category_id, severity, state, due_at, rectification_note,
        reopen_reason, opened_at, rectified_at, verified_at, escalated_level, escalated_at
    )
    SELECT id, %(town)s, house_id, inspection_id, category_id, severity, state, due_at, rectification_note,
           reopen_reason, opened_at, rectified_at, verified_at, escalated_level, escalated_at
    FROM hazard_staging
    """,
    # Current tenants: the town's registered residents who rent nothing yet, in order.
    """
    INSERT INTO rentals_tenancy (id, town_id, house_id, resident_id, from_date, to_date, created_at)
    SELECT gen_random_uuid(), %(town)s, h.id, r.id, h.tenants_from, NULL, %(now)s
    FROM (
        SELECT s.id, s.tenants_from, row_number() OVER (ORDER BY s.seq, n) AS rn
        FROM house_staging s, generate_series(1, s.tenants) AS n
        WHERE s.status = 'active'
    ) h
    JOIN (
        SELECT r.id, row_number() OVER (ORDER BY r.id) AS rn
        FROM residents_resident r
        WHERE r.town_id = %(town)s AND r.moved_out_on IS NULL
          AND NOT EXISTS (SELECT 1 FROM rentals_tenancy t WHERE t.resident_id = r.id)
    ) r USING (rn)
    """,
]


@dataclass(frozen=True)
class TownPlan:
    """One town's share: its houses, inspections and hazards, where its landlords' numbers start."""

    town: str
    houses: int
    inspections: int
    hazards: list[tuple[str, bool]]  # (category, fixed), in the order they are given out
    first_landlord: int
    seed: int
    now: datetime


@dataclass
class Loaded:
    houses: int = 0
    inspections: int = 0
    answers: int = 0
    hazards: int = 0
    landlords: int = 0
    tenancies: int = 0

    def add(self, other: Loaded) -> None:
        for name in vars(self):
            setattr(self, name, getattr(self, name) + getattr(other, name))


def _split(total: int, weights: Sequence[float]) -> list[int]:
    """``total`` split in proportion to ``weights``, the largest remainders rounded up: the
    parts add up to ``total`` exactly."""
    whole = sum(weights)
    exact = [total * weight / whole for weight in weights]
    parts = [int(share) for share in exact]
    by_remainder = sorted(range(len(weights)), key=lambda i: exact[i] - parts[i], reverse=True)
    for i in by_remainder[: total - sum(parts)]:
        parts[i] += 1
    return parts


def hazard_plan(scale: float = 1.0) -> dict[str, tuple[int, int]]:
    """Per category, (found, fixed) at ``scale``: the document's figures times ``scale``, the
    hazards not fixed spread like the fixed ones."""
    codes = list(FIXED_BY_CATEGORY)
    fixed = _split(round(DISTRICT_FIXED * scale), [FIXED_BY_CATEGORY[code] for code in codes])
    unfixed = _split(round(DISTRICT_HAZARDS * scale) - sum(fixed), [FIXED_BY_CATEGORY[code] for code in codes])
    return {code: (done + left, done) for code, done, left in zip(codes, fixed, unfixed, strict=True)}


def landlord_id_number(index: int) -> str:
    """The index-th synthetic landlord's ID number: a Nanhai local (440605) born 1940–1959, a
    range the synthetic residents (born from 1960) never use; unique below 7.3 million."""
    born = date(1940, 1, 1) + timedelta(days=index // 1000 % 7_300)
    first17 = f"440605{born:%Y%m%d}{index % 1000:03d}"
    return first17 + id_check_character(first17)


def _uuid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def _text(value: object) -> str:
    if value is None:
        return r"\N"
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def _copy(table: str, rows: Iterable[Sequence[object]]) -> None:
    buffer = io.StringIO()
    for row in rows:
        buffer.write("\t".join(_text(value) for value in row) + "\n")
    buffer.seek(0)
    with connection.cursor() as cursor:
        cursor.copy_expert(f"COPY {table} FROM STDIN", buffer)


@dataclass
class _Batch:
    landlords: list[tuple[object, ...]]
    houses: list[tuple[object, ...]]
    inspections: list[tuple[object, ...]]
    hazards: list[tuple[object, ...]]
    answers: int


def _make_batch(
    plan: TownPlan,
    number: int,
    first_house: int,
    count: int,
    inspections: int,
    hazards: list[tuple[str, bool]],
    grids: list[tuple[str, str, str]],
    categories: dict[str, str],
    loaded_before: Callable[[uuid.UUID], bool],
) -> _Batch | None:
    """The rows of one batch of ``count`` houses (``first_house`` on, in the town's order); None
    when ``loaded_before`` says its first house is there already (an earlier run's)."""
    rng = random.Random(f"{plan.seed}-{plan.town}-{number}")  # noqa: S311 - synthetic data
    now = plan.now
    landlord_count = max(1, round(count / HOUSES_PER_LANDLORD))
    first_landlord = plan.first_landlord + round(first_house / HOUSES_PER_LANDLORD)
    # The random draws first, in a fixed order (the ids depend on it), so that a batch loaded
    # before is known by its first house's id before anything is encrypted.
    drawn = [(synthetic.mobile(rng), synthetic.name(rng)) for _ in range(landlord_count)]
    # Inspections per house: 1 to 7, as many as the town's share needs on average.
    per_house = _split(inspections, [rng.uniform(0.2, 1.8) for _ in range(count)])
    state = rng.getstate()
    if loaded_before(_uuid(rng)):
        return None
    rng.setstate(state)  # the first house's id is drawn again below
    landlords: list[tuple[object, ...]] = []
    landlord_indexes: list[str] = []
    for seq, (mobile, name) in enumerate(drawn):
        number_ = landlord_id_number(first_landlord + seq)
        facts, index = id_facts(number_), crypto.blind_index("id_number", number_)
        landlord_indexes.append(index)
        landlords.append(
            (seq, name, crypto.encrypt(number_), index, crypto.encrypt(mobile),
             crypto.blind_index("mobile", mobile), facts.sex, facts.birth_date.isoformat(), facts.origin)
        )  # fmt: skip
    houses: list[tuple[object, ...]] = []
    visits: list[tuple[uuid.UUID, uuid.UUID, datetime]] = []  # (inspection id, house id, when)
    building_types, building_weights = zip(*BUILDING_TYPES, strict=True)
    statuses, status_weights = zip(*STATUSES, strict=True)
    for seq in range(count):
        house_id = _uuid(rng)
        grid_id, community_id, community_name = grids[(first_house + seq) % len(grids)]
        building_type = rng.choices(building_types, building_weights)[0]
        floors = rng.randint(2, 8)
        rooms = floors * rng.randint(2, 5)
        status = rng.choices(statuses, status_weights)[0]
        tenants = rng.choices(range(len(TENANT_WEIGHTS)), TENANT_WEIGHTS)[0] if status == "active" else 0
        risk_class = conf.assign_risk_class(tenants=tenants, building_type=building_type)
        interval = conf.inspection_interval(risk_class)
        # The last visit mostly within the class's interval (coverage about 87%), the earlier
        # ones 2 to 13 months apart, none before 2018.
        when = now - interval * rng.uniform(0.0, 1.15) - timedelta(minutes=rng.randrange(1, 600))
        last = when
        first = when
        for _ in range(max(1, per_house[seq])):
            if when < FIRST_YEAR:
                break
            visits.append((_uuid(rng), house_id, when))
            first = when
            when -= timedelta(days=rng.uniform(60, 400))
        created = first - timedelta(days=rng.uniform(1, 60))
        houses.append(
            (seq, house_id, community_id, grid_id, f"{community_name}{rng.randrange(1, 60)}巷{rng.randrange(1, 99)}号",
             building_type, floors, rooms, landlord_indexes[seq % landlord_count], risk_class,
             status, last, created, tenants,
             (last - timedelta(days=rng.randrange(30, 700))).astimezone(UTC).date())
        )  # fmt: skip
    client_ids = [_uuid(rng) for _ in visits]
    recent = [i for i, visit in enumerate(visits) if visit[2] >= now - RECENT] or list(range(len(visits)))
    answered: dict[int, set[str]] = {}
    hazard_rows: list[tuple[object, ...]] = []
    for category, fixed in hazards:
        for _try in range(50):
            visit = rng.randrange(len(visits)) if fixed else rng.choice(recent)
            if category not in answered.setdefault(visit, set()):
                break
        else:
            continue  # every inspection tried already answers this category: rare, skipped
        answered[visit].add(category)
        inspection_id, house_id, opened = visits[visit]
        hazard_rows.append(
            (
                _uuid(rng),
                house_id,
                inspection_id,
                category,
                *_hazard_life(rng, categories[category], opened, fixed, now),
            )
        )
    inspection_rows: list[tuple[object, ...]] = []
    for visit, (inspection_id, house_id, at) in enumerate(visits):
        found = answered.get(visit, ())
        answers = {
            code: "hazard" if code in found else "na" if rng.random() < NOT_APPLICABLE else "ok" for code in categories
        }
        inspection_rows.append((inspection_id, client_ids[visit], house_id, at, json.dumps(answers)))
    return _Batch(landlords, houses, inspection_rows, hazard_rows, answers=len(inspection_rows) * len(categories))


def _hazard_life(rng: random.Random, severity: str, opened: datetime, fixed: bool, now: datetime) -> tuple[object, ...]:
    """(severity, state, due_at, opened_at, rectified_at, verified_at, escalated_level,
    escalated_at, rectification_note, reopen_reason) of a hazard opened at ``opened``."""
    due = conf.hazard_due_at(severity, opened_at=opened)
    deadline = due - opened
    if fixed:
        fixed_at = max(opened, min(opened + deadline * rng.uniform(0.1, 1.3), now - timedelta(minutes=2)))
        verified = max(fixed_at, min(fixed_at + timedelta(hours=rng.uniform(1, 120)), now - timedelta(minutes=1)))
        return (severity, Hazard.State.VERIFIED, due, opened, fixed_at, verified, 0, None, "已整改", "")
    states, weights = zip(*UNFIXED_STATES, strict=True)
    state = rng.choices(states, weights)[0]
    rectified: datetime | None = None
    note = reason = ""
    if state != Hazard.State.OPEN:
        rectified = opened + (now - opened) * rng.uniform(0.1, 0.6)
        note = "已整改，请复查"
    if state == Hazard.State.REOPENED and rectified is not None:
        reopened = rectified + (now - rectified) * rng.uniform(0.1, 0.9)
        due = conf.hazard_due_at(severity, opened_at=reopened)
        reason = "整改不到位"
    # Escalated as the beat task would: to the town when overdue, to the district after the
    # second deadline; a fix waiting for the return visit is not escalated.
    level, escalated = 0, None
    if state != Hazard.State.RECTIFICATION_SUBMITTED and due <= now:
        level, escalated = 1, due
        if due + conf.second_deadline() <= now:
            level, escalated = 2, due + conf.second_deadline()
    return (severity, state, due, opened, rectified, None, level, escalated, note, reason)


def _load_batch(plan: TownPlan, batch: _Batch, inspector: int) -> Loaded:
    """Copy one batch into staging and move it in the town's scope, in one transaction."""
    loaded = Loaded()
    with town_context(plan.town), transaction.atomic(), connection.cursor() as cursor:
        for table, columns in STAGING.items():
            cursor.execute(f"CREATE TEMP TABLE IF NOT EXISTS {table} ({columns}) ON COMMIT DELETE ROWS")
            cursor.execute(f"TRUNCATE {table}")  # empty even inside an outer transaction
        _copy("landlord_staging", batch.landlords)
        _copy("house_staging", batch.houses)
        _copy("inspection_staging", batch.inspections)
        _copy("hazard_staging", batch.hazards)
        counts = []
        for statement in MOVE_SQL:
            cursor.execute(statement, {"town": plan.town, "now": plan.now, "inspector": inspector})
            counts.append(cursor.rowcount)
    loaded.landlords, loaded.houses, loaded.inspections, loaded.hazards, loaded.tenancies = counts
    loaded.answers = batch.answers
    return loaded


def _load_town(plan: TownPlan) -> tuple[str, Loaded]:
    """Load one town's share, batch by batch (in a worker process, or in this one)."""
    with town_context(plan.town):
        grids = [
            (str(pk), str(community), name)
            for pk, community, name in Grid.objects.order_by("code").values_list(
                "pk", "community_id", "community__name"
            )
        ]
        inspector = (
            User.objects.filter(role=Role.GRID_WORKER, town_id=plan.town)
            .order_by("username")
            .values_list("pk", flat=True)
            .first()
        )
    if inspector is None:
        raise RuntimeError(f"{plan.town} has no grid worker to have made the inspections: run seed_demo first.")
    categories = dict(HazardCategory.objects.filter(retired_at=None).values_list("code", "default_severity"))

    def loaded_before(house_id: uuid.UUID) -> bool:
        # The ids are the same in every run: a batch whose first house is there was loaded.
        with town_context(plan.town):
            return bool(RentalHouse.objects.filter(pk=house_id).exists())

    loaded = Loaded()
    batches = list(range(0, plan.houses, BATCH_HOUSES))
    inspections = _split(plan.inspections, [min(BATCH_HOUSES, plan.houses - first) for first in batches])
    hazard_slices = _split(len(plan.hazards), [min(BATCH_HOUSES, plan.houses - first) for first in batches])
    start = 0
    for number, first_house in enumerate(batches):
        hazards = plan.hazards[start : start + hazard_slices[number]]
        start += hazard_slices[number]
        count = min(BATCH_HOUSES, plan.houses - first_house)
        batch = _make_batch(
            plan, number, first_house, count, inspections[number], hazards, grids, categories, loaded_before
        )
        if batch is not None:
            loaded.add(_load_batch(plan, batch, inspector))
    return plan.town, loaded


def town_plans(*, scale: float, seed: int, now: datetime) -> list[TownPlan]:
    """Each town's share, in proportion to its grids."""
    towns = list(Town.objects.order_by("code").values_list("code", flat=True))
    weights = []
    for town in towns:
        with town_context(town):
            weights.append(Grid.objects.count() or 1)
    houses = _split(round(DISTRICT_HOUSES * scale), weights)
    inspections = _split(round(DISTRICT_INSPECTIONS * scale), weights)
    labels = [(code, n < fixed) for code, (found, fixed) in hazard_plan(scale).items() for n in range(found)]
    random.Random(seed).shuffle(labels)  # noqa: S311 - synthetic data
    shares = _split(len(labels), weights)
    plans, first_hazard, first_landlord = [], 0, LANDLORD_FIRST_INDEX
    for number, town in enumerate(towns):
        plans.append(
            TownPlan(
                town=town,
                houses=houses[number],
                inspections=inspections[number],
                hazards=labels[first_hazard : first_hazard + shares[number]],
                first_landlord=first_landlord,
                seed=seed,
                now=now,
            )
        )
        first_hazard += shares[number]
        first_landlord += round(houses[number] / HOUSES_PER_LANDLORD) + 1_000
    return plans


def seed_district_rentals(
    *,
    scale: float = 1.0,
    seed: int = 2021,
    now: datetime | None = None,
    processes: int = 1,
    report: Callable[[str], object] | None = None,
) -> Loaded:
    """Load the district's rentals at ``scale`` (1.0: the document's figures) as of ``now``;
    return what was new. A second run with the same ``scale``, ``seed`` and ``now`` adds
    nothing. With ``processes`` > 1 the towns load side by side in forked processes, each with
    its own connection (not inside a transaction of the caller's: the children commit)."""
    plans = town_plans(scale=scale, seed=seed, now=now or timezone.now())
    started, loaded = time.monotonic(), Loaded()
    results: Iterator[tuple[str, Loaded]]
    if processes <= 1:
        results = map(_load_town, plans)
    else:
        connections.close_all()
        pool = ProcessPoolExecutor(max_workers=processes, mp_context=multiprocessing.get_context("fork"))
        results = pool.map(_load_town, plans)
    for town, town_loaded in results:
        loaded.add(town_loaded)
        if report:
            report(
                f"{town}: {town_loaded.houses:,} houses, {town_loaded.inspections:,} inspections, "
                f"{town_loaded.hazards:,} hazards, {town_loaded.tenancies:,} tenancies "
                f"({time.monotonic() - started:,.0f} s so far)"
            )
    if processes > 1:
        pool.shutdown()
    return loaded
