"""Reads about the signed-in user."""

from __future__ import annotations

from typing import Any

from nanhai_portal.accounts.models import User
from nanhai_portal.accounts.roles import Role
from nanhai_portal.areas.selectors import grids_served_by


def user_profile(*, user: User) -> dict[str, Any]:
    """Who the user is, in which role and town, and (for a grid worker) which grids."""
    grids = grids_served_by(user) if user.role == Role.GRID_WORKER else []
    return {
        "id": user.pk,
        "username": user.username,
        "name": user.name,
        "role": user.role,
        "role_label": Role(user.role).label,
        "town": user.town_id,
        "town_name": user.town.name if user.town is not None else None,
        "grids": grids,
    }
