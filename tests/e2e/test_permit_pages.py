"""The permit pages on a phone, in a real browser (issue 10, points 2 and 4).

A resident whose endorsement window is open today reads "due" (待签注) with the window's
dates on the home page, in the inbox (after the nightly check) and on the permit page;
applying for the endorsement asks how the permit comes back (the postal address only for
post) before the draft is made; once submitted, the permit page shows its state, not
"continue". A resident registered three months ago reads the day they may apply, with no
button to apply; one whose six months are complete today has the reminder in the inbox.

Everyone here is new, in a town the journey test does not use; dates count from the server's
today (the same clock as the tests'). Screenshots go to tests/artifacts/.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from nanhai_portal.periods import months_after, years_after
from nanhai_portal.tenancy import town_context
from residents import permit_calendar, services
from residents.models import Application, Resident
from residents.services.permits import permits_remind_eligible
from tests.e2e.browser import check_accessibility, goto, press, sign_in, type_into
from tests.e2e.conftest import outside_the_browser_loop
from tests.factories import PermitFactory, ResidentFactory

pytestmark = pytest.mark.slow

TOWN = "jiujiang"
PASSWORD = "Jiu-Jiang-2026"


def a_person(registered_since: date) -> str:
    """A new resident of TOWN with an account and a mobile number; their username."""
    username = f"permit.{uuid.uuid4().hex[:10]}"
    ResidentFactory(
        town_id=TOWN,
        account=True,
        registered_since=registered_since,
        person__user__username=username,
        person__user__password=PASSWORD,
        person__user__mobile=f"136{random.SystemRandom().randrange(10**8):08d}",
    )
    return username


def a_permit_due_today() -> tuple[str, str, str]:
    """A resident whose permit's anniversary is ten days away, and the nightly check run:
    (username, window opens, endorse by)."""
    today = timezone.localdate()
    username = a_person(years_after(today, -2))
    with town_context(TOWN):
        resident = Resident.objects.get(person__user__username=username)
    permit = PermitFactory(town_id=TOWN, resident=resident, valid_from=years_after(today + timedelta(days=10), -1))
    with town_context(TOWN):
        services.permits_refresh_town(today=today)
    pending = permit_calendar.calendar(continuous_since=permit.continuous_since, last_endorsed_on=None, today=today)
    return username, pending.window_opens.isoformat(), pending.endorse_by.isoformat()


def endorsement_submitted(username: str) -> None:
    """The officer's side is not this test's: the draft is sent as if its documents were there."""
    with town_context(TOWN):
        Application.objects.filter(
            resident__person__user__username=username, kind=Application.Kind.PERMIT_ENDORSEMENT
        ).update(status=Application.Status.SUBMITTED, submitted_at=timezone.now())


def eligibility_reminders_run() -> None:
    with town_context(TOWN):
        permits_remind_eligible(today=timezone.localdate())


def test_the_endorsement_is_due_asked_and_followed_on_a_phone(
    phone: Callable[..., Any], portal_url: str, screenshot: Callable[[Any, str], Path]
) -> None:
    base = portal_url
    username, opens, endorse_by = outside_the_browser_loop(a_permit_due_today)
    page = phone()

    # Home: the permit tile says what is due, and when.
    sign_in(page, base, username, PASSWORD)
    tile = page.locator(".tile", has=page.locator("a[href='/residents/permit/']"))
    assert tile.locator(".tile-status").inner_text() == f"居住证待签注：{opens} 至 {endorse_by}"
    screenshot(page, "01-home-due")

    # Inbox: the nightly check's reminder, with the window's dates.
    goto(page, f"{base}/inbox/")
    assert f"居住证待签注：{opens} 至 {endorse_by}" in page.locator("main").inner_text()
    screenshot(page, "02-inbox-due")

    # The permit page: "due" with the dates, never "expired"; the delivery is asked.
    goto(page, f"{base}/residents/permit/")
    text = page.locator("main").inner_text()
    assert f"签注办理期为 {opens} 至 {endorse_by}" in text and "已到期" not in text
    assert page.locator("input[name=delivery]:checked").count() == 0
    assert page.locator("#endorse-postal_address").is_hidden(), "asked only for postal delivery"
    screenshot(page, "03-permit-due")

    # Sent without a choice: asked again, specifically.
    press(page, page.locator("form.endorse-form button[type=submit]"))
    assert "请选择签注后证件的领取方式" in page.locator("#endorse-delivery_error").inner_text()
    screenshot(page, "04-endorse-choose")

    # By post: the address appears and is needed.
    page.check("input[name=delivery][value=post]")
    assert page.locator("#endorse-postal_address").is_visible()
    check_accessibility(page)
    type_into(page, "#endorse-postal_address", "九江镇沙口路8号")
    screenshot(page, "05-endorse-post")
    press(page, page.locator("form.endorse-form button[type=submit]"))
    assert "/residents/applications/" in page.url, page.url
    application_url = page.url

    # Once submitted, the permit page shows its state and a link, not "continue".
    outside_the_browser_loop(endorsement_submitted, username)
    goto(page, f"{base}/residents/permit/")
    state = page.locator("[data-endorsement-status]")
    assert state.get_attribute("data-endorsement-status") == "submitted"
    assert state.locator(".badge").inner_text() == "已提交"
    assert state.locator("a").get_attribute("href") == application_url.removeprefix(base)
    assert "继续办理签注申请" not in page.locator("main").inner_text()
    assert page.locator("form.endorse-form").count() == 0
    screenshot(page, "06-permit-submitted")

    goto(page, f"{base}/")
    assert tile.locator(".tile-status").inner_text() == "签注申请：已提交"


def test_a_resident_not_yet_eligible_sees_the_day_and_is_told_on_it_on_a_phone(
    phone: Callable[..., Any], portal_url: str, screenshot: Callable[[Any, str], Path]
) -> None:
    base, today = portal_url, timezone.localdate()
    registered = months_after(today, -3)
    waiting = outside_the_browser_loop(a_person, registered)
    eligible_from = permit_calendar.eligible_from(registered).isoformat()

    page = phone()
    sign_in(page, base, waiting, PASSWORD)
    tile = page.locator(".tile", has=page.locator("a[href='/residents/permit/']"))
    assert tile.locator(".tile-status").inner_text() == f"可于 {eligible_from} 起申请居住证"
    goto(page, f"{base}/residents/permit/")
    section = page.locator("#permit-eligibility")
    assert f"可于 {eligible_from} 起申请居住证" in section.inner_text()
    assert section.locator("a[href='/residents/apply/']").count() == 0, "no button to a draft that cannot be sent"
    screenshot(page, "01-permit-not-yet")

    # Someone whose six months are complete today is told so, once, in the inbox.
    ready = outside_the_browser_loop(a_person, months_after(today, -6))
    outside_the_browser_loop(eligibility_reminders_run)
    outside_the_browser_loop(eligibility_reminders_run)
    other = phone()
    sign_in(other, base, ready, PASSWORD)
    goto(other, f"{base}/inbox/")
    assert other.locator("main").inner_text().count("您可以申请居住证了") == 1
    screenshot(other, "02-inbox-eligible")
    goto(other, f"{base}/residents/permit/")
    assert other.locator("#permit-eligibility a[href='/residents/apply/']").count() == 1
    screenshot(other, "03-permit-eligible")
