"""Statistics of rental-house fire safety, for the district dashboard (read-only).

Each selector reads the current scope (``in_current_scope``: the town being served, or every
town inside ``district_context()``), optionally narrowed to one ``town=``, and answers in one
grouped query. Times are the caller's: a period is ``since`` (inclusive) to ``until``
(exclusive), "now" is ``now=``, "today" is ``on=``; nothing here reads the clock.

- hazards found, fixed and the fix rate, by category, by town and by month: "found" is the
  hazards opened in the period, "fixed" those of them verified by the grid worker (整改完成),
  as the source document counts 395,000 found and 391,000 fixed (98.9%);
- overdue hazards by town and escalation level (``selectors.OPEN_STATES`` past their deadline);
- inspection coverage by town and risk class: houses (not closed) inspected within their
  risk class's interval (``conf.inspection_interval``), over all of them;
- houses and current tenants by town and risk class.

A month is a calendar month in Nanhai's time zone (``settings.TIME_ZONE``): a hazard opened at
2025-01-31 23:30 Shanghai time is January's.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, DateField, Q, QuerySet
from django.db.models.functions import TruncMonth

from rentals import selectors
from rentals.models import Hazard, RentalHouse

FIXED = Q(state=Hazard.State.VERIFIED)


@dataclass(frozen=True)
class HazardCounts:
    """Hazards found in a group (a category, a town or a month) and how many are fixed."""

    key: Any
    found: int
    fixed: int

    @property
    def open(self) -> int:
        return self.found - self.fixed

    @property
    def fix_rate(self) -> float | None:
        """Fixed over found (0.989 for the district's 391,000 of 395,000); None for none found."""
        return self.fixed / self.found if self.found else None


@dataclass(frozen=True)
class OverdueCount:
    town: str
    escalated_level: int
    count: int


@dataclass(frozen=True)
class Coverage:
    """Houses of a town and risk class, and how many were inspected within their interval."""

    town: str
    risk_class: str
    houses: int
    inspected_in_time: int

    @property
    def rate(self) -> float | None:
        return self.inspected_in_time / self.houses if self.houses else None


@dataclass(frozen=True)
class RiskClassCount:
    town: str
    risk_class: str
    houses: int
    tenants: int


def _hazards(*, town: str | None, since: datetime | None, until: datetime | None) -> QuerySet[Hazard]:
    hazards = Hazard.objects.in_current_scope()
    if town is not None:
        hazards = hazards.filter(town_id=town)
    if since is not None:
        hazards = hazards.filter(opened_at__gte=since)
    if until is not None:
        hazards = hazards.filter(opened_at__lt=until)
    return hazards


def _houses(town: str | None) -> QuerySet[RentalHouse]:
    houses = RentalHouse.objects.in_current_scope()
    return houses if town is None else houses.filter(town_id=town)


def _counted(rows: Iterable[Mapping[str, Any]], key: str) -> list[HazardCounts]:
    return [HazardCounts(row[key], row["found"], row["fixed"]) for row in rows]


def hazards_by_category(
    *, town: str | None = None, since: datetime | None = None, until: datetime | None = None
) -> list[HazardCounts]:
    """Per checklist category (its code), hazards opened in the period and those fixed, in the
    checklist's order."""
    rows = (
        _hazards(town=town, since=since, until=until)
        .values("category_id", "category__sort_order")
        .annotate(found=Count("id"), fixed=Count("id", filter=FIXED))
        .order_by("category__sort_order", "category_id")
    )
    return _counted(rows, "category_id")


def hazards_by_town(
    *, town: str | None = None, since: datetime | None = None, until: datetime | None = None
) -> list[HazardCounts]:
    """Per town (its code), hazards opened in the period and those fixed."""
    rows = (
        _hazards(town=town, since=since, until=until)
        .values("town_id")
        .annotate(found=Count("id"), fixed=Count("id", filter=FIXED))
        .order_by("town_id")
    )
    return _counted(rows, "town_id")


def hazards_by_month(
    *, town: str | None = None, since: datetime | None = None, until: datetime | None = None
) -> list[HazardCounts]:
    """Per calendar month in Nanhai (the month's first day, a ``date``), hazards opened in that
    month and those of them fixed since, oldest month first."""
    month = TruncMonth("opened_at", output_field=DateField(), tzinfo=ZoneInfo(settings.TIME_ZONE))
    rows = (
        _hazards(town=town, since=since, until=until)
        .annotate(month=month)
        .values("month")
        .annotate(found=Count("id"), fixed=Count("id", filter=FIXED))
        .order_by("month")
    )
    return _counted(rows, "month")


def overdue_hazards_by_town(*, now: datetime, town: str | None = None) -> list[OverdueCount]:
    """Per town and escalation level (0 not yet escalated, 1 the town's queue, 2 the
    district's list), the hazards not fixed and past their deadline at ``now``."""
    hazards = _hazards(town=town, since=None, until=None).filter(state__in=selectors.OPEN_STATES, due_at__lte=now)
    rows = (
        hazards.values("town_id", "escalated_level").annotate(count=Count("id")).order_by("town_id", "escalated_level")
    )
    return [OverdueCount(row["town_id"], row["escalated_level"], row["count"]) for row in rows]


def inspection_coverage(*, now: datetime, town: str | None = None) -> list[Coverage]:
    """Per town and risk class, the houses not closed and those inspected within their risk
    class's interval before ``now`` (not due for inspection: ``selectors.due_for_inspection``)."""
    rows = (
        _houses(town)
        .exclude(status=RentalHouse.Status.CLOSED)
        .values("town_id", "risk_class")
        .annotate(houses=Count("id"), in_time=Count("id", filter=~selectors.due_for_inspection(now)))
        .order_by("town_id", "risk_class")
    )
    return [Coverage(row["town_id"], row["risk_class"], row["houses"], row["in_time"]) for row in rows]


def houses_and_tenants_by_risk_class(*, on: date, town: str | None = None) -> list[RiskClassCount]:
    """Per town and risk class, the houses not closed and their tenants on the day ``on`` (a
    tenancy counts from its first day through its last)."""
    current = Q(tenancies__from_date__lte=on) & (Q(tenancies__to_date__isnull=True) | Q(tenancies__to_date__gte=on))
    rows = (
        _houses(town)
        .exclude(status=RentalHouse.Status.CLOSED)
        .values("town_id", "risk_class")
        .annotate(houses=Count("id", distinct=True), tenants=Count("tenancies", filter=current))
        .order_by("town_id", "risk_class")
    )
    return [RiskClassCount(row["town_id"], row["risk_class"], row["houses"], row["tenants"]) for row in rows]
