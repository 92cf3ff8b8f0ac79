"""Importing a file in this process, as a worker does: good rows in, bad rows reported, exactly once."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.db.models.functions import Now
from openpyxl import load_workbook

from nanhai_portal.accounts.models import User
from nanhai_portal.areas.models import Community, Grid
from nanhai_portal.jobs import conf, runner, services
from nanhai_portal.jobs.importers.communities import CommunityImporter
from nanhai_portal.jobs.models import ImportJob, ImportRowError
from nanhai_portal.tenancy import town_context
from tests.conftest import bearer_client
from tests.jobs.conftest import job_files
from tests.jobs.files import csv_upload, xlsx_upload

pytestmark = pytest.mark.django_db

RunJob = Callable[[ImportJob], ImportJob]

# Row numbers are the file's: the header is row 1; the blank line is row 4 and is skipped.
MIXED_ROWS: list[list[str]] = [
    ["guicheng", "T001", "测试一村", "村"],  # 2: good
    ["guicheng", "T002", "测试二社区", "社区"],  # 3: good
    ["", "", "", ""],  # 4: blank, skipped
    ["guicheng", "T003", "测试三", "镇"],  # 5: kind
    ["guicheng", "T004", "", "村"],  # 6: empty name
    ["guicheng", "T001", "另一个村", "村"],  # 7: code repeats row 2
    ["dali", "T005", "外镇村", "村"],  # 8: another town
    ["guicheng", "440605011001", "新名字村", "村"],  # 9: code exists already (demo data)
    ["桂城街道", "T006", "测试六社区", "社区"],  # 10: good, town by name
    ["13812345678", "T007", "测试七村", "村"],  # 11: unknown town that is a mobile number
]
GOOD_CODES = {"T001", "T002", "T006"}
EXPECTED_ERRORS = [
    (5, "kind", "镇", "not_a_choice"),
    (6, "name", "", "required"),
    (7, "code", "T001", "duplicate_in_file"),
    (8, "town", "dali", "other_town"),
    (9, "code", "440605011001", "already_exists"),
    (11, "town", "138****5678", "unknown_town"),
]


def officer(town: str = "guicheng") -> User:
    return User.objects.get(username=f"officer.{town}")


def create_job(upload: Any, *, kind: str = "communities", town: str = "guicheng") -> ImportJob:
    with town_context(town):
        return services.job_create(kind=kind, upload=upload, by=officer(town))


def community_codes(town: str = "guicheng") -> set[str]:
    with town_context(town):
        return set(Community.objects.filter(code__startswith="T").values_list("code", flat=True))


def error_rows(job: ImportJob) -> list[tuple[int, str, str, str]]:
    with town_context(job.town_id):
        return list(job.row_errors.order_by("row_number").values_list("row_number", "column", "value", "code"))


def test_a_file_with_good_and_bad_rows_imports_every_good_row_and_reports_every_bad_one(run_job: RunJob) -> None:
    job = run_job(create_job(csv_upload(MIXED_ROWS)))

    assert job.status == ImportJob.Status.SUCCEEDED
    assert (job.total, job.processed, job.imported, job.failed) == (9, 9, 3, 6)
    assert community_codes() == GOOD_CODES
    assert error_rows(job) == EXPECTED_ERRORS
    with town_context("guicheng"):
        assert Community.objects.get(code="T006").kind == "社区"


def test_the_same_file_as_xlsx_imports_the_same_way(run_job: RunJob) -> None:
    job = run_job(create_job(xlsx_upload(MIXED_ROWS)))

    assert (job.imported, job.failed) == (3, 6)
    assert community_codes() == GOOD_CODES
    assert error_rows(job) == EXPECTED_ERRORS


def test_numbers_typed_into_excel_cells_are_read_as_the_digits_shown(run_job: RunJob) -> None:
    job = run_job(
        create_job(xlsx_upload([["guicheng", 9900000001, "数字村", "村"], ["guicheng", 9900000002.0, "小数村", "村"]]))
    )

    assert job.imported == 2
    with town_context("guicheng"):
        assert set(Community.objects.filter(code__startswith="99").values_list("code", flat=True)) == {
            "9900000001",
            "9900000002",
        }


def test_gb18030_csv_from_chinese_excel_and_utf8_with_bom_are_both_read(run_job: RunJob) -> None:
    gb = run_job(create_job(csv_upload([["桂城街道", "T101", "国标村", "村"]], encoding="gb18030")))
    bom = run_job(create_job(csv_upload([["guicheng", "T102", "带签名社区", "社区"]], encoding="utf-8-sig")))

    assert gb.file_encoding == "gb18030" and gb.imported == 1
    assert bom.file_encoding == "utf-8" and bom.imported == 1
    with town_context("guicheng"):
        assert Community.objects.get(code="T101").name == "国标村"
        assert Community.objects.get(code="T102").name == "带签名社区"


def test_grids_are_imported_into_their_communities_of_the_town(run_job: RunJob) -> None:
    rows = [
        ["440605011001", "T-G1", "测试一号网格"],  # good
        ["440605011002", "T-G2", "测试二号网格"],  # good
        ["440605125001", "T-G3", "外镇网格"],  # dali's community
        ["440605011001", "440605011001-01", "重复网格"],  # exists in the demo data
        ["440605011001", "T-G1", "同码网格"],  # code repeats row 2
    ]
    job = run_job(create_job(csv_upload(rows, header=("community", "code", "name")), kind="grids"))

    assert (job.imported, job.failed) == (2, 3)
    with town_context("guicheng"):
        grids = Grid.objects.filter(code__startswith="T-G").select_related("community")
        assert {(g.code, g.community.code, g.town_id) for g in grids} == {
            ("T-G1", "440605011001", "guicheng"),
            ("T-G2", "440605011002", "guicheng"),
        }
    assert [(row, column, code) for row, column, _value, code in error_rows(job)] == [
        (4, "community", "unknown_community"),
        (5, "code", "already_exists"),
        (6, "code", "duplicate_in_file"),
    ]


def test_a_row_with_more_cells_than_the_header_is_reported(run_job: RunJob) -> None:
    job = run_job(create_job(csv_upload([["guicheng", "T201", "多列村", "村", "多余"]])))

    assert (job.imported, job.failed) == (0, 1)
    assert error_rows(job) == [(2, "", "", "extra_cells")]


def test_personal_data_in_a_bad_cell_is_masked_in_the_report(run_job: RunJob) -> None:
    job = run_job(create_job(csv_upload([["guicheng", "T301", "张三440605199001011234", "440605199001011234"]])))

    assert error_rows(job) == [(2, "kind", "44**************34", "not_a_choice")]


def test_a_job_delivered_twice_imports_once(run_job: RunJob) -> None:
    job = create_job(csv_upload(MIXED_ROWS))
    first = run_job(job)
    assert runner.job_run(job_id=job.pk, town="guicheng") is None  # the second delivery finds it done

    again = run_job(job)
    assert (again.imported, again.failed, again.status) == (first.imported, first.failed, "succeeded")
    assert community_codes() == GOOD_CODES
    assert len(error_rows(job)) == 6


def test_a_job_held_by_a_live_run_is_not_taken_by_another(run_job: RunJob) -> None:
    job = create_job(csv_upload(MIXED_ROWS))
    with town_context("guicheng"):
        assert services.job_claim(job_id=job.pk, token=uuid.uuid4()) is not None

    assert runner.job_run(job_id=job.pk, town="guicheng") is None
    assert community_codes() == set()


def test_a_run_that_dies_between_chunks_resumes_after_its_last_chunk(
    run_job: RunJob, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(conf, "CHUNK_SIZE", 2)
    job = create_job(csv_upload(MIXED_ROWS))
    real_import_chunk = runner._import_chunk
    chunks_done = 0

    def dies_after_two_chunks(*args: Any) -> None:
        nonlocal chunks_done
        if chunks_done == 2:
            raise KeyboardInterrupt("the worker is killed")  # not an Exception: nothing catches it
        real_import_chunk(*args)
        chunks_done += 1

    monkeypatch.setattr(runner, "_import_chunk", dies_after_two_chunks)
    with pytest.raises(KeyboardInterrupt):
        runner.job_run(job_id=job.pk, town="guicheng")
    with town_context("guicheng"):
        halfway = ImportJob.objects.get(pk=job.pk)
    assert (halfway.status, halfway.processed, halfway.total) == ("running", 4, 9)

    # Its lease runs out; the reclaimer sends it again; another run picks it up.
    monkeypatch.setattr(runner, "_import_chunk", real_import_chunk)
    with town_context("guicheng"):
        ImportJob.objects.filter(pk=job.pk).update(
            lease_expires_at=Now() - timedelta(seconds=1)
        )  # leases go by the database's clock
    assert services.job_reclaim_stalled() == 1
    done = run_job(job)

    assert (done.status, done.total, done.processed, done.imported, done.failed) == ("succeeded", 9, 9, 3, 6)
    assert done.attempts == 2
    assert community_codes() == GOOD_CODES
    assert error_rows(job) == EXPECTED_ERRORS


def test_a_run_whose_lease_was_taken_over_cannot_commit_a_chunk(monkeypatch: pytest.MonkeyPatch) -> None:
    job = create_job(csv_upload(MIXED_ROWS))
    stale, fresh = uuid.uuid4(), uuid.uuid4()
    with town_context("guicheng"):
        services.job_claim(job_id=job.pk, token=stale)
        ImportJob.objects.filter(pk=job.pk).update(
            lease_expires_at=Now() - timedelta(seconds=1)
        )  # leases go by the database's clock
        assert services.job_claim(job_id=job.pk, token=fresh) is not None

    run = runner._Run(job_id=job.pk, town="guicheng", token=stale)
    importer = CommunityImporter(town="guicheng")
    with town_context("guicheng"):
        importer.prepare()
    with pytest.raises(runner.JobLost):
        runner._import_chunk(run, importer, [["2", "", "", "", "guicheng", "T001", "测试一村", "村"]])
    assert community_codes() == set()


def test_the_reclaimer_leaves_live_jobs_alone_and_sends_forgotten_queued_ones(
    django_capture_on_commit_callbacks: Any,
) -> None:
    live = create_job(csv_upload(MIXED_ROWS))
    forgotten = create_job(csv_upload(MIXED_ROWS))
    with town_context("guicheng"):
        services.job_claim(job_id=live.pk, token=uuid.uuid4())
        ImportJob.objects.filter(pk=forgotten.pk).update(enqueued_at=Now() - timedelta(hours=1))

    with django_capture_on_commit_callbacks() as sent:
        assert services.job_reclaim_stalled() == 1
    assert len(sent) == 1
    with town_context("guicheng"):
        assert ImportJob.objects.get(pk=live.pk).status == "running"
        assert ImportJob.objects.filter(pk=forgotten.pk, enqueued_at__gt=Now() - timedelta(minutes=1)).exists()


def test_a_job_that_keeps_killing_its_worker_fails_after_the_last_attempt(
    run_job: RunJob, monkeypatch: pytest.MonkeyPatch
) -> None:
    job = create_job(csv_upload(MIXED_ROWS))
    with town_context("guicheng"):
        ImportJob.objects.filter(pk=job.pk).update(attempts=conf.MAX_ATTEMPTS)

    failed = run_job(job)

    assert failed.status == "failed" and failed.error_code == "too_many_attempts"
    assert community_codes() == set()


def test_the_files_of_an_ended_job_are_removed(run_job: RunJob, media: Path) -> None:
    job = create_job(csv_upload(MIXED_ROWS))
    assert len(job_files(media)) == 1

    run_job(job)

    assert job_files(media) == []


def test_an_upload_whose_file_vanished_fails_with_a_clear_error(run_job: RunJob, media: Path) -> None:
    job = create_job(csv_upload(MIXED_ROWS))
    for path in job_files(media):
        path.unlink()

    failed = run_job(job)

    assert failed.status == "failed" and failed.error_code == "file_missing"
    response = bearer_client("officer.guicheng").get(f"/api/v1/jobs/{job.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.json()["error"] == "The uploaded file is no longer there; please upload it again."


# --- The error report ---------------------------------------------------------------


@pytest.fixture
def finished_job(run_job: RunJob) -> ImportJob:
    return run_job(create_job(csv_upload(MIXED_ROWS)))


def test_the_error_report_downloads_as_csv_in_english(api: Any, finished_job: ImportJob) -> None:
    response = api("officer.guicheng").get(f"/api/v1/jobs/{finished_job.pk}/errors.csv", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    body = response.getvalue().decode("utf-8")
    assert body.startswith("\ufeff")  # so that Excel reads it as UTF-8
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert rows[0] == ["Row", "Column", "Value", "Message"]
    assert [(int(r[0]), r[1], r[2]) for r in rows[1:]] == [(row, col, value) for row, col, value, _c in EXPECTED_ERRORS]
    messages = {int(r[0]): r[3] for r in rows[1:]}
    assert messages[5] == "Must be one of: 村, 社区."
    assert messages[6] == "A value is required."
    assert messages[7] == "The same value is in row 2 of this file; each may appear only once."
    assert messages[8].startswith("This row is for another town (dali)")
    assert messages[9].startswith("Not imported: your town already has")


def test_the_error_report_downloads_as_xlsx(api: Any, finished_job: ImportJob) -> None:
    response = api("officer.guicheng").get(f"/api/v1/jobs/{finished_job.pk}/errors.xlsx", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    workbook = load_workbook(io.BytesIO(response.getvalue()), read_only=True)
    rows = [list(row) for row in workbook.worksheets[0].iter_rows(values_only=True)]
    assert rows[0] == ["Row", "Column", "Value", "Message"]
    assert [(r[0], r[1], r[2] or "") for r in rows[1:]] == [
        (row, col, value) for row, col, value, _c in EXPECTED_ERRORS
    ]


@pytest.mark.parametrize("report", ["errors.csv", "errors.xlsx"])
@pytest.mark.parametrize("accept", ["text/csv", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"])
def test_a_refused_report_is_json_and_says_so_whatever_type_was_asked_for(api: Any, report: str, accept: str) -> None:
    """Schemathesis-style finding: a 404 asked for as CSV was a JSON body labelled text/csv."""
    response = api("officer.guicheng").get(f"/api/v1/jobs/{uuid.uuid4()}/{report}", HTTP_ACCEPT=accept)

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"]["code"] == "not_found"


def test_the_error_report_is_in_chinese_by_default(api: Any, finished_job: ImportJob) -> None:
    response = api("officer.guicheng").get(f"/api/v1/jobs/{finished_job.pk}/errors.csv")

    assert response["Content-Language"] == "zh-hans"
    body = response.getvalue().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[1][1] == "类型 (kind)"  # the column's Chinese name, then the header's own
    assert rows[2][1] == "名称 (name)"


def test_a_cell_that_a_spreadsheet_would_run_as_a_formula_is_defused(api: Any, run_job: RunJob) -> None:
    job = run_job(create_job(csv_upload([["guicheng", "T401", "公式村", "=HYPERLINK(1)"]])))

    body = api("officer.guicheng").get(f"/api/v1/jobs/{job.pk}/errors.csv").getvalue()

    assert "'=HYPERLINK(1)" in body.decode("utf-8-sig")


def test_error_rows_count_each_bad_row_once(finished_job: ImportJob) -> None:
    with town_context("guicheng"):
        assert ImportRowError.objects.filter(job=finished_job).values("row_number").distinct().count() == 6
