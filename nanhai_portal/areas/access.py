"""Who may see towns, communities and grids: the one place, for the API and the pages.

- The seven towns are no one's secret: everyone signed in reads them.
- Communities: the caller's town's (every town's for district roles).
- Grids: staff who oversee them (model permission ``areas.view_grid``) see their town's; a
  grid worker holds no model permission, only ``areas.serve_grid`` on the grids they serve
  (fence 3, django-guardian), and sees just those; anyone else sees none.
"""

from __future__ import annotations

from django.db.models import QuerySet
from guardian.shortcuts import get_objects_for_user

from nanhai_portal.accounts.models import Caller
from nanhai_portal.areas.models import Community, Grid, Town

OVERSEE_GRIDS_PERMISSION = "areas.view_grid"


def towns_visible_to(user: Caller) -> QuerySet[Town]:
    return Town.objects.all()


def communities_visible_to(user: Caller) -> QuerySet[Community]:
    """The current town's communities, or every town's in a district scope."""
    return Community.objects.in_current_scope()


def may_oversee_grids(user: Caller) -> bool:
    """``user``'s role oversees every grid of their town (the communities page)."""
    return bool(getattr(user, "is_authenticated", False)) and user.has_perm(OVERSEE_GRIDS_PERMISSION)


def grids_served_by(user: Caller) -> QuerySet[Grid]:
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


def grids_visible_to(user: Caller) -> QuerySet[Grid]:
    """Every grid of the town(s) for those who oversee grids; the served ones for a grid worker."""
    if may_oversee_grids(user):
        return Grid.objects.in_current_scope().select_related("community")
    return grids_served_by(user)
