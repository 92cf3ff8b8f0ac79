"""Writes to communities and grids. Each runs in the current town's transaction."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from guardian.shortcuts import assign_perm, remove_perm

from nanhai_portal.areas.models import Community, Grid
from nanhai_portal.audit.services import audit_record
from nanhai_portal.tenancy import get_current_town


def _require_town() -> str:
    town = get_current_town()
    if town is None:
        raise RuntimeError("This service writes a town's rows: call it inside town_context(town).")
    return town


@transaction.atomic
def community_create(*, code: str, name: str, kind: str) -> Community:
    community = Community(town_id=_require_town(), code=code, name=name, kind=kind)
    community.full_clean()
    community.save()
    return community


@transaction.atomic
def grid_create(*, community: Community, code: str, name: str) -> Grid:
    grid = Grid(town_id=_require_town(), community=community, code=code, name=name)
    grid.full_clean()
    grid.save()
    return grid


@transaction.atomic
def grid_assign_worker(*, grid: Grid, worker: Any, by: Any = None) -> None:
    """Let ``worker`` serve ``grid``: a guardian object permission, the third fence. Audited."""
    if worker.has_perm("areas.serve_grid", grid):
        return
    assign_perm("areas.serve_grid", worker, grid)
    audit_record(action="areas.grid_worker_assigned", actor=by, target=grid, changes={"worker": worker.username})


@transaction.atomic
def grid_unassign_worker(*, grid: Grid, worker: Any, by: Any = None) -> None:
    remove_perm("areas.serve_grid", worker, grid)
    audit_record(action="areas.grid_worker_unassigned", actor=by, target=grid, changes={"worker": worker.username})
