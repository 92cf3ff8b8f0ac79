"""The statistics the district dashboard will show.

Each test makes its own applications in a month long before the demo data (which is dated
from the day it was seeded) and reads that month only, so every figure is exact.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from nanhai_portal.tenancy import district_context, town_context
from residents.models import Application
from residents.selectors import application_statistics
from tests.factories import SHANGHAI, ApplicationFactory

pytestmark = pytest.mark.django_db

MAY = datetime(2019, 5, 6, 10, 0, tzinfo=SHANGHAI)
JUNE = datetime(2019, 6, 3, 10, 0, tzinfo=SHANGHAI)
APRIL_30 = datetime(2019, 4, 30, 10, 0, tzinfo=SHANGHAI)
Status, Kind, Delivery = Application.Status, Application.Kind, Application.Delivery


def statistics(*, since: date = date(2019, 5, 1), until: date = date(2019, 6, 30)) -> dict[tuple[str, date], Any]:
    """The rows of May and June 2019, by (town, first day of the month)."""
    rows = application_statistics(since=since, until=until)
    return {(row["town_id"], timezone.localtime(row["month"]).date()): row for row in rows}


@pytest.fixture
def jiujiang_in_may() -> None:
    """Jiujiang's May: seven received (and a draft, which is not), four accepted, three done."""
    for status in (Status.DRAFT, Status.SUBMITTED, Status.ACCEPTED, Status.RETURNED, Status.REJECTED):
        ApplicationFactory(town_id="jiujiang", status=status, at=MAY)
    ApplicationFactory(town_id="jiujiang", status=Status.ISSUED, at=MAY, days_to_issue=5)
    ApplicationFactory(
        town_id="jiujiang", status=Status.DELIVERED, delivery=Delivery.POST, at=MAY, days_to_issue=20
    )  # by post, and issued 20 days after acceptance: after its 15-day deadline
    ApplicationFactory(town_id="jiujiang", kind=Kind.PERMIT_ENDORSEMENT, status=Status.ISSUED, at=MAY, days_to_issue=5)
    # Xiqiao: one in May, one issued in June, and one submitted the day before the window opens.
    ApplicationFactory(town_id="xiqiao", status=Status.SUBMITTED, at=MAY)
    ApplicationFactory(town_id="xiqiao", status=Status.ISSUED, at=JUNE)
    ApplicationFactory(town_id="xiqiao", status=Status.ISSUED, at=APRIL_30)


def test_statistics_count_each_towns_month_received_accepted_completed_on_time_and_visits(
    jiujiang_in_may: None,
) -> None:
    with district_context():
        rows = statistics()

    assert set(rows) == {("jiujiang", date(2019, 5, 1)), ("xiqiao", date(2019, 5, 1)), ("xiqiao", date(2019, 6, 1))}
    may = rows[("jiujiang", date(2019, 5, 1))]
    assert {key: may[key] for key in ("received", "accepted", "completed", "on_time")} == {
        "received": 7,
        "accepted": 4,
        "completed": 3,
        "on_time": 2,
    }
    assert (may["permits_issued"], may["permits_endorsed"], may["visits"]) == (2, 1, 2)
    assert (may["completion_rate"], may["on_time_rate"], may["visits_per_application"]) == (0.4286, 0.6667, 0.667)
    assert may["mean_days"] == timedelta(days=10)  # (5 + 20 + 5) / 3
    assert (rows[("xiqiao", date(2019, 5, 1))]["received"], rows[("xiqiao", date(2019, 5, 1))]["completed"]) == (1, 0)
    june = rows[("xiqiao", date(2019, 6, 1))]
    assert (june["received"], june["completed"], june["completion_rate"], june["visits_per_application"]) == (
        1,
        1,
        1.0,
        1.0,
    )


def test_a_towns_statistics_are_its_own(jiujiang_in_may: None) -> None:
    with district_context():
        district = statistics()
    with town_context("jiujiang"):
        own = statistics()

    assert set(own) == {("jiujiang", date(2019, 5, 1))}
    assert own[("jiujiang", date(2019, 5, 1))] == district[("jiujiang", date(2019, 5, 1))]


def test_an_application_issued_through_the_api_counts_as_completed_late(api: Any) -> None:
    accepted = ApplicationFactory(town_id="jiujiang", status=Status.ACCEPTED, at=MAY)
    with town_context("jiujiang"):
        before = statistics()[("jiujiang", date(2019, 5, 1))]
    officer, url = api("officer.jiujiang"), f"/api/v1/applications/{accepted.pk}/"

    assert officer.post(url + "approve/").status_code == 200
    assert officer.post(url + "issue/").status_code == 200

    with town_context("jiujiang"):
        after = statistics()[("jiujiang", date(2019, 5, 1))]
    assert (before["received"], before["accepted"], before["completed"]) == (1, 1, 0)
    assert (after["received"], after["accepted"], after["completed"], after["permits_issued"]) == (1, 1, 1, 1)
    assert (after["on_time"], after["on_time_rate"]) == (0, 0.0), "issued years after its 2019 deadline"
    assert (after["visits"], after["visits_per_application"]) == (1, 1.0), "picked up at the window"
