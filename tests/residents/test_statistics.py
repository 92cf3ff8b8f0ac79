"""The statistics the district dashboard will show."""

from __future__ import annotations

from typing import Any

import pytest

from nanhai_portal.tenancy import district_context, town_context
from residents.selectors import application_statistics

pytestmark = pytest.mark.django_db


def test_statistics_by_town_and_month_count_received_accepted_completed_and_visits(api: Any) -> None:
    officer = api("officer.jiujiang")
    accepted = officer.get("/api/v1/applications/", {"status": "accepted"}).json()["results"][0]
    url = f"/api/v1/applications/{accepted['id']}/"
    officer.post(url + "approve/")
    officer.post(url + "issue/")

    with district_context():
        rows = application_statistics()
    assert {row["town_id"] for row in rows} == {"guicheng", "jiujiang", "xiqiao", "danzao", "shishan", "dali", "lishui"}
    jiujiang = [row for row in rows if row["town_id"] == "jiujiang"]
    assert sum(row["received"] for row in jiujiang) == 3
    assert sum(row["accepted"] for row in jiujiang) == 2
    assert sum(row["completed"] for row in jiujiang) == 2  # the demo's issued one, and this one
    assert all(0 <= row["completion_rate"] <= 1 for row in rows)
    assert all(row["visits_per_application"] in (0.0, 1.0) or 0 < row["visits_per_application"] < 1 for row in rows)

    with town_context("jiujiang"):
        own = application_statistics()
    assert {row["town_id"] for row in own} == {"jiujiang"}
