"""The audit trail read by a town admin in a real browser, on a phone and on a desktop.

The officer of Xiqiao accepts a new application (through the service, as the queue page
would); the town admin signs in and finds, in Chinese, who did what: "受理申请" by a
"镇街受理员", the change as "状态: 已提交 → 已受理", their own sign-in as "登录". The action
is chosen by name, the dates with a date picker, and a backwards range is refused in Chinese.
Nothing is wider than the screen, at 390 px (cards) or at 1440 px (a table).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from nanhai_portal.accounts.models import User
from nanhai_portal.demo import DEMO_PASSWORD
from nanhai_portal.tenancy import town_context
from residents.services.applications import application_accept
from tests.e2e.browser import goto, press, sign_in, type_into
from tests.e2e.conftest import outside_the_browser_loop
from tests.factories import ApplicationFactory

pytestmark = pytest.mark.slow

TOWN = "xiqiao"
ADMIN = f"townadmin.{TOWN}"

# The text a person sees in an element (the words for screen readers only left out).
SEEN_TEXT = """element => {
  const copy = element.cloneNode(true);
  copy.querySelectorAll('.visually-hidden').forEach(hidden => hidden.remove());
  return copy.textContent.replace(/\\s+/g, ' ').trim();
}"""
NO_SIDEWAYS_SCROLL = "document.documentElement.scrollWidth <= window.innerWidth"


def an_accepted_application() -> str:
    """Given: a new application of the town, accepted by its officer. Returns its id."""
    officer = User.objects.get(username=f"officer.{TOWN}")
    application = ApplicationFactory(town_id=TOWN)
    with town_context(TOWN):
        application_accept(application=application, by=officer)
    return str(application.pk)


def the_accepted_event_reads_in_chinese(page: Any, base: str, application_id: str) -> None:
    goto(page, f"{base}/audit/")
    assert page.locator("input[name=since]").get_attribute("type") == "date"
    assert page.locator("input[name=until]").get_attribute("type") == "date"
    own_sign_in = page.locator("tr.audit-event[data-action='auth.login']").first
    assert "登录" in own_sign_in.inner_text() and "镇街管理员" in own_sign_in.inner_text()
    seen = page.locator("main").inner_text()
    assert "auth.login" not in seen and "town_admin" not in seen and "{'" not in seen

    page.select_option("select[name=action]", label="受理申请")  # by its name, not its code
    type_into(page, "input[name=object_id]", application_id)
    press(page, page.get_by_role("button", name="筛选"))
    event = page.locator("tr.audit-event")
    assert event.count() == 1
    assert "受理申请" in event.inner_text() and "镇街受理员" in event.inner_text()
    assert event.locator(".changes li").first.evaluate(SEEN_TEXT) == "状态: 已提交 → 已受理"


def a_backwards_range_is_refused_in_chinese(page: Any) -> None:
    today = timezone.localdate()
    page.locator("select[name=action]").select_option("")
    page.fill("input[name=object_id]", "")
    type_into(page, "input[name=since]", today.isoformat())
    type_into(page, "input[name=until]", (today - timedelta(days=1)).isoformat())
    press(page, page.get_by_role("button", name="筛选"))
    assert page.get_by_role("alert").inner_text() == "截止日期不能早于起始日期。"


def test_a_town_admin_reads_the_audit_trail_on_a_phone(
    portal_url: str, phone: Callable[..., Any], screenshot: Callable[[Any, str], Any]
) -> None:
    application_id = outside_the_browser_loop(an_accepted_application)
    page = phone()
    sign_in(page, portal_url, ADMIN, DEMO_PASSWORD)

    the_accepted_event_reads_in_chinese(page, portal_url, application_id)
    assert page.locator("tr.audit-event").evaluate("row => getComputedStyle(row).display") == "grid"  # a card
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    screenshot(page, "01-phone-accepted")

    a_backwards_range_is_refused_in_chinese(page)
    goto(page, f"{portal_url}/audit/")
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    screenshot(page, "02-phone-all")


def test_a_town_admin_reads_the_audit_trail_on_a_desktop(
    portal_url: str, desktop: Callable[..., Any], screenshot: Callable[[Any, str], Any]
) -> None:
    application_id = outside_the_browser_loop(an_accepted_application)
    page = desktop()
    sign_in(page, portal_url, ADMIN, DEMO_PASSWORD)

    the_accepted_event_reads_in_chinese(page, portal_url, application_id)
    assert page.locator("table.audit-table thead").is_visible()  # a table, with its headings
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    screenshot(page, "01-desktop-accepted")

    goto(page, f"{portal_url}/audit/")
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    table = page.locator("table.audit-table")
    assert table.evaluate("table => table.getBoundingClientRect().right <= window.innerWidth")
    assert table.evaluate("table => table.scrollWidth <= table.parentElement.clientWidth")
    screenshot(page, "02-desktop-all")
    a_backwards_range_is_refused_in_chinese(page)
