"""Reads of towns, communities and grids."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Count, QuerySet

from nanhai_portal.areas.access import communities_visible_to
from nanhai_portal.areas.access import grids_served_by as grids_served_by  # read here by accounts
from nanhai_portal.areas.models import Community, Grid, Town


def town_list() -> QuerySet[Town]:
    """The seven towns and streets. Not tenant-owned: everyone may read them."""
    return Town.objects.all()


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


def community_list_with_grid_counts(*, user: Any, town: str | None = None) -> QuerySet[Community]:
    """The communities ``user`` may see with their number of grids, optionally of one town."""
    communities = (
        communities_visible_to(user)
        .select_related("town")
        .annotate(grid_count=Count("grids"))
        .order_by("town__sort_order", "code")
    )
    return communities.filter(town_id=town) if town else communities


def community_count_by_kind(*, user: Any, town: str | None = None) -> dict[str, int]:
    """How many villages (村) and urban communities (社区) ``user`` can see, optionally in one town."""
    communities = communities_visible_to(user)
    communities = communities.filter(town_id=town) if town else communities
    rows = communities.values("kind").annotate(n=Count("id"))
    return {row["kind"]: row["n"] for row in rows}
