"""Background work of notifications: thin tasks that take ids and call a service.

Delivery tasks are not tenant tasks: outbox rows belong to people, not towns (see models).
Fan-out tasks are ``TenantTask``s: they carry the fan-out's town and run inside it. Every
task may run twice, or at the same time as its twin: the services claim their rows first.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from functools import partial
from typing import TypeVar
from uuid import UUID

from celery import shared_task
from django.db import transaction

from nanhai_portal.areas.models import Town
from nanhai_portal.notifications import delivery, fanouts
from nanhai_portal.tenancy import town_context
from nanhai_portal.tenancy.tasks import TenantTask, enqueue_on_commit

T = TypeVar("T")
DELIVERY_BATCH = 100  # outbox rows per delivery task: few tasks, each short even when throttled


def _batches(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def deliver_in_batches_after_commit(outbox_ids: Iterable[UUID]) -> None:
    """Enqueue ``deliver_outbox_batch`` for ``outbox_ids`` when the current transaction commits."""
    ids = [str(outbox_id) for outbox_id in outbox_ids]
    for batch in _batches(ids, DELIVERY_BATCH):
        transaction.on_commit(partial(deliver_outbox_batch.delay, list(batch)))


def _deliver(outbox_id: str) -> delivery.Outcome:
    result = delivery.outbox_deliver(outbox_id=outbox_id)
    if result.outcome is delivery.Outcome.RETRY:
        # Backoff is capped at an hour, well inside the broker's visibility timeout (6 h).
        deliver_outbox.apply_async((outbox_id,), countdown=result.retry_in_seconds)
    return result.outcome


@shared_task(name="notifications.deliver_outbox")
def deliver_outbox(outbox_id: str) -> str:
    """Send one outbox row (if still pending and due); schedule the retry if it failed."""
    return _deliver(outbox_id).value


@shared_task(name="notifications.deliver_outbox_batch")
def deliver_outbox_batch(outbox_ids: list[str]) -> dict[str, int]:
    """Send many outbox rows, one after another, at the channels' rate limits."""
    return dict(Counter(_deliver(outbox_id).value for outbox_id in outbox_ids))


@shared_task(name="notifications.sweep_outbox")
def sweep_outbox() -> int:
    """Periodic: re-enqueue rows whose worker died mid-send or whose task was lost."""
    outbox_ids = delivery.outbox_sweep()
    deliver_in_batches_after_commit(outbox_ids)  # outside a transaction: right away
    return len(outbox_ids)


@shared_task(base=TenantTask, name="notifications.plan_fanout")
def plan_fanout(*, fanout_id: str, town: str) -> int:
    """Split a fan-out into chunks and enqueue one task per chunk."""
    chunk_ids = fanouts.fanout_plan(fanout_id=fanout_id)
    for chunk_id in chunk_ids:
        enqueue_on_commit(process_fanout_chunk, chunk_id=chunk_id)
    return len(chunk_ids)


@shared_task(base=TenantTask, name="notifications.process_fanout_chunk")
def process_fanout_chunk(*, chunk_id: int, town: str) -> int:
    """Write one chunk's notifications and outbox rows, then enqueue their delivery."""
    outbox_ids = fanouts.fanout_process_chunk(chunk_id=chunk_id)
    deliver_in_batches_after_commit(outbox_ids)
    return len(outbox_ids)


@shared_task(name="notifications.sweep_fanouts")
def sweep_fanouts() -> int:
    """Periodic: in each town, re-enqueue fan-out plans and chunks whose task was lost."""
    enqueued = 0
    for town in Town.objects.values_list("code", flat=True):
        with town_context(town):
            plans, chunks = fanouts.fanout_sweep()
            for fanout_id in plans:
                enqueue_on_commit(plan_fanout, fanout_id=str(fanout_id))
            for chunk_id in chunks:
                enqueue_on_commit(process_fanout_chunk, chunk_id=chunk_id)
            enqueued += len(plans) + len(chunks)
    return enqueued
