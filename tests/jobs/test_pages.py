"""The imports page with its upload form, and one import's progress page."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from nanhai_portal.audit.models import AuditEvent
from nanhai_portal.demo import DEMO_PASSWORD
from nanhai_portal.jobs.models import ImportJob
from nanhai_portal.tenancy import town_context
from tests.jobs.files import csv_upload
from tests.jobs.test_import import MIXED_ROWS, create_job
from tests.unchanged import nothing_changes, rows

pytestmark = pytest.mark.django_db


def browser(username: str) -> Client:
    client = Client()
    assert client.post("/login/", {"username": username, "password": DEMO_PASSWORD}).status_code == 302
    return client


def test_an_officer_sees_the_towns_imports_and_an_upload_form() -> None:
    page = browser("officer.guicheng").get("/jobs/").content.decode()

    assert 'enctype="multipart/form-data"' in page
    assert '<label for="id_kind">' in page and '<label for="id_file">' in page
    assert 'name="kind"' in page and 'value="communities"' in page and 'value="grids"' in page
    assert "示例-村居名单.csv" in page  # the demo job of the town


def test_an_upload_through_the_page_leads_to_its_progress_page() -> None:
    client = browser("officer.guicheng")
    response = client.post("/jobs/", {"kind": "communities", "file": csv_upload(MIXED_ROWS)})

    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert '<progress id="job-bar" max="100" value="0">' in page
    assert "data-poll-url=" in page and "jobs/progress.js" in page
    assert '<meta http-equiv="refresh" content="5">' in page  # inside <noscript>
    assert "/cancel/" in page


def test_a_refused_upload_shows_why_next_to_the_file_field() -> None:
    client = browser("officer.guicheng")

    with nothing_changes(rows(ImportJob), rows(AuditEvent, action__startswith="jobs.")):
        response = client.post(
            "/jobs/", {"kind": "communities", "file": csv_upload([["x"]], header=("town",))}, HTTP_ACCEPT_LANGUAGE="en"
        )

    assert response.status_code == 400
    page = response.content.decode()
    assert 'class="field-error" id="file-error"' in page and 'aria-invalid="true"' in page


def test_a_finished_job_page_offers_the_error_reports_and_no_cancel(run_job: Any) -> None:
    job = run_job(create_job(csv_upload(MIXED_ROWS)))

    page = browser("officer.guicheng").get(f"/jobs/{job.pk}/").content.decode()

    assert f"/api/v1/jobs/{job.pk}/errors.csv" in page and f"/api/v1/jobs/{job.pk}/errors.xlsx" in page
    assert 'value="100"' in page
    assert "data-poll-url" not in page and "/cancel/" not in page


def test_cancelling_from_the_page() -> None:
    job = create_job(csv_upload(MIXED_ROWS))
    client = browser("officer.guicheng")

    response = client.post(f"/jobs/{job.pk}/cancel/")

    assert response.status_code == 302
    with town_context("guicheng"):
        assert ImportJob.objects.get(pk=job.pk).status == "cancelled"


def test_another_towns_job_page_is_not_found() -> None:
    job = create_job(csv_upload(MIXED_ROWS))
    client = browser("officer.dali")

    with nothing_changes(rows(ImportJob, pk=job.pk), rows(AuditEvent, object_id=str(job.pk))):
        assert client.get(f"/jobs/{job.pk}/").status_code == 404
        assert client.post(f"/jobs/{job.pk}/cancel/").status_code == 404
    with town_context("guicheng"):
        assert ImportJob.objects.get(pk=job.pk).status == "queued"


def test_a_district_official_reads_every_town_without_a_form() -> None:
    client = browser("official")
    page = client.get("/jobs/").content.decode()

    assert 'enctype="multipart/form-data"' not in page
    assert "大沥镇" in page and "桂城街道" in page
    with nothing_changes(rows(ImportJob), rows(AuditEvent, action__startswith="jobs.")):
        assert client.post("/jobs/", {"kind": "communities", "file": csv_upload(MIXED_ROWS)}).status_code == 403


@pytest.mark.parametrize("username", ["resident.1", "grid.guicheng"])
def test_residents_and_grid_workers_have_no_imports_page(username: str) -> None:
    client = browser(username)
    job = create_job(csv_upload(MIXED_ROWS))

    with nothing_changes(rows(ImportJob), rows(AuditEvent, action__startswith="jobs.")):
        assert client.get("/jobs/").status_code == 403
        assert client.post("/jobs/", {"kind": "communities", "file": csv_upload(MIXED_ROWS)}).status_code == 403
        assert client.get(f"/jobs/{job.pk}/").status_code == 404  # not theirs to see, as in the API
        assert client.post(f"/jobs/{job.pk}/cancel/").status_code == 404
