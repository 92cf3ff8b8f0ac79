"""The residents journey on a phone, in a real browser against the real portal.

A new person signs up (the code read from their inbox, as the SMS would bring it) and signs
out. Then what the issue measures: coming back, they sign in, go from the home page straight
to the application form, apply for a permit with the basis "home" and postal delivery, upload
a photo and a lease on the pre-check page (both at once, without a reload), and submit; the
confirmation shows the application number (办件编号) and the expected date. That part is
counted: from loading the sign-in page to the page that says "submitted", at most 5 screens
(pages loaded, ``browser.screens``) and 12 typed fields (``browser.type_into``); choosing a
radio button or a file is not typing. The sign-up before it is not counted: it happens once.

The officer of the town returns it for a missing property certificate; the person uploads it
and submits again; the officer accepts, approves, issues and posts it. The person sees every
step, and a message for each in the inbox.

Everything is committed: the person is new, in a town whose other tests count nothing of it.
Screenshots of each step go to tests/artifacts/.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from nanhai_portal.demo import DEMO_PASSWORD
from nanhai_portal.periods import years_after
from nanhai_portal.pii.fields import lookup_index
from nanhai_portal.tenancy import town_context
from residents.models import Resident
from residents.services import due_days
from tests.e2e import browser
from tests.e2e.browser import goto, press, sign_in
from tests.e2e.conftest import outside_the_browser_loop
from tests.residents import helpers
from tests.residents.helpers import pdf, png

pytestmark = pytest.mark.slow

TOWN = "shishan"
OFFICER = "officer.shishan"
JOURNEY = ["draft", "submitted", "returned", "submitted", "accepted", "approved", "issued", "delivered"]
MOST_SCREENS, MOST_TYPED = 5, 12  # sign-in to "submitted" (issue 10)
NUMBER = re.compile(r"^\d{3}-\d{6}-\d{5,}$")


def a_new_person() -> dict[str, str]:
    return helpers.a_new_identity(name="王小红", mobile_prefix="137", password="Shi-Shan-2026")


def registered_a_year_ago(mobile: str) -> None:
    """Given: the person registered their residence at the window a year ago (a permit needs 6 months)."""
    with town_context(TOWN):
        resident = Resident.objects.get(person__mobile_index=lookup_index("mobile", mobile))
        resident.registered_since = years_after(timezone.localdate(), -1)  # the server's today: same clock
        resident.save(update_fields=["registered_since"])


def file_payload(upload: Any) -> dict[str, Any]:
    return {"name": upload.name, "mimeType": upload.content_type, "buffer": upload.read()}


def timeline(page: Any) -> list[str]:
    return page.locator("ol.timeline > li").evaluate_all("items => items.map(item => item.dataset.status)")


def choose_file(page: Any, slot: str, payload: dict[str, Any]) -> None:
    """Choose a file for a slot of the pre-check: the page's script uploads it at once."""
    page.locator(f"form.upload-form[data-slot={slot}] input[type=file]").set_input_files(payload)


def expected_by(submitted_on: date) -> str:
    """The date the receipt promises: the submission day plus the kind's days (as if accepted that day)."""
    return (submitted_on + timedelta(days=due_days("permit_issue"))).isoformat()


def officer_does(page: Any, action: str) -> None:
    press(page, page.locator(f"#actions button[value={action}]"))
    assert page.locator("#action-error").count() == 0, page.locator("#action-error").inner_text()


