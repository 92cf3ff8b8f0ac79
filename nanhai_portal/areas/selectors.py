"""Reads of towns, communities and grids."""

from __future__ import annotations

from django.db.models import Count, QuerySet
from guardian.shortcuts import get_objects_for_user

from nanhai_portal.areas.models import Community, Grid, Town


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


def community_count_by_town() -> dict[str, int]:
    """Communities per town code, across towns (district scope only)."""

    rows = Community.objects.for_all_towns().values("town_id").annotate(n=Count("id"))
    return {row["town_id"]: row["n"] for row in rows}
