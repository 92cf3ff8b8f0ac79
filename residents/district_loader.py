"""The district at full scale: 2.3 million synthetic residents, loaded in minutes.

Rows are made in Python (names, valid ID numbers with Nanhai region codes, encryption and
blind indexes), copied with COPY into a temporary staging table, and moved set-wise per town
and batch: the people found or made (``PERSON_INSERT_SQL``, as every path that makes people),
then those not registered anywhere claimed for the town and registered in it. PostgreSQL
does not allow COPY into a table under row-level security, and the inserts run under it, in
the town's own scope.
"""

from __future__ import annotations

import io
import multiprocessing
import random
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from datetime import date, timedelta

from django.db import connection, connections, transaction

from nanhai_portal.areas.models import Community, Town
from nanhai_portal.pii import crypto, id_facts
from nanhai_portal.pii.validators import id_check_character
from nanhai_portal.tenancy import town_context
from residents import synthetic
from residents.services.people import CLAIM_SQL, PERSON_INSERT_SQL

DISTRICT_RESIDENTS = 2_301_100  # registered new residents, 2021 (the source document)
BATCH = 20_000
COLUMNS = (
    "seq", "name", "id_number", "id_number_index", "mobile", "mobile_index", "sex", "birth_date", "origin",
    "community_id", "address", "registered_since",
)  # fmt: skip
STAGING_DDL = f"""
    CREATE TEMP TABLE IF NOT EXISTS resident_staging (
        {", ".join(f"{column} {'integer' if column == 'seq' else 'text'}" for column in COLUMNS)}
    ) ON COMMIT DELETE ROWS
"""
# The people made (registered in the town at once) or claimed, then their registrations, in
# one statement: its row count is the new registrations.
REGISTER_SQL = (
    "WITH made AS ("  # noqa: S608 - fixed names
    + PERSON_INSERT_SQL.format(source="resident_staging", where="", order="seq", registered_town="%(town)s")
    + " RETURNING id, id_number_index), "
    + CLAIM_SQL.format(source="resident_staging")
    + """
    INSERT INTO residents_resident (id, town_id, person_id, community_id, address, registered_since, created_at)
    SELECT gen_random_uuid(), %(town)s, r.person_id, s.community_id::uuid, s.address, s.registered_since::date, now()
    FROM registered r JOIN resident_staging s ON s.id_number_index = r.id_number_index
    ORDER BY s.seq
    """
)


def _id_number(index: int) -> str:
    """The index-th synthetic ID number: unique for every index below 146 million."""
    region = synthetic.ORIGIN_REGIONS[index % len(synthetic.ORIGIN_REGIONS)]
    rest = index // len(synthetic.ORIGIN_REGIONS)
    born = date(1960, 1, 1) + timedelta(days=rest // 1000 % 14_600)
    first17 = f"{region}{born:%Y%m%d}{rest % 1000:03d}"
    return first17 + id_check_character(first17)


def _rows(start: int, count: int, town: str, communities: list[tuple[str, str]], rng: random.Random) -> io.StringIO:
    buffer = io.StringIO()
    today = date.today()
    for index in range(start, start + count):
        number = _id_number(index)
        facts = id_facts(number)
        mobile = synthetic.mobile(rng)
        community_id, community_name = communities[index % len(communities)]
        registered = today - timedelta(days=rng.randrange(30, 3650))
        fields = (
            str(index), synthetic.name(rng), crypto.encrypt(number), crypto.blind_index("id_number", number),
            crypto.encrypt(mobile), crypto.blind_index("mobile", mobile), facts.sex, facts.birth_date.isoformat(),
            facts.origin, community_id, f"{community_name}{rng.randrange(1, 300)}号", registered.isoformat(),
        )  # fmt: skip
        buffer.write("\t".join(fields) + "\n")
    buffer.seek(0)
    return buffer


def _load_town(plan: tuple[str, int, int, int]) -> tuple[str, int]:
    """Load one town's share (run in a worker process, or in this one)."""
    town, first, town_count, seed = plan
    rng = random.Random(seed)  # noqa: S311 - synthetic data
    with town_context(town):
        communities = [(str(pk), name) for pk, name in Community.objects.values_list("pk", "name")]
    loaded = 0
    for offset in range(0, town_count, BATCH):
        size = min(BATCH, town_count - offset)
        with town_context(town), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(STAGING_DDL)
            cursor.execute("TRUNCATE resident_staging")  # empty even inside an outer transaction
            cursor.copy_expert(
                f"COPY resident_staging ({', '.join(COLUMNS)}) FROM STDIN",
                _rows(first + offset, size, town, communities, rng),
            )
            cursor.execute(REGISTER_SQL, {"town": town})
            loaded += cursor.rowcount
    return town, loaded


def seed_district_residents(
    *,
    count: int = DISTRICT_RESIDENTS,
    seed: int = 2021,
    processes: int = 1,
    report: Callable[[str], object] | None = None,
) -> int:
    """Load ``count`` residents spread over the seven towns; return how many were new.

    With ``processes`` > 1 the towns load side by side in forked processes, each with its
    own connection (not inside a transaction of the caller's: the children commit).
    """
    towns = list(Town.objects.values_list("code", flat=True))
    share = count // len(towns)
    plans = [
        (town, number * share, share if number < len(towns) - 1 else count - share * (len(towns) - 1), seed + number)
        for number, town in enumerate(towns)
    ]
    started, loaded = time.monotonic(), 0
    results: Iterator[tuple[str, int]]
    if processes <= 1:
        results = map(_load_town, plans)
    else:
        connections.close_all()
        pool = ProcessPoolExecutor(max_workers=processes, mp_context=multiprocessing.get_context("fork"))
        results = pool.map(_load_town, plans)
    for town, town_loaded in results:
        loaded += town_loaded
        if report:
            report(
                f"{town}: {town_loaded:,} new residents ({loaded / (time.monotonic() - started):,.0f} rows/s so far)"
            )
    if processes > 1:
        pool.shutdown()
    return loaded
