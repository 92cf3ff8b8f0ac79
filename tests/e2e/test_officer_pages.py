"""The officer's pages in a real browser: the queue in the order of the work, the bulk
approval's result, a document opened in a page with the way back, the review page's layout on
a desktop and on a phone, and the permit an endorsement is about.

Everything is committed, in a town the resident journey does not use (lishui); other tests may
add applications there too, so the tests compare the order of their own rows only.
Screenshots of each page go to tests/artifacts/.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from nanhai_portal.accounts.tokens import token_issue
from nanhai_portal.demo import DEMO_PASSWORD
from nanhai_portal.periods import years_after
from nanhai_portal.tenancy import town_context
from residents.models import Application, Permit
from tests.e2e.browser import goto, press, sign_in
from tests.e2e.conftest import outside_the_browser_loop
from tests.factories import ApplicationFactory, PermitFactory, ResidentFactory
from tests.residents.helpers import png

pytestmark = pytest.mark.slow

TOWN = "lishui"
OFFICER = "officer.lishui"
RESIDENT_PASSWORD = "Li-Shui-2026"
Status = Application.Status


def row_ids(page: Any) -> list[str]:
    return page.locator("table.queue tbody tr[data-id]").evaluate_all("rows => rows.map(row => row.dataset.id)")


def mine(ids: list[str], made: dict[str, str]) -> list[str]:
    """The names of our own rows among ``ids``, in the page's order."""
    names = {pk: name for name, pk in made.items()}
    return [names[pk] for pk in ids if pk in names]


