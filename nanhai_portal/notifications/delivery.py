"""Sending outbox rows: claim, send once, retry with backoff, and sweep up what was lost.

The protocol (as healthchecks' ``sendalerts`` claims its work):

1. **Claim** with one conditional UPDATE: ``pending`` and due → ``sending``, one more
   attempt, a lease until now + ``NOTIFICATION_SEND_LEASE_SECONDS``. Of two workers (or
   a task that runs twice) only one gets the row; the other does nothing.
2. **Send** outside any transaction, with the row's id as the idempotency key, after the
   channel's rate limit allows it.
3. **Mark** ``sent`` (or ``pending`` with the next attempt after an exponential backoff,
   or ``failed`` after the last attempt), again conditionally: only the claim that sent it
   may mark it.

A worker that dies between 1 and 3 leaves the row ``sending``; when its lease has expired
the sweep makes it ``pending`` again, and the next send carries the same idempotency key,
which the gateway (and the development backend's unique key) turns into a no-op if the
first send got through.

These functions need no town (outbox rows are not tenant-owned) and should run outside a
transaction, so that the claim is committed before anything is sent.
"""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from nanhai_portal.notifications import conf
from nanhai_portal.notifications.backends import OutgoingMessage, PermanentDeliveryError, backend_for
from nanhai_portal.notifications.channels import address_of, mask_address
from nanhai_portal.notifications.models import OutboxMessage
from nanhai_portal.notifications.ratelimit import throttle
from nanhai_portal.pii import scrub

logger = logging.getLogger(__name__)
Status = OutboxMessage.Status


class Outcome(enum.StrEnum):
    SENT = "sent"
    RETRY = "retry"  # failed this time; pending again, due at ``retry_at``
    FAILED = "failed"  # failed for good
    SKIPPED = "skipped"  # not ours to send: already sent, failed, not due, or claimed by another worker


@dataclass(frozen=True)
class DeliveryResult:
    outcome: Outcome
    retry_at: datetime | None = None

    @property
    def retry_in_seconds(self) -> float:
        if self.retry_at is None:
            return 0.0
        return max(0.0, (self.retry_at - timezone.now()).total_seconds())


def outbox_claim(*, outbox_id: UUID | str) -> OutboxMessage | None:
    """Take the row for this worker if it is pending and due; None if another has it or it is done."""
    now = timezone.now()
    claimed = OutboxMessage.objects.filter(pk=outbox_id, status=Status.PENDING, next_attempt_at__lte=now).update(
        status=Status.SENDING,
        attempts=F("attempts") + 1,
        claimed_at=now,
        lease_until=now + conf.send_lease(),
    )
    if not claimed:
        return None
    return OutboxMessage.objects.select_related("notification", "recipient").get(pk=outbox_id)


def outgoing_message(message: OutboxMessage) -> OutgoingMessage:
    """What the backend gets: the notification's text and the recipient's current address."""
    address = address_of(message.recipient, message.channel)
    if not address:
        raise PermanentDeliveryError(_("The recipient has no address for this channel any more."))
    return OutgoingMessage(
        idempotency_key=str(message.pk),
        channel=message.channel,
        event=message.notification.event,
        user_id=message.recipient_id,
        address=address,
        masked_address=mask_address(message.channel, address),
        subject=message.notification.title,
        body=message.channel_body or message.notification.body,
    )


def _mine(message: OutboxMessage) -> dict[str, object]:
    """The conditions under which ``message`` is still this worker's claim."""
    return {"pk": message.pk, "status": Status.SENDING, "claimed_at": message.claimed_at}


