"""Reads for rentals: the grid worker's day.

Each selector states whose data it reads: it starts from ``rentals.access`` (the caller's
visible houses, in the current town), so a page and the API that use it show the same.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any
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
    Window,
)
from django.db.models.functions import Coalesce

from nanhai_portal.accounts.models import Caller, User
from nanhai_portal.areas.models import Grid, GridUserObjectPermission
from nanhai_portal.audit.models import AuditEvent
from nanhai_portal.pii.fields import lookup_index
from nanhai_portal.pii.validators import validate_id_number
from nanhai_portal.tenancy import is_district_scope
from rentals import access, conf
from rentals.models import WAITING_HAZARD_STATES, Hazard, HazardCategory, Inspection, RentalHouse, Tenancy
from residents.models import Resident

# Awaiting the grid worker: a fix to verify, or an open one whose deadline has come.
RETURN_VISIT_STATES = (Hazard.State.RECTIFICATION_SUBMITTED,)
OPEN_STATES = (Hazard.State.OPEN, Hazard.State.REOPENED)
WAITING_STATES = WAITING_HAZARD_STATES  # not yet verified: open, reopened or rectified
NEVER = datetime(1970, 1, 1, tzinfo=UTC)


def categories_by_code() -> dict[str, HazardCategory]:
    """The checklist's categories by code, retired ones included (the district's, a few dozen
    rows): what an inspection's answers name (``Inspection.answer_list``)."""
    return {category.code: category for category in HazardCategory.objects.all()}


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


def houses_due_for_inspection(
    user: Caller, *, now: datetime, grids: Collection[Any] | None = None
) -> QuerySet[RentalHouse]:
    """The let or vacant houses ``user`` may inspect (a grid worker's: their grids') that are due
    by ``now``: the most overdue first. Annotated ``inspection_due``. ``grids``: the ids of the
    grids ``user`` serves, when the caller has read them (``grid_worker_day``)."""
    return (
        access.houses_of_served_grids(user, grids=grids)
        .exclude(status=RentalHouse.Status.CLOSED)
        .filter(_due_by(now))
        .annotate(inspection_due=inspection_due_at())
        .order_by("inspection_due", "address")
    )


def hazards_for_return_visit(user: Caller, *, now: datetime, grids: Collection[Any] | None = None) -> QuerySet[Hazard]:
    """The hazards in ``user``'s grids that need the grid worker: a rectification to verify,
    or an open hazard past its deadline. Overdue first, then by deadline. Annotated ``overdue``.
    ``grids`` as for ``houses_due_for_inspection``."""
    return (
        access.hazards_of_served_grids(user, grids=grids)
        # The states first, as the partial index ``hazard_waiting_by_house`` holds them.
        .filter(state__in=WAITING_STATES)
        .filter(Q(state__in=RETURN_VISIT_STATES) | Q(due_at__lte=now))
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
    grid: Any = None,
    community: Any = None,
    town: str | None = None,
    risk_class: str | None = None,
    due: bool | None = None,
) -> QuerySet[RentalHouse]:
    """The houses ``user`` may see, filtered, each with its summary (``_with_summary``): by
    town and address; ``due`` True: only those due for inspection by ``now`` (``_due_by``,
    closed houses excepted), the most overdue first; False: the others. The API's list and the
    officers' houses page both read it."""
    houses = access.houses_visible_to(user)
    if grid:
        houses = houses.filter(grid_id=grid)
    if community:
        houses = houses.filter(community_id=community)
    if town:
        houses = houses.filter(town_id=town)
    if risk_class:
        houses = houses.filter(risk_class=risk_class)
    due_now = Q(_due_by(now)) & ~Q(status=RentalHouse.Status.CLOSED)
    if due is True:
        houses = houses.filter(due_now)
    elif due is False:
        houses = houses.exclude(due_now)
    houses = _with_summary(houses).select_related("grid", "community", "town")
    if due is True:
        return houses.order_by("inspection_due", "address", "pk")  # type: ignore[misc]  # annotated by _with_summary
    return houses.order_by("town_id", "address", "pk")


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
    grid: Any = None,
    community: Any = None,
    town: str | None = None,
    house: Any = None,
    overdue: bool | None = None,
) -> QuerySet[Hazard]:
    """The hazards ``user`` may see, filtered; the nearest deadline first. ``overdue`` True: not
    fixed and past the deadline at ``now`` (as ``overdue_hazards``); False: the others. The
    API's list, the officers' hazards page and their tiles all read it."""
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
    if house:
        hazards = hazards.filter(house_id=house)
    late = Q(state__in=OPEN_STATES, due_at__lte=now)
    if overdue is True:
        hazards = hazards.filter(late)
    elif overdue is False:
        hazards = hazards.exclude(late)
    return hazards.select_related("house__grid", "house__community", "category", "town").order_by("due_at", "pk")


