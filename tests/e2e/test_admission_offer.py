"""The town admin starts the allocation on the round's page and watches it finish (a desktop);
the officers' results page reads on a desktop and on a phone; a family reads its offer on a
phone and accepts it. Every page is checked by axe.

The round is made here in its allocation phase, in 丹灶镇 (danzao), with dates around the real
clock (the round's dates are data); the families' applications are written as verification
leaves them (``tests.education.allocation_world``). The allocation's task is queued by the page;
the test runs it too (``allocation_run`` is safe to run twice), so that no worker is needed.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from education.models import AdmissionApplication, AdmissionRound, Allocation
from education.services import allocation as allocation_services
from nanhai_portal.accounts.roles import Role
from nanhai_portal.tenancy import town_context
from tests.e2e.browser import arrived, goto, press, sign_in
from tests.e2e.conftest import outside_the_browser_loop
from tests.education.allocation_world import verified
from tests.education.factories import round_in, school_in
from tests.factories import ResidentFactory, UserFactory

pytestmark = pytest.mark.slow

TOWN = "danzao"
PASSWORD = "Dan-Zao-2026"


def the_world() -> dict[str, str]:
    """A round of ``TOWN`` in its allocation phase (objections closed yesterday, acceptance for ten
    days), two primary schools of one place each, three verified families (the one who signs in
    has the most points and chooses the first school first), and the town admin."""
    now = timezone.now()
    round_ = round_in(
        TOWN,
        phase=AdmissionRound.Phase.ALLOCATION,
        applications_open=now - timedelta(days=40),
        applications_close=now - timedelta(days=30),
        points_published_on=(now - timedelta(days=20)).date(),
        objections_close=now - timedelta(days=1),
        results_published_on=now.date(),
        acceptance_deadline=now + timedelta(days=10),
        second_round_close=now + timedelta(days=20),
    )
    first = school_in(round_, places=1, name=f"丹灶测试小学{uuid.uuid4().hex[:4]}")
    second = school_in(round_, places=1, name=f"丹灶测试第二小学{uuid.uuid4().hex[:4]}")
    username = f"guardian.{uuid.uuid4().hex[:10]}"
    guardian = ResidentFactory(
        town_id=TOWN, account=True, person__user__username=username, person__user__password=PASSWORD
    )
    application = verified(round_, [first, second], "210.5", guardian=guardian, child_name="梁小敏")
    for points, name in (("190", "陈大文"), ("150", "黄一")):
        verified(round_, [first, second], points, guardian=ResidentFactory(town_id=TOWN, account=True), child_name=name)
    admin = UserFactory(
        role=Role.TOWN_ADMIN, town_id=TOWN, username=f"townadmin.{uuid.uuid4().hex[:10]}", password=PASSWORD
    )
    return {
        "round": str(round_.pk),
        "school": first.school.name,
        "application": str(application.pk),
        "guardian": username,
        "admin": admin.username,
    }


def run_the_allocation(round_id: str) -> str:
    with town_context(TOWN):
        allocation = Allocation.objects.get(round_id=round_id, stage=1)
        return allocation_services.allocation_run(allocation.pk).state


def status_of(application_id: str) -> str:
    with town_context(TOWN):
        return AdmissionApplication.objects.get(pk=application_id).status


def test_the_admin_allocates_the_officers_read_the_results_and_a_family_accepts_on_a_phone(
    phone: Callable[..., Any],
    desktop: Callable[..., Any],
    portal_url: str,
    screenshot: Callable[[Any, str], Path],
) -> None:
    base = portal_url
    world = outside_the_browser_loop(the_world)
    round_url = f"{base}/education/rounds/{world['round']}/"

    # The town admin, on a desktop: the seed is out, the allocation starts once.
    office = desktop()
    sign_in(office, base, world["admin"], PASSWORD)
    goto(office, round_url)
    assert office.locator("#seed").inner_text().strip() != ""
    press(office, office.locator("#allocate-form button[type=submit]"))
    assert office.locator("#allocation [data-stage='1']").count() == 1
    assert office.locator("#allocate-form").count() == 0  # it runs once
    assert outside_the_browser_loop(run_the_allocation, world["round"]) == "done"
    # The page reloads itself while the run is queued; it then shows the finished run.
    office.wait_for_function("!document.querySelector('[data-allocation-running]')", timeout=20_000)
    arrived(office)
    assert office.locator("#allocation [data-state='done']").count() == 1
    assert len(office.locator("#allocation .inputs-sha256").inner_text().strip()) == 64
    screenshot(office, "01-round-allocated")

    # The results: masked names by points, the school allocated, the downloads.
    press(office, office.locator("#results-link"))
    table = office.locator("#results")
    assert table.locator("tbody tr").count() == 3
    assert "梁*敏" in table.inner_text() and "梁小敏" not in office.content()
    assert office.locator("#download-xlsx").get_attribute("href", timeout=1000)
    screenshot(office, "02-results-desktop")
    office_phone = phone()
    sign_in(office_phone, base, world["admin"], PASSWORD)
    goto(office_phone, f"{round_url}results/")
    assert office_phone.locator("#results tbody tr").count() == 3
    screenshot(office_phone, "03-results-phone")

    # The family, on a phone: the offer with its deadline (the same page on a desktop), then accepted.
    family_desktop = desktop()
    sign_in(family_desktop, base, world["guardian"], PASSWORD)
    goto(family_desktop, f"{base}/education/applications/{world['application']}/")
    assert family_desktop.locator("#accept-form").is_visible()
    screenshot(family_desktop, "04-offer-desktop")
    family = phone()
    sign_in(family, base, world["guardian"], PASSWORD)
    goto(family, f"{base}/education/")
    press(family, family.locator(f"a[href='/education/applications/{world['application']}/']"))
    result = family.locator("#result")
    assert result.get_attribute("data-offer") == "offered"
    assert world["school"] in result.inner_text()
    assert family.locator("#offer-deadline").is_visible()
    screenshot(family, "05-offer-phone")
    press(family, family.locator("#accept-form button[type=submit]"))
    assert family.locator("#result").get_attribute("data-offer") == "accepted"
    assert outside_the_browser_loop(status_of, world["application"]) == "accepted"
    screenshot(family, "06-accepted-phone")
