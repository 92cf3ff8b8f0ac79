"""``{% unread_notification_count user as unread %}``: the header badge's number."""

from __future__ import annotations

from typing import Any

from django import template

from nanhai_portal.notifications import selectors

register = template.Library()


@register.simple_tag
def unread_notification_count(user: Any) -> int:
    """The unread count of a signed-in ``user`` (cached: no query on most pages), else 0."""
    if not getattr(user, "is_authenticated", False):
        return 0
    return selectors.unread_count(user)
