"""Applying on a phone, the parts issue 10 changed: the day a permit opens said first and alone,
the reason for residence asked with its own error, an open application linked, and uploads on
the pre-check that go at once, side by side, each with its own progress and error, no reload.

The people are made here (in 西樵镇, where no other browser test counts anything), except the
demo's resident.2, whose pages are only read.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from nanhai_portal.accounts.models import User
from nanhai_portal.demo import DEMO_PASSWORD
from nanhai_portal.periods import months_after
from nanhai_portal.tenancy import district_context, town_context
from residents import permit_calendar
from residents.models import Application, Resident
from residents.uploads import max_document_bytes
from tests.e2e import browser
from tests.e2e.browser import goto, press, sign_in
from tests.e2e.conftest import outside_the_browser_loop
from tests.factories import ResidentFactory
from tests.residents.helpers import fake_png, pdf, png

pytestmark = pytest.mark.slow

TOWN = "xiqiao"
PASSWORD = "Xi-Qiao-2026"


def a_resident(months_registered: int = 12) -> str:
    """A new resident of ``TOWN`` with an account; their username."""
    username = f"apply.{uuid.uuid4().hex[:10]}"
    ResidentFactory(
        town_id=TOWN,
        account=True,
        person__user__username=username,
        person__user__password=PASSWORD,
        registered_since=months_after(timezone.localdate(), -months_registered),
    )
    return username


def eligible_from_of(username: str) -> str:
    user = User.objects.get(username=username)
    with town_context(user.town_id):
        resident = Resident.objects.get(person__user=user, moved_out_on=None)
        return permit_calendar.eligible_from(resident.registered_since).isoformat()


def applications_of(username: str) -> int:
    with district_context():
        return Application.objects.for_all_towns().filter(resident__person__user__username=username).count()


def payload(upload: Any) -> dict[str, Any]:
    return {"name": upload.name, "mimeType": upload.content_type, "buffer": upload.read()}


def slot(page: Any, name: str) -> Any:
    return page.locator(f"form.upload-form[data-slot={name}]")


def test_a_resident_not_eligible_yet_is_told_the_day_first_and_offered_no_permit(
    phone: Callable[..., Any], portal_url: str, screenshot: Callable[[Any, str], Path]
) -> None:
    base = portal_url
    opens = outside_the_browser_loop(eligible_from_of, "resident.2")
    before = outside_the_browser_loop(applications_of, "resident.2")
    page = phone()
    sign_in(page, base, "resident.2", DEMO_PASSWORD)
    press(page, page.locator("a.tile-link[href='/residents/apply/']"))

    notice = page.locator("#permit-waiting")
    assert opens in notice.locator("h2").inner_text(), "the day comes first, in the heading"
    assert notice.evaluate("n => n.compareDocumentPosition(document.querySelector('form.apply-form')) & 4"), "above"
    permit = page.locator("input[name=kind][value=permit_issue]")
    assert permit.is_disabled()
    assert opens in page.locator(f"#{permit.get_attribute('id')}_hint").inner_text()
    assert page.locator("input[name=kind][value=residence_registration]").is_enabled(), "other kinds stay open"
    screenshot(page, "01-not-eligible-yet")
    assert outside_the_browser_loop(applications_of, "resident.2") == before


def test_the_reason_is_asked_and_an_open_application_is_linked(
    phone: Callable[..., Any], portal_url: str, screenshot: Callable[[Any, str], Path]
) -> None:
    base = portal_url
    username = outside_the_browser_loop(a_resident)
    page = phone()
    sign_in(page, base, username, PASSWORD)
    press(page, page.locator("a.tile-link[href='/residents/apply/']"))

    # No reason chosen: the form says which, and keeps the choice of kind.
    assert page.locator("input[name=basis]:checked").count() == 0
    page.check("input[name=kind][value=permit_issue]")
    press(page, page.locator("form.apply-form button[type=submit]"))
    error = page.locator("#id_basis_error")
    assert error.inner_text() == "请选择您在南海居住的原因：就业、居所或就读。"
    assert page.locator("input[name=kind][value=permit_issue]").is_checked()
    screenshot(page, "01-reason-asked")
    assert outside_the_browser_loop(applications_of, username) == 0

    page.check("input[name=basis][value=job]")
    press(page, page.locator("form.apply-form button[type=submit]"))
    draft_url = page.url

    # A second permit application links to the open one.
    goto(page, f"{base}/residents/apply/")
    page.check("input[name=kind][value=permit_issue]")
    page.check("input[name=basis][value=job]")
    press(page, page.locator("form.apply-form button[type=submit]"))
    screenshot(page, "02-already-open")
    press(page, page.locator("#open-application"))
    assert page.url == draft_url
    assert outside_the_browser_loop(applications_of, username) == 1


def test_uploads_go_side_by_side_each_with_its_progress_and_its_error_without_a_reload(
    phone: Callable[..., Any], portal_url: str, screenshot: Callable[[Any, str], Path]
) -> None:
    base = portal_url
    username = outside_the_browser_loop(a_resident)
    page = phone()
    sign_in(page, base, username, PASSWORD)
    goto(page, f"{base}/residents/apply/")
    page.check("input[name=kind][value=permit_issue]")
    page.check("input[name=basis][value=job]")
    press(page, page.locator("form.apply-form button[type=submit]"))
    assert page.locator("[data-document-kind]").count() == 3
    loads = browser.screens(page)

    # A file that is not an image in the photo slot, a lease at the same time in the next one.
    slot(page, "photo").locator("input[type=file]").set_input_files(payload(fake_png("me.png")))
    slot(page, "address_proof").locator("input[type=file]").set_input_files(payload(pdf("lease.pdf")))
    page.locator("#upload-photo-file_error").wait_for()
    page.locator(".missing-item.is-done[data-code=address_proof]").wait_for()
    assert "JPEG" in page.locator("#upload-photo-file_error").inner_text()
    photo_input = slot(page, "photo").locator("input[type=file]")
    assert photo_input.get_attribute("aria-invalid") == "true"
    assert "upload-photo-file_error" in (photo_input.get_attribute("aria-describedby") or "")
    assert "2" in page.locator("#precheck-status").inner_text()

    # A file over the limit is refused in its slot before it is sent.
    too_big = {"name": "contract.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-" + b"0" * max_document_bytes()}
    slot(page, "job_proof").locator("input[type=file]").set_input_files(too_big)
    page.locator("#upload-job_proof-file_error").wait_for()
    assert "10" in page.locator("#upload-job_proof-file_error").inner_text()
    assert page.locator("#submit-button").is_disabled()
    browser.check_accessibility(page)
    screenshot(page, "01-errors-in-their-slots")

    # Chosen again, right: both go, and the button opens.
    photo_input.set_input_files(payload(png("me.png", size=(300, 400))))
    slot(page, "job_proof").locator("input[type=file]").set_input_files(payload(pdf("contract.pdf")))
    page.wait_for_function("() => !document.getElementById('submit-button').disabled")
    assert page.locator("#upload-photo-file_error").count() == 0
    assert page.locator(".missing-item.is-done").count() == 3
    assert page.locator("ul.documents li.document").count() == 3
    assert browser.screens(page) == loads, "no page was reloaded"
    browser.check_accessibility(page)
    screenshot(page, "02-all-uploaded")
