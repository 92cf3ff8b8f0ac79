"""Writes to the inbox: notify someone, mark read, choose preferences.

``notify`` is the one way other apps tell a person something. It writes the inbox entry
and one outbox row per channel inside the caller's transaction, and asks for delivery only
once that transaction commits: a change that rolls back never sends anything, and a
process that dies between the commit and the enqueue leaves outbox rows that the sweep
(``notifications.sweep_outbox``) delivers.

Delivery (``delivery.py``) and fan-out (``fanouts.py``) have their own modules.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any
from uuid import UUID

from django.core.cache import cache
from django.db import models, transaction
from django.utils import timezone
from redis.exceptions import RedisError

from nanhai_portal.notifications import access, messages, selectors
from nanhai_portal.notifications.budget import ChannelBudgetSpent, budget_take
from nanhai_portal.notifications.channels import channels_for
from nanhai_portal.notifications.models import Notification, NotificationPreference, OutboxMessage

logger = logging.getLogger(__name__)


def forget_unread_counts(user_ids: Iterable[int]) -> None:
    """Drop the cached unread counts of ``user_ids``, now and again when the transaction commits.

    Now, so that the rest of this transaction counts its own changes; after the commit, so
    that a count cached meanwhile by another request (which could not see them) goes too.
    """
    keys = [selectors.unread_cache_key(user_id) for user_id in set(user_ids)]
    if not keys:
        return

    def forget() -> None:
        try:
            cache.delete_many(keys)
        except RedisError:
            logger.warning("unread count: cache unavailable, %d counts may be stale", len(keys))

    forget()
    transaction.on_commit(forget)


def deliver_after_commit(outbox_ids: Iterable[UUID]) -> None:
    """Enqueue delivery of ``outbox_ids`` once the current transaction commits (a task each)."""
    from nanhai_portal.notifications.tasks import deliver_outbox  # tasks import this module

    for outbox_id in outbox_ids:
        transaction.on_commit(partial(deliver_outbox.delay, str(outbox_id)))


def _target_fields(target: models.Model | None) -> dict[str, str]:
    if target is None:
        return {}
    get_url = getattr(target, "get_absolute_url", None)
    url = str(get_url()) if callable(get_url) else ""
    is_local = url.startswith("/") and not url.startswith("//")  # a link stays inside the portal
    return {
        "target_type": target._meta.label_lower,
        "target_id": str(target.pk)[:64],
        "url": url[:300] if is_local else "",
    }


def _within_budget(spec: messages.Event, channels: Iterable[str]) -> list[str]:
    """The channels whose daily budget still has room (``budget.py``), each spending one.

    A channel the event cannot do without (``always``: a sign-up code) refuses the whole
    notification with ``ChannelBudgetSpent``, so the caller can say so; any other spent
    channel is left out, with a warning, and the inbox entry still tells the person.
    """
    kept: list[str] = []
    for channel in channels:
        if budget_take(channel):
            kept.append(channel)
        elif channel in spec.always:
            raise ChannelBudgetSpent(channel)
        else:
            logger.warning("notify %s: today's %s budget is spent; inbox only", spec.name, channel)
    return kept


@transaction.atomic
def notify(*, user: Any, event: str, context: Mapping[str, Any], target: models.Model | None = None) -> Notification:
    """Tell ``user`` that ``event`` happened: an inbox entry, and the channels they accept.

    Runs inside the caller's transaction (or its own): the inbox entry and the outbox rows
    commit or roll back with the change that caused them, and delivery is enqueued only
    after the commit. The message is rendered now, in the user's language, for the channels
    and the record; the inbox renders it again from the stored context in the reader's
    language (``selectors.notification_text``). The channels are those the event allows, the
    user opted into, and the user has an address for.
    ``context`` must hold the event's required keys (``ValidationError`` otherwise); extra
    keys are ignored. The event's secret keys are masked in the inbox entry. ``target``
    (optional) is the object the message is about: its label, key and ``get_absolute_url()``
    are kept for the inbox link. Needs no town. Each outbox row spends from its channel's
    daily budget; see ``_within_budget`` for a spent one.
    """
    spec = messages.event_named(event)
    cleaned = messages.clean_context(spec, context, allow_extra=True)
    preference = selectors.preference_for(user)
    # The inbox keeps the context and the message with any secret (a verification code)
    # masked; the channel message, with it, waits encrypted on the outbox row until it is sent.
    masked = messages.masked_context(spec, cleaned)
    rendered = messages.render(event, masked, language=preference.language)
    for_channel = messages.render(event, cleaned, language=preference.language).body if spec.secret else None
    notification = Notification(
        recipient=user,
        event=event,
        context=masked,
        title=rendered.subject,
        body=rendered.body,
        language=preference.language,
        **_target_fields(target),
    )
    notification.full_clean()
    notification.save()
    channels = _within_budget(spec, channels_for(user, spec.wanted_channels(preference.opted_in_channels())))
    outbox = OutboxMessage.objects.bulk_create(
        [
            OutboxMessage(notification=notification, recipient_id=user.pk, channel=channel, channel_body=for_channel)
            for channel in channels
        ]
    )
    forget_unread_counts([user.pk])
    deliver_after_commit(message.pk for message in outbox)
    return notification


@dataclass(frozen=True)
class Notice:
    """One ``notify`` call's arguments, for ``notify_many``."""

    user: Any
    event: str
    context: Mapping[str, Any]
    target: models.Model | None = None


