"""Reads for rentals: the grid worker's day.

Each selector states whose data it reads: it starts from ``rentals.access`` (the caller's
visible houses, in the current town), so a page and the API that use it show the same.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID

from django.db.models import (
    BooleanField,
    Case,
    Count,
    DateTimeField,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from nanhai_portal.accounts.models import Caller
from rentals import access, conf
from rentals.models import Hazard, Inspection, RentalHouse

# Awaiting the grid worker: a fix to verify, or an open one whose deadline has come.
RETURN_VISIT_STATES = (Hazard.State.RECTIFICATION_SUBMITTED,)
OPEN_STATES = (Hazard.State.OPEN, Hazard.State.REOPENED)
NEVER = datetime(1970, 1, 1, tzinfo=UTC)


def inspection_due_at() -> Case:
    """When a house is next due for inspection: its last visit plus its risk class's interval
    (``conf``), or long ago if never inspected. One CASE per configured class, so the
    database computes it and can sort by it."""
    last = Coalesce(F("last_inspected_at"), Value(NEVER))
    return Case(
        *[When(risk_class=code, then=last + Value(conf.inspection_interval(code))) for code in conf.risk_classes()],
        default=Value(NEVER),
        output_field=DateTimeField(),
    )


def _due_by(now: datetime) -> Q:
    """Due by ``now``, as plain ranges on ``last_inspected_at`` per class (the grid index
    ``rentalhouse_grid_due`` answers them), not as a computed expression."""
    # A house whose class is no longer configured is due at once (its interval is unknown).
    due = Q(last_inspected_at__isnull=True) | ~Q(risk_class__in=list(conf.risk_classes()))
    for code in conf.risk_classes():
        due |= Q(risk_class=code, last_inspected_at__lte=now - conf.inspection_interval(code))
    return due


def houses_due_for_inspection(user: Caller, *, now: datetime) -> QuerySet[RentalHouse]:
    """The let or vacant houses ``user`` may inspect (a grid worker's: their grids') that are due
    by ``now``: the most overdue first. Annotated ``inspection_due``."""
    return (
        access.houses_visible_to(user)
        .filter(grid__in=access.grids_served_by(user).values("pk"))
        .exclude(status=RentalHouse.Status.CLOSED)
        .filter(_due_by(now))
        .annotate(inspection_due=inspection_due_at())
        .order_by("inspection_due", "address")
    )


def hazards_for_return_visit(user: Caller, *, now: datetime) -> QuerySet[Hazard]:
    """The hazards in ``user``'s grids that need the grid worker: a rectification to verify,
    or an open hazard past its deadline. Overdue first, then by deadline. Annotated ``overdue``."""
    return (
        access.hazards_visible_to(user)
        .filter(house__grid__in=access.grids_served_by(user).values("pk"))
        .filter(Q(state__in=RETURN_VISIT_STATES) | Q(state__in=OPEN_STATES, due_at__lte=now))
        .annotate(
            overdue=Case(When(due_at__lte=now, then=Value(True)), default=Value(False), output_field=BooleanField())
        )
        .select_related("house", "category")
        .order_by("-overdue", "due_at")
    )


def has_open_hazards() -> Exists:
    """For annotating houses: at least one hazard not yet verified."""
    return Exists(Hazard.objects.filter(house=OuterRef("pk")).exclude(state=Hazard.State.VERIFIED))


def overdue_hazards(user: Caller, *, now: datetime) -> QuerySet[Hazard]:
    """Hazards ``user`` may see that are not fixed and past their deadline, the oldest first."""
    return access.hazards_visible_to(user).filter(state__in=OPEN_STATES, due_at__lte=now).order_by("due_at")


# --- The API's lists (rentals API) ----------------------------------------------------------


def _with_summary(houses: QuerySet[RentalHouse]) -> QuerySet[RentalHouse]:
    """Annotate each house with ``open_hazards`` (not yet verified), ``last_inspection`` (the
    latest visit's id) and ``inspection_due``; the landlord comes with it."""
    open_hazards = (
        Hazard.objects.in_current_scope()
        .filter(house=OuterRef("pk"))
        .exclude(state=Hazard.State.VERIFIED)
        .order_by()
        .values("house")
        .annotate(count=Count("pk"))
        .values("count")
    )
    latest = Inspection.objects.in_current_scope().filter(house=OuterRef("pk")).order_by("-inspected_at", "-pk")
    return houses.select_related("landlord").annotate(
        open_hazards=Coalesce(Subquery(open_hazards, output_field=IntegerField()), Value(0)),
        last_inspection=Subquery(latest.values("pk")[:1]),
        inspection_due=inspection_due_at(),
    )


def houses_listed(
    user: Caller,
    *,
    now: datetime,
    grid: UUID | None = None,
    community: UUID | None = None,
    risk_class: str | None = None,
    due: bool = False,
) -> QuerySet[RentalHouse]:
    """The houses ``user`` may see, by address, or with ``due`` the ones they inspect that are due
    by ``now`` (``houses_due_for_inspection``, the most overdue first); each with its summary."""
    houses = houses_due_for_inspection(user, now=now) if due else access.houses_visible_to(user).order_by("address")
    if grid:
        houses = houses.filter(grid_id=grid)
    if community:
        houses = houses.filter(community_id=community)
    if risk_class:
        houses = houses.filter(risk_class=risk_class)
    return _with_summary(houses)


def house_detail(user: Caller, pk: UUID | str) -> RentalHouse:
    """One house ``user`` may see, with its summary (Http404 otherwise)."""
    house = access.get_house_for(user, pk)
    return _with_summary(RentalHouse.objects.in_current_scope().filter(pk=house.pk)).get()


def hazards_listed(
    user: Caller,
    *,
    now: datetime,
    state: str | None = None,
    category: str | None = None,
    overdue: bool = False,
    house: UUID | None = None,
) -> QuerySet[Hazard]:
    """The hazards ``user`` may see, the nearest deadline first; with ``overdue`` only those not
    fixed and past their deadline (``overdue_hazards``)."""
    hazards = overdue_hazards(user, now=now) if overdue else access.hazards_visible_to(user).order_by("due_at", "pk")
    if state:
        hazards = hazards.filter(state=state)
    if category:
        hazards = hazards.filter(category_id=category)
    if house:
        hazards = hazards.filter(house_id=house)
    return hazards.select_related("item")


# --- The grid worker's day (the today page and its home tile) -------------------------

DAY_HOUSES_SHOWN = 200  # a day's walk is far fewer; the page says how many more are due


@dataclass(frozen=True)
class GridWorkerDay:
    """What the today page shows, in its order: overdue hazards first, then the houses due for
    inspection (by risk class in the configured order, then the longest unvisited), then the
    hazards waiting for a return visit. ``houses_due`` counts every due house, ``houses`` holds
    the first ``DAY_HOUSES_SHOWN`` of them."""

    overdue: list[Hazard]
    houses: list[RentalHouse]
    houses_due: int
    return_visits: list[Hazard]

    @property
    def houses_not_shown(self) -> int:
        return self.houses_due - len(self.houses)

    @property
    def work_count(self) -> int:
        """The number on the home tile: houses due and overdue hazards."""
        return self.houses_due + len(self.overdue)


def risk_class_rank() -> Case:
    """A house's risk class as its place in ``conf.risk_classes()`` (the key class first, as
    configured); an unknown class last."""
    classes = list(conf.risk_classes())
    return Case(
        *[When(risk_class=code, then=Value(rank)) for rank, code in enumerate(classes)],
        default=Value(len(classes)),
        output_field=IntegerField(),
    )


def grid_worker_day(user: Caller, *, now: datetime) -> GridWorkerDay:
    """``user``'s day in their own grids at ``now`` (nothing for one who serves no grid)."""
    due = houses_due_for_inspection(user, now=now).select_related("grid")
    ordered = due.annotate(class_rank=risk_class_rank()).order_by(
        "class_rank",
        "inspection_due",  # type: ignore[misc]  # annotated by houses_due_for_inspection
        "address",
    )
    houses: list[RentalHouse] = list(ordered[:DAY_HOUSES_SHOWN])
    hazards = list(hazards_for_return_visit(user, now=now).select_related("house__grid"))
    return GridWorkerDay(
        overdue=[hazard for hazard in hazards if hazard.overdue],  # type: ignore[attr-defined]
        houses=houses,
        houses_due=len(houses) if len(houses) < DAY_HOUSES_SHOWN else due.count(),
        return_visits=[hazard for hazard in hazards if not hazard.overdue],  # type: ignore[attr-defined]
    )


def grid_worker_work_count(user: Caller, *, now: datetime) -> int:
    """The home tile's number: houses due for inspection and overdue hazards in ``user``'s grids."""
    overdue = hazards_for_return_visit(user, now=now).filter(due_at__lte=now).count()
    return houses_due_for_inspection(user, now=now).count() + overdue
