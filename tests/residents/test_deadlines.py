"""The 15-day deadline from acceptance, and "overdue", at fixed moments around month ends."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine

from nanhai_portal.tenancy import town_context
from residents import selectors, services
from residents.models import Application

pytestmark = pytest.mark.django_db
NANHAI = ZoneInfo("Asia/Shanghai")


def submitted_application() -> Application:
    """The current town's demo application that waits to be accepted."""
    application = Application.objects.filter(status=Application.Status.SUBMITTED).first()
    assert application is not None, "the demo gives every town a submitted application"
    return application


@pytest.mark.parametrize(
    ("accepted", "due"),
    [
        (datetime(2027, 1, 17, 10, 0), datetime(2027, 2, 1, 10, 0)),  # across 31 January
        (datetime(2028, 2, 14, 9, 0), datetime(2028, 2, 29, 9, 0)),  # due on a leap day
        (datetime(2027, 2, 14, 9, 0), datetime(2027, 3, 1, 9, 0)),  # a common year's February
        (datetime(2026, 11, 30, 16, 59), datetime(2026, 12, 15, 16, 59)),
        (datetime(2026, 12, 31, 23, 30), datetime(2027, 1, 15, 23, 30)),  # across the year, late at night
    ],
)
def test_the_deadline_is_fifteen_days_after_acceptance_and_overdue_only_after_it(
    user: Any, accepted: datetime, due: datetime
) -> None:
    officer = user("officer.xiqiao")
    accepted, due = accepted.replace(tzinfo=NANHAI), due.replace(tzinfo=NANHAI)
    with town_context("xiqiao"):
        application = submitted_application()
        with time_machine.travel(accepted, tick=False):
            application = services.application_accept(application=application, by=officer)
        assert application.due_at == due

        assert not selectors.is_overdue(application, now=due)
        assert selectors.is_overdue(application, now=due + timedelta(seconds=1))

        # The queue's filter agrees with the flag, on either side of the deadline.
        for moment, late in ((due - timedelta(minutes=1), False), (due + timedelta(minutes=1), True)):
            with time_machine.travel(moment, tick=False):
                overdue_ids = set(selectors.review_queue(user=officer, overdue=True).values_list("pk", flat=True))
                on_time_ids = set(selectors.review_queue(user=officer, overdue=False).values_list("pk", flat=True))
            assert (application.pk in overdue_ids, application.pk in on_time_ids) == (late, not late)

        # Issued in time, it is never overdue afterwards.
        with time_machine.travel(due - timedelta(hours=1), tick=False):
            services.application_approve(application=application, by=officer)
            application = services.application_issue(application=application, by=officer)
        assert not selectors.is_overdue(application, now=due + timedelta(days=30))
