"""Who may see and do what with notifications and fan-outs: the one place, for the API and the pages.

- A notification is its recipient's alone (notifications are not tenant-owned: see models);
  anyone else's is a 404, the same answer as one that does not exist.
- Fan-outs (群发): staff with ``notifications.view_fanout`` follow every one of their town
  (district roles every town's, read-only); others only those they started. Starting one
  needs ``notifications.add_fanout``.
"""

from __future__ import annotations

from uuid import UUID

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404

from nanhai_portal.accounts.models import Caller
from nanhai_portal.notifications.models import FanOut, Notification

VIEW_FANOUT_PERMISSION = "notifications.view_fanout"
ADD_FANOUT_PERMISSION = "notifications.add_fanout"


def _signed_in(user: Caller) -> bool:
    return bool(getattr(user, "is_authenticated", False))


def inbox_for(user: Caller) -> QuerySet[Notification]:
    """``user``'s notifications, newest first: the only ones they may see or mark read."""
    if not _signed_in(user):
        return Notification.objects.none()
    return Notification.objects.filter(recipient_id=user.pk).order_by("-created_at", "-id")


def get_notification_for(user: Caller, notification_id: UUID | str) -> Notification:
    """One of ``user``'s notifications, or Http404."""
    try:
        return inbox_for(user).get(pk=notification_id)
    except (Notification.DoesNotExist, ValueError, ValidationError):
        raise Http404 from None


def may_start_fanout(user: Caller) -> bool:
    return _signed_in(user) and user.has_perm(ADD_FANOUT_PERMISSION)


def may_follow_fanouts(user: Caller) -> bool:
    """Whether the inbox offers the fan-out pages (``user`` follows or starts fan-outs)."""
    return _signed_in(user) and (user.has_perm(VIEW_FANOUT_PERMISSION) or user.has_perm(ADD_FANOUT_PERMISSION))


def fanouts_visible_to(user: Caller) -> QuerySet[FanOut]:
    """The fan-outs ``user`` may follow: with ``notifications.view_fanout``, every one of the
    current town (every town's in a district scope); without it, the ones they started."""
    fanouts = FanOut.objects.in_current_scope().select_related("created_by", "town")
    if not _signed_in(user):
        return fanouts.none()
    return fanouts if user.has_perm(VIEW_FANOUT_PERMISSION) else fanouts.filter(created_by_id=user.pk)


def get_fanout_for(user: Caller, fanout_id: UUID | str) -> FanOut:
    """One fan-out ``user`` may follow, or Http404."""
    try:
        return fanouts_visible_to(user).get(pk=fanout_id)
    except (FanOut.DoesNotExist, ValueError, ValidationError):
        raise Http404 from None
