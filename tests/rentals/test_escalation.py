"""Escalation (区镇联动): a hazard not fixed by its deadline goes to the town officers' queue, and
after the second deadline to the district's list; once per step, told once to the landlord and
the grid's workers, audited; a fix takes it out, a reopening starts it again.

The service takes ``now=``: every case runs on fixed times (month ends, 29 February), never
on today. One test runs the beat's tasks in a real Celery worker.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import override_settings

from nanhai_portal.accounts.roles import Role
from nanhai_portal.audit.models import AuditEvent
from nanhai_portal.notifications.models import Notification, OutboxMessage
from nanhai_portal.notifications.selectors import notification_text
from nanhai_portal.periodic import periodic_tasks
from nanhai_portal.tenancy import district_context, town_context
from rentals import selectors, services, tasks
from rentals.models import Hazard, HazardCategory, RentalHouse
from tests.factories import PersonFactory, UserFactory
from tests.rentals.factories import AT, SHANGHAI, RentalHouseFactory, grid_worker_of
from tests.unchanged import Rows, nothing_changes
from tests.workers import wait_until

TOWN = "guicheng"
MAJOR = "escape_window"  # 24 hours (settings)
GENERAL = "extinguisher"  # 7 days
SECOND = timedelta(days=7)  # RENTALS_ESCALATION_SECOND_DEADLINE


def a_hazard(
    *, category: str = MAJOR, found_at: datetime = AT, town: str = TOWN, landlord: Any = None
) -> tuple[Hazard, Any]:
    """Given: a house in a grid with its worker, and one hazard found at ``found_at``."""
    extra = {"landlord": landlord} if landlord is not None else {}
    house = RentalHouseFactory(town_id=town, **extra)
    worker = grid_worker_of(house.grid)
    with town_context(town):
        services.inspection_record(
            house=house,
            client_id=uuid.uuid4(),
            items=[{"category": category, "result": "hazard"}],
            by=worker,
            inspected_at=found_at,
        )
        return Hazard.objects.select_related("house__landlord__user").get(house=house), worker


def escalate(now: datetime, town: str = TOWN) -> list[services.Escalation]:
    with town_context(town):
        return services.hazards_escalate_overdue(now=now)


def level_of(hazard: Hazard, town: str = TOWN) -> tuple[int, datetime | None]:
    with town_context(town):
        fresh = Hazard.objects.get(pk=hazard.pk)
    return fresh.escalated_level, fresh.escalated_at


def told(user: Any) -> list[Notification]:
    return list(Notification.objects.filter(recipient=user, event="rentals.hazard_escalated").order_by("created_at"))


def escalation_events(hazard: Hazard) -> list[Any]:
    with district_context():
        return list(
            AuditEvent.objects.for_all_towns()
            .filter(action="rentals.hazard_escalated", object_id=str(hazard.pk))
            .order_by("occurred_at", "id")
            .values_list("changes", flat=True)
        )


# --- Once per step -----------------------------------------------------------------------


def test_an_overdue_hazard_goes_to_the_towns_queue_once_and_both_are_told_once(db: None) -> None:
    # Given a major hazard found at AT (2025-01-31 10:00, a month end): due 2025-02-01 10:00,
    # at the house of a landlord who signs in and has a mobile number
    owner = PersonFactory(user=UserFactory(role=Role.RESIDENT, town_id=TOWN, mobile="13912345678"))
    hazard, worker = a_hazard(landlord=owner)
    landlord = hazard.house.landlord.user
    assert hazard.due_at == AT + timedelta(hours=24)

    # When the beat runs a minute before the deadline, nothing moves
    assert escalate(hazard.due_at - timedelta(minutes=1)) == []
    assert level_of(hazard) == (0, None)

    # When it runs at the deadline, and again (beat twice, a retry)
    first = escalate(hazard.due_at)
    second = escalate(hazard.due_at + timedelta(minutes=5))

    # Then it went to the town's queue once, told to the landlord and the worker once each
    assert first == [services.Escalation(hazard.pk, 0, 1)]
    assert second == []
    assert level_of(hazard) == (1, hazard.due_at)
    assert len(told(landlord)) == 1 and len(told(worker)) == 1
    assert escalation_events(hazard) == [{"escalated_level": [0, 1], "due": hazard.due_at.isoformat()}]
    (message,) = told(landlord)
    assert message.title == "消防安全隐患逾期未整改，已上报镇街"
    assert "2025-02-01 10:00" in message.body and "防盗网逃生窗" in message.body
    assert OutboxMessage.objects.filter(notification=message, channel="sms").count() == 1


def test_after_the_second_deadline_it_goes_to_the_districts_list_and_both_are_told_again(db: None) -> None:
    hazard, worker = a_hazard()
    landlord = hazard.house.landlord.user
    escalate(hazard.due_at + timedelta(hours=1))

    # One minute before the second deadline: still the town's
    assert escalate(hazard.due_at + SECOND - timedelta(minutes=1)) == []
    # At it: the district's, once
    assert escalate(hazard.due_at + SECOND) == [services.Escalation(hazard.pk, 1, 2)]
    assert escalate(hazard.due_at + SECOND + timedelta(days=3)) == []

    assert level_of(hazard) == (2, hazard.due_at + SECOND)
    assert [m.context["level"] for m in told(landlord)] == ["town", "district"]  # type: ignore[index]
    assert len(told(worker)) == 2
    assert told(landlord)[1].title == "消防安全隐患逾期未整改，已上报区"
    english = notification_text(told(worker)[1], language="en")
    assert english.subject == "Overdue fire-safety hazard referred to the district"
    assert "Escape windows in anti-theft bars" in english.body
    assert [changes["escalated_level"] for changes in escalation_events(hazard)] == [[0, 1], [1, 2]]


def test_a_hazard_found_past_both_deadlines_goes_to_the_district_in_one_step(db: None) -> None:
    # The beat was down for two weeks: one step, one message each, not two
    hazard, worker = a_hazard(category=GENERAL)
    assert escalate(hazard.due_at + timedelta(days=14)) == [services.Escalation(hazard.pk, 0, 2)]
    assert len(told(worker)) == 1 and len(told(hazard.house.landlord.user)) == 1


@pytest.mark.parametrize(
    ("found_at", "due_at", "district_at"),
    [
        # A leap year: 28 February 23:30 + 24 h is 29 February; + 7 days is 7 March
        (
            datetime(2024, 2, 28, 23, 30, tzinfo=SHANGHAI),
            datetime(2024, 2, 29, 23, 30, tzinfo=SHANGHAI),
            datetime(2024, 3, 7, 23, 30, tzinfo=SHANGHAI),
        ),
        # New Year's Eve across the year
        (
            datetime(2025, 12, 31, 18, 0, tzinfo=SHANGHAI),
            datetime(2026, 1, 1, 18, 0, tzinfo=SHANGHAI),
            datetime(2026, 1, 8, 18, 0, tzinfo=SHANGHAI),
        ),
    ],
)
def test_deadlines_across_month_and_year_ends(
    db: None, found_at: datetime, due_at: datetime, district_at: datetime
) -> None:
    hazard, _worker = a_hazard(found_at=found_at)
    assert hazard.due_at == due_at
    assert escalate(due_at - timedelta(seconds=1)) == []
    assert [step.level for step in escalate(due_at)] == [1]
    assert escalate(district_at - timedelta(seconds=1)) == []
    assert [step.level for step in escalate(district_at)] == [2]


@override_settings(RENTALS_ESCALATION_SECOND_DEADLINE={"days": 2})
def test_the_second_deadline_comes_from_the_settings(db: None) -> None:
    hazard, _worker = a_hazard()
    escalate(hazard.due_at)
    assert [step.level for step in escalate(hazard.due_at + timedelta(days=2))] == [2]


# --- Out of the queues, and in again ---------------------------------------------------------


def test_a_rectified_hazard_is_not_escalated_and_leaves_the_queue(db: None, user: Any) -> None:
    hazard, worker = a_hazard()
    landlord = hazard.house.landlord.user
    escalate(hazard.due_at)
    officer = user("officer.guicheng")
    with town_context(TOWN):
        # (the demo's own overdue hazards are in the town's queue too: only this house counts)
        assert list(selectors.escalation_queue(officer).filter(house=hazard.house_id)) == [hazard]
        services.hazard_rectify(hazard=hazard, note="已加装逃生窗", by=landlord, now=hazard.due_at + timedelta(hours=2))
        assert list(selectors.escalation_queue(officer).filter(house=hazard.house_id)) == []

    # The second deadline passes while the fix waits for the return visit: nothing moves
    assert escalate(hazard.due_at + SECOND + timedelta(days=1)) == []
    with town_context(TOWN):
        services.hazard_verify(hazard=hazard, by=worker, now=hazard.due_at + SECOND + timedelta(days=2))
        assert list(selectors.escalation_queue(officer).filter(house=hazard.house_id)) == []
    assert escalate(hazard.due_at + timedelta(days=30)) == []
    assert len(told(landlord)) == 1


def test_a_reopened_hazard_starts_again_from_its_new_deadline(db: None) -> None:
    hazard, worker = a_hazard()
    landlord = hazard.house.landlord.user
    escalate(hazard.due_at + SECOND)  # on the district's list
    reopened_at = hazard.due_at + SECOND + timedelta(days=1)
    with town_context(TOWN):
        services.hazard_rectify(hazard=hazard, note="已整改", by=landlord, now=reopened_at - timedelta(hours=3))
        services.hazard_reopen(hazard=hazard, reason="逃生窗仍无法打开", by=worker, now=reopened_at)
        hazard.refresh_from_db()

    # Then it is out of the queues, with a new deadline (24 hours from the reopening)
    assert (hazard.escalated_level, hazard.escalated_at) == (0, None)
    assert hazard.due_at == reopened_at + timedelta(hours=24)
    assert escalate(hazard.due_at - timedelta(minutes=1)) == []
    # And it is escalated again, from the town's queue, when the new deadline passes
    assert escalate(hazard.due_at) == [services.Escalation(hazard.pk, 0, 1)]
    assert [m.context["level"] for m in told(landlord)] == ["district", "town"]  # type: ignore[index]


# --- Whose hazards ---------------------------------------------------------------------------


def test_a_towns_run_leaves_every_other_town_alone(db: None) -> None:
    theirs, _worker = a_hazard(town="dali")
    with nothing_changes(Rows(Hazard, {"pk": theirs.pk}), Rows(Notification, {})):
        assert escalate(theirs.due_at + timedelta(days=30), town=TOWN) == []


def test_a_landlord_without_an_account_is_not_told_but_the_grid_worker_is(db: None) -> None:
    # The kernel's notifications go to users; a person without an account has no inbox
    hazard, worker = a_hazard(landlord=PersonFactory(user=None))
    assert [step.level for step in escalate(hazard.due_at)] == [1]
    assert len(told(worker)) == 1
    assert Notification.objects.filter(event="rentals.hazard_escalated", target_id=str(hazard.pk)).count() == 1


def test_every_worker_of_the_grid_is_told_and_nobody_twice(db: None) -> None:
    hazard, worker = a_hazard()
    with town_context(TOWN):
        second_worker = grid_worker_of(RentalHouse.objects.get(pk=hazard.house_id).grid)
    escalate(hazard.due_at)
    assert len(told(worker)) == 1 and len(told(second_worker)) == 1


def test_a_retired_category_is_still_followed(db: None) -> None:
    hazard, _worker = a_hazard()
    HazardCategory.objects.filter(code=MAJOR).update(retired_at=AT)
    assert [step.level for step in escalate(hazard.due_at)] == [1]


# --- The beat ------------------------------------------------------------------------------


def test_the_escalation_is_on_the_beat_schedule_every_working_hour() -> None:
    entry = periodic_tasks()["rentals.hazards_escalate"]
    assert entry["task"] == "rentals.hazards_escalate"
    assert entry["schedule"].hour == set(range(8, 21)) and entry["schedule"].minute == {10}


@pytest.fixture
def committed_hazard(live_db: None) -> Iterator[tuple[Hazard, Any]]:
    """A committed major hazard in xiqiao found at AT (so long overdue by the real clock)."""
    town = "xiqiao"
    hazard, worker = a_hazard(town=town)
    yield hazard, worker
    landlord = hazard.house.landlord
    users = [worker, landlord.user]
    OutboxMessage.objects.filter(recipient__in=users).delete()
    Notification.objects.filter(recipient__in=users).delete()
    with town_context(town):
        house = RentalHouse.objects.get(pk=hazard.house_id)
        Hazard.objects.filter(house=house).delete()
        house.inspections.all().delete()
        house.delete()


def test_two_runs_at_the_same_moment_escalate_once(committed_hazard: tuple[Hazard, Any]) -> None:
    # Beat fired twice, or a task delivered again while the first still runs: the rows are locked
    hazard, worker = committed_hazard
    start = threading.Barrier(2)
    steps: list[services.Escalation] = []

    def run() -> None:
        try:
            start.wait(timeout=10)
            with town_context("xiqiao"):
                steps.extend(services.hazards_escalate_overdue(now=hazard.due_at + timedelta(hours=1)))
        finally:
            connection.close()

    runs = [threading.Thread(target=run) for _ in range(2)]
    for thread in runs:
        thread.start()
    for thread in runs:
        thread.join(timeout=30)
    assert [step for step in steps if step.hazard_id == hazard.pk] == [services.Escalation(hazard.pk, 0, 1)]
    assert len(told(worker)) == 1 and len(escalation_events(hazard)) == 1


@pytest.mark.worker
def test_the_towns_task_escalates_once_in_a_worker(
    committed_hazard: tuple[Hazard, Any], celery_worker_process: str
) -> None:
    hazard, worker = committed_hazard
    at = (hazard.due_at + timedelta(hours=1)).isoformat()

    # The town's task with the beat's time, run twice: one step
    first = tasks.hazards_escalate_town.apply_async(kwargs={"town": "xiqiao", "now": at}).get(timeout=30)
    again = tasks.hazards_escalate_town.apply_async(kwargs={"town": "xiqiao", "now": at}).get(timeout=30)
    assert first == {"town": "xiqiao", "to_town": 1, "to_district": 0}
    assert again == {"town": "xiqiao", "to_town": 0, "to_district": 0}
    assert level_of(hazard, town="xiqiao")[0] == 1

    # The beat's task sends one per town; by the worker's clock the hazard is long past both deadlines
    assert "xiqiao" in tasks.hazards_escalate.delay().get(timeout=30)
    wait_until(lambda: level_of(hazard, town="xiqiao")[0] == 2, timeout=30, what="the district step")
    assert len(told(worker)) == 2 and len(told(hazard.house.landlord.user)) == 2
