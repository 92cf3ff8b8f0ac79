"""Delivery backends: one class per gateway, chosen per channel by ``NOTIFICATION_BACKENDS``.

A backend is a class whose instances have ``send(message) -> provider_message_id``. It gets
the outbox row's id as ``message.idempotency_key`` and must pass it to the gateway (SMS and
WeChat gateways accept a client message id; for email it becomes the Message-ID), so that
the same key sent twice is delivered once. It raises ``DeliveryError`` for a failure worth
retrying and ``PermanentDeliveryError`` for one that is not (an invalid address).

``message.address`` is the plain address, in memory only: a backend never logs or stores
it (``message.masked_address`` is what may be shown).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from functools import cache
from typing import Protocol

from django.core.mail import EmailMessage
from django.utils.module_loading import import_string

from nanhai_portal.notifications import conf
from nanhai_portal.notifications.models import SentMessage


class DeliveryError(Exception):
    """The gateway did not take the message this time; try again later."""


class PermanentDeliveryError(DeliveryError):
    """The message can never be delivered this way (no address, address refused)."""


@dataclass(frozen=True)
class OutgoingMessage:
    idempotency_key: str  # the outbox row's id
    channel: str
    event: str
    user_id: int
    address: str
    masked_address: str
    subject: str
    body: str

    def __repr__(self) -> str:  # never the plain address, even in a traceback
        return f"OutgoingMessage({self.channel} → {self.masked_address}, key={self.idempotency_key})"


class Backend(Protocol):
    def send(self, message: OutgoingMessage) -> str: ...


class RecordingBackend:
    """For development, tests and demos: records what would be sent in ``SentMessage``.

    The record is unique per idempotency key and channel, so a second send of the same
    message finds the first record and returns its id: nothing is "sent" twice.
    """

    def send(self, message: OutgoingMessage) -> str:
        record, _created = SentMessage.objects.get_or_create(
            outbox_id=uuid.UUID(message.idempotency_key),
            channel=message.channel,
            defaults={
                "user_id": message.user_id,
                "recipient": message.masked_address[:64],
                "subject": message.subject[:200],
                "body": message.body,
            },
        )
        return f"dev-{record.pk}"


class DjangoEmailBackend:
    """Email through Django's mail settings (``EMAIL_*``), the idempotency key as Message-ID.

    SMTP itself does not deduplicate; receiving systems that do use the Message-ID.
    """

    def send(self, message: OutgoingMessage) -> str:
        message_id = f"<{message.idempotency_key}@notifications.nanhai-portal>"
        email = EmailMessage(
            subject=message.subject, body=message.body, to=[message.address], headers={"Message-ID": message_id}
        )
        try:
            email.send(fail_silently=False)
        except OSError as error:
            raise DeliveryError(f"SMTP: {type(error).__name__}") from error
        return message_id


@cache
def _backend_class(path: str) -> type[Backend]:
    return import_string(path)


def backend_for(channel: str) -> Backend:
    """A backend instance for ``channel``, from ``NOTIFICATION_BACKENDS`` (read on every call)."""
    try:
        path = conf.backend_paths()[channel]
    except KeyError:
        raise PermanentDeliveryError(f"No backend for channel {channel!r}.") from None
    return _backend_class(path)()
