"""Fan-out: a town's message to a segment of its people, in chunks, exactly once per person and
channel, with progress, and never beyond the town."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.utils import timezone

from nanhai_portal.accounts.models import User
from nanhai_portal.audit.models import AuditEvent
from nanhai_portal.notifications import fanouts, tasks
from nanhai_portal.notifications.models import FanOut, FanOutChunk, Notification, NotificationPreference, OutboxMessage
from nanhai_portal.tenancy import town_context

pytestmark = pytest.mark.django_db

BROADCAST = {"title": "停水通知", "text": "明日 9:00-17:00 桂城部分片区停水，请提前储水。"}


def bulk_residents(count: int, town: str, prefix: str) -> list[int]:
    """``count`` new residents of ``town`` (no mobile number, default preferences), by id."""
    User.objects.bulk_create(
        [User(username=f"{prefix}-{n}", name=f"{prefix}-{n}", role="resident", town_id=town) for n in range(count)],
        batch_size=1000,
    )
    return list(User.objects.filter(username__startswith=f"{prefix}-").values_list("pk", flat=True))


def wants_email(user_ids: list[int]) -> None:
    User.objects.filter(pk__in=user_ids).update(email="someone@example.com")
    NotificationPreference.objects.bulk_create([NotificationPreference(user_id=pk, email=True) for pk in user_ids])


def town_residents(town: str) -> set[int]:
    return set(User.objects.filter(role="resident", town_id=town, is_active=True).values_list("pk", flat=True))


def duplicates(fanout: FanOut) -> list[Any]:
    return list(
        OutboxMessage.objects.filter(fanout=fanout)
        .values("recipient_id", "channel")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
    )


def test_a_fanout_reaches_each_resident_of_its_town_once_per_channel_with_progress(
    user: Callable[[str], User], django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    # Given 1,200 more residents in Guicheng (ten of whom want email) and five in Dali
    guicheng = bulk_residents(1200, "guicheng", "fan-gc")
    dali = bulk_residents(5, "dali", "fan-dl")
    wants_email(guicheng[:10] + dali)
    everyone = town_residents("guicheng")
    with_mobile = {pk for pk in everyone if getattr(User.objects.get(pk=pk), "mobile", None)}

    with town_context("guicheng"):
        # When an officer of Guicheng starts a fan-out to its residents
        with django_capture_on_commit_callbacks() as enqueued:
            fanout = fanouts.fanout_start(
                created_by=user("officer.guicheng"),
                segment="town_residents",
                event="broadcast.message",
                context=BROADCAST,
            )
        assert len(enqueued) == 1, "the plan is enqueued after the commit, nothing else"
        assert AuditEvent.objects.filter(action="notifications.fanout_started", object_id=str(fanout.pk)).exists()

        # ...and it is planned (twice: a redelivered plan task) and its chunks run (the first one twice)
        chunk_ids = fanouts.fanout_plan(fanout_id=fanout.pk)
        assert fanouts.fanout_plan(fanout_id=fanout.pk) == []
        fanout.refresh_from_db()
        assert (fanout.status, fanout.total, fanout.chunks_total, fanout.percent) == ("running", len(everyone), 3, 0)
        first = fanouts.fanout_process_chunk(chunk_id=chunk_ids[0])
        fanout.refresh_from_db()
        assert fanout.percent == 500 * 100 // len(everyone)
        for chunk_id in chunk_ids[1:]:
            fanouts.fanout_process_chunk(chunk_id=chunk_id)
        assert fanouts.fanout_process_chunk(chunk_id=chunk_ids[0]) == [], "a chunk that runs again adds nothing"
        fanout.refresh_from_db()

    # Then every Guicheng resident has it once, no one in Dali has it, and progress is complete
    notified = Notification.objects.filter(fanout=fanout)
    assert sorted(notified.values_list("recipient_id", flat=True)) == sorted(everyone)
    assert not Notification.objects.filter(fanout=fanout, recipient_id__in=dali).exists()
    assert set(notified.values_list("title", flat=True)) == {"停水通知"}
    assert (fanout.status, fanout.processed, fanout.chunks_done, fanout.percent) == ("finished", len(everyone), 3, 100)
    assert fanout.finished_at is not None
    # and one outbox row per person and channel they accept: email for ten, SMS for those with a number
    outbox = OutboxMessage.objects.filter(fanout=fanout)
    assert set(outbox.filter(channel="email").values_list("recipient_id", flat=True)) == set(guicheng[:10])
    assert set(outbox.filter(channel="sms").values_list("recipient_id", flat=True)) == with_mobile
    assert duplicates(fanout) == []
    assert first and set(first) <= set(outbox.values_list("pk", flat=True)), "a chunk returns its outbox rows to send"


def test_the_tasks_plan_chunks_and_enqueue_delivery_after_commit(
    user: Callable[[str], User],
    settings: Any,
    django_capture_on_commit_callbacks: Callable[..., Any],
    recorded_deliveries: list[str],
) -> None:
    people = bulk_residents(30, "guicheng", "fan-task")
    wants_email(people)
    settings.NOTIFICATION_FANOUT_CHUNK_SIZE = 10
    with town_context("guicheng"):
        fanout = fanouts.fanout_start(
            created_by=user("townadmin.guicheng"),
            segment="town_residents",
            event="broadcast.message",
            context=BROADCAST,
        )

    with django_capture_on_commit_callbacks() as chunk_tasks:
        chunks = tasks.plan_fanout(fanout_id=str(fanout.pk), town="guicheng")
    with town_context("guicheng"):
        total = FanOut.objects.get(pk=fanout.pk).total
    # These 30 and the demo's residents with accounts in 桂城 (their number is the demo's), in chunks of 10.
    assert total >= 33 and chunks == -(-total // 10) and len(chunk_tasks) == chunks
    with town_context("guicheng"):
        chunk_ids = list(FanOutChunk.objects.filter(fanout=fanout).order_by("index").values_list("pk", flat=True))
    for chunk_id in chunk_ids:
        with django_capture_on_commit_callbacks(execute=True):
            tasks.process_fanout_chunk(chunk_id=chunk_id, town="guicheng")
        with django_capture_on_commit_callbacks(execute=True):
            assert tasks.process_fanout_chunk(chunk_id=chunk_id, town="guicheng") == 0

    pending = OutboxMessage.objects.filter(fanout=fanout)
    assert sorted(recorded_deliveries) == sorted(str(pk) for pk in pending.values_list("pk", flat=True))
    with town_context("guicheng"):
        assert FanOut.objects.get(pk=fanout.pk).status == "finished"


def test_a_fanout_of_one_town_is_invisible_to_another(user: Callable[[str], User]) -> None:
    with town_context("guicheng"):
        fanout = fanouts.fanout_start(
            created_by=user("officer.guicheng"), segment="town_staff", event="broadcast.message", context=BROADCAST
        )
    with town_context("dali"):
        assert not FanOut.objects.filter(pk=fanout.pk).exists()
        assert fanouts.fanout_plan(fanout_id=fanout.pk) == [], "a Dali worker cannot even plan it"


def test_only_staff_of_the_town_can_start_one_there(user: Callable[[str], User]) -> None:
    with town_context("guicheng"), pytest.raises(PermissionDenied):
        fanouts.fanout_start(
            created_by=user("officer.dali"), segment="town_residents", event="broadcast.message", context=BROADCAST
        )
    with pytest.raises(RuntimeError, match="town_context"):
        fanouts.fanout_start(
            created_by=user("officer.dali"), segment="town_residents", event="broadcast.message", context=BROADCAST
        )


def test_an_unknown_segment_a_private_event_or_missing_text_is_refused(user: Callable[[str], User]) -> None:
    officer = user("officer.guicheng")
    with town_context("guicheng"):
        before = FanOut.objects.count()
        with pytest.raises(ValidationError) as wrong:
            fanouts.fanout_start(created_by=officer, segment="everyone", event="account.welcome", context={})
        assert set(wrong.value.message_dict) == {"segment", "event"}
        with pytest.raises(ValidationError) as missing:
            fanouts.fanout_start(
                created_by=officer, segment="town_residents", event="broadcast.message", context={"txt": "hi"}
            )
        assert set(missing.value.message_dict) == {"context.txt", "context.text"}
        assert FanOut.objects.count() == before


def test_an_empty_segment_finishes_at_once(user: Callable[[str], User]) -> None:
    # The demo's residents of the town (its landlord among them) leave: nobody is left in it.
    User.objects.filter(role="resident", town_id="lishui").update(is_active=False)
    with town_context("lishui"):
        fanout = fanouts.fanout_start(
            created_by=user("officer.lishui"), segment="town_residents", event="broadcast.message", context=BROADCAST
        )
        assert fanouts.fanout_plan(fanout_id=fanout.pk) == []
        fanout.refresh_from_db()
    assert (fanout.status, fanout.total, fanout.percent) == ("finished", 0, 100)


def test_each_person_gets_the_fanout_in_their_language(user: Callable[[str], User]) -> None:
    english = bulk_residents(1, "xiqiao", "fan-en")
    NotificationPreference.objects.create(user_id=english[0], language="en")
    chinese = bulk_residents(1, "xiqiao", "fan-zh")
    with town_context("xiqiao"):
        fanout = fanouts.fanout_start(
            created_by=user("officer.xiqiao"),
            segment="town_residents",
            event="broadcast.message",
            context={"text": "Fire drill on Friday."},
        )
        for chunk_id in fanouts.fanout_plan(fanout_id=fanout.pk):
            fanouts.fanout_process_chunk(chunk_id=chunk_id)
    titles = dict(Notification.objects.filter(fanout=fanout).values_list("recipient_id", "title"))
    demo = set(User.objects.filter(role="resident", town_id="xiqiao").values_list("pk", flat=True)) - {
        english[0],
        chinese[0],
    }  # the demo's residents of the town (its landlord): Chinese, the default
    assert titles == {english[0]: "Notice from your town", chinese[0]: "镇街通知", **dict.fromkeys(demo, "镇街通知")}


def test_the_sweep_finds_chunks_and_plans_whose_task_was_lost(user: Callable[[str], User]) -> None:
    bulk_residents(3, "danzao", "fan-sweep")
    long_ago = timezone.now() - timedelta(minutes=10)
    with town_context("danzao"):
        lost_plan = fanouts.fanout_start(
            created_by=user("officer.danzao"), segment="town_residents", event="broadcast.message", context=BROADCAST
        )
        planned = fanouts.fanout_start(
            created_by=user("officer.danzao"), segment="town_residents", event="broadcast.message", context=BROADCAST
        )
        [lost_chunk] = fanouts.fanout_plan(fanout_id=planned.pk)
        FanOut.objects.filter(pk__in=[lost_plan.pk, planned.pk]).update(created_at=long_ago)
        FanOutChunk.objects.filter(pk=lost_chunk).update(enqueued_at=long_ago)

        plans, chunks = fanouts.fanout_sweep()
        assert lost_plan.pk in plans and planned.pk not in plans
        assert chunks == [lost_chunk]
        assert fanouts.fanout_sweep()[1] == [], "a chunk just enqueued again is left alone for a while"
