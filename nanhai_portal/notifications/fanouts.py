"""Fan-out (群发): one message from a town to a segment of its people, in chunks, with progress.

1. ``fanout_start`` (a town official's request): checks, writes the ``FanOut``, records the
   audit event and enqueues the plan, all in the request's transaction.
2. ``fanout_plan`` (a task): lists the segment's user ids once and stores them as chunks
   of ``NOTIFICATION_FANOUT_CHUNK_SIZE``; the task enqueues one task per chunk.
3. ``fanout_process_chunk`` (tasks, spread over the workers): claims its chunk, writes the
   chunk's notifications and outbox rows set-wise (``bulk_create``), and counts progress by
   an ``F()`` increment, all in one transaction; the task then enqueues delivery in batches,
   which the channel's rate limit paces.
4. ``fanout_sweep``: plans and chunks whose task was lost are enqueued again.

Every function here needs the fan-out's town (``town_context``): fan-outs are tenant-owned.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any
from uuid import UUID

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from nanhai_portal.accounts.models import User
from nanhai_portal.audit.services import audit_record
from nanhai_portal.notifications import conf, messages, segments, selectors
from nanhai_portal.notifications.channels import channels_for
from nanhai_portal.notifications.models import (
    FanOut,
    FanOutChunk,
    Notification,
    NotificationPreference,
    OutboxMessage,
)
from nanhai_portal.notifications.services import forget_unread_counts
from nanhai_portal.tenancy import get_current_town
from nanhai_portal.tenancy.tasks import enqueue_on_commit

logger = logging.getLogger(__name__)


def _require_town() -> str:
    town = get_current_town()
    if town is None:
        raise RuntimeError("Fan-outs belong to a town: call this inside town_context(town).")
    return town


@transaction.atomic
def fanout_start(*, created_by: Any, segment: str, event: str, context: Mapping[str, Any]) -> FanOut:
    """Start sending ``event`` to everyone in ``segment`` of the current town.

    Needs the current town, and ``created_by`` to be staff of it (whether their role may
    start fan-outs at all, ``notifications.add_fanout``, is checked by the caller). Raises
    ``ValidationError`` (fields ``segment``, ``event``, ``context.<key>``) for a segment or
    event that does not exist, an event that is not for broadcasting, or missing details.
    The plan is enqueued when the caller's transaction commits.
    """
    town = _require_town()
    if created_by.town_id != town:
        raise PermissionDenied(_("Only staff of this town can send messages to its people."))
    errors: dict[str, Any] = {}
    if segments.segment_named(segment) is None:
        errors["segment"] = _("Unknown segment %(name)s.") % {"name": segment}
    cleaned: dict[str, Any] = {}
    try:
        spec = messages.event_named(event)
        if not spec.broadcast:
            errors["event"] = _("This message cannot be sent to a group.")
        else:
            cleaned = messages.clean_context(spec, context)
            messages.render(event, cleaned, language="zh-hans")  # fails here, not in a worker
    except ValidationError as error:
        errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)

    fanout = FanOut(town_id=town, event=event, context=cleaned, segment=segment, created_by=created_by)
    fanout.full_clean()
    fanout.save()
    audit_record(
        action="notifications.fanout_started",
        actor=created_by,
        target=fanout,
        changes={"event": event, "segment": segment},
    )
    from nanhai_portal.notifications.tasks import plan_fanout  # tasks import this module

    enqueue_on_commit(plan_fanout, fanout_id=str(fanout.pk))
    return fanout


@transaction.atomic
def fanout_plan(*, fanout_id: UUID | str) -> list[int]:
    """Split a pending fan-out's segment into chunks; returns the new chunks' ids.

    Needs the fan-out's town. Idempotent: a fan-out that is no longer pending is left as it
    is (and no chunk ids are returned), so a plan task that runs twice plans once.
    """
    fanout = FanOut.objects.select_for_update().filter(pk=fanout_id).first()
    if fanout is None or fanout.status != FanOut.Status.PENDING:
        return []
    now = timezone.now()
    segment = segments.segment_named(fanout.segment)
    if segment is None:
        fanout.status, fanout.error, fanout.finished_at = FanOut.Status.FAILED, f"unknown segment {fanout.segment}", now
        fanout.save(update_fields=["status", "error", "finished_at"])
        return []
    user_ids = sorted(set(segment.user_ids(fanout.town_id)))
    size = conf.fanout_chunk_size()
    chunks = FanOutChunk.objects.bulk_create(
        [
            FanOutChunk(town_id=fanout.town_id, fanout=fanout, index=index, user_ids=user_ids[start : start + size])
            for index, start in enumerate(range(0, len(user_ids), size))
        ],
        batch_size=100,
    )
    fanout.total, fanout.chunks_total = len(user_ids), len(chunks)
    fanout.status = FanOut.Status.RUNNING if chunks else FanOut.Status.FINISHED
    fanout.finished_at = None if chunks else now
    fanout.save(update_fields=["total", "chunks_total", "status", "finished_at"])
    logger.info("fan-out %s: %d recipients in %d chunks", fanout.pk, len(user_ids), len(chunks))
    return [chunk.pk for chunk in chunks]


@transaction.atomic
def fanout_process_chunk(*, chunk_id: int) -> list[UUID]:
    """Write one chunk's notifications and outbox rows, once; returns the outbox ids to send.

    Needs the fan-out's town. The chunk is claimed by a conditional UPDATE in the same
    transaction as everything it writes, so a second run, or one running at the same time
    (it waits for the first one's commit), finds it done and writes nothing. The unique keys
    (one notification per fan-out and person, one outbox row per fan-out, person and
    channel) hold even so. Messages are rendered once per language, not once per person.
    """
    now = timezone.now()
    if not FanOutChunk.objects.filter(pk=chunk_id, done_at__isnull=True).update(done_at=now):
        return []
    chunk = FanOutChunk.objects.select_related("fanout").get(pk=chunk_id)
    fanout = chunk.fanout
    spec = messages.event_named(fanout.event)
    users = list(User.objects.filter(pk__in=chunk.user_ids, is_active=True))
    preferences = selectors.preferences_for(chunk.user_ids)
    rendered: dict[str, messages.Rendered] = {}
    context = messages.masked_context(spec, fanout.context)  # one dict, stored with every row
    notifications: list[Notification] = []
    wanted: list[tuple[int, str]] = []
    for user in users:
        preference = preferences.get(user.pk) or NotificationPreference(user_id=user.pk)
        if preference.language not in rendered:
            rendered[preference.language] = messages.render(fanout.event, fanout.context, language=preference.language)
        text = rendered[preference.language]
        notifications.append(
            Notification(
                recipient_id=user.pk,
                fanout=fanout,
                event=fanout.event,
                context=context,
                title=text.subject,
                body=text.body,
                language=preference.language,
                created_at=now,
            )
        )
        channels = channels_for(user, spec.wanted_channels(preference.opted_in_channels()))
        wanted.extend((user.pk, channel) for channel in channels)
    Notification.objects.bulk_create(notifications, ignore_conflicts=True)
    # ON CONFLICT DO NOTHING does not tell which rows went in: link the outbox to the rows there are.
    recipients = [user.pk for user in users]
    notification_ids = dict(
        Notification.objects.filter(fanout=fanout, recipient_id__in=recipients).values_list("recipient_id", "id")
    )
    OutboxMessage.objects.bulk_create(
        [
            OutboxMessage(
                notification_id=notification_ids[user_id],
                recipient_id=user_id,
                fanout=fanout,
                channel=channel,
                next_attempt_at=now,
                created_at=now,
            )
            for user_id, channel in wanted
        ],
        ignore_conflicts=True,
    )
    # Last, so that the fan-out's row is locked for as short a time as possible.
    FanOut.objects.filter(pk=fanout.pk).update(
        processed=F("processed") + len(chunk.user_ids), chunks_done=F("chunks_done") + 1
    )
    FanOut.objects.filter(pk=fanout.pk, status=FanOut.Status.RUNNING, chunks_done__gte=F("chunks_total")).update(
        status=FanOut.Status.FINISHED, finished_at=now
    )
    forget_unread_counts(recipients)
    return list(
        OutboxMessage.objects.filter(
            fanout=fanout, recipient_id__in=recipients, status=OutboxMessage.Status.PENDING
        ).values_list("pk", flat=True)
    )


@transaction.atomic
def fanout_sweep() -> tuple[list[UUID], list[int]]:
    """The current town's fan-outs and chunks whose task seems lost: ``(fan-out ids, chunk ids)``.

    Needs a town. A fan-out still pending, or a chunk not done, longer than
    ``NOTIFICATION_SWEEP_GRACE_SECONDS`` after it was enqueued is returned to be enqueued
    again; a returned chunk's enqueue time is moved to now, so the next sweep waits again.
    """
    _require_town()
    now = timezone.now()
    cutoff = now - conf.sweep_grace()
    plans = list(
        FanOut.objects.filter(status=FanOut.Status.PENDING, created_at__lt=cutoff).values_list("pk", flat=True)
    )
    chunks = list(
        FanOutChunk.objects.filter(done_at__isnull=True, enqueued_at__lt=cutoff)
        .order_by("enqueued_at")
        .select_for_update(skip_locked=True)
        .values_list("pk", flat=True)[: conf.sweep_limit()]
    )
    if chunks:
        FanOutChunk.objects.filter(pk__in=chunks).update(enqueued_at=now)
    return plans, chunks
