"""A guardian applies for a child on a phone in one flow, sees the points breakdown after
verification, objects, and sees the answer.

The family's side is the phone (Simplified Chinese, 390 × 844); the officer verifies and answers
on the officer pages in a second browser context (a desktop); the town admin's moving the round
on is done through the services, after the test closes the application window (the round's
dates are data: the test sets them around the real clock). Every page is checked by axe.
The people and the round are made here, in 大沥镇 (dali), where no other browser test counts.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from education.models import AdmissionApplication, AdmissionRound
from education.services import rounds as round_services
from nanhai_portal.accounts.models import User
from nanhai_portal.accounts.roles import Role
from nanhai_portal.periods import months_after
from nanhai_portal.tenancy import town_context
from tests.e2e.browser import goto, press, sign_in, type_into
from tests.e2e.conftest import outside_the_browser_loop
from tests.education.factories import next_child_id_number, round_in, school_in
from tests.factories import PermitFactory, ResidentFactory, UserFactory

pytestmark = pytest.mark.slow

TOWN = "dali"
PASSWORD = "Da-Li-2026"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def the_world() -> dict[str, str]:
    """A round of ``TOWN`` open for applications now, with two primary schools; a guardian
    holding a residence permit; the town's officer and admin. Usernames and ids."""
    now = timezone.now()
    round_ = round_in(
        TOWN,
        applications_open=now - timedelta(days=5),
        applications_close=now + timedelta(days=5),
        points_published_on=(now + timedelta(days=10)).date(),
        objections_close=now + timedelta(days=20),
        results_published_on=(now + timedelta(days=30)).date(),
        acceptance_deadline=now + timedelta(days=40),
        second_round_close=now + timedelta(days=50),
    )
    first = school_in(round_, name=f"大沥测试小学{uuid.uuid4().hex[:4]}")
    school_in(round_, name=f"大沥测试第二小学{uuid.uuid4().hex[:4]}")
    today = timezone.localdate()
    guardian = ResidentFactory(
        town_id=TOWN,
        account=True,
        person__user__username=f"guardian.{uuid.uuid4().hex[:10]}",
        person__user__password=PASSWORD,
        registered_since=today - timedelta(days=6 * 365),
    )
    PermitFactory(
        town_id=TOWN,
        resident=guardian,
        valid_from=today - timedelta(days=680),
        valid_until=today + timedelta(days=410),
        # Anniversaries 60 days ahead and about 305 days ago, endorsed in the month before that one.
        continuous_since=months_after(today, -48) + timedelta(days=60),
        last_endorsed_on=today - timedelta(days=320),
    )
    officer = UserFactory(
        role=Role.TOWN_OFFICER, town_id=TOWN, username=f"officer.{uuid.uuid4().hex[:10]}", password=PASSWORD
    )
    admin = UserFactory(role=Role.TOWN_ADMIN, town_id=TOWN, username=f"admin.{uuid.uuid4().hex[:10]}")
    return {
        "round": str(round_.pk),
        "school": str(first.pk),
        "guardian": guardian.person.user.username,
        "officer": officer.username,
        "admin": admin.username,
    }


def publish_points(round_id: str, admin_username: str) -> None:
    """The window closes (the test moves its dates), the admin moves the round to verification
    and, every application decided, publishes the points."""
    now = timezone.now()
    admin = User.objects.get(username=admin_username)
    with town_context(TOWN):
        AdmissionRound.objects.filter(pk=round_id).update(
            applications_open=now - timedelta(days=10), applications_close=now - timedelta(minutes=1)
        )
        round_ = AdmissionRound.objects.get(pk=round_id)
        round_ = round_services.round_advance(by=admin, round_=round_, now=now)
        round_services.round_advance(by=admin, round_=round_, now=now)


def status_of(round_id: str) -> tuple[str, str | None]:
    with town_context(TOWN):
        application = AdmissionApplication.objects.get(round_id=round_id)
        return application.status, None if application.points is None else str(application.points)


