"""Benchmark: 200,000 communities through the bulk job machinery, beside a raw COPY of the same file.

Not a test (pytest collects ``test_*.py`` only). Run it against the development database,
as the app role, after migrating and seeding::

    export DATABASE_URL=postgres://nanhai_app:nanhai-app-dev@127.0.0.1:5432/nanhai \\
           DATABASE_OWNER_URL=postgres://nanhai_owner:nanhai-owner-dev@127.0.0.1:5432/nanhai \\
           REDIS_URL=redis://127.0.0.1:6379/0
    .venv/bin/python manage.py migrate && .venv/bin/python manage.py seed_demo
    .venv/bin/python -m tests.bench.bench_import            # --rows N, --chunk-size N to vary

It writes a CSV of unique communities of one town (guicheng), uploads it with
``services.job_create`` and imports it with ``runner.job_run`` in this process (the Celery
message is not sent: the benchmark runs the job itself), then times a COPY of the same file
into an unindexed TEMP table in the same run, and prints both speeds and their ratio.
It removes what it made: the communities, the job and its error rows, the files; and it
runs ``VACUUM ANALYZE`` on the tables it touched as the owner role (``DATABASE_OWNER_URL``,
which owns them), before measuring and after cleaning up, since a server without
autovacuum would otherwise keep the dead rows of every run and slow the next one down.
"""

from __future__ import annotations

import argparse
import csv
import os
import secrets
import tempfile
import time
from pathlib import Path
from unittest import mock

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nanhai_portal.settings")

import django

django.setup()

from django.core.files.uploadedfile import UploadedFile  # noqa: E402
from django.db import connection  # noqa: E402

from nanhai_portal.accounts.models import User  # noqa: E402
from nanhai_portal.jobs import conf, files, runner, services  # noqa: E402
from nanhai_portal.jobs.models import ImportJob  # noqa: E402
from nanhai_portal.tenancy import town_context  # noqa: E402
from nanhai_portal.tenancy.owner import owner_connection  # noqa: E402

TOWN = "guicheng"
TOUCHED = ("areas_community", "jobs_importjob", "jobs_importrowerror")


def write_file(path: Path, rows: int, prefix: str) -> None:
    with open(path, "w", encoding="utf-8", newline="") as target:
        writer = csv.writer(target)
        writer.writerow(["town", "code", "name", "kind"])
        for n in range(rows):
            writer.writerow([TOWN, f"{prefix}{n:07d}", f"基准{prefix}{n:07d}", "村" if n % 3 else "社区"])


def time_import(path: Path) -> tuple[ImportJob, float, float]:
    """Upload and run the job here; return it, the upload's seconds and the run's seconds."""
    officer = User.objects.get(username=f"officer.{TOWN}")
    with open(path, "rb") as source, mock.patch.object(services, "_enqueue", lambda job: None):
        upload = UploadedFile(source, name="bench.csv", size=path.stat().st_size)
        started = time.perf_counter()
        with town_context(TOWN):
            job = services.job_create(kind="communities", upload=upload, by=officer)
        uploaded = time.perf_counter() - started
    started = time.perf_counter()
    status = runner.job_run(job_id=job.pk, town=TOWN)
    ran = time.perf_counter() - started
    assert status == ImportJob.Status.SUCCEEDED, status
    with town_context(TOWN):
        job = ImportJob.objects.get(pk=job.pk)
    return job, uploaded, ran


def time_raw_copy(path: Path, columns: tuple[str, ...] = ("town", "code", "name", "kind")) -> float:
    """Seconds to COPY the same file into an unindexed TEMP table (dropped again)."""
    with town_context(TOWN), connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMP TABLE bench_raw_copy ({', '.join(f'{c} text' for c in columns)}) ON COMMIT DROP")
        with open(path, encoding="utf-8") as source:
            started = time.perf_counter()
            cursor.cursor.copy_expert("COPY bench_raw_copy FROM STDIN WITH (FORMAT csv, HEADER true)", source)
            return time.perf_counter() - started


def clean_up(job_id: object, prefix: str) -> int:
    with town_context(TOWN), connection.cursor() as cursor:
        cursor.execute("DELETE FROM areas_community WHERE town_id = %s AND code LIKE %s", [TOWN, prefix + "%"])
        removed = cursor.rowcount
        if job_id is not None:
            cursor.execute("DELETE FROM jobs_importrowerror WHERE job_id = %s", [str(job_id)])
            cursor.execute("DELETE FROM jobs_importjob WHERE id = %s", [str(job_id)])
    if job_id is not None:
        files.discard_files(town=TOWN, job_id=job_id)  # type: ignore[arg-type]
    return removed


def vacuum(tables: tuple[str, ...] = TOUCHED) -> None:
    """VACUUM ANALYZE the touched tables as their owner (VACUUM cannot run in a transaction)."""
    with owner_connection(), connection.cursor() as cursor:
        cursor.execute(f"VACUUM ANALYZE {', '.join(tables)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--chunk-size", type=int, default=conf.CHUNK_SIZE)
    options = parser.parse_args()
    conf.CHUNK_SIZE = options.chunk_size
    prefix = f"B{secrets.token_hex(2)}"
    job_id = None
    vacuum()
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "communities.csv"
        write_file(path, options.rows, prefix)
        size = path.stat().st_size
        try:
            job, uploaded, ran = time_import(path)
            job_id = job.pk
            assert (job.imported, job.failed) == (options.rows, 0), (job.imported, job.failed)
            copied = time_raw_copy(path)
        finally:
            removed = clean_up(job_id, prefix)
            vacuum()
    import_rate, copy_rate = options.rows / ran, options.rows / copied
    print(f"rows: {options.rows:,} communities of {TOWN}; chunk size {options.chunk_size:,}; file {size / 1e6:.1f} MB")
    print(f"upload check and store:        {uploaded:8.2f} s")
    print(f"import (job_run):              {ran:8.2f} s  {import_rate:10,.0f} rows/s")
    print(f"raw COPY into unindexed table: {copied:8.2f} s  {copy_rate:10,.0f} rows/s")
    print(f"ratio import / raw COPY:       {import_rate / copy_rate:8.3f}")
    print(f"cleaned up: {removed:,} communities, the job and its files; vacuumed {', '.join(TOUCHED)}")


if __name__ == "__main__":
    main()
