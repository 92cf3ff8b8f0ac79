"""A template file per kind of import: the header the importer reads and an example row that imports."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from governance.services.elections import election_create
from nanhai_portal.accounts.models import User
from nanhai_portal.areas.models import Community
from nanhai_portal.audit.models import AuditEvent
from nanhai_portal.jobs.importers import importer_choices, importer_class
from nanhai_portal.jobs.models import ImportJob
from nanhai_portal.tenancy import town_context
from tests.jobs.test_import import create_job
from tests.jobs.test_pages import browser
from tests.unchanged import nothing_changes, rows

pytestmark = pytest.mark.django_db

KINDS = [
    "census_voters",
    "communities",
    "grids",
    "rental_houses",
    "residents",
]  # rental_houses: issue 11, part D; census_voters: issue 13


def read_csv(body: bytes) -> list[list[str]]:
    assert body.startswith("\ufeff".encode()), "no byte-order mark: Excel would not read the Chinese"
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def read_xlsx(body: bytes) -> list[list[str]]:
    sheet = load_workbook(io.BytesIO(body), read_only=True).worksheets[0]
    return [["" if cell is None else str(cell) for cell in row] for row in sheet.iter_rows(values_only=True)]


def test_every_importer_has_a_template() -> None:
    assert sorted(kind for kind, _label in importer_choices()) == KINDS


def registering_election(community_code: str) -> None:
    """An election registering voters in the guicheng community of ``community_code`` (in 2030:
    the demo's election of this year is past registration)."""
    with town_context("guicheng"):
        election_create(
            by=User.objects.get(username="officer.guicheng"),
            community=Community.objects.get(code=community_code),
            year=2030,
            polling_day=date(2030, 6, 30),
            seats={"director": 1},
        )


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_a_template_uploaded_as_it_is_imports_its_example_row(kind: str, file_format: str, run_job: Any) -> None:
    importer = importer_class(kind)
    assert importer is not None
    response = browser("townadmin.guicheng").get(f"/jobs/templates/{kind}.{file_format}")

    assert response.status_code == 200
    assert f'filename="import-template-{kind}.{file_format}"' in response["Content-Disposition"]
    body = response.content
    table = read_csv(body) if file_format == "csv" else read_xlsx(body)
    assert table[0] == importer.column_names()
    assert len(table) == 2 and all(table[1][i] for i, c in enumerate(importer.columns) if c.required)
    if "town" in table[0]:
        assert table[1][table[0].index("town")] == "桂城街道"
    if kind == "census_voters":  # voters go on the roll of an election registering voters
        registering_election(table[1][table[0].index("community")])

    job = run_job(create_job(SimpleUploadedFile(f"template.{file_format}", body), kind=kind))

    assert (job.status, job.error_code) == ("succeeded", "")
    assert (job.total, job.imported, job.failed) == (1, 1, 0)


def test_the_xlsx_template_keeps_an_id_number_as_text() -> None:
    body = browser("townadmin.guicheng").get("/jobs/templates/residents.xlsx").content
    sheet = load_workbook(io.BytesIO(body)).worksheets[0]

    assert sheet["B2"].value == "440605199003071232" and sheet["B2"].number_format == "@"


def test_the_upload_form_offers_each_template() -> None:
    page = browser("townadmin.guicheng").get("/jobs/").content.decode()

    for kind in KINDS:
        assert f'href="/jobs/templates/{kind}.csv" download' in page
        assert f'href="/jobs/templates/{kind}.xlsx" download' in page


@pytest.mark.parametrize("username", ["official", "resident.1", "grid.guicheng"])
def test_those_who_may_not_import_get_no_template(username: str) -> None:
    client = browser(username)

    with nothing_changes(rows(ImportJob), rows(AuditEvent, action__startswith="jobs.")):
        assert client.get("/jobs/templates/communities.csv").status_code == 403


def test_an_unknown_kind_has_no_template() -> None:
    assert browser("townadmin.guicheng").get("/jobs/templates/nothing.csv").status_code == 404
