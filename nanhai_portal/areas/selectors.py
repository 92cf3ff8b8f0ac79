"""Reads of towns, communities and grids."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Count, QuerySet
from guardian.shortcuts import get_objects_for_user

from nanhai_portal.areas.models import Community, Grid, Town
from nanhai_portal.tenancy import is_district_scope


def town_list() -> QuerySet[Town]:
    """The seven towns and streets. Not tenant-owned: everyone may read them."""
    return Town.objects.all()


def grids_served_by(user: object) -> QuerySet[Grid]:
    """The grids in the current town on which ``user`` holds ``areas.serve_grid`` (fence 3).

    Superusers and global permissions are not counted: a grid worker's grids are only
    those assigned to them.
    """
    return get_objects_for_user(
        user,
        "areas.serve_grid",
        klass=Grid.objects.select_related("community"),
        with_superuser=False,
        accept_global_perms=False,
    )


def workers_serving(grid: Grid) -> QuerySet[Any]:
    """The users who hold ``areas.serve_grid`` on ``grid``."""
    return (
        get_user_model()
        .objects.filter(
            griduserobjectpermission__content_object=grid,
            griduserobjectpermission__permission__codename="serve_grid",
        )
        .distinct()
    )


def _communities() -> QuerySet[Community]:
    """The current town's communities, or every town's in a district scope."""
    return Community.objects.for_all_towns() if is_district_scope() else Community.objects.all()


def community_list_with_grid_counts(*, town: str | None = None) -> QuerySet[Community]:
    """Communities with their number of grids, optionally of one town."""
    communities = (
        _communities().select_related("town").annotate(grid_count=Count("grids")).order_by("town__sort_order", "code")
    )
    return communities.filter(town_id=town) if town else communities


def community_count_by_kind(*, town: str | None = None) -> dict[str, int]:
    """How many villages (村) and urban communities (社区) the caller can see, optionally in one town."""
    communities = _communities().filter(town_id=town) if town else _communities()
    rows = communities.values("kind").annotate(n=Count("id"))
    return {row["kind"]: row["n"] for row in rows}