@transaction.atomic
def notify_many(notices: Sequence[Notice]) -> list[Notification]:
    """``notify`` for many at once (a batch's): exactly the rows and rules of one ``notify`` per
    notice, in order (the same context checks, languages, channels and budgets), with the
    preferences read in one query and the inbox entries and outbox rows written in one INSERT each."""
    if not notices:
        return []
    saved = selectors.preferences_for(notice.user.pk for notice in notices)
    with messages.labels_remembered():
        prepared = [_prepared(notice, saved) for notice in notices]
    notifications = [notification for notification, _user, _channels, _body in prepared]
    Notification.objects.bulk_create(notifications)
    outbox = OutboxMessage.objects.bulk_create(
        [
            OutboxMessage(notification=notification, recipient_id=user.pk, channel=channel, channel_body=for_channel)
            for notification, user, channels, for_channel in prepared
            for channel in channels
        ]
    )
    forget_unread_counts(notice.user.pk for notice in notices)
    deliver_after_commit(message.pk for message in outbox)
    return notifications


def _prepared(
    notice: Notice, saved: Mapping[int, NotificationPreference]
) -> tuple[Notification, Any, list[str], str | None]:
    """One notice's inbox entry (unsaved), its recipient, its channels and the channels' body."""
    spec = messages.event_named(notice.event)
    cleaned = messages.clean_context(spec, notice.context, allow_extra=True)
    preference = saved.get(notice.user.pk) or NotificationPreference(user_id=notice.user.pk)
    masked = messages.masked_context(spec, cleaned)
    rendered = messages.render(notice.event, masked, language=preference.language)
    for_channel = messages.render(notice.event, cleaned, language=preference.language).body if spec.secret else None
    notification = Notification(
        recipient=notice.user,
        event=notice.event,
        context=masked,
        title=rendered.subject,
        body=rendered.body,
        language=preference.language,
        **_target_fields(notice.target),
    )
    # The fields' checks of ``notify``'s ``full_clean``, without its per-row queries: the
    # recipient is a user in hand, and the database checks the unique and check constraints
    # on the INSERT (an IntegrityError then, where ``notify`` raises a ValidationError).
    notification.full_clean(exclude=["recipient"], validate_unique=False, validate_constraints=False)
    channels = _within_budget(spec, channels_for(notice.user, spec.wanted_channels(preference.opted_in_channels())))
    return notification, notice.user, channels, for_channel


@transaction.atomic
def notification_mark_read(*, notification: Notification) -> Notification:
    """Mark one notification read (once: a second call keeps the first time).

    The caller has made sure the notification is the reader's own (``access.inbox_for``).
    """
    if notification.read_at is None:
        now = timezone.now()
        if Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=now):
            notification.read_at = now
            forget_unread_counts([notification.recipient_id])
        else:
            notification.refresh_from_db(fields=["read_at"])
    return notification


@transaction.atomic
def notification_mark_all_read(*, user: Any) -> int:
    """Mark every unread notification of ``user`` read; returns how many there were."""
    marked = access.inbox_for(user).filter(read_at__isnull=True).update(read_at=timezone.now())
    if marked:
        forget_unread_counts([user.pk])
    return marked


@transaction.atomic
def preference_set(
    *,
    user: Any,
    language: str | None = None,
    sms: bool | None = None,
    email: bool | None = None,
    wechat: bool | None = None,
) -> NotificationPreference:
    """Change ``user``'s language or channel choices; what is not given stays as it was."""
    preference = selectors.preference_for(user)
    for name, value in (("language", language), ("sms", sms), ("email", email), ("wechat", wechat)):
        if value is not None:
            setattr(preference, name, value)
    preference.full_clean()
    preference.save()
    return preference
