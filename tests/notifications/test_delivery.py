"""Delivery: sent once per channel however often the task runs, retried with backoff, given up
after the last attempt, and recovered by the sweep after a worker died mid-send."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from nanhai_portal.accounts.models import User
from nanhai_portal.notifications import delivery, tasks
from nanhai_portal.notifications.backends import RecordingBackend
from nanhai_portal.notifications.models import OutboxMessage, SentMessage
from nanhai_portal.notifications.ratelimit import TokenBucket
from nanhai_portal.notifications.services import notify
from tests.notifications.backends import FlakyBackend
from tests.notifications.conftest import make_resident

pytestmark = pytest.mark.django_db


@pytest.fixture
def sms_waiting(give_mobile: Callable[[User], str], recorded_deliveries: list[str]) -> tuple[OutboxMessage, str]:
    """A committed-looking SMS outbox row for a resident with a mobile number, and the number."""
    person = make_resident()
    number = give_mobile(person)
    notification = notify(user=person, event="account.welcome", context={})
    return OutboxMessage.objects.get(notification=notification, channel="sms"), number


def make_due(message: OutboxMessage) -> None:
    OutboxMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))


def test_a_delivery_task_that_runs_twice_sends_once(sms_waiting: tuple[OutboxMessage, str]) -> None:
    message, number = sms_waiting

    first = tasks.deliver_outbox(str(message.pk))
    second = tasks.deliver_outbox(str(message.pk))

    assert (first, second) == ("sent", "skipped")
    sent = SentMessage.objects.get(outbox_id=message.pk)
    assert sent.channel == "sms"
    assert sent.recipient == f"{number[:3]}****{number[7:]}", "the record keeps the number masked"
    message.refresh_from_db()
    assert message.status == "sent" and message.sent_at is not None and message.attempts == 1
    assert message.provider_message_id == f"dev-{sent.pk}"


def test_no_plain_mobile_number_is_written_anywhere(sms_waiting: tuple[OutboxMessage, str]) -> None:
    message, number = sms_waiting
    tasks.deliver_outbox(str(message.pk))
    rows = [
        *SentMessage.objects.filter(outbox_id=message.pk).values(),
        *OutboxMessage.objects.filter(pk=message.pk).values(),
    ]
    assert len(rows) == 2
    assert all(number not in str(row) for row in rows)


def test_a_worker_that_died_after_claiming_is_recovered_by_the_sweep(sms_waiting: tuple[OutboxMessage, str]) -> None:
    message, _number = sms_waiting
    # Given a worker claimed the row and died before sending
    assert delivery.outbox_claim(outbox_id=message.pk) is not None
    assert tasks.deliver_outbox(str(message.pk)) == "skipped", "a claimed row is nobody else's"
    # When its lease has run out and the sweep comes by
    OutboxMessage.objects.filter(pk=message.pk).update(lease_until=timezone.now() - timedelta(seconds=1))
    assert message.pk in delivery.outbox_sweep()
    # Then it is sent, once
    assert tasks.deliver_outbox(str(message.pk)) == "sent"
    assert SentMessage.objects.filter(outbox_id=message.pk).count() == 1
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("sent", 2)


def test_a_worker_that_died_after_sending_does_not_send_again(sms_waiting: tuple[OutboxMessage, str]) -> None:
    message, _number = sms_waiting
    # Given a worker claimed the row, the gateway took the message, and the worker died
    claimed = delivery.outbox_claim(outbox_id=message.pk)
    assert claimed is not None
    RecordingBackend().send(delivery.outgoing_message(claimed))
    OutboxMessage.objects.filter(pk=message.pk).update(lease_until=timezone.now() - timedelta(seconds=1))
    # When the sweep gives it back and it is delivered with the same idempotency key
    delivery.outbox_sweep()
    assert tasks.deliver_outbox(str(message.pk)) == "sent"
    # Then the gateway has it once
    assert SentMessage.objects.filter(outbox_id=message.pk).count() == 1


def test_a_failing_gateway_is_retried_with_exponential_backoff_until_it_works(
    sms_waiting: tuple[OutboxMessage, str], settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    message, number = sms_waiting
    settings.NOTIFICATION_BACKENDS = {"sms": "tests.notifications.backends.FlakyBackend"}
    monkeypatch.setattr(FlakyBackend, "failures_left", 2)
    retries: list[float] = []
    monkeypatch.setattr(tasks.deliver_outbox, "apply_async", lambda args, countdown: retries.append(countdown))

    # First attempt fails: pending again, 30 s later, the error kept (with the number masked)
    before = timezone.now()
    assert tasks.deliver_outbox(str(message.pk)) == "retry"
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("pending", 1)
    assert 29 <= (message.next_attempt_at - before).total_seconds() <= 31
    assert "gateway timeout" in message.last_error and number not in message.last_error
    assert 28 <= retries[-1] <= 30, "the task schedules itself for the next attempt"
    # Not due yet: nothing happens
    assert tasks.deliver_outbox(str(message.pk)) == "skipped"

    # Second attempt fails: 4 times longer
    make_due(message)
    before = timezone.now()
    assert tasks.deliver_outbox(str(message.pk)) == "retry"
    message.refresh_from_db()
    assert 119 <= (message.next_attempt_at - before).total_seconds() <= 121

    # Third attempt works
    make_due(message)
    assert tasks.deliver_outbox(str(message.pk)) == "sent"
    message.refresh_from_db()
    assert (message.status, message.attempts, message.last_error) == ("sent", 3, "")
    assert SentMessage.objects.filter(outbox_id=message.pk).count() == 1


def test_after_the_last_attempt_the_message_has_failed_with_its_error(
    sms_waiting: tuple[OutboxMessage, str], settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    message, _number = sms_waiting
    settings.NOTIFICATION_BACKENDS = {"sms": "tests.notifications.backends.FlakyBackend"}
    settings.NOTIFICATION_MAX_ATTEMPTS = 3
    monkeypatch.setattr(FlakyBackend, "failures_left", 10)
    monkeypatch.setattr(tasks.deliver_outbox, "apply_async", lambda args, countdown: None)

    outcomes = []
    for _attempt in range(3):
        make_due(message)
        outcomes.append(tasks.deliver_outbox(str(message.pk)))

    assert outcomes == ["retry", "retry", "failed"]
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("failed", 3)
    assert message.last_error.startswith("DeliveryError: gateway timeout")
    make_due(message)
    assert tasks.deliver_outbox(str(message.pk)) == "skipped"
    assert not SentMessage.objects.filter(outbox_id=message.pk).exists()


def test_backoff_grows_four_times_and_is_capped() -> None:
    from nanhai_portal.notifications import conf

    assert [conf.retry_delay(n).total_seconds() for n in range(1, 7)] == [30, 120, 480, 1920, 3600, 3600]


def test_a_person_who_lost_their_address_fails_at_once(sms_waiting: tuple[OutboxMessage, str]) -> None:
    message, _number = sms_waiting
    OutboxMessage.objects.filter(pk=message.pk).update(channel="wechat")  # nobody has a WeChat id yet
    assert tasks.deliver_outbox(str(message.pk)) == "failed"
    message.refresh_from_db()
    assert message.attempts == 1 and message.last_error.startswith("PermanentDeliveryError")


def test_the_sweep_enqueues_a_row_whose_task_was_lost_and_then_leaves_it_alone(
    sms_waiting: tuple[OutboxMessage, str], settings: Any
) -> None:
    message, _number = sms_waiting
    # Given the process died right after the commit: the row is pending, its task never sent
    OutboxMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now() - timedelta(minutes=10))
    # When the sweep runs twice in a row
    first, second = delivery.outbox_sweep(), delivery.outbox_sweep()
    # Then it enqueues the row once (the second sweep waits for the grace period)
    assert message.pk in first and message.pk not in second


def test_the_rate_limit_is_a_token_bucket_shared_through_redis() -> None:
    bucket = TokenBucket(f"test-{uuid.uuid4().hex}", rate=10, capacity=2)
    twin = TokenBucket(bucket.key.rsplit(":", 1)[1], rate=10, capacity=2)  # another worker, same bucket
    assert bucket.take() == 0 and twin.take() == 0, "a full bucket gives its capacity at once"
    wait = bucket.take()
    assert 0.05 < wait <= 0.1, "then one token every 1/rate seconds"
    started = time.monotonic()
    twin.wait_and_take()
    assert time.monotonic() - started >= 0.05


def test_the_rate_limits_are_settings(settings: Any) -> None:
    from nanhai_portal.notifications import conf

    assert conf.rate_limit("sms") == 50
    settings.NOTIFICATION_RATE_LIMITS = {"sms": 5}
    assert conf.rate_limit("sms") == 5 and conf.rate_limit("email") == 20
