"""Imports in real Celery worker processes: uploaded through the API, and surviving a SIGKILL.

These tests commit (``live_db``): a worker process must see the job. Each removes what it
made, and uses community codes no other test or demo row can have.
"""

from __future__ import annotations

import csv
import io
import secrets
import signal
import time
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest
from django.db import connection
from openpyxl import load_workbook
from rest_framework.test import APIClient

from nanhai_portal.accounts.models import User
from nanhai_portal.accounts.tokens import token_issue, token_revoke
from nanhai_portal.jobs import conf, runner, services, tasks
from nanhai_portal.jobs.models import ImportJob, ImportRowError
from nanhai_portal.tenancy import town_context
from tests.conftest import test_database_url
from tests.jobs.files import csv_upload
from tests.workers import default_media_root, kill_worker, start_worker, wait_until

pytestmark = [pytest.mark.worker, pytest.mark.slow]


def job_state(job_id: UUID | str) -> dict[str, Any]:
    with town_context("guicheng"):
        return ImportJob.objects.values(
            "status", "total", "processed", "imported", "failed", "attempts", "error_code"
        ).get(pk=job_id)


def communities_with_prefix(prefix: str) -> tuple[int, int]:
    """How many guicheng communities have a code starting with ``prefix``, and how many distinct codes."""
    with town_context("guicheng"), connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*), count(DISTINCT code) FROM areas_community WHERE town_id = 'guicheng' AND code LIKE %s",
            [prefix + "%"],
        )
        total, distinct = cursor.fetchone()
    return total, distinct


def remove(job_id: UUID | str | None, prefix: str) -> None:
    """Delete the communities imported under ``prefix``, and the job with its error rows."""
    with town_context("guicheng"), connection.cursor() as cursor:
        cursor.execute("DELETE FROM areas_community WHERE town_id = 'guicheng' AND code LIKE %s", [prefix + "%"])
        if job_id is not None:
            cursor.execute("DELETE FROM jobs_importrowerror WHERE job_id = %s", [str(job_id)])
            cursor.execute("DELETE FROM jobs_importjob WHERE id = %s", [str(job_id)])


def test_an_upload_is_imported_by_a_worker_and_its_report_downloads(
    live_db: None, celery_worker_process: str, settings: Any
) -> None:
    settings.MEDIA_ROOT = default_media_root()  # the session worker's
    prefix = f"W{secrets.token_hex(3)}"
    rows = [
        ["guicheng", f"{prefix}1", f"{prefix}一村", "村"],
        ["guicheng", f"{prefix}2", f"{prefix}二社区", "社区"],
        ["guicheng", f"{prefix}3", f"{prefix}三", "镇"],
        ["dali", f"{prefix}4", f"{prefix}四村", "村"],
        ["guicheng", f"{prefix}1", f"{prefix}五村", "村"],
    ]
    token, _expires = token_issue(user=User.objects.get(username="officer.guicheng"))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_ACCEPT_LANGUAGE="en")
    job_id = None
    try:
        created = client.post("/api/v1/jobs/", {"kind": "communities", "file": csv_upload(rows)}, format="multipart")
        assert created.status_code == 201, created.content
        job_id = created.json()["id"]

        def finished() -> dict[str, Any] | None:
            shown = client.get(f"/api/v1/jobs/{job_id}/").json()
            return shown if shown["status"] not in ("queued", "running") else None

        shown = wait_until(finished, timeout=90, what="the worker to finish the import", every=0.2)

        assert (shown["status"], shown["total"], shown["processed"]) == ("succeeded", 5, 5)
        assert (shown["imported"], shown["failed"], shown["percent"]) == (2, 3, 100)
        assert communities_with_prefix(prefix) == (2, 2)
        report = client.get(f"/api/v1/jobs/{job_id}/errors.csv").getvalue().decode("utf-8-sig")
        assert [row[:3] for row in csv.reader(io.StringIO(report))] == [
            ["Row", "Column", "Value"],
            ["4", "kind", "镇"],
            ["5", "town", "dali"],
            ["6", "code", f"{prefix}1"],
        ]
        workbook = client.get(f"/api/v1/jobs/{job_id}/errors.xlsx").getvalue()
        sheet = load_workbook(io.BytesIO(workbook), read_only=True).worksheets[0]
        assert [row[0] for row in sheet.iter_rows(values_only=True)] == ["Row", 4, 5, 6]
        assert not (default_media_root() / "jobs" / "guicheng" / job_id).exists()  # files removed at the end
    finally:
        remove(job_id, prefix)
        token_revoke(token=token)


LEASE = 10  # the default: the job's heartbeat renews it; it runs out only when its worker is dead


