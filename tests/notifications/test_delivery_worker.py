"""Delivery through a real Celery worker, on data that really commits (live_db)."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection, transaction
from django.utils import timezone

from nanhai_portal.accounts.models import User
from nanhai_portal.notifications import delivery, tasks
from nanhai_portal.notifications.models import Notification, OutboxMessage, SentMessage
from nanhai_portal.notifications.services import notify, preference_set
from tests.notifications.backends import SlowBackend
from tests.notifications.conftest import make_resident, wait_for

pytestmark = [pytest.mark.worker]


@pytest.fixture
def person(live_db: None) -> Iterator[User]:
    """A committed resident who wants email, removed with everything they were sent afterwards."""
    someone = make_resident(email=f"{uuid.uuid4().hex[:8]}@example.com")
    preference_set(user=someone, email=True)
    yield someone
    outbox_ids = list(OutboxMessage.objects.filter(recipient=someone).values_list("pk", flat=True))
    SentMessage.objects.filter(outbox_id__in=outbox_ids).delete()
    someone.delete()


def welcome(person: User) -> OutboxMessage:
    with transaction.atomic():
        notification = notify(user=person, event="account.welcome", context={})
    return OutboxMessage.objects.get(notification=notification, channel="email")


def is_sent(message: OutboxMessage) -> bool:
    return OutboxMessage.objects.filter(pk=message.pk, status="sent").exists()


def test_a_rolled_back_notification_leaves_nothing_and_enqueues_nothing(
    person: User, recorded_deliveries: list[str]
) -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        notify(user=person, event="account.welcome", context={})
        raise RuntimeError("the change failed")
    assert not Notification.objects.filter(recipient=person).exists()
    assert recorded_deliveries == []


def test_a_committed_notification_is_sent_once_by_the_worker_even_when_enqueued_three_times(
    person: User, celery_worker_process: str
) -> None:
    # Given a committed notification, whose delivery is enqueued after the commit...
    message = welcome(person)
    # ...and twice more, as a redelivered message or a retry would
    extra = [tasks.deliver_outbox.delay(str(message.pk)) for _ in range(2)]

    outcomes = [result.get(timeout=30) for result in extra]
    wait_for(lambda: is_sent(message), what="the email to be sent")

    assert SentMessage.objects.filter(outbox_id=message.pk).count() == 1
    assert outcomes.count("sent") <= 1 and set(outcomes) <= {"sent", "skipped"}


def test_two_workers_at_the_same_moment_send_once(
    person: User, settings: Any, recorded_deliveries: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.NOTIFICATION_BACKENDS = {"email": "tests.notifications.backends.SlowBackend"}
    monkeypatch.setattr(SlowBackend, "sends", 0)
    message = welcome(person)  # its task is held back: the two threads below are the workers
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def work() -> None:
        try:
            start.wait()
            outcomes.append(delivery.outbox_deliver(outbox_id=message.pk).outcome.value)
        finally:
            connection.close()

    workers = [threading.Thread(target=work) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=30)

    assert sorted(outcomes) == ["sent", "skipped"]
    assert SlowBackend.sends == 1
    assert SentMessage.objects.filter(outbox_id=message.pk).count() == 1


def test_after_a_crash_the_sweep_in_the_worker_sends_the_message_once(
    person: User, celery_worker_process: str, recorded_deliveries: list[str]
) -> None:
    # Given the process died right after the commit (its task never enqueued)...
    message = welcome(person)
    assert recorded_deliveries == [str(message.pk)]
    # ...and a worker then claimed the row and died before sending
    assert delivery.outbox_claim(outbox_id=message.pk) is not None
    OutboxMessage.objects.filter(pk=message.pk).update(lease_until=timezone.now() - timedelta(seconds=1))

    # When the periodic sweep runs in the worker
    assert tasks.sweep_outbox.delay().get(timeout=30) >= 1

    # Then the message is sent, once
    wait_for(lambda: is_sent(message), what="the swept email to be sent")
    assert SentMessage.objects.filter(outbox_id=message.pk).count() == 1
    message.refresh_from_db()
    assert message.attempts == 2


def test_the_sweeps_are_on_the_beat_schedule() -> None:
    from nanhai_portal.celery import app

    schedule = app.conf.beat_schedule
    assert schedule["notifications.sweep_outbox"]["task"] == "notifications.sweep_outbox"
    assert schedule["notifications.sweep_fanouts"]["task"] == "notifications.sweep_fanouts"
