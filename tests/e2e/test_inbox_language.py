"""Inbox messages read in the interface's language (issue 10, point 8), on a phone.

A new person is told that their permit application was submitted and accepted, and gets a
notice typed by their town. They read the inbox in Chinese, press the header's language
button, and read the same messages in English; the town's words stay as they were written.
Screenshots of both go to tests/artifacts/.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from nanhai_portal.accounts.roles import Role
from nanhai_portal.accounts.services import user_create
from nanhai_portal.notifications.services import notify
from residents.models import Application
from tests.e2e.browser import goto, press, sign_in
from tests.e2e.conftest import outside_the_browser_loop

pytestmark = pytest.mark.slow

PASSWORD = "Gui-Cheng-2026"
NOTICE = "本周六上午 9:00 在社区服务中心办理居住证集中签注。"


def a_person_with_messages() -> tuple[str, str]:
    """Given: a new person of Guicheng whose messages went out in Chinese; their username and due date."""
    username = f"inbox.lang.{uuid.uuid4().hex[:10]}"
    person = user_create(username=username, password=PASSWORD, role=Role.RESIDENT, town_code="guicheng", name="李小明")
    application = {"application_id": str(uuid.uuid4()), "kind": Application.Kind.PERMIT_ISSUE}
    due = (timezone.localdate() + timedelta(days=15)).isoformat()
    receipt = {"number": "106-261130-00042", "expected_by": due}
    notify(user=person, event="application.submitted", context={**application, **receipt})
    notify(user=person, event="application.accepted", context={**application, "due": due})
    notify(user=person, event="broadcast.message", context={"text": NOTICE})
    return username, due


def titles(page: Any) -> list[str]:
    """The messages' titles, newest first (without the hidden "unread" before each)."""
    return list(
        page.locator("ul.inbox h2").evaluate_all("headings => headings.map(h => h.lastChild.textContent.trim())")
    )


def fits_the_screen(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def test_messages_sent_in_chinese_read_in_english_after_switching(
    portal_url: str, phone: Callable[..., Any], screenshot: Callable[[Any, str], Any]
) -> None:
    username, due = outside_the_browser_loop(a_person_with_messages)
    page = phone()
    sign_in(page, portal_url, username, PASSWORD)

    # In Chinese (the phone's language), the messages read as they were sent
    goto(page, f"{portal_url}/inbox/")
    assert titles(page) == [
        "镇街通知",
        "您的居住证申领申请已受理",
        "您的居住证申领申请已提交，办件编号106-261130-00042",
    ]
    assert f"将于 {due} 前办结" in page.locator("ul.inbox").inner_text()
    assert fits_the_screen(page)
    screenshot(page, "01-inbox-chinese")

    # When the person switches the interface to English with the header's button
    press(page, page.locator("form.lang-form button[name=language][value=en]"))
    assert page.url.startswith(f"{portal_url}/inbox/")

    # Then the same messages read in English; the town's notice stays as the town wrote it
    assert titles(page) == [
        "Notice from your town",
        "Your residence permit (居住证申领) application is accepted",
        "Your residence permit (居住证申领) application 106-261130-00042 is submitted",
    ]
    inbox = page.locator("ul.inbox").inner_text()
    assert f"will be decided by {due}" in inbox
    assert "We have received your residence permit (居住证申领) application" in inbox
    assert NOTICE in inbox
    assert "申请已" not in inbox, "no message is left in Chinese"
    assert fits_the_screen(page)
    screenshot(page, "02-inbox-english")
