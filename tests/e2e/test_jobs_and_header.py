"""Imports as a town admin meets them, and the site header on the narrowest phones.

- An import that ends with failed rows said a green "done" (已完成) even when most rows failed,
  and its problems were only in a report to download. A town admin uploads a file with bad
  rows through the page; a real Celery worker imports it; the page says "done, N rows with
  errors" in the warning colour, lists the problems, and the job list says the same.
- At 320 px wide the header squeezed the brand name to one character per line. Signed in as
  a resident and as an officer, every part of the header is at most two lines high and
  nothing is wider than the screen.

The import test starts its own worker, on the portal's media folder and the portal's import
queue (``E2E_JOB_QUEUE``), and removes what it imported.
"""

from __future__ import annotations

import csv
import io
import re
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from playwright.sync_api import expect

from nanhai_portal.demo import DEMO_PASSWORD
from nanhai_portal.tenancy import town_context
from tests.conftest import test_database_url
from tests.e2e import browser
from tests.e2e.browser import goto, press, sign_in
from tests.e2e.conftest import E2E_JOB_QUEUE, NARROW_PHONE, outside_the_browser_loop
from tests.workers import kill_worker, start_worker

pytestmark = [pytest.mark.slow, pytest.mark.worker]

TOWN = "xiqiao"
ADMIN = f"townadmin.{TOWN}"
FINISHED_SECONDS = 90


@pytest.fixture(scope="module")
def import_worker(portal_url: str, e2e_media_root: Path) -> Iterator[str]:
    """A Celery worker that takes the portal's imports and finds their files."""
    process, hostname = start_worker(
        "e2e-jobs",
        database_url=test_database_url(),
        queue=E2E_JOB_QUEUE,
        env={"MEDIA_ROOT": str(e2e_media_root), "JOB_QUEUE": E2E_JOB_QUEUE},
    )
    yield hostname
    kill_worker(process)


def csv_file(rows: list[list[str]]) -> dict[str, Any]:
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(["town", "code", "name", "kind"])
    writer.writerows(rows)
    return {"name": "村居名单.csv", "mimeType": "text/csv", "buffer": text.getvalue().encode("utf-8")}


def remove_import(prefix: str, job_id: str | None) -> None:
    with town_context(TOWN), connection.cursor() as cursor:
        cursor.execute("DELETE FROM areas_community WHERE town_id = %s AND code LIKE %s", [TOWN, prefix + "%"])
        if job_id:
            cursor.execute("DELETE FROM jobs_importrowerror WHERE job_id = %s", [job_id])
            cursor.execute("DELETE FROM jobs_importjob WHERE id = %s", [job_id])


