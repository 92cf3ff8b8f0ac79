"""How an ended import reads: green "done" only when every row went in, and the first problems listed.

An import that ended with rows it could not import used to show the same green "done" as a
clean one, even when most rows failed; its problems were only in a report to download.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from nanhai_portal.jobs.models import ImportJob
from tests.conftest import bearer_client
from tests.jobs.conftest import job_files
from tests.jobs.files import csv_upload
from tests.jobs.test_import import MIXED_ROWS, create_job
from tests.jobs.test_pages import browser

pytestmark = pytest.mark.django_db


def badge(page: str) -> tuple[str, str]:
    """The tone and text of the first status badge of ``page``."""
    found = re.search(r'<span class="job-status job-tone-(\w+)"[^>]*>([^<]*)</span>', page)
    assert found, "no status badge"
    return found.group(1), found.group(2)


def error_items(page: str) -> list[str]:
    return re.findall(r'<li data-row="(\d+)">', page)


def test_a_job_that_ended_with_failed_rows_says_so_in_the_warning_colour(run_job: Any) -> None:
    job = run_job(create_job(csv_upload(MIXED_ROWS)))
    assert (job.status, job.imported, job.failed) == ("succeeded", 3, 6)
    client = browser("officer.guicheng")

    detail = client.get(f"/jobs/{job.pk}/").content.decode()
    listing = client.get("/jobs/").content.decode()

    assert badge(detail) == ("warning", "完成，6 行有错误")
    assert 'data-outcome="succeeded_with_errors">完成，6 行有错误' in listing
    assert "job-tone-ok" not in detail


def test_the_page_lists_the_problems_in_the_readers_language_with_the_report_links(run_job: Any) -> None:
    job = run_job(create_job(csv_upload(MIXED_ROWS)))
    client = browser("officer.guicheng")

    chinese = client.get(f"/jobs/{job.pk}/").content.decode()

    assert error_items(chinese) == ["5", "6", "7", "8", "9", "11"]
    assert "第 5 行 · 类型 (kind) · " in chinese and "须为以下选项之一：村, 社区。" in chinese
    assert "共 6 个问题" in chinese
    assert f"/api/v1/jobs/{job.pk}/errors.csv" in chinese and f"/api/v1/jobs/{job.pk}/errors.xlsx" in chinese
    client.post("/i18n/setlang/", {"language": "en"})
    english = client.get(f"/jobs/{job.pk}/").content.decode()
    assert badge(english) == ("warning", "Done, 6 rows with errors")
    assert "Row 6 · name" in english and "A value is required." in english
    assert "138****5678" in english and "13812345678" not in english  # masked as in the report


def test_only_the_first_twenty_problems_are_listed(run_job: Any) -> None:
    rows = [["guicheng", f"T5{n:02d}", f"测试{n}村", "镇"] for n in range(25)]
    job = run_job(create_job(csv_upload(rows)))

    page = browser("officer.guicheng").get(f"/jobs/{job.pk}/").content.decode()

    assert error_items(page) == [str(n) for n in range(2, 22)]
    assert "以下为前 20 个问题（共 25 个）" in page
    assert badge(page) == ("warning", "完成，25 行有错误")


def test_a_clean_import_is_green_and_lists_no_problems(run_job: Any) -> None:
    job = run_job(create_job(csv_upload([["guicheng", "T601", "测试清白村", "村"]])))

    page = browser("officer.guicheng").get(f"/jobs/{job.pk}/").content.decode()

    assert badge(page) == ("ok", "已完成")
    assert error_items(page) == [] and "errors.csv" not in page


def test_a_job_that_failed_as_a_whole_is_red(run_job: Any, media: Path) -> None:
    job = create_job(csv_upload(MIXED_ROWS))
    for path in job_files(media):
        path.unlink()
    run_job(job)

    page = browser("officer.guicheng").get(f"/jobs/{job.pk}/").content.decode()

    assert badge(page) == ("error", "失败")


def test_the_api_gives_the_outcome_for_the_live_update(run_job: Any) -> None:
    job = run_job(create_job(csv_upload(MIXED_ROWS)))
    queued = create_job(csv_upload(MIXED_ROWS))
    client = bearer_client("officer.guicheng")

    shown = client.get(f"/api/v1/jobs/{job.pk}/", HTTP_ACCEPT_LANGUAGE="en").json()
    waiting = client.get(f"/api/v1/jobs/{queued.pk}/").json()

    assert (shown["status"], shown["outcome"], shown["outcome_label"]) == (
        "succeeded",
        "succeeded_with_errors",
        "Done, 6 rows with errors",
    )
    assert (waiting["outcome"], waiting["outcome_label"]) == (ImportJob.Status.QUEUED, "排队中")
