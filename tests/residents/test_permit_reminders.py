"""Reminders about the permit: the day a resident may apply for one, and the endorsement window.

The services take ``today=``: each case runs on fixed dates, month ends and 29 February among
them, so the tests read the same on any day. One test runs the daily task in a real worker.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from django.utils import timezone

from nanhai_portal.accounts.models import User
from nanhai_portal.notifications.models import Notification, OutboxMessage
from nanhai_portal.notifications.services import preference_set
from nanhai_portal.periodic import periodic_tasks
from nanhai_portal.periods import years_after
from nanhai_portal.tenancy import town_context
from residents import permit_calendar, services, tasks
from residents.models import Application, Permit, Resident
from residents.services.permits import permits_remind_eligible
from tests.factories import ApplicationFactory, PermitFactory, ResidentFactory
from tests.workers import wait_until

TOWN = "dali"  # no demo resident of this town has an account: only this file's people are told


def a_mobile() -> str:
    return f"139{random.SystemRandom().randrange(10**8):08d}"


def resident_with_account(registered_since: date | None, town: str = TOWN) -> Resident:
    resident = ResidentFactory(
        town_id=town, account=True, registered_since=registered_since, person__user__mobile=a_mobile()
    )
    return resident


def told(resident: Resident, event: str = "permit.eligible") -> list[Notification]:
    return list(Notification.objects.filter(recipient=resident.person.user, event=event).order_by("created_at"))


def remind(today: date, town: str = TOWN) -> int:
    with town_context(town):
        return permits_remind_eligible(today=today)


# --- The day a resident may apply ------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("registered_since", "eligible_from"),
    [
        (date(2025, 8, 31), date(2026, 2, 28)),  # no 31 February: the last day of the month
        (date(2023, 8, 31), date(2024, 2, 29)),  # a leap year: 29 February
        (date(2023, 8, 29), date(2024, 2, 29)),
        (date(2025, 6, 15), date(2025, 12, 15)),
        (date(2025, 12, 31), date(2026, 6, 30)),
        (date(2025, 7, 1), date(2026, 1, 1)),  # across the new year
    ],
)
def test_a_resident_is_told_once_on_the_day_they_may_apply(registered_since: date, eligible_from: date) -> None:
    # Given a resident registered on ``registered_since``, without a permit
    resident = resident_with_account(registered_since)
    assert permit_calendar.eligible_from(registered_since) == eligible_from

    # The day before: nothing
    remind(eligible_from - timedelta(days=1))
    assert told(resident) == []

    # On the day: one message, in the inbox and by SMS, naming the day
    remind(eligible_from)
    remind(eligible_from)
    remind(eligible_from + timedelta(days=1))
    messages = told(resident)
    assert len(messages) == 1
    assert eligible_from.isoformat() in messages[0].body and "居住证" in messages[0].title
    assert list(OutboxMessage.objects.filter(notification=messages[0]).values_list("channel", flat=True)) == ["sms"]
    with town_context(TOWN):
        resident.refresh_from_db()
    assert resident.permit_eligible_reminded_on == eligible_from


@pytest.mark.django_db
def test_missed_days_are_caught_up_and_only_those_who_may_apply_are_told() -> None:
    today = date(2026, 3, 31)
    missed = resident_with_account(date(2025, 8, 31))  # eligible on 28 February: the task did not run since
    not_yet = resident_with_account(date(2025, 10, 1))  # eligible on 1 April
    unregistered = resident_with_account(None)
    holder = resident_with_account(date(2024, 1, 15))
    PermitFactory(town_id=TOWN, resident=holder, valid_from=date(2024, 8, 1))
    applying = resident_with_account(date(2024, 1, 15))
    ApplicationFactory(town_id=TOWN, resident=applying, kind=Application.Kind.PERMIT_ISSUE, status="submitted")
    rejected = resident_with_account(date(2024, 1, 15))  # a rejected application is over: they may apply again
    ApplicationFactory(town_id=TOWN, resident=rejected, kind=Application.Kind.PERMIT_ISSUE, status="rejected")
    moved = resident_with_account(date(2024, 1, 15))
    with town_context(TOWN):
        Resident.objects.filter(pk=moved.pk).update(moved_out_on=date(2025, 1, 1))

    remind(today)

    assert [message.body for message in told(missed)] and "2026-02-28" in told(missed)[0].body
    assert len(told(rejected)) == 1
    for resident in (not_yet, unregistered, holder, applying, moved):
        assert told(resident) == [], resident
    remind(date(2026, 4, 1))
    assert len(told(not_yet)) == 1 and len(told(missed)) == 1


@pytest.mark.django_db
def test_the_reminder_is_in_the_readers_language() -> None:
    resident = resident_with_account(date(2025, 8, 31))
    preference_set(user=resident.person.user, language="en")
    remind(date(2026, 2, 28))
    (message,) = told(resident)
    assert message.title == "You can apply for your residence permit"
    assert "from 2026-02-28 you can apply" in message.body


def test_the_reminder_is_on_the_beat_schedule_every_morning() -> None:
    entry = periodic_tasks()["residents.permit_eligible_daily"]
    assert entry["task"] == "residents.permit_eligible_daily"
    assert (entry["schedule"].hour, entry["schedule"].minute) == ({9}, {0})
    daily = periodic_tasks()["residents-permits-daily"]  # the endorsement check sends SMS too: mornings
    assert daily["task"] == "residents.permits_daily" and daily["schedule"].hour == {8}


# --- The endorsement window --------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("since", [date(2025, 3, 31), date(2024, 2, 29), date(2025, 12, 31)])
def test_the_endorsement_reminder_says_due_with_the_windows_dates(since: date) -> None:
    permit = PermitFactory(town_id=TOWN, resident=resident_with_account(date(2024, 1, 1)), valid_from=since)
    user = permit.resident.person.user
    anniversary = permit_calendar.anniversary(since, 1)
    opens, endorse_by = permit_calendar.window_opens(anniversary), anniversary - timedelta(days=1)

    with town_context(TOWN):
        services.permits_refresh_town(today=opens)

    (message,) = Notification.objects.filter(recipient=user, event="permit.endorsement_due")
    assert message.title == f"居住证待签注：{opens.isoformat()} 至 {endorse_by.isoformat()}"
    assert f"{opens.isoformat()} 至 {endorse_by.isoformat()}" in message.body and "待签注" in message.body
    assert "到期" not in message.title + message.body
    assert OutboxMessage.objects.filter(notification=message, channel="sms").exists()


# --- In a real worker ------------------------------------------------------------------


@pytest.fixture
def committed_resident(live_db: None) -> Iterator[Resident]:
    """A committed resident of TOWN registered a year ago, with an account; removed afterwards."""
    resident = resident_with_account(years_after(timezone.localdate(), -1))
    yield resident
    user = User.objects.get(pk=resident.person.user_id)
    OutboxMessage.objects.filter(recipient=user).delete()
    Notification.objects.filter(recipient=user).delete()
    with town_context(TOWN):
        Resident.objects.filter(pk=resident.pk).delete()
    resident.person.delete()
    user.delete()


@pytest.mark.worker
def test_the_daily_task_tells_the_town_in_a_worker(committed_resident: Resident, celery_worker_process: str) -> None:
    assert TOWN in tasks.permit_eligible_daily.delay().get(timeout=30)  # one task per town

    def reminded() -> bool:
        return Notification.objects.filter(
            recipient_id=committed_resident.person.user_id, event="permit.eligible"
        ).exists()

    wait_until(reminded, timeout=30, what="the reminder of the town's task")
    # A second run (beat twice, a retry) tells nobody again
    assert tasks.permit_eligible_town.apply_async(kwargs={"town": TOWN}).get(timeout=30) == 0
    assert (
        Notification.objects.filter(recipient_id=committed_resident.person.user_id, event="permit.eligible").count()
        == 1
    )
    with town_context(TOWN):
        assert Permit.objects.filter(resident=committed_resident).count() == 0


@pytest.mark.django_db
def test_the_demo_resident_whose_endorsement_is_due_has_the_reminder_in_the_inbox() -> None:
    user = User.objects.get(username="resident.3")
    with town_context("guicheng"):
        permit = Permit.objects.get(resident__person__user=user)
    assert permit.status == "endorsement_due"
    (message,) = Notification.objects.filter(recipient=user, event="permit.endorsement_due")
    assert message.title.startswith("居住证待签注：") and permit.permit_number in message.body