def fits_the_screen(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


# --- Given: applications made outside the browser ------------------------------------


def a_queue_of_work() -> dict[str, str]:
    now = timezone.now()
    made = {
        # Accepted in 2025 with a 15-day deadline: overdue on any day the test runs.
        "overdue": ApplicationFactory(town_id=TOWN, status=Status.ACCEPTED),
        "submitted earlier": ApplicationFactory(town_id=TOWN, status=Status.SUBMITTED, at=now - timedelta(days=3)),
        "submitted later": ApplicationFactory(town_id=TOWN, status=Status.SUBMITTED, at=now - timedelta(days=2)),
        "delivered": ApplicationFactory(town_id=TOWN, status=Status.DELIVERED, at=now - timedelta(days=9)),
    }
    return {name: str(application.pk) for name, application in made.items()}


def some_to_approve() -> dict[str, dict[str, str]]:
    now = timezone.now()
    made = {
        "accepted 1": ApplicationFactory(town_id=TOWN, status=Status.ACCEPTED, at=now - timedelta(days=2)),
        "accepted 2": ApplicationFactory(town_id=TOWN, status=Status.ACCEPTED, at=now - timedelta(days=2)),
        "submitted": ApplicationFactory(town_id=TOWN, status=Status.SUBMITTED, at=now - timedelta(days=4)),
        "issued": ApplicationFactory(town_id=TOWN, status=Status.ISSUED),
    }
    return {name: {"id": str(item.pk), "name": item.resident.person.name} for name, item in made.items()}


def a_resident_with_a_draft() -> dict[str, str]:
    """A resident who can sign in, with a draft permit application (documents come through the API)."""
    resident = ResidentFactory(town_id=TOWN, account=True, person__user__password=RESIDENT_PASSWORD)
    application = ApplicationFactory(town_id=TOWN, resident=resident, status=Status.DRAFT)
    token, _expires = token_issue(user=resident.person.user)
    return {"application": str(application.pk), "username": resident.person.user.username, "token": token}


def submitted_now(pk: str) -> None:
    """Given: the draft, with its documents, was submitted (the resident's pages are not under test)."""
    with town_context(TOWN):
        Application.objects.filter(pk=pk).update(status=Status.SUBMITTED, submitted_at=timezone.now())


def upload_photo(page: Any, base: str, given: dict[str, str]) -> None:
    photo = png(size=(600, 800))
    response = page.request.post(
        f"{base}/api/v1/applications/{given['application']}/documents/",
        headers={"Authorization": f"Bearer {given['token']}"},
        multipart={
            "kind": "photo",
            "file": {"name": "photo.png", "mimeType": "image/png", "buffer": photo.read()},
        },
    )
    assert response.status == 201, response.text()


def an_endorsement_to_review() -> dict[str, str]:
    """A resident whose permit's endorsement window is open, with a submitted endorsement."""
    today = timezone.localdate()
    since = years_after(today, -1) + timedelta(days=10)  # the first anniversary is ten days away
    permit = PermitFactory(town_id=TOWN, valid_from=since, continuous_since=since, status=Permit.Status.ENDORSEMENT_DUE)
    application = ApplicationFactory(
        town_id=TOWN,
        resident=permit.resident,
        kind=Application.Kind.PERMIT_ENDORSEMENT,
        status=Status.SUBMITTED,
        at=timezone.now() - timedelta(hours=2),
    )
    return {"application": str(application.pk), "permit_number": permit.permit_number}


# --- The queue -------------------------------------------------------------------------


def test_the_queue_shows_the_work_to_do_first_and_the_finished_under_their_filter(
    phone: Callable[[], Any], portal_url: str, screenshot: Callable[[Any, str], Path]
) -> None:
    made = outside_the_browser_loop(a_queue_of_work)
    page = phone()
    sign_in(page, portal_url, OFFICER, DEMO_PASSWORD)
    goto(page, f"{portal_url}/residents/queue/")

    assert mine(row_ids(page), made) == ["overdue", "submitted earlier", "submitted later"]
    # The date columns say what their dates are (the phone shows each as a label before the value).
    submitted_row = page.locator(f"tr[data-id='{made['submitted earlier']}']")
    labels = submitted_row.locator("td[data-label]").evaluate_all("cells => cells.map(c => c.dataset.label)")
    assert "提交日期" in labels and "办理截止日期" in labels, labels
    assert "受理后开始计算" in submitted_row.inner_text()
    assert fits_the_screen(page)
    screenshot(page, "01-queue-work")

    page.select_option("#id_status", "finished")
    press(page, page.locator("form.filter-grid button.primary"))
    assert mine(row_ids(page), made) == ["delivered"]
    assert set(page.locator("table.queue tbody tr[data-id]").evaluate_all("r => r.map(x => x.dataset.status)")) <= {
        "delivered",
        "rejected",
    }
    screenshot(page, "02-queue-finished")


def test_the_queue_has_its_headers_on_a_desktop(
    desktop: Callable[[], Any], portal_url: str, screenshot: Callable[[Any, str], Path]
) -> None:
    page = desktop()
    sign_in(page, portal_url, OFFICER, DEMO_PASSWORD)
    goto(page, f"{portal_url}/residents/queue/")
    headers = page.locator("table.queue thead th").all_inner_texts()
    assert "提交日期" in headers and "办理截止日期" in headers, headers
    screenshot(page, "01-queue-desktop")


def test_the_bulk_approval_lists_each_refusal_on_its_own_line(
    phone: Callable[[], Any], portal_url: str, screenshot: Callable[[Any, str], Path]
) -> None:
    made = outside_the_browser_loop(some_to_approve)
    page = phone()
    sign_in(page, portal_url, OFFICER, DEMO_PASSWORD)
    goto(page, f"{portal_url}/residents/queue/")
    for item in made.values():
        page.check(f"#pick-{item['id']}")
    press(page, page.locator("#bulk-form button[type=submit]"))

    result = page.locator("#bulk-result")
    assert "已审核通过 2 件申请" in result.inner_text()
    assert "2 件未能审核通过" in result.inner_text()
    lines = result.locator("ul.bulk-refusals > li").all_inner_texts()
    assert len(lines) == 2, lines
    for name in ("submitted", "issued"):
        [line] = [line for line in lines if made[name]["name"] in line]
        assert "居住证申领" in line, line  # the kind, then the reason
    assert fits_the_screen(page)
    screenshot(page, "01-bulk-result")

    goto(page, page.url)
    assert page.locator("#bulk-result").count() == 0, "the result is shown once"


# --- A document in a page -----------------------------------------------------------------


def test_a_tapped_document_opens_in_a_page_with_the_way_back(
    phone: Callable[[], Any], portal_url: str, screenshot: Callable[[Any, str], Path]
) -> None:
    base = portal_url
    given = outside_the_browser_loop(a_resident_with_a_draft)
    officer = phone()
    upload_photo(officer, base, given)
    outside_the_browser_loop(submitted_now, given["application"])
    review = f"{base}/residents/queue/{given['application']}/"

    # The officer taps the thumbnail on the review page.
    sign_in(officer, base, OFFICER, DEMO_PASSWORD)
    goto(officer, review)
    assert fits_the_screen(officer)
    screenshot(officer, "01-review-phone")
    press(officer, officer.locator(".document-link").first)
    assert re.search(r"/documents/[0-9a-f-]{36}/view/\?from=review$", officer.url), officer.url
    image = officer.locator("img.document-full")
    assert image.evaluate("img => img.complete && img.naturalWidth") == 600
    assert "PNG" in officer.locator("#document-type").inner_text()
    assert officer.locator("#document-size").inner_text().strip()
    assert fits_the_screen(officer)
    screenshot(officer, "02-document-officer")
    press(officer, officer.locator("#back-link"))
    assert officer.url == review

    # The applicant taps it on their application page, and comes back there.
    resident = phone()
    sign_in(resident, base, given["username"], RESIDENT_PASSWORD)
    application = f"{base}/residents/applications/{given['application']}/"
    goto(resident, application)
    press(resident, resident.locator(".document-link").first)
    assert re.search(r"/documents/[0-9a-f-]{36}/view/$", resident.url), resident.url
    assert resident.locator("img.document-full").evaluate("img => img.complete && img.naturalWidth") == 600
    screenshot(resident, "03-document-resident")
    press(resident, resident.locator("#back-link"))
    assert resident.url == application


# --- The review page -----------------------------------------------------------------------


def test_the_review_page_on_a_desktop_puts_documents_beside_the_data_and_keeps_the_actions_in_view(
    desktop: Callable[[], Any], portal_url: str, screenshot: Callable[[Any, str], Path]
) -> None:
    base = portal_url
    given = outside_the_browser_loop(a_resident_with_a_draft)
    page = desktop()
    upload_photo(page, base, given)
    outside_the_browser_loop(submitted_now, given["application"])
    sign_in(page, base, OFFICER, DEMO_PASSWORD)
    goto(page, f"{base}/residents/queue/{given['application']}/")

    data = page.locator(".review-data").bounding_box()
    documents = page.locator(".review-documents").bounding_box()
    assert data["x"] + data["width"] <= documents["x"], (data, documents)  # side by side
    assert documents["y"] < data["y"] + data["height"], "at the same height"
    height = page.viewport_size["height"]

    def actions_in_view() -> bool:
        box = page.locator("#actions").bounding_box()  # relative to the viewport
        accept = page.locator("#actions button[value=accept]").bounding_box()
        return box["y"] >= 0 and accept["y"] + accept["height"] <= height

    assert actions_in_view(), "the actions are in view without scrolling"
    screenshot(page, "01-review-desktop")
    page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
    assert actions_in_view(), "and stay in view at the bottom of the page"
    assert fits_the_screen(page)


def test_an_endorsement_review_shows_the_permit_it_endorses(
    phone: Callable[[], Any], portal_url: str, screenshot: Callable[[Any, str], Path]
) -> None:
    given = outside_the_browser_loop(an_endorsement_to_review)
    page = phone()
    sign_in(page, portal_url, OFFICER, DEMO_PASSWORD)
    goto(page, f"{portal_url}/residents/queue/{given['application']}/")

    permit = page.locator("#permit")
    assert page.locator("#permit-number").inner_text() == given["permit_number"]
    assert permit.locator("[data-status=endorsement_due]").count() == 1
    today = timezone.localdate()
    since = years_after(today, -1) + timedelta(days=10)
    anniversary = years_after(since, 1)
    window = page.locator("#endorsement-window").inner_text()
    assert str(anniversary - timedelta(days=1)) in window, window
    for label in ("有效期起", "有效期至", "连续居住起算日", "上次签注日期", "签注办理期"):
        assert label in permit.inner_text(), label
    assert fits_the_screen(page)
    screenshot(page, "01-endorsement-review")