def test_a_new_resident_signs_up_applies_and_gets_the_permit_by_post_on_a_phone(
    phone: Callable[[], Any], portal_url: str, screenshot: Callable[[Any, str], Path]
) -> None:
    base, person = portal_url, a_new_person()
    resident = phone()

    # Sign up: the community list follows the town chosen.
    goto(resident, f"{base}/residents/signup/")
    assert resident.locator("html").get_attribute("lang") == "zh-hans"
    resident.fill("#id_name", person["name"])
    resident.fill("#id_id_number", person["id_number"])
    resident.fill("#id_mobile", person["mobile"])
    resident.select_option("#id_town", TOWN)
    groups = resident.locator("#id_community optgroup").evaluate_all("groups => groups.map(g => g.dataset.town)")
    assert groups == [TOWN], "only the chosen town's villages and communities are offered"
    community = resident.locator("#id_community optgroup option").first.get_attribute("value")
    resident.select_option("#id_community", community)
    resident.fill("#id_password", person["password"])
    resident.fill("#id_password_again", person["password"])
    resident.check("#id_consent")
    screenshot(resident, "01-signup")
    press(resident, resident.locator("form.signup-form button[type=submit]"))
    assert re.search(r"/residents/signup/[0-9a-f-]{36}/verify/$", resident.url), resident.url

    code = resident.locator("#id_code")
    assert (code.get_attribute("inputmode"), code.get_attribute("autocomplete")) == ("numeric", "one-time-code")
    code.fill(outside_the_browser_loop(helpers.texted_code_to, person["mobile"]))
    screenshot(resident, "02-verify")
    press(resident, resident.locator("main form button[type=submit]"))
    assert resident.url == f"{base}/residents/applications/"
    outside_the_browser_loop(registered_a_year_ago, person["mobile"])
    press(resident, resident.locator("header form[action$='/logout/'] button"))

    # Counted from here: they come back and sign in with their mobile number.
    screens_before, typed_before = browser.screens(resident), browser.visits(resident).typed
    sign_in(resident, base, person["mobile"], person["password"])

    # The home page leads straight to the form.
    press(resident, resident.locator("a.tile-link[href='/residents/apply/']"))
    assert resident.url == f"{base}/residents/apply/"

    # Step 1: a permit, because of a home (asked, not preselected), by post.
    assert resident.locator("input[name=basis]:checked").count() == 0, "the reason is asked, not guessed"
    resident.check("input[name=kind][value=permit_issue]")
    resident.check("input[name=basis][value=home]")
    assert resident.locator("#id_postal_address").is_hidden(), "asked only for postal delivery"
    resident.check("input[name=delivery][value=post]")
    browser.type_into(resident, "#id_postal_address", "狮山镇博爱路1号")
    screenshot(resident, "03-apply")
    press(resident, resident.locator("main form.apply-form button[type=submit]"))
    assert re.search(r"/residents/applications/[0-9a-f-]{36}/$", resident.url), resident.url
    application_url = resident.url

    # Step 2: the pre-check first; the submit button waits until nothing is missing.
    missing = resident.locator("[data-document-kind]").evaluate_all("items => items.map(i => i.dataset.documentKind)")
    assert sorted(missing) == ["lease", "photo", "property_certificate"]
    assert resident.locator("#submit-button").is_disabled()
    assert resident.locator("form[data-slot=photo] input[type=file]").get_attribute("capture") == "user"
    screenshot(resident, "04-precheck")
    # Two files chosen one after the other upload side by side, each in its own slot.
    choose_file(resident, "photo", file_payload(png("me.png", size=(300, 400))))
    choose_file(resident, "address_proof", file_payload(pdf("lease.pdf")))
    resident.wait_for_function(
        "() => !document.querySelector('[data-document-kind=photo], [data-document-kind=lease]')"
    )
    assert resident.locator(".missing-item.is-done").count() == 3  # the lease proves the home too
    assert resident.locator("[data-document-kind]").count() == 0
    assert resident.locator("#submit-button").is_enabled()
    browser.check_accessibility(resident)
    screenshot(resident, "04b-precheck-uploaded")

    # Step 3: submit; the confirmation is the receipt.
    press(resident, resident.locator("#submit-button"))
    assert resident.locator("h1 + .badge").get_attribute("data-status") == "submitted"
    number = resident.locator("#application-number").inner_text()
    assert NUMBER.match(number), number
    assert resident.locator("#expected-by").inner_text() == expected_by(timezone.localdate())
    screenshot(resident, "05-submitted")
    screens = browser.screens(resident) - screens_before
    typed = browser.visits(resident).typed - typed_before
    assert screens <= MOST_SCREENS, (
        f"sign-in to submitted took {screens} screens: {browser.visits(resident).loaded[screens_before:]}"
    )
    assert typed <= MOST_TYPED, f"sign-in to submitted took {typed} typed fields"

    # "My applications" lists it with the number and the date.
    goto(resident, f"{base}/residents/applications/")
    row = resident.locator(f"li.application-item[data-number='{number}']")
    assert row.locator(".expected-by").inner_text() == expected_by(timezone.localdate())
    screenshot(resident, "05b-my-applications")

    # The officer finds it in the queue and returns it for the property certificate.
    officer = phone()
    sign_in(officer, base, OFFICER, DEMO_PASSWORD)
    goto(officer, f"{base}/residents/queue/?status=submitted")
    application_id = application_url.rstrip("/").rsplit("/", 1)[1]
    screenshot(officer, "06-queue")
    press(officer, officer.locator(f"tr[data-id='{application_id}'] th a"))
    assert officer.url == f"{base}/residents/queue/{application_id}/"
    thumbnail = officer.locator("img.document-thumb")
    assert thumbnail.count() == 1
    thumbnail.scroll_into_view_if_needed()  # it loads lazily
    officer.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=thumbnail.element_handle())
    assert thumbnail.evaluate("img => img.naturalWidth") == 300, "the photo is shown inline"
    screenshot(officer, "07-review")
    officer.locator("details.action-form summary").first.click()
    officer.fill("#return-reasons", "请补充房产证")
    officer_does(officer, "return")

    # The person sees why, uploads the certificate, and submits again.
    goto(resident, application_url)
    assert "请补充房产证" in resident.locator("#return-reasons").inner_text()
    screenshot(resident, "08-returned")
    other = resident.locator("form.upload-form[data-slot=other]")
    other.locator("select[name=kind]").select_option("property_certificate")
    other.locator("input[type=file]").set_input_files(file_payload(pdf("certificate.pdf")))
    resident.locator("ul.documents li[data-kind=property_certificate]").wait_for()
    browser.check_accessibility(resident)
    press(resident, resident.locator("#submit-button"))
    assert resident.locator("h1 + .badge").get_attribute("data-status") == "submitted"
    assert resident.locator("#application-number").inner_text() == number, "a resubmission keeps its number"

    # The officer accepts, approves, issues and posts it with a tracking number.
    goto(officer, f"{base}/residents/queue/{application_id}/")
    for action in ["accept", "approve", "issue"]:
        officer_does(officer, action)
    officer.fill("#deliver-tracking_number", "EMS9876543210")
    officer_does(officer, "deliver")
    assert officer.locator("h1 + .badge").get_attribute("data-status") == "delivered"
    screenshot(officer, "09-officer-delivered")

    # The person sees every step, the tracking number, no visit, the permit and the messages.
    goto(resident, application_url)
    assert timeline(resident) == JOURNEY
    assert resident.locator("#tracking-number").inner_text() == "EMS9876543210"
    assert resident.locator("#visits-required").get_attribute("data-visits") == "0"
    screenshot(resident, "10-resident-delivered")
    goto(resident, f"{base}/residents/permit/")
    assert resident.locator("#permit-number").inner_text().startswith("440605")
    screenshot(resident, "11-permit")
    goto(resident, f"{base}/inbox/")
    assert resident.locator(".inbox-item").count() >= len(JOURNEY) - 1  # every step but the draft, and the welcome
    assert number in resident.locator(".inbox").inner_text(), "the submitted message gives the number"
    screenshot(resident, "12-inbox")
