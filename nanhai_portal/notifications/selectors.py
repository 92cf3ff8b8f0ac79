"""Reads: a person's inbox and unread count, their preferences, fan-outs and their delivery,
and a notification's text in the reader's language.

Which notifications and fan-outs a person may see is ``access``; the reads here start from
it (notifications are not tenant-owned: see models).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connections
from django.db.models import Count
from django.utils import translation
from redis.exceptions import RedisError

from nanhai_portal.notifications import conf, messages
from nanhai_portal.notifications.access import inbox_for
from nanhai_portal.notifications.models import FanOut, Notification, NotificationPreference, OutboxMessage

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


def reader_language() -> str:
    """The language the current request is shown in (``zh-hans`` or ``en``; the default outside one)."""
    try:
        return translation.get_supported_language_variant(translation.get_language() or settings.LANGUAGE_CODE)
    except LookupError:
        return str(settings.LANGUAGE_CODE)


def notification_text(notification: Notification, *, language: str | None = None) -> messages.Rendered:
    """``notification``'s title and body in ``language`` (the reader's, by default).

    Rendered from its event and stored context, so a message sent in Chinese reads in English
    in the English interface. A row from before contexts were kept, or one whose template no
    longer renders (a warning is logged), shows the text stored when it was sent.
    """
    stored = messages.Rendered(subject=notification.title, body=notification.body)
    if notification.context is None:
        return stored
    try:
        return messages.render(notification.event, notification.context, language=language or reader_language())
    except Exception:  # a page never fails for one message: it shows what was sent instead
        logger.warning(
            "notification %s (%s): cannot render, showing the stored text",
            notification.pk,
            notification.event,
            exc_info=True,
        )
        return stored
