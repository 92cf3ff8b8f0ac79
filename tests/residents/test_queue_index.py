"""The queue's pages are index ranges: its two orders are the ones its partial indexes hold.

``selectors.review_queue`` orders the work by ``models.work_deadline()`` and the finished ones
by their decision, newest first; ``application_work_order`` and ``application_finished_order``
hold the same. If the two drift apart, PostgreSQL sorts every open (or every finished)
application of the town for each page; with sorting forbidden, the plan shows it.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection

from nanhai_portal.tenancy import town_context
from residents import selectors
from residents.models import Application
from tests.factories import ApplicationFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("view", "index"), [(None, "application_work_order"), ("finished", "application_finished_order")]
)
def test_each_view_of_the_queue_reads_its_index_in_order(user: Any, view: str | None, index: str) -> None:
    for status in (Application.Status.ACCEPTED, Application.Status.SUBMITTED, Application.Status.DELIVERED):
        ApplicationFactory(town_id="jiujiang", status=status)
    officer = user("officer.jiujiang")
    with town_context("jiujiang"):
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_sort = off")
            cursor.execute("SET LOCAL enable_seqscan = off")
        plan = selectors.review_queue(user=officer, status=view)[:25].explain()
    assert index in plan, plan
    assert "Sort" not in plan, plan
