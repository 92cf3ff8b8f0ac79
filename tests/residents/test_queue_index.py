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
from django.test import Client

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


def test_the_officers_home_tile_counts_the_work_waiting(user: Any) -> None:
    # Given two applications to act on in Jiujiang, one finished and one in another town
    for status in (Application.Status.SUBMITTED, Application.Status.ACCEPTED, Application.Status.REJECTED):
        ApplicationFactory(town_id="jiujiang", status=status)
    ApplicationFactory(town_id="guicheng", status=Application.Status.SUBMITTED)
    officer = user("officer.jiujiang")
    with town_context("jiujiang"):
        waiting = selectors.review_queue(user=officer).count()

    # When the officer opens the home page
    browser = Client()
    browser.force_login(officer)
    page = browser.get("/").content.decode()

    # Then the queue's tile shows the number the queue holds by default: the work to do
    tile = page[page.index('href="/residents/queue/"') :]
    assert f'<span class="tile-count">{waiting}</span>' in tile[: tile.index("</a>")]
    assert waiting >= 2
