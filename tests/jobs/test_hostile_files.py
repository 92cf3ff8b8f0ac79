"""Hostile spreadsheets: refused from the zip directory before anything is unzipped, or failed
by the worker at a bound, with a clear error and nothing stored or imported."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from nanhai_portal.accounts.models import User
from nanhai_portal.areas.models import Community
from nanhai_portal.jobs import conf, files, selectors, services
from nanhai_portal.jobs.models import ImportJob
from nanhai_portal.tenancy import town_context
from tests.jobs.conftest import job_files
from tests.jobs.files import csv_upload, xlsx_bytes, xlsx_upload
from tests.jobs.test_upload import counts, refused, upload, zip_bytes

pytestmark = pytest.mark.django_db

GOOD_ROW = ["guicheng", "H001", "测试村", "村"]
SHEET = "xl/worksheets/sheet1.xml"
RunJob = Callable[[ImportJob], ImportJob]


def rewrite_sheet(
    workbook: bytes, change: Callable[[str], str], *, filler: bytes = b"", filler_times: int = 0
) -> bytes:
    """``workbook`` with its first sheet's XML changed by ``change``; ``filler`` repeated
    ``filler_times`` times is streamed in just before ``</sheetData>`` (never held whole)."""
    source = zipfile.ZipFile(io.BytesIO(workbook))
    target = io.BytesIO()
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename != SHEET:
                archive.writestr(info.filename, data)
                continue
            before, after = change(data.decode()).split("</sheetData>")
            with archive.open(SHEET, "w", force_zip64=True) as sheet:
                sheet.write(before.encode())
                block = filler * 100_000
                for _ in range(filler_times // 100_000):
                    sheet.write(block)
                sheet.write(b"</sheetData>" + after.encode())
    return target.getvalue()


def zip_bomb_xlsx() -> bytes:
    """A valid workbook (a header and a good row) whose sheet holds 100 MB of empty rows."""
    return rewrite_sheet(xlsx_bytes([GOOD_ROW]), lambda xml: xml, filler=b"<row/>", filler_times=17_500_000)


def create_job(upload: Any) -> ImportJob:
    with town_context("guicheng"):
        return services.job_create(kind="communities", upload=upload, by=User.objects.get(username="officer.guicheng"))


def imported_codes() -> set[str]:
    with town_context("guicheng"):
        return set(Community.objects.filter(code__startswith="H").values_list("code", flat=True))


@pytest.fixture
def nothing_unzipped(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test if the web request unzips a member or opens the workbook."""

    writing = zipfile.ZipFile.open

    def forbidden(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the upload was unzipped or parsed in the web request")

    def write_only(archive: zipfile.ZipFile, name: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        return writing(archive, name, mode, *args, **kwargs) if mode == "w" else forbidden()

    monkeypatch.setattr(zipfile.ZipFile, "open", write_only)
    monkeypatch.setattr(openpyxl, "load_workbook", forbidden)


# --- Refused in the web request, from the zip directory -------------------------------


@pytest.fixture
def bomb() -> bytes:
    return zip_bomb_xlsx()


def test_a_zip_bomb_workbook_is_refused_before_it_is_unzipped(
    api: Any, media: Path, bomb: bytes, nothing_unzipped: None
) -> None:
    assert len(bomb) < 1024 * 1024  # 100 MB of sheet in well under a megabyte
    before = counts()

    message = refused(upload(api, SimpleUploadedFile("bomb.xlsx", bomb)), "file_compression")

    assert "compressed" in message and "at most 100" in message
    assert counts() == before and job_files(media) == []


def test_a_workbook_that_would_unzip_to_more_than_the_limit_is_refused(
    api: Any, media: Path, nothing_unzipped: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(conf, "MAX_UNCOMPRESSED_BYTES", 4096)
    before = counts()

    message = refused(upload(api, xlsx_upload([GOOD_ROW] * 50)), "file_too_large")

    assert "Unzipped, the workbook would be" in message
    assert counts() == before and job_files(media) == []


def test_a_zip_with_thousands_of_members_is_refused_before_its_directory_is_read(
    api: Any, media: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    many = zip_bytes({"xl/workbook.xml": b"<workbook/>", **{f"m/{n}": b"" for n in range(2000)}})
    monkeypatch.setattr(zipfile.ZipFile, "__init__", lambda *a, **k: pytest.fail("the directory was read"))

    refused(upload(api, SimpleUploadedFile("many.xlsx", many)), "file_type")

    assert job_files(media) == []


def test_a_good_workbook_is_accepted_without_being_parsed(api: Any, nothing_unzipped: None) -> None:
    response = upload(api, xlsx_upload([GOOD_ROW]))

    assert response.status_code == 201, response.content


# --- The worker's checks of a workbook, as the job's error -----------------------------


@pytest.mark.parametrize(
    ("make_file", "code"),
    [
        (lambda: xlsx_upload([["H1", "村"]], header=("code", "name")), "missing_columns"),
        (lambda: xlsx_upload([]), "no_data_rows"),
        (lambda: SimpleUploadedFile("broken.xlsx", zip_bytes({"xl/workbook.xml": b"<not xml"})), "file_unreadable"),
    ],
    ids=["missing-columns", "header-only", "damaged"],
)
def test_a_workbook_the_worker_cannot_import_fails_the_job_with_its_reason(
    run_job: RunJob, media: Path, make_file: Any, code: str
) -> None:
    job = run_job(create_job(make_file()))

    assert (job.status, job.error_code) == ("failed", code)
    assert imported_codes() == set() and job_files(media) == []


@pytest.mark.parametrize("make_file", [csv_upload, xlsx_upload], ids=["csv", "xlsx"])
def test_a_file_over_the_row_limit_fails_and_imports_nothing(
    run_job: RunJob, monkeypatch: pytest.MonkeyPatch, make_file: Any
) -> None:
    monkeypatch.setattr(conf, "MAX_ROWS", 5)
    rows = [["guicheng", f"H{n:03}", f"村{n}", "村"] for n in range(6)]

    job = run_job(create_job(make_file(rows)))

    assert (job.status, job.error_code, job.error_params) == ("failed", "too_many_rows", {"limit": 5})
    assert imported_codes() == set()
    with translation.override("en"):
        assert "more than 5 rows" in str(selectors.job_error_message(job))


def test_a_file_at_the_row_limit_is_imported(run_job: RunJob, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(conf, "MAX_ROWS", 5)
    rows = [["guicheng", f"H{n:03}", f"村{n}", "村"] for n in range(5)]

    job = run_job(create_job(xlsx_upload(rows)))

    assert job.status == "succeeded" and len(imported_codes()) == 5


def test_a_sheet_whose_rows_jump_to_excels_last_row_stops_at_the_limit(
    run_job: RunJob, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(conf, "MAX_ROWS", 1000)
    far = '<row r="1048576"><c r="A1048576" t="inlineStr"><is><t>x</t></is></c></row>'
    workbook = rewrite_sheet(
        xlsx_bytes([GOOD_ROW]),
        lambda xml: re.sub(r'<dimension ref="[^"]*"\s*/>', '<dimension ref="A1:D1048576"/>', xml).replace(
            "</sheetData>", far + "</sheetData>"
        ),
    )

    job = run_job(create_job(SimpleUploadedFile("far.xlsx", workbook)))

    assert (job.status, job.error_code) == ("failed", "too_many_rows")
    assert imported_codes() == set()


def test_a_cell_longer_than_the_limit_fails_the_file(run_job: RunJob) -> None:
    long_name = "村" * (conf.MAX_CELL_CHARS + 1)

    job = run_job(create_job(csv_upload([GOOD_ROW, ["guicheng", "H002", long_name, "村"]])))

    assert (job.status, job.error_code, job.error_params) == (
        "failed",
        "cell_too_long",
        {"row": 3, "limit": conf.MAX_CELL_CHARS},
    )
    assert imported_codes() == set()


def test_a_sheet_claiming_sixteen_thousand_columns_is_read_to_the_column_limit(tmp_path: Path) -> None:
    wide = rewrite_sheet(
        xlsx_bytes([GOOD_ROW]), lambda xml: re.sub(r'<dimension ref="[^"]*"\s*/>', '<dimension ref="A1:XFD2"/>', xml)
    )
    path = tmp_path / "wide.xlsx"
    path.write_bytes(wide)

    records = list(files.read_records(path, file_format="xlsx", encoding=""))

    assert [len(record) for record in records] == [files.MAX_COLUMNS, files.MAX_COLUMNS]
    assert records[1][:4] == GOOD_ROW


def test_a_bomb_kept_before_the_limits_is_refused_by_the_worker_before_it_is_opened(
    run_job: RunJob, media: Path, bomb: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    job = create_job(xlsx_upload([GOOD_ROW]))
    files.upload_path(town="guicheng", job_id=job.pk, file_format="xlsx").write_bytes(bomb)  # as if queued earlier
    monkeypatch.setattr(openpyxl, "load_workbook", lambda *a, **k: pytest.fail("the worker opened the bomb"))

    job = run_job(job)

    assert (job.status, job.error_code) == ("failed", "file_unreadable")
    with translation.override("en"):
        assert "compressed" in str(selectors.job_error_message(job))
    assert imported_codes() == set() and job_files(media) == []