# --- The grid worker's day (the today page and its home tile) -------------------------

DAY_HOUSES_SHOWN = 40  # a day's walk, a page of the today list; the page says how many more are due


@dataclass(frozen=True)
class GridWorkerDay:
    """What the today page shows, in its order: overdue hazards first, then the houses due for
    inspection (by risk class in the configured order, then the longest unvisited), then the
    hazards waiting for a return visit. ``houses_due`` counts every due house; ``houses`` holds
    ``DAY_HOUSES_SHOWN`` of them, those of page ``page`` (from 1), after ``houses_before``."""

    overdue: list[Hazard]
    houses: list[RentalHouse]
    houses_due: int
    return_visits: list[Hazard]
    page: int = 1
    houses_before: int = 0
    grids: list[Grid] = field(default_factory=list)  # the grids served, by code

    @property
    def houses_not_shown(self) -> int:
        """The due houses after this page's."""
        return max(0, self.houses_due - self.houses_before - len(self.houses))

    @property
    def next_page(self) -> int | None:
        return self.page + 1 if self.houses_not_shown else None

    @property
    def previous_page(self) -> int | None:
        return self.page - 1 if self.page > 1 else None

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


def grid_worker_day(user: Caller, *, now: datetime, page: int = 1) -> GridWorkerDay:
    """``user``'s day in their own grids at ``now`` (nothing for one who serves no grid), with
    page ``page`` of the houses due (``DAY_HOUSES_SHOWN`` a page; a page past the last is empty).
    The grids served are read once, and the queries below use their ids."""
    page = max(1, page)
    served = list(access.grids_served_by(user).order_by("code"))
    grids = [grid.pk for grid in served]
    due = houses_due_for_inspection(user, now=now, grids=grids).select_related("grid")
    # Each row carries the number of houses due (a window over them all), so that the page
    # and its count are one query; only a page past the last counts on its own.
    ordered = due.annotate(class_rank=risk_class_rank(), due_in_all=Window(Count("pk"))).order_by(
        "class_rank",
        "inspection_due",  # type: ignore[misc]  # annotated by houses_due_for_inspection
        "address",
    )
    before = (page - 1) * DAY_HOUSES_SHOWN
    houses: list[RentalHouse] = list(ordered[before : before + DAY_HOUSES_SHOWN])
    if houses:
        counted = houses[0].due_in_all  # type: ignore[attr-defined]
    else:
        counted = 0 if page == 1 else due.count()
    hazards = list(hazards_for_return_visit(user, now=now, grids=grids).select_related("house__grid"))
    return GridWorkerDay(
        overdue=[hazard for hazard in hazards if hazard.overdue],  # type: ignore[attr-defined]
        houses=houses,
        houses_due=counted,
        return_visits=[hazard for hazard in hazards if not hazard.overdue],  # type: ignore[attr-defined]
        page=page,
        houses_before=before,
        grids=served,
    )


def grid_worker_work_count(user: Caller, *, now: datetime) -> int:
    """The home tile's number: houses due for inspection and overdue hazards in ``user``'s grids."""
    overdue = hazards_for_return_visit(user, now=now).filter(due_at__lte=now).count()
    return houses_due_for_inspection(user, now=now).count() + overdue


# --- The landlord's and the tenant's pages (helper C) --------------------------------------


def houses_let_by(user: Caller) -> QuerySet[RentalHouse]:
    """The houses of the current town whose landlord is ``user``'s person, by address.
    Annotated ``open_hazards`` (not yet verified)."""
    if not isinstance(user, User) or not user.is_authenticated:
        return RentalHouse.objects.none()
    return (
        access.houses_visible_to(user)
        .filter(landlord__user=user)
        .select_related("grid", "community")
        .annotate(open_hazards=Count("hazards", filter=~Q(hazards__state=Hazard.State.VERIFIED)))
        .order_by("address")
    )


