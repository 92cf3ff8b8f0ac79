"""Tasks carry their town into a real Celery worker process."""

from __future__ import annotations

import pytest

from nanhai_portal.areas.tasks import report_scope
from nanhai_portal.tenancy import town_context

pytestmark = [pytest.mark.django_db, pytest.mark.worker]


def test_a_task_enqueued_for_a_town_runs_with_that_town_set(celery_worker_process: str) -> None:
    for town in ("guicheng", "dali"):
        seen = report_scope.apply_async(kwargs={"town": town}).get(timeout=30)
        assert seen == {"town": town, "database_setting": town, "rows_visible_to_sql": 43, "communities": 43}


def test_a_task_enqueued_inside_a_town_takes_that_town(celery_worker_process: str) -> None:
    with town_context("lishui"):
        result = report_scope.delay()
    assert result.get(timeout=30)["town"] == "lishui"


def test_a_task_without_a_town_is_refused_before_it_is_sent() -> None:
    with pytest.raises(ValueError, match="town"):
        report_scope.delay()
