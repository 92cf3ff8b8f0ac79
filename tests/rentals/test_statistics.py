"""The statistics selectors agree with hand-written SQL on a loaded district (small scale
here; full scale in tests/bench/bench_rentals.py, which calls ``disagreements``), in the
district's scope and a town's; months are Nanhai's calendar months."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from django.db import connection

from nanhai_portal.tenancy import district_context, town_context
from rentals import services, statistics
from rentals.district_loader import seed_district_rentals
from rentals.models import Hazard
from tests.rentals.factories import AT, SHANGHAI, RentalHouseFactory, grid_worker_of

pytestmark = pytest.mark.django_db

# Plain SQL, written by hand from the definitions (not from the selectors): what each should say.
# The intervals are the configured ones (settings: key 30 days, ordinary 90).
SQL: dict[str, str] = {
    "by_category": """
        SELECT category_id, count(*), count(*) FILTER (WHERE state = 'verified')
        FROM rentals_hazard WHERE town_id LIKE %(town)s GROUP BY category_id""",
    "by_town": """
        SELECT town_id, count(*), count(*) FILTER (WHERE state = 'verified')
        FROM rentals_hazard WHERE town_id LIKE %(town)s GROUP BY town_id""",
    "by_month": """
        SELECT date_trunc('month', opened_at AT TIME ZONE 'Asia/Shanghai')::date, count(*),
               count(*) FILTER (WHERE state = 'verified')
        FROM rentals_hazard WHERE town_id LIKE %(town)s GROUP BY 1""",
    "overdue": """
        SELECT town_id, escalated_level, count(*) FROM rentals_hazard
        WHERE town_id LIKE %(town)s AND state IN ('open', 'reopened') AND due_at <= %(now)s GROUP BY 1, 2""",
    "coverage": """
        SELECT town_id, risk_class, count(*),
               count(*) FILTER (WHERE (risk_class = 'key' AND last_inspected_at > %(now)s - interval '30 days')
                                   OR (risk_class = 'ordinary' AND last_inspected_at > %(now)s - interval '90 days'))
        FROM rentals_rentalhouse WHERE town_id LIKE %(town)s AND status <> 'closed' GROUP BY 1, 2""",
    "tenants": """
        SELECT h.town_id, h.risk_class, count(DISTINCT h.id), count(t.id)
        FROM rentals_rentalhouse h
        LEFT JOIN rentals_tenancy t
               ON t.house_id = h.id AND t.from_date <= %(on)s AND (t.to_date IS NULL OR t.to_date >= %(on)s)
        WHERE h.town_id LIKE %(town)s AND h.status <> 'closed' GROUP BY 1, 2""",
}


def selector_rows(*, now: datetime, on: date, town: str | None) -> dict[str, set[tuple[Any, ...]]]:
    """What each selector says, as sets of tuples (in the caller's scope)."""
    return {
        "by_category": {(row.key, row.found, row.fixed) for row in statistics.hazards_by_category(town=town)},
        "by_town": {(row.key, row.found, row.fixed) for row in statistics.hazards_by_town(town=town)},
        "by_month": {(row.key, row.found, row.fixed) for row in statistics.hazards_by_month(town=town)},
        "overdue": {
            (row.town, row.escalated_level, row.count) for row in statistics.overdue_hazards_by_town(now=now, town=town)
        },
        "coverage": {
            (row.town, row.risk_class, row.houses, row.inspected_in_time)
            for row in statistics.inspection_coverage(now=now, town=town)
        },
        "tenants": {
            (row.town, row.risk_class, row.houses, row.tenants)
            for row in statistics.houses_and_tenants_by_risk_class(on=on, town=town)
        },
    }


def sql_rows(*, now: datetime, on: date, town: str | None) -> dict[str, set[tuple[Any, ...]]]:
    answers = {}
    with connection.cursor() as cursor:
        for name, sql in SQL.items():
            cursor.execute(sql, {"now": now, "on": on, "town": town or "%"})
            answers[name] = set(cursor.fetchall())
    return answers


def disagreements(*, now: datetime, on: date, town: str | None = None) -> dict[str, Any]:
    """Per selector that disagrees with its SQL, what only one side has; empty when all agree.
    Runs in the caller's scope (``district_context()`` for the district)."""
    ours, theirs = selector_rows(now=now, on=on, town=town), sql_rows(now=now, on=on, town=town)
    return {name: (ours[name] - theirs[name], theirs[name] - ours[name]) for name in SQL if ours[name] != theirs[name]}


def test_the_selectors_agree_with_sql_on_a_loaded_district() -> None:
    loaded = seed_district_rentals(scale=0.004, now=AT)
    later = AT + timedelta(days=40)  # more overdue, less coverage: the selectors follow ``now``

    with district_context():
        for now in (AT, later):
            assert disagreements(now=now, on=now.date()) == {}
        assert disagreements(now=AT, on=AT.date(), town="shishan") == {}
        district = statistics.hazards_by_town()
        found = sum(row.found for row in district)
        assert found >= loaded.hazards
        assert len({row.key for row in statistics.hazards_by_category()}) == 16
        months = statistics.hazards_by_month()
        assert len(months) > 12 and sum(row.found for row in months) == found
        coverage = statistics.inspection_coverage(now=AT)
        assert {row.risk_class for row in coverage} == {"key", "ordinary"}
        covered = sum(row.inspected_in_time for row in coverage) / sum(row.houses for row in coverage)
        assert 0.75 < covered < 0.97
    # A town's scope sees its own and says the same as the district narrowed to it.
    with town_context("shishan"):
        assert disagreements(now=AT, on=AT.date()) == {}
        assert statistics.hazards_by_town() == [row for row in district if row.key == "shishan"]
        assert {row.town for row in statistics.inspection_coverage(now=AT)} == {"shishan"}


def test_a_hazard_found_at_2330_on_31_january_is_januarys() -> None:
    house = RentalHouseFactory(town_id="xiqiao")
    worker = grid_worker_of(house.grid)
    late = datetime(2025, 1, 31, 23, 30, tzinfo=SHANGHAI)  # 15:30 UTC, still January in both
    midnight = datetime(2025, 2, 1, 0, 0, tzinfo=SHANGHAI)  # 2025-01-31 16:00 UTC: February here
    with town_context("xiqiao"):
        for when, category in ((late, "gas"), (midnight, "fire_door")):
            services.inspection_record(
                house=house,
                client_id=uuid.uuid4(),
                items=[{"category": category, "result": "hazard"}],
                by=worker,
                inspected_at=when,
            )
        months = statistics.hazards_by_month(
            since=datetime(2025, 1, 1, tzinfo=SHANGHAI), until=datetime(2025, 3, 1, tzinfo=SHANGHAI)
        )
        assert [(row.key, row.found, row.fixed) for row in months] == [
            (date(2025, 1, 1), 1, 0),
            (date(2025, 2, 1), 1, 0),
        ]
        # The period is half-open: until midnight of 1 February excludes February's first minute.
        january = statistics.hazards_by_month(since=datetime(2025, 1, 1, tzinfo=SHANGHAI), until=midnight)
        assert [(row.key, row.found) for row in january] == [(date(2025, 1, 1), 1)]
        by_category = {
            row.key: row for row in statistics.hazards_by_category(since=late, until=midnight + timedelta(1))
        }
        assert {code: (row.found, row.fixed, row.fix_rate) for code, row in by_category.items()} == {
            "gas": (1, 0, 0.0),
            "fire_door": (1, 0, 0.0),
        }
        assert Hazard.objects.filter(house=house).count() == 2


def test_fix_rate_is_fixed_over_found_and_none_for_nothing_found() -> None:
    assert statistics.HazardCounts("gas", 395_000, 391_000).fix_rate == pytest.approx(0.98987, abs=1e-5)
    assert statistics.HazardCounts("gas", 395_000, 391_000).open == 4_000
    assert statistics.HazardCounts("gas", 0, 0).fix_rate is None
    assert statistics.Coverage("dali", "key", 0, 0).rate is None
