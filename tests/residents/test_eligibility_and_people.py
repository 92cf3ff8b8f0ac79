"""The pre-check on real records, registering people, and the daily permit check."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from nanhai_portal.areas.models import Community
from nanhai_portal.notifications.models import Notification
from nanhai_portal.tenancy import town_context
from residents import permit_calendar, services, synthetic
from residents.eligibility import precheck
from residents.models import Application, Document, Resident

pytestmark = pytest.mark.django_db


def a_permit_application(registered_since: Any) -> Application:
    import random

    community = Community.objects.first()
    resident = services.resident_register(
        name="测试",
        id_number=synthetic.id_number(random.Random(str(registered_since))),
        community=community,
        registered_since=registered_since,
    )
    application = Application.objects.create(town_id="jiujiang", resident=resident, kind="permit_issue")
    for kind in ("photo", "lease", "labour_contract"):
        Document.objects.create(
            town_id="jiujiang", application=application, kind=kind, content_type="image/png", size=1, sha256="0"
        )
    return application


@pytest.mark.parametrize(
    ("registered", "today", "eligible"),
    [
        (date(2026, 5, 20), date(2026, 11, 20), True),  # six months to the day
        (date(2026, 5, 21), date(2026, 11, 20), False),  # a day less
        (date(2026, 4, 20), date(2026, 11, 20), True),  # seven months
        (date(2026, 5, 30), date(2026, 11, 30), True),
        (date(2026, 5, 31), date(2026, 11, 30), True),  # no 31 November: its last day ends the period
        (date(2026, 6, 1), date(2026, 11, 30), False),
        (date(2026, 6, 30), date(2026, 12, 31), True),
        (date(2026, 7, 1), date(2026, 12, 31), False),
        (date(2026, 7, 31), date(2027, 1, 31), True),
        (date(2026, 8, 1), date(2027, 1, 31), False),
        (date(2026, 8, 31), date(2027, 2, 28), True),  # a common year's February
        (date(2026, 9, 1), date(2027, 2, 28), False),
        (date(2027, 8, 29), date(2028, 2, 29), True),  # a leap year's February
        (date(2027, 8, 31), date(2028, 2, 28), False),
        (date(2027, 8, 31), date(2028, 2, 29), True),
    ],
)
def test_six_months_of_registration_exactly_passes_and_a_day_less_fails(
    registered: date, today: date, eligible: bool
) -> None:
    with town_context("jiujiang"):
        missing = precheck(a_permit_application(registered), today=today)
    assert [item.code for item in missing] == ([] if eligible else ["residence_too_short"])
    if not eligible:
        assert permit_calendar.eligible_from(registered).isoformat() in missing[0].message


def test_a_person_is_registered_once_in_the_whole_district() -> None:
    number = synthetic.id_number(__import__("random").Random(7))
    with town_context("jiujiang"):
        services.resident_register(name="甲", id_number=number, community=Community.objects.first())
    with town_context("dali"), pytest.raises(services.AlreadyRegistered):
        services.resident_register(name="甲", id_number=number.lower(), community=Community.objects.first())


def test_a_wrong_id_number_is_a_clear_error_and_nothing_is_saved() -> None:
    with town_context("dali"):
        before = Resident.objects.count()
        with pytest.raises(ValidationError) as error:
            services.resident_register(name="乙", id_number="440605199003071230", community=Community.objects.first())
        assert "last character" in str(error.value) or "最后一位" in str(error.value)
        assert Resident.objects.count() == before


def test_sex_birth_date_and_origin_come_from_the_id_number() -> None:
    with town_context("dali"):
        resident = services.resident_register(
            name="丙", id_number="11010519491231002X", community=Community.objects.first()
        )
    person = resident.person
    assert (person.sex, str(person.birth_date), person.origin) == ("F", "1949-12-31", "北京")
    assert person.id_number_masked == "11**************2X"


@pytest.mark.parametrize(
    "since",
    [date(2025, 12, 15), date(2026, 1, 31), date(2024, 2, 29), date(2025, 11, 30), date(2025, 12, 31)],
)
def test_the_daily_check_reminds_once_and_suspends_on_the_anniversary(user: Any, since: date) -> None:
    resident_user = user("resident.2")  # registered, holds no permit
    with town_context("guicheng"):
        resident = Resident.objects.get(person__user=resident_user)
        permit = services.permit_create(resident=resident, on=since)
        anniversary = permit_calendar.anniversary(since, 1)
        window_opens = permit_calendar.window_opens(anniversary)
        events = Notification.objects.filter(recipient=resident_user, target_id=str(permit.pk))

        # The day before the window opens: nothing to say.
        services.permits_refresh_town(today=window_opens - timedelta(days=1))
        permit.refresh_from_db()
        assert (permit.status, events.count()) == ("valid", 0)

        # The window opens: one reminder, however often the check runs.
        services.permits_refresh_town(today=window_opens)
        services.permits_refresh_town(today=window_opens)
        services.permits_refresh_town(today=anniversary - timedelta(days=1))
        permit.refresh_from_db()
        assert permit.status == "endorsement_due"
        assert list(events.values_list("event", flat=True)) == ["permit.endorsement_due"]

        # On the anniversary, unendorsed: suspended, and told once.
        services.permits_refresh_town(today=anniversary)
        services.permits_refresh_town(today=anniversary)
        permit.refresh_from_db()
        assert permit.status == "suspended"
        assert events.filter(event="permit.suspended").count() == 1

        # A late endorsement restores it and restarts the count from that day.
        services.permit_endorse(permit=permit, on=anniversary + timedelta(days=3), by=None)
        permit.refresh_from_db()
        assert permit.status == "valid" and permit.continuous_since == anniversary + timedelta(days=3)
