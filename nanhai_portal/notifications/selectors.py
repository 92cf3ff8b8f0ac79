"""Reads: a person's inbox and unread count, their preferences, fan-outs and their delivery.

Which notifications and fan-outs a person may see is ``access``; the reads here start from
it (notifications are not tenant-owned: see models).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from django.core.cache import cache
from django.db import connections
from django.db.models import Count
from redis.exceptions import RedisError

from nanhai_portal.notifications import conf
from nanhai_portal.notifications.access import inbox_for
from nanhai_portal.notifications.models import FanOut, NotificationPreference, OutboxMessage

logger = logging.getLogger(__name__)


def unread_cache_key(user_id: int) -> str:
    # The database's name is in the key: runs of the test suite side by side share Redis (and
    # the same user ids), one database each.
    database = connections["default"].settings_dict["NAME"]
    return f"notifications:unread:{database}:{user_id}"


def unread_count(user: Any) -> int:
    """How many of ``user``'s notifications are unread: from the cache, or one indexed COUNT.

    The count is cached per user for ``NOTIFICATION_UNREAD_CACHE_SECONDS`` and forgotten by
    every service that changes it. Without Redis it is counted every time.
    """
    key = unread_cache_key(user.pk)
    try:
        cached = cache.get(key)
    except RedisError:
        logger.warning("unread count: cache unavailable, counting in the database")
        return inbox_for(user).filter(read_at__isnull=True).count()
    if cached is not None:
        return int(cached)
    count = inbox_for(user).filter(read_at__isnull=True).count()
    try:
        cache.set(key, count, conf.unread_cache_seconds())
    except RedisError:
        logger.warning("unread count: cache unavailable, not kept")
    return count


def preference_for(user: Any) -> NotificationPreference:
    """``user``'s preferences, or the defaults (unsaved) when they chose none."""
    found = NotificationPreference.objects.filter(user_id=user.pk).first()
    return found if found is not None else NotificationPreference(user_id=user.pk)


def preferences_for(user_ids: Iterable[int]) -> dict[int, NotificationPreference]:
    """Saved preferences of many people at once (one query), by user id; absent ones are defaults."""
    return {pref.user_id: pref for pref in NotificationPreference.objects.filter(user_id__in=list(user_ids))}


def fanout_delivery(fanout: FanOut) -> dict[str, dict[str, int]]:
    """``{channel: {status: count}}`` of the fan-out's outbox: how far sending has come."""
    rows = (
        OutboxMessage.objects.filter(fanout=fanout)
        .order_by()
        .values("channel", "status")
        .annotate(count=Count("id"))
        .values_list("channel", "status", "count")
    )
    delivery: dict[str, dict[str, int]] = {}
    for channel, status, count in rows:
        delivery.setdefault(channel, dict.fromkeys(OutboxMessage.Status.values, 0))[status] = count
    return delivery