def houses_rented_by(user: Caller, *, today: date) -> QuerySet[RentalHouse]:
    """The houses ``user`` rents on ``today`` (a current registration's tenancy, through its last day)."""
    if not getattr(user, "is_authenticated", False):
        return RentalHouse.objects.none()
    renting = Q(tenancies__to_date__isnull=True) | Q(tenancies__to_date__gte=today)
    tenant = Q(
        tenancies__resident__person__user=user,
        tenancies__resident__moved_out_on=None,
        tenancies__from_date__lte=today,
    )
    houses = access.houses_visible_to(user)
    return houses.filter(pk__in=houses.filter(tenant & renting).values("pk")).select_related("grid").order_by("address")


def open_hazards_of(houses: QuerySet[RentalHouse], *, now: datetime) -> QuerySet[Hazard]:
    """The hazards of ``houses`` not yet verified: overdue first, then by deadline. Annotated
    ``overdue`` (open or reopened, past the deadline at ``now``)."""
    return (
        Hazard.objects.in_current_scope()
        .filter(house__in=houses.values("pk"))
        .exclude(state=Hazard.State.VERIFIED)
        .annotate(
            overdue=Case(
                When(state__in=OPEN_STATES, due_at__lte=now, then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            )
        )
        .select_related("category", "house")
        .order_by("-overdue", "due_at")
    )


def landlord_open_hazard_count(user: Caller) -> int | None:
    """The number on the rental houses tile: open hazards of ``user``'s houses (None: no house)."""
    houses = houses_let_by(user)
    if not houses.exists():
        return None
    return (
        Hazard.objects.in_current_scope()
        .filter(house__in=houses.values("pk"))
        .exclude(state=Hazard.State.VERIFIED)
        .count()
    )


def next_inspection_due(house: RentalHouse) -> datetime | None:
    """When ``house`` is next due for inspection (``conf``): its last visit plus its class's
    interval; None when never inspected (due now)."""
    if house.last_inspected_at is None or house.risk_class not in conf.risk_classes():
        return None
    return house.last_inspected_at + conf.inspection_interval(house.risk_class)


def current_tenancies(house: RentalHouse, *, today: date) -> QuerySet[Tenancy]:
    """The tenancies of ``house`` not ended by ``today``, with their residents' people."""
    return (
        Tenancy.objects.in_current_scope()
        .filter(house=house)
        .filter(Q(to_date__isnull=True) | Q(to_date__gte=today))
        .select_related("resident__person")
        .order_by("from_date")
    )


def town_resident_by_id_number(id_number: str) -> Resident | None:
    """The current town's current registration of the person with ``id_number`` (by blind
    index), or None. ``ValidationError`` for a number that is not a valid ID number."""
    index = lookup_index("id_number", validate_id_number(id_number))
    return Resident.objects.filter(person__id_number_index=index, moved_out_on=None).select_related("person").first()


@dataclass(frozen=True)
class HazardStep:
    """One step of a hazard's history: when, which action (``opened`` or an audit action), and
    the landlord's note or the grid worker's reason, if any."""

    at: datetime
    action: str
    note: str = ""


HAZARD_HISTORY_ACTIONS = (
    "rentals.hazard_rectification_submitted",
    "rentals.hazard_verified",
    "rentals.hazard_reopened",
)


def hazard_history(hazard: Hazard) -> list[HazardStep]:
    """What happened to ``hazard``, oldest first: found, then each rectification, verification
    and reopening from the audit trail (every cycle, not only the last). Names no one."""
    steps = [HazardStep(hazard.opened_at, "opened")]
    events = (
        AuditEvent.objects.in_current_scope()
        .filter(object_id=str(hazard.pk), action__in=HAZARD_HISTORY_ACTIONS)
        .order_by("occurred_at")
        .values_list("occurred_at", "action", "changes")
    )
    for at, action, changes in events:
        detail = changes if isinstance(changes, dict) else {}
        steps.append(HazardStep(at, action, str(detail.get("note") or detail.get("reason") or "")))
    if hazard.escalated_at:
        steps.append(HazardStep(hazard.escalated_at, "escalated"))
    return sorted(steps, key=lambda step: step.at)


# --- The officers' pages: the town's hazards, the escalation queues, the houses ---------------
#
# For the town's officers and admins (their town) and the district's roles (every town, in a
# district scope); ``access.oversees_houses`` says who. Each read starts from ``access``.


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


# --- rentals: data and statistics (helper E) ----------------------------------------


def due_for_inspection(now: datetime) -> Q:
    """Houses due for inspection by ``now`` (their class's interval has passed since the last
    visit, or never visited): the rule the today list and the coverage statistics share."""
    return _due_by(now)