def _record_failure(message: OutboxMessage, error: Exception) -> DeliveryResult:
    text = scrub(f"{type(error).__name__}: {error}")[:1000]
    mine = OutboxMessage.objects.filter(**_mine(message))
    if isinstance(error, PermanentDeliveryError) or message.attempts >= conf.max_attempts():
        mine.update(status=Status.FAILED, last_error=text, lease_until=None, channel_body=None)
        logger.warning(
            "outbox %s (%s) failed for good after %d attempts: %s", message.pk, message.channel, message.attempts, text
        )
        return DeliveryResult(Outcome.FAILED)
    retry_at = timezone.now() + conf.retry_delay(message.attempts)
    mine.update(status=Status.PENDING, next_attempt_at=retry_at, last_error=text, lease_until=None)
    logger.info(
        "outbox %s (%s) attempt %d failed, next at %s: %s",
        message.pk,
        message.channel,
        message.attempts,
        retry_at,
        text,
    )
    return DeliveryResult(Outcome.RETRY, retry_at)


def outbox_deliver(*, outbox_id: UUID | str) -> DeliveryResult:
    """Send one outbox row once: claim it, wait for the channel's rate limit, send, mark.

    Safe to call any number of times, at the same time from several workers: only the call
    that claims the row sends it. Call it outside a transaction.
    """
    message = outbox_claim(outbox_id=outbox_id)
    if message is None:
        return DeliveryResult(Outcome.SKIPPED)
    try:
        outgoing = outgoing_message(message)
        throttle(message.channel)
        provider_message_id = backend_for(message.channel).send(outgoing)
    except Exception as error:  # noqa: BLE001 - any gateway failure is recorded and retried, never lost
        return _record_failure(message, error)
    OutboxMessage.objects.filter(**_mine(message)).update(
        status=Status.SENT,
        sent_at=timezone.now(),
        provider_message_id=str(provider_message_id)[:128],
        lease_until=None,
        last_error="",
        channel_body=None,
    )
    return DeliveryResult(Outcome.SENT)


@transaction.atomic
def outbox_sweep() -> list[UUID]:
    """Find what needs (re)sending; returns the ids to enqueue after this transaction commits.

    - Rows ``sending`` past their lease (their worker died, or lost its connection): back to
      ``pending`` and due now, or ``failed`` when they had their last attempt.
    - Rows ``pending`` and due for longer than ``NOTIFICATION_SWEEP_GRACE_SECONDS`` (their task
      was lost: the process died right after the commit, before the enqueue). Their due time
      is moved to now, so the next sweep leaves them alone for another grace period.

    At most ``NOTIFICATION_SWEEP_LIMIT`` rows of each kind; rows locked by another sweep are
    skipped.
    """
    now = timezone.now()
    limit = conf.sweep_limit()
    stuck = list(
        OutboxMessage.objects.filter(status=Status.SENDING, lease_until__lt=now)
        .order_by("lease_until")
        .select_for_update(skip_locked=True)
        .values_list("pk", "attempts")[:limit]
    )
    last_chance = conf.max_attempts()
    given_up = [pk for pk, attempts in stuck if attempts >= last_chance]
    revived = [pk for pk, attempts in stuck if attempts < last_chance]
    if given_up:
        OutboxMessage.objects.filter(pk__in=given_up).update(
            status=Status.FAILED,
            channel_body=None,
            lease_until=None,
            last_error=_("The worker stopped while sending, on the last attempt."),
        )
    if revived:
        OutboxMessage.objects.filter(pk__in=revived).update(
            status=Status.PENDING,
            next_attempt_at=now,
            lease_until=None,
            last_error=_("The worker stopped while sending; sending again with the same key."),
        )
    overdue = list(
        OutboxMessage.objects.filter(status=Status.PENDING, next_attempt_at__lte=now - conf.sweep_grace())
        .order_by("next_attempt_at")
        .select_for_update(skip_locked=True)
        .values_list("pk", flat=True)[:limit]
    )
    if overdue:
        OutboxMessage.objects.filter(pk__in=overdue).update(next_attempt_at=now)
    if stuck or overdue:
        logger.info("outbox sweep: %d revived, %d given up, %d overdue", len(revived), len(given_up), len(overdue))
    return [*revived, *overdue]
