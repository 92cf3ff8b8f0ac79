"""Who may see and do what in rentals: houses, their tenancies, inspections and hazards.

The one place these rules are written; pages, the API, downloads and the services ask here.

- a grid worker: the houses of the grids they serve (``areas.serve_grid``); inspects them and
  verifies or reopens their hazards;
- a town officer or town admin (``rentals.manage_rentalhouse``): every house of their town;
- a landlord (a user whose ``Person`` is a house's landlord): their own houses; rectifies
  their hazards;
- a tenant (a user whose current registration rents the house): that house, read only;
- district roles: every town's houses, read only;
- anyone else: nothing. A house one may not see is a 404, like one that does not exist.

``get_house_for(user, pk, action=...)``: the house, Http404 when not visible, PermissionDenied
when visible but the action is not the user's.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any, TypeGuard
from uuid import UUID

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from nanhai_portal.accounts.models import Caller, User
from nanhai_portal.accounts.roles import Role
from nanhai_portal.areas.access import grids_served_by
from nanhai_portal.tenancy import is_district_scope
from rentals.models import Hazard, Inspection, Photo, RentalHouse, Tenancy
from residents.models import Person

MANAGE_PERMISSION = "rentals.manage_rentalhouse"

# Actions on one house (the ``action=`` of ``get_house_for``).
VIEW = "view"  # read it, its tenancies, inspections and hazards
INSPECT = "inspect"  # record an inspection, verify or reopen a hazard (the grid worker)
MANAGE = "manage"  # register tenancies, edit the house (landlord, the grid worker, the town)
RECTIFY = "rectify"  # submit a hazard's rectification (the landlord)


def _signed_in(user: Caller) -> TypeGuard[User]:
    return isinstance(user, User) and user.is_authenticated


def acting_user(user: Caller) -> User:
    """The signed-in user a service acts for (PermissionDenied for nobody)."""
    if not _signed_in(user):
        raise PermissionDenied(_("Sign in first."))
    return user


def is_town_manager(user: Caller) -> bool:
    """A town's officer or admin: every house of the town."""
    return _signed_in(user) and not is_district_scope() and user.has_perm(MANAGE_PERMISSION)


def is_grid_worker(user: Caller) -> bool:
    return _signed_in(user) and user.role == Role.GRID_WORKER


def serves_grid_of(user: Caller, house: RentalHouse) -> bool:
    """``user`` is a grid worker serving the house's grid."""
    return is_grid_worker(user) and grids_served_by(user).filter(pk=house.grid_id).exists()


def is_landlord(user: Caller, house: RentalHouse) -> bool:
    return _signed_in(user) and RentalHouse.objects.in_current_scope().filter(pk=house.pk, landlord__user=user).exists()


def houses_visible_to(user: Caller, *, grids: Collection[Any] | None = None) -> QuerySet[RentalHouse]:
    """The houses ``user`` may see (see the module's docstring). ``grids``: the ids of the grids
    ``user`` serves (``grids_served_by``), when the caller has read them already (the today page)."""
    houses = RentalHouse.objects.in_current_scope()
    if not _signed_in(user):
        return houses.none()
    if is_district_scope() and user.role in (Role.DISTRICT_OFFICIAL, Role.DISTRICT_ADMIN):
        return houses
    if is_town_manager(user):
        return houses
    # Each way of seeing a house is its own indexable subquery (landlord, tenant, grid), so the
    # planner answers each from its index instead of checking an OR of joins row by row.
    # A tenancy counts until its last day has passed (an end day may be set ahead).
    rented = (
        Tenancy.objects.in_current_scope()
        .filter(resident__person__user=user, resident__moved_out_on=None)
        .filter(Q(to_date__isnull=True) | Q(to_date__gte=timezone.localdate()))
        .values("house_id")
    )
    seen = Q(landlord__in=Person.objects.filter(user=user).values("pk")) | Q(pk__in=rented)
    if is_grid_worker(user):
        seen |= Q(grid__in=grids_served_by(user).values("pk") if grids is None else grids)
    return houses.filter(seen)


