"""A fan-out to 1,200 residents through a real Celery worker, on data that really commits."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from django.db.models import Count

from nanhai_portal.accounts.models import User
from nanhai_portal.notifications import tasks
from nanhai_portal.notifications.models import FanOut, FanOutChunk, Notification, OutboxMessage, SentMessage
from nanhai_portal.tenancy import town_context
from tests.notifications.conftest import wait_for
from tests.notifications.test_fanout import BROADCAST, bulk_residents, town_residents, wants_email

pytestmark = [pytest.mark.worker, pytest.mark.slow]


@pytest.fixture
def crowd(live_db: None) -> Iterator[str]:
    """1,200 committed residents of Guicheng (ten want email) and five of Dali; removed afterwards
    with every fan-out, notification and sent record they got."""
    prefix = f"crowd-{uuid.uuid4().hex[:6]}"
    guicheng = bulk_residents(1200, "guicheng", f"{prefix}-gc")
    bulk_residents(5, "dali", f"{prefix}-dl")
    wants_email(guicheng[:10])
    yield prefix
    with town_context("guicheng"):
        fanout_ids = list(FanOut.objects.filter(context__text=BROADCAST["text"]).values_list("pk", flat=True))
    outbox_ids = OutboxMessage.objects.filter(fanout_id__in=fanout_ids).values_list("pk", flat=True)
    SentMessage.objects.filter(outbox_id__in=list(outbox_ids)).delete()
    Notification.objects.filter(fanout_id__in=fanout_ids).delete()
    with town_context("guicheng"):
        FanOut.objects.filter(pk__in=fanout_ids).delete()
    User.objects.filter(username__startswith=prefix).delete()


def test_a_fanout_in_chunks_through_the_worker_reaches_everyone_once(crowd: str, celery_worker_process: str) -> None:
    # Given a fan-out started in Guicheng (as fanout_start leaves it, without its audit event)
    everyone = town_residents("guicheng")
    with town_context("guicheng"):
        fanout = FanOut.objects.create(
            town_id="guicheng",
            event="broadcast.message",
            segment="town_residents",
            context=BROADCAST,
            created_by=User.objects.get(username="officer.guicheng"),
        )

    # When the worker plans it and runs its chunks (three of 500 or fewer)
    assert tasks.plan_fanout.delay(fanout_id=str(fanout.pk), town="guicheng").get(timeout=30) == 3

    def finished() -> FanOut | None:
        with town_context("guicheng"):
            return FanOut.objects.filter(pk=fanout.pk, status="finished").first()

    done = wait_for(finished, timeout=60, what="the fan-out to finish")
    assert (done.processed, done.total, done.percent) == (len(everyone), len(everyone), 100)

    # And a chunk task runs twice more, at once, through the worker
    with town_context("guicheng"):
        chunk = FanOutChunk.objects.filter(fanout=fanout).order_by("index").first()
        assert chunk is not None
        again = [tasks.process_fanout_chunk.delay(chunk_id=chunk.pk) for _ in range(2)]
    assert [result.get(timeout=30) for result in again] == [0, 0]

    # Then each Guicheng resident has one notification, nobody in Dali has one...
    notified = Notification.objects.filter(fanout=fanout)
    assert sorted(notified.values_list("recipient_id", flat=True)) == sorted(everyone)
    assert not notified.filter(recipient__town_id="dali").exists()
    # ...each channel has at most one message per person, and every message was sent once
    outbox = OutboxMessage.objects.filter(fanout=fanout)
    assert outbox.filter(channel="email").count() == 10
    assert not outbox.values("recipient_id", "channel").annotate(n=Count("id")).filter(n__gt=1).exists()
    wait_for(lambda: not outbox.exclude(status="sent").exists(), what="the fan-out's messages to be sent")
    sent = SentMessage.objects.filter(outbox_id__in=list(outbox.values_list("pk", flat=True)))
    assert sent.count() == outbox.count()
    with town_context("guicheng"):
        assert FanOut.objects.get(pk=fanout.pk).processed == len(everyone), "running a chunk again counted nothing"
