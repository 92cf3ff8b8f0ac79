"""Every CSV and XLSX the portal hands out writes its cells through ``nanhai_portal.exports``.

A value that a spreadsheet would run as a formula (``=HYPERLINK(...)``, ``+1``, ``@SUM``,
after a tab or a line break, or in its full-width form) comes out with a leading ``'``.
The last test reads the source: a module that writes CSV or a workbook without the helper
fails it, so a new export cannot forget the rule.
"""

from __future__ import annotations

import ast
import csv
import io
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from nanhai_portal.accounts.models import User
from nanhai_portal.audit.services import audit_record
from nanhai_portal.demo import DEMO_PASSWORD
from nanhai_portal.exports import safe_cell
from nanhai_portal.jobs.models import ImportJob, ImportRowError
from nanhai_portal.tenancy import town_context
from tests.conftest import bearer_client

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
HOSTILE = [
    '=HYPERLINK("http://evil.example","x")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1,1)",
    "\t=1+1",
    "\r=1+1",
    "\n=1+1",
    "＝1+1",
    "＋1",
    "－1",
    "＠SUM(1)",
    "  =1+1",
]

# Modules that write CSV for machines, never for a person's spreadsheet: the worker's
# normalised copy of an upload and the COPY buffers of the staging tables.
INTERNAL_WRITERS = {
    "nanhai_portal/jobs/runner.py",
    "nanhai_portal/jobs/importers/base.py",
    "residents/importers.py",
    "rentals/importers.py",
    "governance/importers.py",
}


@pytest.mark.parametrize("value", HOSTILE)
def test_a_hostile_value_gets_a_leading_quote(value: str) -> None:
    assert safe_cell(value) == f"'{value}"


@pytest.mark.parametrize("value", ["桂城街道", "guicheng", "", "a=b", "1-2", "'quoted", 42, -1, None])
def test_an_ordinary_value_is_left_alone(value: object) -> None:
    assert safe_cell(value) == value


def test_the_audit_export_escapes_every_hostile_value() -> None:
    admin = User.objects.get(username="townadmin.shishan")
    with town_context("shishan"):
        for value in HOSTILE:
            audit_record(action=value, actor=admin, object_repr=value, town="shishan")
    browser = Client()
    browser.post("/login/", {"username": "townadmin.shishan", "password": DEMO_PASSWORD})

    export = browser.get("/audit/export.csv")

    rows = list(csv.reader(io.StringIO(b"".join(export.streaming_content).decode("utf-8-sig"))))
    found = [row for row in rows if row[4].lstrip("'") in HOSTILE]
    assert len(found) == len(HOSTILE)
    for row in found:
        assert row[4] == f"'{row[4][1:]}" and row[4][1:] in HOSTILE  # action
        assert row[7] == row[4]  # object


@pytest.fixture
def hostile_job() -> ImportJob:
    officer = User.objects.get(username="officer.guicheng")
    with town_context("guicheng"):
        job = ImportJob.objects.create(
            town_id="guicheng",
            kind="communities",
            file_name="hostile.csv",
            file_format="csv",
            created_by=officer,
            status=ImportJob.Status.SUCCEEDED,
            started_at=timezone.now(),
            finished_at=timezone.now(),
            total=len(HOSTILE),
            processed=len(HOSTILE),
            failed=len(HOSTILE),
        )
        ImportRowError.objects.bulk_create(
            ImportRowError(town_id="guicheng", job=job, row_number=row, column="kind", value=value, code="not_a_choice")
            for row, value in enumerate(HOSTILE, 2)
        )
    return job


def test_the_job_error_report_as_csv_escapes_every_hostile_value(hostile_job: ImportJob) -> None:
    response = bearer_client("officer.guicheng").get(f"/api/v1/jobs/{hostile_job.pk}/errors.csv")

    rows = list(csv.reader(io.StringIO(response.getvalue().decode("utf-8-sig"))))
    assert [row[2] for row in rows[1:]] == [f"'{value}" for value in HOSTILE]


def test_the_job_error_report_as_xlsx_escapes_every_hostile_value(hostile_job: ImportJob) -> None:
    response = bearer_client("officer.guicheng").get(f"/api/v1/jobs/{hostile_job.pk}/errors.xlsx")

    workbook = load_workbook(io.BytesIO(response.getvalue()))  # not read-only: formulas are visible
    cells = [row[2] for row in workbook.worksheets[0].iter_rows(min_row=2)]
    # XML keeps a carriage return as a line feed; what matters is the quote in front.
    assert [cell.value for cell in cells] == [f"'{value}".replace("\r", "\n") for value in HOSTILE]
    assert all(cell.data_type == "s" for cell in cells)  # text, not a formula


def _uses(tree: ast.AST, *names: str) -> bool:
    return any(
        (isinstance(node, ast.Name) and node.id in names) or (isinstance(node, ast.Attribute) and node.attr in names)
        for node in ast.walk(tree)
    )


def _calls_csv_writer(tree: ast.AST) -> bool:
    return any(
        isinstance(node, ast.Attribute)
        and node.attr in ("writer", "DictWriter")
        and isinstance(node.value, ast.Name)
        and node.value.id == "csv"
        for node in ast.walk(tree)
    )


def test_no_module_writes_a_spreadsheet_without_the_exports_helper() -> None:
    """``csv.writer`` only in the internal writers; a workbook or a streamed file only with the helper."""
    offenders = []
    for path in sorted(ROOT.glob("**/*.py")):
        relative = path.relative_to(ROOT).as_posix()
        if relative.startswith((".", "tests/")) or "/migrations/" in relative or relative in INTERNAL_WRITERS:
            continue
        if relative == "nanhai_portal/exports.py":
            continue
        source = path.read_text(encoding="utf-8")
        tree = ast.parse(source)
        if _calls_csv_writer(tree):
            offenders.append(f"{relative}: csv.writer (use nanhai_portal.exports.csv_writer)")
        if _uses(tree, "Workbook", "StreamingHttpResponse") and "nanhai_portal.exports" not in source:
            offenders.append(f"{relative}: a workbook or a streamed file without nanhai_portal.exports")
    assert offenders == []