def test_an_import_with_bad_rows_says_so_and_lists_them(
    portal_url: str, import_worker: str, phone: Callable[..., Any], screenshot: Callable[[Any, str], Path]
) -> None:
    prefix = f"E{secrets.token_hex(3).upper()}"
    rows = [
        ["西樵镇", f"{prefix}1", f"测{prefix}一村", "村"],  # 2: good
        ["西樵镇", f"{prefix}2", f"测{prefix}二村", "镇"],  # 3: kind
        ["dali", f"{prefix}3", f"测{prefix}三村", "村"],  # 4: another town
        ["西樵镇", f"{prefix}4", "", "社区"],  # 5: no name
        ["西樵镇", f"{prefix}1", f"测{prefix}五村", "村"],  # 6: code repeats row 2
    ]
    page = phone()
    job_id = None
    try:
        sign_in(page, portal_url, ADMIN, DEMO_PASSWORD)
        goto(page, f"{portal_url}/jobs/")
        assert page.locator(".job-templates a[href='/jobs/templates/communities.csv']").count() == 1
        screenshot(page, "01-upload-form")

        page.select_option("#id_kind", "communities")
        page.locator("#id_file").set_input_files(csv_file(rows))
        press(page, page.locator("form.job-upload button[type=submit]"))
        job_id = re.search(r"/jobs/([0-9a-f-]{36})/$", page.url).group(1)  # type: ignore[union-attr]

        # progress.js follows the job and reloads the page once it has ended: the page it loads
        # then follows nothing (the first problems may be listed while the job still runs).
        expect(page.locator("[data-poll-url]")).to_have_count(0, timeout=FINISHED_SECONDS * 1000)
        page.locator(".job-error-list").wait_for()
        browser.arrived(page)  # the reload: checked like any page
        screenshot(page, "02-done-with-errors")

        status = page.locator(".job-state .job-status")
        assert status.inner_text() == "完成，4 行有错误"
        assert "job-tone-warning" in (status.get_attribute("class") or "")
        colour = status.evaluate("node => getComputedStyle(node).backgroundColor")
        assert colour == "rgb(255, 244, 224)", colour  # the warning's, not the green of "done"
        items = page.locator(".job-error-list li")
        assert [items.nth(n).get_attribute("data-row") for n in range(items.count())] == ["3", "4", "5", "6"]
        assert "须为以下选项之一：村, 社区。" in items.nth(0).inner_text()
        assert "第 4 行 · 镇街 (town)" in items.nth(1).inner_text()
        assert page.locator(f"a[href='/api/v1/jobs/{job_id}/errors.csv']").count() == 1
        assert page.evaluate("document.documentElement.scrollWidth") <= 390

        goto(page, f"{portal_url}/jobs/")
        listed = page.locator(f"tr:has(a[href='/jobs/{job_id}/']) .job-status")
        assert listed.inner_text() == "完成，4 行有错误"
        assert "job-tone-warning" in (listed.get_attribute("class") or "")
        screenshot(page, "03-job-list")
    finally:
        outside_the_browser_loop(remove_import, prefix, job_id)


LINES_OF = """node => {
  // The most lines any visible text of ``node`` takes (hidden text, 1 px wide, skipped): the
  // brand's name, say, beside its one-line mark.
  let most = 0;
  const walker = document.createTreeWalker(node, NodeFilter.SHOW_TEXT);
  for (let text = walker.nextNode(); text; text = walker.nextNode()) {
    if (!text.textContent.trim() || text.parentElement.getBoundingClientRect().width <= 1) continue;
    const range = document.createRange();
    range.selectNodeContents(text);
    const middles = [...range.getClientRects()]
      .filter(rect => rect.width > 0 && rect.height > 0)
      .map(rect => rect.top + rect.height / 2)
      .sort((a, b) => a - b);
    let lines = 0, last = -Infinity;
    for (const middle of middles) { if (middle - last > 4) { lines += 1; last = middle; } }
    most = Math.max(most, lines);
  }
  return most;
}"""


@pytest.mark.parametrize(
    ("username", "locale"),
    [("resident.1", "zh-CN"), ("officer.guicheng", "zh-CN"), ("resident.1", "en-GB")],
)
def test_the_header_fits_a_320_pixel_phone(
    portal_url: str,
    open_page: Callable[..., Any],
    screenshot: Callable[[Any, str], Path],
    username: str,
    locale: str,
) -> None:
    page = open_page(NARROW_PHONE, locale=locale)
    sign_in(page, portal_url, username, DEMO_PASSWORD)
    screenshot(page, "01-home-320px")  # NARROW_PHONE is 320 px wide

    header = page.locator(".site-header")
    parts = {
        "brand": header.locator(".brand"),
        "language": header.locator(".lang-form button"),
        "inbox": header.locator(".inbox-link"),
        "sign out": header.locator("form[action='/logout/'] button"),
    }
    for width in (320, 360, 390):  # the narrowest phones, a common Android, the usual iPhone
        page.set_viewport_size({"width": width, "height": 640})
        for name, part in parts.items():
            assert part.count() == 1, name
            assert part.is_visible(), name
            lines = part.evaluate(LINES_OF)
            assert 1 <= lines <= 2, f"{name} at {width} px: {lines} lines"
            box = part.bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= width, f"{name} sticks out at {width} px: {box}"
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        assert header.locator(".brand-mark").is_visible()
        if width != 320:
            screenshot(page, f"02-home-{width}px")
    brand_name = "南海区新市民服务平台" if locale == "zh-CN" else "Nanhai new-resident portal"
    assert parts["brand"].evaluate("node => node.textContent.replace(/\\s+/g, ' ').trim()").endswith(brand_name)