def houses_of_served_grids(user: Caller, *, grids: Collection[Any] | None = None) -> QuerySet[RentalHouse]:
    """The houses of the grids ``user`` serves as a grid worker (nothing for anyone else): the
    grid rule of ``houses_visible_to``, alone, for the grid worker's own lists (the today page).
    ``grids`` as for ``houses_visible_to``."""
    houses = RentalHouse.objects.in_current_scope()
    if not is_grid_worker(user):
        return houses.none()
    return houses.filter(grid__in=grids_served_by(user).values("pk") if grids is None else grids)


def hazards_of_served_grids(user: Caller, *, grids: Collection[Any] | None = None) -> QuerySet[Hazard]:
    """The hazards of the houses of ``houses_of_served_grids``, by a join to their house (which
    the grid worker's lists show anyway) rather than a subquery of house ids."""
    hazards = Hazard.objects.in_current_scope()
    if not is_grid_worker(user):
        return hazards.none()
    return hazards.filter(house__grid__in=grids_served_by(user).values("pk") if grids is None else grids)


def may(user: Caller, action: str, house: RentalHouse) -> bool:
    """``user`` may take ``action`` on ``house``, which they can see."""
    if action == VIEW:
        return True
    if action == INSPECT:
        return serves_grid_of(user, house)
    if action == MANAGE:
        return is_town_manager(user) or serves_grid_of(user, house) or is_landlord(user, house)
    if action == RECTIFY:
        return is_landlord(user, house)
    raise ValueError(f"unknown action {action!r}")


_REFUSALS = {
    INSPECT: _("Only the grid worker of this house's grid may do this."),
    MANAGE: _("Only the landlord, the grid worker or the town's officers may do this."),
    RECTIFY: _("Only the landlord may do this."),
}


def require(user: Caller, action: str, house: RentalHouse) -> None:
    """Raise ``PermissionDenied`` unless ``user`` may take ``action`` on ``house``."""
    if not may(user, action, house):
        raise PermissionDenied(str(_REFUSALS[action]))


def get_house_for(user: Caller, pk: UUID | str, *, action: str = VIEW) -> RentalHouse:
    """The house ``pk`` for ``action``: Http404 when ``user`` may not see it (or it is not
    there), PermissionDenied when they see it but ``action`` is not theirs."""
    try:
        house = houses_visible_to(user).get(pk=pk)
    except (RentalHouse.DoesNotExist, ValueError, ValidationError):
        raise Http404 from None
    require(user, action, house)
    return house


def get_houses_for(user: Caller, pks: Iterable[Any], *, action: str = VIEW) -> dict[Any, RentalHouse | Exception]:
    """``get_house_for`` for many houses at once (the offline batch): for each of ``pks``, the
    house, or the ``Http404`` / ``PermissionDenied`` that ``get_house_for`` would raise. The same
    rules, in a constant number of queries: the grids served in one, the visible houses in one."""
    keys: dict[Any, UUID | None] = {}
    for pk in pks:
        try:
            keys[pk] = UUID(str(pk))
        except (ValueError, TypeError, AttributeError):
            keys[pk] = None
    wanted = {key for key in keys.values() if key is not None}
    if not wanted:
        return {pk: Http404() for pk in keys}
    # The grids served, read once (a guardian query is costly to build) for both the visible
    # houses and ``serves_grid_of``.
    served = set(grids_served_by(user).values_list("pk", flat=True)) if is_grid_worker(user) else set()
    visible: dict[Any, RentalHouse] = {}
    if action == INSPECT:
        # The grid worker's own houses first, by the grid rule alone (no permission reads, no
        # landlord or tenant subqueries): every house of an offline batch, as a rule.
        visible = {house.pk: house for house in houses_of_served_grids(user, grids=served).filter(pk__in=wanted)}
    if wanted - visible.keys():
        others = houses_visible_to(user, grids=served).filter(pk__in=wanted - visible.keys())
        visible.update((house.pk, house) for house in others)
    answers: dict[Any, RentalHouse | Exception] = {}
    for pk, key in keys.items():
        house = visible.get(key) if key is not None else None
        if house is None:
            answers[pk] = Http404()
        elif action == INSPECT:  # ``serves_grid_of``, from the grids read once
            answers[pk] = house if house.grid_id in served else PermissionDenied(str(_REFUSALS[INSPECT]))
        else:
            try:
                require(user, action, house)
                answers[pk] = house
            except PermissionDenied as denied:
                answers[pk] = denied
    return answers


