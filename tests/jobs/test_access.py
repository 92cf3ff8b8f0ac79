"""Who may see, upload and cancel imports: the town's officers and admins; district roles read only."""

from __future__ import annotations

from typing import Any

import pytest

from nanhai_portal.audit.models import AuditEvent
from nanhai_portal.jobs.models import ImportJob
from nanhai_portal.tenancy import town_context
from tests.jobs.files import csv_upload
from tests.jobs.test_import import MIXED_ROWS, create_job
from tests.unchanged import nothing_changes, rows

pytestmark = pytest.mark.django_db


@pytest.fixture
def guicheng_job(run_job: Any) -> ImportJob:
    """A finished job of guicheng with an error report."""
    return run_job(create_job(csv_upload(MIXED_ROWS)))


def job_state(job: ImportJob) -> tuple[str, int]:
    with town_context(job.town_id):
        fresh = ImportJob.objects.get(pk=job.pk)
    return fresh.status, fresh.imported


@pytest.mark.parametrize("username", ["officer.guicheng", "townadmin.guicheng"])
def test_town_staff_see_their_towns_jobs(api: Any, username: str, guicheng_job: ImportJob) -> None:
    client = api(username)
    listed = client.get("/api/v1/jobs/").json()["results"]
    assert str(guicheng_job.pk) in {job["id"] for job in listed}
    assert {job["town"] for job in listed} == {"guicheng"}
    shown = client.get(f"/api/v1/jobs/{guicheng_job.pk}/").json()
    assert shown["id"] == str(guicheng_job.pk)
    assert (shown["status"], shown["total"], shown["imported"], shown["failed"], shown["percent"]) == (
        "succeeded",
        9,
        3,
        6,
        100,
    )
    assert shown["seconds_left"] == 0 and shown["finished_at"] is not None
    for field in ("rows_per_second", "created_at", "error", "processed"):
        assert field in shown


@pytest.mark.parametrize(
    ("method", "suffix"),
    [("get", "/"), ("get", "/errors.csv"), ("get", "/errors.xlsx"), ("post", "/cancel/")],
)
def test_another_towns_officer_gets_404_and_changes_nothing(
    api: Any, guicheng_job: ImportJob, method: str, suffix: str
) -> None:
    with nothing_changes(rows(ImportJob, pk=guicheng_job.pk), rows(AuditEvent, object_id=str(guicheng_job.pk))):
        response = getattr(api("officer.dali"), method)(f"/api/v1/jobs/{guicheng_job.pk}{suffix}")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_another_towns_officer_does_not_list_the_job(api: Any, guicheng_job: ImportJob) -> None:
    client = api("officer.dali")
    with town_context("dali"):
        dalis = {str(pk) for pk in ImportJob.objects.values_list("pk", flat=True)}
    assert dalis, "the demo data has an import of dali's"

    listed = client.get("/api/v1/jobs/", {"page_size": 100}).json()["results"]
    assert {job["id"] for job in listed} == dalis
    asked_for_guicheng = client.get("/api/v1/jobs/", {"town": "guicheng"})
    assert (asked_for_guicheng.status_code, asked_for_guicheng.json()["results"]) == (200, [])


def test_a_district_official_lists_every_towns_jobs(api: Any, guicheng_job: ImportJob) -> None:
    client = api("official")
    listed = client.get("/api/v1/jobs/", {"page_size": 100}).json()["results"]
    assert {job["town"] for job in listed} == {"guicheng", "jiujiang", "xiqiao", "danzao", "shishan", "dali", "lishui"}
    assert client.get("/api/v1/jobs/", {"town": "dali"}).json()["results"][0]["town"] == "dali"
    assert client.get(f"/api/v1/jobs/{guicheng_job.pk}/errors.csv").status_code == 200


def test_a_district_official_cannot_upload_or_cancel(api: Any, guicheng_job: ImportJob) -> None:
    client = api("official")

    with nothing_changes(rows(ImportJob), rows(AuditEvent, action__startswith="jobs.")):
        upload = client.post("/api/v1/jobs/", {"kind": "communities", "file": csv_upload(MIXED_ROWS)})
        cancel = client.post(f"/api/v1/jobs/{guicheng_job.pk}/cancel/")

    assert (upload.status_code, cancel.status_code) == (403, 403)
    assert upload.json()["error"]["code"] == cancel.json()["error"]["code"] == "permission_denied"


