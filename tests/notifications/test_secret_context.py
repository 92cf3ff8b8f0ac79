"""A verification code goes to the SMS channel only: the inbox and every stored body hold it
masked (finding 15). The channel's copy waits encrypted on the outbox row until it is sent."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection

from nanhai_portal.accounts.models import User
from nanhai_portal.notifications.delivery import Outcome, outbox_deliver, outgoing_message
from nanhai_portal.notifications.messages import register_event
from nanhai_portal.notifications.models import Notification, OutboxMessage, SentMessage
from nanhai_portal.notifications.services import notify

pytestmark = pytest.mark.django_db

CODE = "482915"


def stored_text() -> str:
    """Every text column of the inbox and the outbox, as the database holds it."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT title, body FROM {Notification._meta.db_table}")
        rows: list[Any] = cursor.fetchall()
        cursor.execute(f"SELECT last_error, channel_body FROM {OutboxMessage._meta.db_table}")
        rows += cursor.fetchall()
    return " ".join(str(value) for row in rows for value in row)


def test_a_verification_code_is_masked_in_the_inbox_and_sent_in_full_by_sms(api: Any) -> None:
    user = User.objects.get(username="resident.1")
    notification = notify(user=user, event="account.verify_mobile", context={"code": CODE, "minutes": 10})

    assert CODE not in notification.body and "******" in notification.body
    assert CODE not in stored_text()
    assert CODE not in api("resident.1").get("/api/v1/notifications/").content.decode()

    message = OutboxMessage.objects.get(notification=notification, channel="sms")
    assert CODE in outgoing_message(message).body
    assert outbox_deliver(outbox_id=message.pk).outcome == Outcome.SENT
    assert CODE in SentMessage.objects.get(outbox_id=message.pk).body  # what the (development) gateway got
    message.refresh_from_db()
    assert message.channel_body is None, "the channel's copy is wiped once sent"


def test_an_event_without_secrets_stores_its_body_once() -> None:
    user = User.objects.get(username="resident.1")
    notification = notify(user=user, event="account.welcome", context={"name": "新市民1号"})
    message = OutboxMessage.objects.get(notification=notification, channel="sms")
    assert message.channel_body is None and outgoing_message(message).body == notification.body


def test_a_secret_key_must_be_part_of_the_context() -> None:
    with pytest.raises(ValueError, match="secret="):
        register_event("test.secret", channels=["sms"], required=["a"], secret=["code"])