def inspections_visible_to(user: Caller) -> QuerySet[Inspection]:
    return Inspection.objects.in_current_scope().filter(house__in=houses_visible_to(user).values("pk"))


def hazards_visible_to(user: Caller, *, grids: Collection[Any] | None = None) -> QuerySet[Hazard]:
    return Hazard.objects.in_current_scope().filter(house__in=houses_visible_to(user, grids=grids).values("pk"))


def get_hazard_for(user: Caller, pk: UUID | str, *, action: str = VIEW) -> Hazard:
    """The hazard ``pk``: Http404 when its house is not visible to ``user``; PermissionDenied
    when ``action`` on its house is not theirs."""
    try:
        hazard = hazards_visible_to(user).select_related("house").get(pk=pk)
    except (Hazard.DoesNotExist, ValueError, ValidationError):
        raise Http404 from None
    require(user, action, hazard.house)
    return hazard


# --- The API's lookups (rentals API) ----------------------------------------------------


def get_inspection_for(user: Caller, pk: UUID | str, *, action: str = VIEW) -> Inspection:
    """The inspection ``pk``: Http404 when its house is not visible to ``user``;
    PermissionDenied when ``action`` on its house is not theirs."""
    try:
        inspection = inspections_visible_to(user).select_related("house").get(pk=pk)
    except (Inspection.DoesNotExist, ValueError, ValidationError):
        raise Http404 from None
    require(user, action, inspection.house)
    return inspection


def get_photo_for(user: Caller, pk: UUID | str) -> Photo:
    """The photo ``pk`` for whoever may see its inspection's or its hazard's house; Http404
    otherwise (or when it is not there)."""
    visible = houses_visible_to(user).values("pk")
    photos = Photo.objects.in_current_scope().filter(Q(inspection__house__in=visible) | Q(hazard__house__in=visible))
    try:
        return photos.get(pk=pk)
    except (Photo.DoesNotExist, ValueError, ValidationError):
        raise Http404 from None


def tenancies_of(user: Caller, house: RentalHouse) -> QuerySet[Tenancy]:
    """The tenancies of ``house`` (visible to ``user``) that ``user`` may read: every one for
    whoever manages the house and for district roles; a tenant only their own."""
    tenancies = Tenancy.objects.in_current_scope().filter(house=house)
    if is_district_scope() or may(user, MANAGE, house):
        return tenancies
    return tenancies.filter(resident__person__user=user)


# --- The officers' pages (the town's hazards, the escalation queues, the houses list) ------


def oversees_houses(user: Caller) -> bool:
    """``user`` works the officers' pages: a town's officer or admin (their town), or a district
    role in a district scope (every town, read only). A grid worker, a landlord or a tenant
    does not (403): their houses are on their own pages."""
    if is_town_manager(user):
        return True
    return _signed_in(user) and is_district_scope() and user.role in (Role.DISTRICT_OFFICIAL, Role.DISTRICT_ADMIN)


def require_oversight(user: Caller) -> None:
    """Raise ``PermissionDenied`` unless ``user`` works the officers' pages."""
    if not oversees_houses(user):
        raise PermissionDenied(str(_("Only the town's officers and the district may see this.")))