@pytest.mark.parametrize("username", ["resident.1", "grid.guicheng"])
def test_residents_and_grid_workers_cannot_import_or_see_imports(
    api: Any, username: str, guicheng_job: ImportJob
) -> None:
    client = api(username)

    with nothing_changes(rows(ImportJob), rows(AuditEvent, action__startswith="jobs.")):
        response = client.post("/api/v1/jobs/", {"kind": "communities", "file": csv_upload(MIXED_ROWS)})
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "permission_denied"
        assert client.get("/api/v1/jobs/").status_code == 403
        # One job is not theirs to see at all: the same answer as for one that is not there.
        assert client.get(f"/api/v1/jobs/{guicheng_job.pk}/").status_code == 404
        assert client.get(f"/api/v1/jobs/{guicheng_job.pk}/errors.csv").status_code == 404
        assert client.post(f"/api/v1/jobs/{guicheng_job.pk}/cancel/").status_code == 404


def test_an_anonymous_caller_is_asked_to_sign_in(guicheng_job: ImportJob) -> None:
    from rest_framework.test import APIClient

    assert APIClient().get("/api/v1/jobs/").status_code == 401


# --- Cancelling ---------------------------------------------------------------------


def test_cancel_stops_a_queued_job_for_good(api: Any, run_job: Any) -> None:
    job = create_job(csv_upload(MIXED_ROWS))
    client = api("officer.guicheng")

    response = client.post(f"/api/v1/jobs/{job.pk}/cancel/")
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    assert response.json()["finished_at"] is not None

    after = run_job(job)  # its message still arrives
    assert (after.status, after.imported, after.processed) == ("cancelled", 0, 0)
    assert client.post(f"/api/v1/jobs/{job.pk}/cancel/").json()["status"] == "cancelled"


def test_cancel_stops_a_running_job_at_its_next_chunk(monkeypatch: pytest.MonkeyPatch, run_job: Any) -> None:
    from nanhai_portal.jobs import conf, runner, services

    monkeypatch.setattr(conf, "CHUNK_SIZE", 2)
    job = create_job(csv_upload(MIXED_ROWS))
    real_import_chunk = runner._import_chunk
    calls = 0

    def cancel_after_first_chunk(*args: Any) -> None:
        nonlocal calls
        calls += 1
        real_import_chunk(*args)
        if calls == 1:
            with town_context("guicheng"):
                services.job_cancel(job=ImportJob.objects.get(pk=job.pk), by=None)

    monkeypatch.setattr(runner, "_import_chunk", cancel_after_first_chunk)
    after = run_job(job)

    assert after.status == "cancelled"
    assert (after.processed, after.imported) == (2, 2)  # the first chunk stays; nothing after it
    assert calls == 2  # the second chunk found the job cancelled and committed nothing
    assert run_job(job).status == "cancelled"


def test_a_finished_job_cannot_be_cancelled(api: Any, guicheng_job: ImportJob) -> None:
    with nothing_changes(rows(ImportJob, pk=guicheng_job.pk), rows(AuditEvent, object_id=str(guicheng_job.pk))):
        response = api("officer.guicheng").post(f"/api/v1/jobs/{guicheng_job.pk}/cancel/")

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "job_finished"
    assert job_state(guicheng_job)[0] == "succeeded"


def test_upload_and_cancel_are_in_the_audit_trail(api: Any) -> None:
    from nanhai_portal.audit.models import AuditEvent

    client = api("officer.guicheng")
    job_id = client.post("/api/v1/jobs/", {"kind": "communities", "file": csv_upload(MIXED_ROWS)}).json()["id"]
    client.post(f"/api/v1/jobs/{job_id}/cancel/")

    with town_context("guicheng"):
        events = list(AuditEvent.objects.filter(object_id=job_id).order_by("occurred_at"))
    assert [(e.action, e.actor_username, e.town_id) for e in events] == [
        ("jobs.created", "officer.guicheng", "guicheng"),
        ("jobs.cancelled", "officer.guicheng", "guicheng"),
    ]