def test_a_worker_killed_mid_import_loses_nothing_and_duplicates_nothing(
    live_db: None, media: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SIGKILL the worker (and its pool) in the middle; another resumes once the lease runs out and
    the reclaimer next runs: within JOB_LEASE_SECONDS + JOB_RECLAIM_SECONDS, about 15 s."""
    queue = f"jobs-kill-test-{secrets.token_hex(4)}"
    monkeypatch.setattr(conf, "QUEUE", queue)  # our workers only: the session's worker never takes it
    worker_env = {
        "JOB_QUEUE": queue,
        "JOB_LEASE_SECONDS": str(LEASE),
        "JOB_CHUNK_SIZE": "250",
        "MEDIA_ROOT": str(media),
    }
    prefix = f"K{secrets.token_hex(2)}"
    count, bad_every = 60_000, 10
    rows = [
        ["guicheng", f"{prefix}{n:06d}", f"杀测{prefix}{n:06d}", "镇" if n % bad_every == 0 else ("村", "社区")[n % 2]]
        for n in range(count)
    ]
    bad_rows = {n + 2 for n in range(count) if n % bad_every == 0}  # file row numbers: the header is row 1
    good = count - len(bad_rows)
    workers = []
    job_id = None
    try:
        workers.append(start_worker("jobs-kill-a", database_url=test_database_url(), queue=queue, env=worker_env)[0])
        with town_context("guicheng"):
            job = services.job_create(
                kind="communities",
                upload=csv_upload(rows, name="kill.csv"),
                by=User.objects.get(username="officer.guicheng"),
            )
        job_id = job.pk  # sent to worker A when the block above committed

        # Given a worker in the middle of the import,
        wait_until(
            lambda: (state := job_state(job_id))["status"] == "running" and state["processed"] > 0,
            timeout=60,
            what="worker A to commit its first chunk",
            every=0.02,
        )
        # when it is killed with SIGKILL (the main process and its pool child),
        kill_worker(workers[0], signal.SIGKILL)
        killed_at = time.monotonic()
        halfway = job_state(job_id)
        assert halfway["status"] == "running", halfway
        assert 0 < halfway["processed"] < count, halfway
        assert halfway["processed"] == halfway["imported"] + halfway["failed"]
        imported_halfway, _distinct = communities_with_prefix(prefix)
        assert imported_halfway == halfway["imported"]  # only whole chunks are in

        # and another worker is up while the reclaimer runs every JOB_RECLAIM_SECONDS, as beat does,
        workers.append(start_worker("jobs-kill-b", database_url=test_database_url(), queue=queue, env=worker_env)[0])

        def resumed() -> bool:
            if job_state(job_id)["attempts"] == 2:
                return True
            tasks.reclaim_stalled()
            return False

        wait_until(resumed, timeout=120, what="worker B to take the job over", every=conf.RECLAIM_SECONDS)
        print(f"\nrecovered {time.monotonic() - killed_at:.1f} s after the kill (lease {LEASE} s)")

        # then the import ends with every good row imported exactly once, every bad one reported once.
        wait_until(
            lambda: job_state(job_id)["status"] not in ("queued", "running"),
            timeout=180,
            what="worker B to finish the import",
            every=0.2,
        )
        final = job_state(job_id)
        assert final == {
            "status": "succeeded",
            "total": count,
            "processed": count,
            "imported": good,
            "failed": len(bad_rows),
            "attempts": 2,
            "error_code": "",
        }
        assert communities_with_prefix(prefix) == (good, good)
        with town_context("guicheng"):
            reported = list(ImportRowError.objects.filter(job_id=job_id).values_list("row_number", "code"))
        assert len(reported) == len(bad_rows)
        assert {row for row, _code in reported} == bad_rows
        assert {code for _row, code in reported} == {"not_a_choice"}
    finally:
        for process in workers:
            kill_worker(process, signal.SIGKILL)
        remove(job_id, prefix)


def test_the_reclaimer_is_on_the_beat_schedule() -> None:
    from nanhai_portal.celery import app

    entry = app.conf.beat_schedule["jobs.reclaim_stalled"]
    assert entry["task"] == "jobs.reclaim_stalled"
    assert entry["schedule"] == conf.RECLAIM_SECONDS


def test_a_chunk_slower_than_the_lease_keeps_the_job_for_its_run(
    live_db: None, media: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The heartbeat renews the lease while a chunk works: a short lease never hands a live
    run's job to another worker."""
    monkeypatch.setattr(conf, "LEASE_SECONDS", 1)  # renewed every third of a second
    monkeypatch.setattr(conf, "QUEUE", f"nobody-{secrets.token_hex(4)}")  # this process runs it, no worker
    monkeypatch.setattr(conf, "CHUNK_SIZE", 2)
    prefix = f"H{secrets.token_hex(2)}"
    rows = [["guicheng", f"{prefix}{n}", f"心跳{prefix}{n}", "村"] for n in range(4)]
    with town_context("guicheng"):
        job = services.job_create(
            kind="communities", upload=csv_upload(rows), by=User.objects.get(username="officer.guicheng")
        )
    real_import_chunk = runner._import_chunk
    taken_over: list[object] = []

    def slow_chunk(run: Any, importer: Any, chunk: list[list[str]]) -> None:
        time.sleep(3 * conf.LEASE_SECONDS)  # three leases long
        with town_context("guicheng"):
            taken_over.append(services.job_claim(job_id=job.pk, token=uuid4()))
        real_import_chunk(run, importer, chunk)

    monkeypatch.setattr(runner, "_import_chunk", slow_chunk)
    try:
        assert runner.job_run(job_id=job.pk, town="guicheng") == "succeeded"
        assert taken_over == [None, None]  # another run could not claim it, chunk after chunk
        assert job_state(job.pk) | {"error_code": ""} == {
            "status": "succeeded",
            "total": 4,
            "processed": 4,
            "imported": 4,
            "failed": 0,
            "attempts": 1,
            "error_code": "",
        }
    finally:
        remove(job.pk, prefix)
