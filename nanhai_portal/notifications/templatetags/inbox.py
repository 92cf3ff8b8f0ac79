"""The inbox's template tags.

``{% unread_notification_count user as unread %}``: the header badge's number.
``{% notification_text notification as text %}``: ``text.subject`` and ``text.body`` of a
notification in the reader's language: every page that shows a notification uses it.
"""

from __future__ import annotations

from typing import Any

from django import template

from nanhai_portal.notifications import selectors
from nanhai_portal.notifications.messages import Rendered
from nanhai_portal.notifications.models import Notification

register = template.Library()


@register.simple_tag
def unread_notification_count(user: Any) -> int:
    """The unread count of a signed-in ``user`` (cached: no query on most pages), else 0."""
    if not getattr(user, "is_authenticated", False):
        return 0
    return selectors.unread_count(user)


@register.simple_tag
def notification_text(notification: Notification) -> Rendered:
    """The notification's title and body in the language the page is shown in."""
    return selectors.notification_text(notification)
