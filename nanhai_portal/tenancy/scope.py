"""Which towns a user works in."""

from __future__ import annotations

from typing import Any

from nanhai_portal.tenancy.context import Scope


def scope_for_user(user: Any) -> Scope:
    """District roles read every town; everyone else works in the town of their account.

    ``user`` is any object with ``is_authenticated``; accounts.User says the rest through
    ``is_district_level`` and ``town_id``.
    """
    if not getattr(user, "is_authenticated", False):
        return Scope()
    if user.is_district_level:
        return Scope(all_towns=True)
    return Scope(town=user.town_id)