def test_a_guardian_applies_on_a_phone_sees_the_breakdown_objects_and_reads_the_answer(
    phone: Callable[..., Any],
    desktop: Callable[..., Any],
    portal_url: str,
    screenshot: Callable[[Any, str], Path],
) -> None:
    base = portal_url
    world = outside_the_browser_loop(the_world)
    family = phone()
    sign_in(family, base, world["guardian"], PASSWORD)

    # From the home tile to the round, then one page to apply.
    press(family, family.locator("a.tile-link[href='/education/']"))
    press(family, family.locator(f"#apply-{world['round']}"))
    type_into(family, "#apply-child_name", "李小华")
    type_into(family, "#apply-child_id_number", next_child_id_number())
    family.check("input[name=relationship][value=mother]")
    family.check("input[name=grade][value=P1]")
    family.select_option("#apply-choice_1", world["school"])
    type_into(family, "#apply-item_owned_home", "88.5")
    type_into(family, "#apply-item_social_insurance_foshan", "6")
    family.check("#apply-consent")
    screenshot(family, "01-apply")
    press(family, family.locator("#apply-form button[type=submit]"))
    assert "/education/applications/" in family.url, family.locator(".alert, .field-error").all_inner_texts()
    assert family.locator("#application-status").get_attribute("data-status") == "draft"

    # A document per claimed item, then submit.
    for item in ("owned_home", "social_insurance_foshan"):
        family.select_option("#document-item", item)
        family.set_input_files(
            "#document-file", files=[{"name": f"{item}.pdf", "mimeType": "application/pdf", "buffer": PDF}]
        )
        press(family, family.locator("#document-form button[type=submit]"))
    press(family, family.locator("#submit-form button[type=submit]"))
    assert family.locator("#application-status").get_attribute("data-status") == "submitted"
    application_url = family.url
    pk = application_url.rstrip("/").rsplit("/", 1)[-1]

    # The officer, on a desktop: the queue, the application, a decision per fact.
    office = desktop()
    sign_in(office, base, world["officer"], PASSWORD)
    goto(office, f"{base}/education/queue/")
    press(office, office.locator(f"#queue a[href='/education/queue/{pk}/']"))
    office.check("input[name='owned_home-decision'][value=adjust]")
    type_into(office, "#owned_home-quantity", "80.25")
    type_into(office, "#owned_home-reason", "不动产权证面积为80.25平方米")
    office.check("input[name='social_insurance_foshan-decision'][value=accept]")
    press(office, office.locator("#verify-form button[type=submit]"))
    assert office.locator("#application-status").get_attribute("data-status") == "verified"
    status, points = outside_the_browser_loop(status_of, world["round"])
    assert status == "verified" and points is not None

    outside_the_browser_loop(publish_points, world["round"], world["admin"])

    # The family reads its points line by line, with the reasons, in Chinese.
    goto(family, application_url)
    table = family.locator("#points-table")
    assert table.is_visible()
    assert points in family.locator("#points-table-total").inner_text()
    assert "不动产权证面积为80.25平方米" in family.locator("#facts").inner_text()
    shot = screenshot(family, "02-breakdown")
    assert shot.stat().st_size > 10_000

    # The family objects, with a document.
    type_into(family, "#objection-reason", "房产证面积为88.5平方米，请重新核对")
    family.set_input_files(
        "#objection-file", files=[{"name": "property.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    press(family, family.locator("#objection-form button[type=submit]"))
    assert family.locator("[data-objection][data-state=open]").count() == 1

    # The officer upholds it on the objections page: the fact adjusted again.
    goto(office, f"{base}/education/objections/")
    card = office.locator("[data-objection]").filter(has_text="房产证面积为88.5平方米")
    card.locator("input[value=upheld]").check()
    card.locator("textarea").fill("经核对不动产权证，面积为88.5平方米，予以更正。")
    card.locator("select[name$='-item']").select_option("owned_home")
    card.locator("select[name$='-decision']").select_option("adjust")
    card.locator("input[name$='-quantity']").fill("88.5")
    press(office, card.locator("button[type=submit]"))

    # The family reads the answer and the new points.
    goto(family, application_url)
    answer = family.locator("[data-objection][data-state=upheld] .objection-answer")
    assert "予以更正" in answer.inner_text()
    _status, after = outside_the_browser_loop(status_of, world["round"])
    assert after is not None and float(after) == float(points) + 8.25
    assert after in family.locator("#points-table-total").inner_text()
    screenshot(family, "03-answered")
