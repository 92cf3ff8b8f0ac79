"""Reads for rentals: the grid worker's day.

Each selector states whose data it reads: it starts from ``rentals.access`` (the caller's
visible houses, in the current town), so a page and the API that use it show the same.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from django.db.models import (
    BooleanField,
    Case,
    Count,
    DateTimeField,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from nanhai_portal.accounts.models import Caller, User
from nanhai_portal.audit.models import AuditEvent
from nanhai_portal.pii.fields import lookup_index
from nanhai_portal.pii.validators import validate_id_number
from rentals import access, conf
from rentals.models import Hazard, RentalHouse, Tenancy
from residents.models import Resident

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
