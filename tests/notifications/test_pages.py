"""Pages: the header's inbox link with the unread count, the inbox, and fan-out progress."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.template.loader import render_to_string
from django.test import Client
from django.test.utils import CaptureQueriesContext

from nanhai_portal.accounts.models import User
from nanhai_portal.demo import DEMO_PASSWORD
from nanhai_portal.notifications import fanouts, tasks
from nanhai_portal.notifications.models import FanOut, Notification
from nanhai_portal.notifications.services import notify
from nanhai_portal.tenancy import town_context

pytestmark = pytest.mark.django_db


def signed_in(username: str, language: str | None = None) -> Client:
    browser = Client()
    browser.post("/login/", {"username": username, "password": DEMO_PASSWORD})
    if language:
        browser.post("/i18n/setlang/", {"language": language, "next": "/"})
    return browser


def unread(person: User) -> int:
    return Notification.objects.filter(recipient=person, read_at__isnull=True).count()


def test_the_header_shows_the_unread_count_and_follows_it(
    user: Callable[[str], User], recorded_deliveries: list[str]
) -> None:
    person = user("resident.1")
    browser = signed_in("resident.1")
    count = unread(person)

    page = browser.get("/").content.decode()
    assert f">消息 ({count})<" in page
    assert 'href="/inbox/"' in page and "link-button inbox-link" in page

    notify(user=person, event="broadcast.message", context={"text": "新消息"})
    assert f">消息 ({count + 1})<" in browser.get("/").content.decode(), "a new notification shows at once"

    english = signed_in("resident.1", language="en").get("/").content.decode()
    assert f">Messages ({count + 1})<" in english


def test_the_badge_costs_one_query_then_none_while_cached(user: Callable[[str], User]) -> None:
    person = user("resident.2")
    with CaptureQueriesContext(connection) as first:
        render_to_string("notifications/header_badge.html", {"user": person})
    with CaptureQueriesContext(connection) as second:
        html = render_to_string("notifications/header_badge.html", {"user": person})
    assert len(first) == 1 and len(second) == 0
    assert f"({unread(person)})" in html


def test_the_inbox_page_marks_unread_ones_and_reads_them_by_post(
    user: Callable[[str], User], recorded_deliveries: list[str]
) -> None:
    person = user("resident.3")
    fresh = notify(user=person, event="broadcast.message", context={"title": "停电通知", "text": "今晚检修。"})
    browser = signed_in("resident.3")

    page = browser.get("/inbox/").content.decode()
    assert "停电通知" in page and "今晚检修。" in page
    assert re.search(r'class="inbox-item is-unread">\s*<article aria-labelledby="n-' + str(fresh.pk), page)
    assert f'action="/inbox/{fresh.pk}/read/"' in page

    assert browser.get(f"/inbox/{fresh.pk}/read/").status_code == 405, "reading changes state: POST only"
    response = browser.post(f"/inbox/{fresh.pk}/read/", {"page": "1"})
    assert response.status_code == 302 and response["Location"] == "/inbox/?page=1"
    fresh.refresh_from_db()
    assert fresh.read_at is not None

    browser.post("/inbox/read-all/")
    assert unread(person) == 0
    assert "没有未读消息" in browser.get("/inbox/").content.decode()


def test_another_persons_notification_cannot_be_read_from_the_page(
    user: Callable[[str], User], recorded_deliveries: list[str]
) -> None:
    hers = notify(user=user("resident.1"), event="account.welcome", context={})
    response = signed_in("resident.2").post(f"/inbox/{hers.pk}/read/")
    assert response.status_code == 404
    hers.refresh_from_db()
    assert hers.read_at is None


def test_the_inbox_needs_signing_in() -> None:
    response = Client().get("/inbox/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_the_progress_page_shows_a_bar_and_refreshes_while_running(user: Callable[[str], User]) -> None:
    officer = user("officer.guicheng")
    officer.user_permissions.add(Permission.objects.get(codename="view_fanout"))
    with town_context("guicheng"):
        running = fanouts.fanout_start(
            created_by=officer,
            segment="town_staff",
            event="broadcast.message",
            context={"title": "演练", "text": "周五消防演练"},
        )
        done = FanOut.objects.filter(status="finished").first()
    assert done is not None
    browser = signed_in("officer.guicheng")

    page = browser.get(f"/inbox/fanouts/{running.pk}/")
    assert page.status_code == 200 and page["Refresh"] == "5"
    assert '<progress class="progress" id="fanout-progress" max="100" value="0"' in page.content.decode()

    finished = browser.get(f"/inbox/fanouts/{done.pk}/")
    assert "Refresh" not in finished and 'value="100"' in finished.content.decode()
    assert str(running.pk) in browser.get("/inbox/fanouts/").content.decode()


def test_another_towns_progress_page_is_not_found() -> None:
    with town_context("dali"):
        dalis = FanOut.objects.first()
    assert dalis is not None
    assert signed_in("officer.guicheng").get(f"/inbox/fanouts/{dalis.pk}/").status_code == 404
    assert signed_in("officer.dali").get(f"/inbox/fanouts/{dalis.pk}/").status_code == 200


def test_the_progress_page_counts_deliveries_per_channel_and_refreshes_until_sent(
    user: Callable[[str], User], recorded_deliveries: list[str]
) -> None:
    officer = user("officer.guicheng")
    with town_context("guicheng"):
        fanout = fanouts.fanout_start(
            created_by=officer, segment="town_residents", event="broadcast.message", context={"text": "停水"}
        )
        outbox_ids = [
            oid
            for chunk in fanouts.fanout_plan(fanout_id=fanout.pk)
            for oid in fanouts.fanout_process_chunk(chunk_id=chunk)
        ]
    assert outbox_ids, "the demo residents have mobile numbers: SMS is waiting"
    browser = signed_in("officer.guicheng")

    page = browser.get(f"/inbox/fanouts/{fanout.pk}/")

    assert page["Refresh"] == "5", "finished planning, but messages are still waiting"
    html = page.content.decode()
    assert "发送情况" in html and "短信" in html
    for outbox_id in outbox_ids:
        tasks.deliver_outbox(str(outbox_id))
    assert "Refresh" not in browser.get(f"/inbox/fanouts/{fanout.pk}/")
