"""Uploads that cannot be imported get a clear error and change nothing."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from nanhai_portal.areas.models import Community
from nanhai_portal.audit.models import AuditEvent
from nanhai_portal.jobs import conf
from nanhai_portal.jobs.models import ImportJob
from nanhai_portal.tenancy import district_context, town_context
from tests.jobs.conftest import job_files
from tests.jobs.files import COMMUNITY_HEADER, csv_bytes, csv_upload, xlsx_bytes

pytestmark = pytest.mark.django_db

GOOD_ROW = ["guicheng", "T001", "测试村", "村"]
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(64)
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n"


def counts() -> tuple[int, int, int]:
    with district_context():
        return (
            ImportJob.objects.for_all_towns().count(),
            Community.objects.for_all_towns().count(),
            AuditEvent.objects.for_all_towns().filter(action="jobs.created").count(),
        )


def upload(api: Any, file: Any, kind: str = "communities", language: str = "en") -> Any:
    return api("officer.guicheng").post(
        "/api/v1/jobs/", {"kind": kind, "file": file}, format="multipart", HTTP_ACCEPT_LANGUAGE=language
    )


def refused(response: Any, code: str) -> str:
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == code, error
    assert error["fields"]["file"] == [error["message"]]
    return str(error["message"])


def zip_bytes(files: dict[str, bytes]) -> bytes:
    target = io.BytesIO()
    with zipfile.ZipFile(target, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return target.getvalue()


def test_a_good_upload_is_accepted_and_queued(api: Any, media: Path) -> None:
    before = counts()
    response = upload(api, csv_upload([GOOD_ROW]))

    assert response.status_code == 201, response.content
    job = response.json()
    assert job["town"] == "guicheng" and job["kind"] == "communities" and job["status"] == "queued"
    assert job["processed"] == 0 and job["percent"] == 0 and job["error"] is None
    assert counts() == (before[0] + 1, before[1], before[2] + 1)  # a job and its audit event; nothing imported yet
    assert [path.name for path in job_files(media)] == ["upload.csv"]
    assert oct(job_files(media)[0].stat().st_mode & 0o777) == "0o600"


@pytest.mark.parametrize(
    ("make_file", "code", "says"),
    [
        (lambda: SimpleUploadedFile("picture.csv", PNG), "file_type", "PNG image"),
        (lambda: SimpleUploadedFile("report.csv", PDF), "file_type", "PDF document"),
        (lambda: SimpleUploadedFile("report.pdf", PDF), "file_type", ".csv or .xlsx"),
        (lambda: SimpleUploadedFile("picture.xlsx", PNG), "file_type", "not an Excel workbook"),
        (lambda: SimpleUploadedFile("text.xlsx", csv_bytes([GOOD_ROW])), "file_type", "not an Excel workbook"),
        (lambda: SimpleUploadedFile("archive.xlsx", zip_bytes({"a.txt": b"hello"})), "file_type", "not an Excel"),
        (lambda: SimpleUploadedFile("old.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(64)), "file_type", ".xls"),
        (lambda: SimpleUploadedFile("workbook.csv", xlsx_bytes([GOOD_ROW])), "file_type", "ZIP archive"),
        (lambda: SimpleUploadedFile("nul.csv", b"town,code,name,kind\x00\n"), "file_type", "binary data"),
        (
            lambda: SimpleUploadedFile("latin.csv", b"town,code,name,kind\n\xff\xfe\xfd,1,2,3\n"),
            "file_encoding",
            "UTF-8",
        ),
        (lambda: SimpleUploadedFile("utf16.csv", "town,code,name,kind\n".encode("utf-16")), "file_type", "UTF-16"),
        (lambda: SimpleUploadedFile("empty.csv", b""), "file_empty", "empty"),
        (lambda: SimpleUploadedFile("blank.csv", b"\r\n\r\n,,,\r\n"), "file_empty", "no rows"),
        (lambda: csv_upload([]), "no_data_rows", "no data rows"),
        (lambda: csv_upload([["guicheng", "T1", "村"]], header=("town", "code", "name")), "bad_header", "kind"),
        (lambda: csv_upload([[*GOOD_ROW, "x"]], header=(*COMMUNITY_HEADER, "remark")), "bad_header", "remark"),
    ],
    ids=[
        "png-named-csv",
        "pdf-named-csv",
        "pdf",
        "png-named-xlsx",
        "csv-named-xlsx",
        "other-zip",
        "old-xls",
        "xlsx-named-csv",
        "nul-bytes",
        "not-utf8-nor-gb18030",
        "utf16",
        "empty",
        "only-blank-rows",
        "header-only-csv",
        "missing-column",
        "unknown-column",
    ],
)
def test_a_file_that_cannot_be_imported_is_refused_and_changes_nothing(
    api: Any, media: Path, make_file: Any, code: str, says: str
) -> None:
    before = counts()

    message = refused(upload(api, make_file()), code)

    assert says in message
    assert counts() == before
    assert job_files(media) == []


def test_a_file_over_the_size_limit_is_refused(api: Any, media: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(conf, "MAX_UPLOAD_BYTES", 1024)
    before = counts()

    message = refused(upload(api, csv_upload([GOOD_ROW] * 100)), "file_too_large")

    assert "the largest accepted is 1.0\xa0KB" in message
    assert counts() == before and job_files(media) == []


def test_an_unknown_kind_is_a_validation_error(api: Any, media: Path) -> None:
    before = counts()
    response = upload(api, csv_upload([GOOD_ROW]), kind="spaceships")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"
    assert set(response.json()["error"]["fields"]) == {"kind"}
    assert counts() == before and job_files(media) == []


def test_no_file_is_a_validation_error(api: Any) -> None:
    before = counts()
    response = api("officer.guicheng").post("/api/v1/jobs/", {"kind": "communities"}, format="multipart")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"
    assert set(response.json()["error"]["fields"]) == {"file"}
    assert counts() == before


def test_a_refusal_is_in_chinese_by_default(api: Any, media: Path) -> None:
    before = counts()
    response = upload(api, csv_upload([GOOD_ROW], header=("town", "code", "name")), language="zh-hans")

    assert response.status_code == 400
    assert response["Content-Language"] == "zh-hans"
    assert counts() == before and job_files(media) == []


def test_nothing_is_imported_before_a_worker_runs_the_job(api: Any) -> None:
    upload(api, csv_upload([GOOD_ROW]))

    with town_context("guicheng"):
        assert not Community.objects.filter(code="T001").exists()
