"""Reads for rentals: the grid worker's day.

Each selector states whose data it reads: it starts from ``rentals.access`` (the caller's
visible houses, in the current town), so a page and the API that use it show the same.
"""

from __future__ import annotations

from datetime import UTC, datetime

from django.db.models import BooleanField, Case, DateTimeField, Exists, F, OuterRef, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce

from nanhai_portal.accounts.models import Caller
from rentals import access, conf
from rentals.models import Hazard, RentalHouse

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


# --- The officers' pages: the town's hazards, the escalation queues, the houses ---------------
#
# For the town's officers and admins (their town) and the district's roles (every town, in a
# district scope); ``access.oversees_houses`` says who. Each read starts from ``access``.

from collections.abc import Iterable  # noqa: E402
from typing import Any  # noqa: E402

from django.db.models import Count, Subquery  # noqa: E402

from nanhai_portal.areas.models import GridUserObjectPermission  # noqa: E402
from nanhai_portal.tenancy import is_district_scope  # noqa: E402


def officer_hazards(
    user: Caller,
    *,
    now: datetime,
    state: str | None = None,
    category: str | None = None,
    grid: Any = None,
    community: Any = None,
    town: str | None = None,
    overdue: bool | None = None,
) -> QuerySet[Hazard]:
    """The hazards ``user`` oversees, filtered; the nearest deadline first. ``overdue`` True:
    not fixed and past the deadline; False: the others."""
    hazards = access.hazards_visible_to(user)
    if state:
        hazards = hazards.filter(state=state)
    if category:
        hazards = hazards.filter(category_id=category)
    if grid:
        hazards = hazards.filter(house__grid=grid)
    if community:
        hazards = hazards.filter(house__community=community)
    if town:
        hazards = hazards.filter(town_id=town)
    late = Q(state__in=OPEN_STATES, due_at__lte=now)
    if overdue is True:
        hazards = hazards.filter(late)
    elif overdue is False:
        hazards = hazards.exclude(late)
    return hazards.select_related("house__grid", "house__community", "category", "town").order_by("due_at", "pk")


def hazard_counts(hazards: QuerySet[Hazard], field: str) -> dict[str, int]:
    """How many of ``hazards`` there are by ``field`` (``state`` or ``category``), most first."""
    rows = hazards.order_by().values(field).annotate(total=Count("pk")).order_by("-total", field)
    return {row[field]: row["total"] for row in rows}


def escalation_queue(user: Caller) -> QuerySet[Hazard]:
    """The escalated hazards still waiting for a fix, the oldest deadline first: in a town, the
    town's queue (level 1 and up); in a district scope, the district's list (level 2), every town."""
    from rentals.services import ESCALATED_TO_DISTRICT, ESCALATED_TO_TOWN, awaiting_fix_states

    level = ESCALATED_TO_DISTRICT if is_district_scope() else ESCALATED_TO_TOWN
    return (
        access.hazards_visible_to(user)
        .filter(state__in=awaiting_fix_states(), escalated_level__gte=level)
        .select_related("house__grid", "house__community", "category", "town")
        .order_by("due_at", "pk")
    )


def grid_workers(grid_ids: Iterable[Any]) -> dict[Any, list[str]]:
    """The names of the workers serving each of ``grid_ids`` (one query for a page of rows)."""
    found: dict[Any, list[str]] = {}
    rows = (
        GridUserObjectPermission.objects.filter(content_object_id__in=set(grid_ids), permission__codename="serve_grid")
        .order_by("user__name", "user__username")
        .values_list("content_object_id", "user__name", "user__username")
    )
    for grid_id, name, username in rows:
        found.setdefault(grid_id, []).append(name or username)
    return found


def officer_houses(
    user: Caller,
    *,
    now: datetime,
    grid: Any = None,
    community: Any = None,
    town: str | None = None,
    risk_class: str | None = None,
    due: bool | None = None,
) -> QuerySet[RentalHouse]:
    """The houses ``user`` oversees, filtered; ``due`` True: due for inspection by ``now``
    (``_due_by``, closed houses excepted), False: the others. Annotated ``inspection_due`` and
    ``open_hazards`` (not yet verified); by town, then address."""
    houses = access.houses_visible_to(user)
    if grid:
        houses = houses.filter(grid=grid)
    if community:
        houses = houses.filter(community=community)
    if town:
        houses = houses.filter(town_id=town)
    if risk_class:
        houses = houses.filter(risk_class=risk_class)
    if due is True:
        houses = houses.exclude(status=RentalHouse.Status.CLOSED).filter(_due_by(now))
    elif due is False:
        houses = houses.exclude(Q(_due_by(now)) & ~Q(status=RentalHouse.Status.CLOSED))
    return (
        houses.annotate(
            inspection_due=inspection_due_at(),
            # A subquery per row shown, not a GROUP BY over every house before the page is cut.
            open_hazards=Coalesce(
                Subquery(
                    Hazard.objects.filter(house=OuterRef("pk"))
                    .exclude(state=Hazard.State.VERIFIED)
                    .order_by()
                    .values("house")
                    .annotate(total=Count("pk"))
                    .values("total")
                ),
                Value(0),
            ),
        )
        .select_related("grid", "community", "town")
        .order_by("town_id", "address", "pk")
    )
