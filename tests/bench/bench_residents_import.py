"""Benchmark: 200,000 residents through the bulk job (validation, encryption, blind index),
beside a raw COPY of the same file into an unindexed table, in one run.

    (the environment of bench_import)   .venv/bin/python -m tests.bench.bench_residents_import

The file has unique synthetic people (valid ID numbers, mobile numbers) of one town's
villages; the job checks every row, encrypts both numbers, computes their blind indexes,
COPYs ciphertext into staging and merges set-wise under row-level security. The benchmark
removes what it made and vacuums the tables it touched.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
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
from nanhai_portal.areas.models import Community  # noqa: E402
from nanhai_portal.jobs import conf, files, runner, services  # noqa: E402
from nanhai_portal.jobs.models import ImportJob  # noqa: E402
from nanhai_portal.tenancy import town_context  # noqa: E402
from residents import synthetic  # noqa: E402
from residents.district_loader import _id_number  # noqa: E402
from tests.bench import bench_import  # noqa: E402

TOWN = "guicheng"
TOUCHED = ("residents_person", "residents_resident", "jobs_importjob", "jobs_importrowerror")
HEADER = ["name", "id_number", "mobile", "town", "community", "address", "registered_since"]
FIRST_INDEX = 90_000_000  # far above the district loader's numbers: no clash with it


def write_file(path: Path, rows: int, prefix: str) -> None:
    rng = random.Random(prefix)
    with town_context(TOWN):
        codes = list(Community.objects.values_list("code", flat=True))
    start = FIRST_INDEX + rng.randrange(0, 10_000_000)
    with open(path, "w", encoding="utf-8", newline="") as target:
        writer = csv.writer(target)
        writer.writerow(HEADER)
        for n in range(rows):
            writer.writerow(
                [f"{prefix}{synthetic.name(rng)}", _id_number(start + n), synthetic.mobile(rng), TOWN,
                 codes[n % len(codes)], f"桂城{n % 500}号", "2024-05-01"]
            )  # fmt: skip


def time_import(path: Path) -> tuple[ImportJob, float]:
    officer = User.objects.get(username=f"officer.{TOWN}")
    with open(path, "rb") as source, mock.patch.object(services, "_enqueue", lambda job: None):
        upload = UploadedFile(source, name="residents.csv", size=path.stat().st_size)
        with town_context(TOWN):
            job = services.job_create(kind="residents", upload=upload, by=officer)
    started = time.perf_counter()
    status = runner.job_run(job_id=job.pk, town=TOWN)
    ran = time.perf_counter() - started
    assert status == ImportJob.Status.SUCCEEDED, status
    with town_context(TOWN):
        return ImportJob.objects.get(pk=job.pk), ran


def clean_up(job_id: object, prefix: str) -> int:
    with town_context(TOWN), connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM residents_resident r USING residents_person p "
            "WHERE r.person_id = p.id AND r.town_id = %s AND p.name LIKE %s",
            [TOWN, prefix + "%"],
        )
        removed = cursor.rowcount
        cursor.execute("DELETE FROM residents_person WHERE name LIKE %s", [prefix + "%"])
        if job_id is not None:
            cursor.execute("DELETE FROM jobs_importrowerror WHERE job_id = %s", [str(job_id)])
            cursor.execute("DELETE FROM jobs_importjob WHERE id = %s", [str(job_id)])
    if job_id is not None:
        files.discard_files(town=TOWN, job_id=job_id)  # type: ignore[arg-type]
    return removed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--chunk-size", type=int, default=conf.CHUNK_SIZE)
    options = parser.parse_args()
    conf.CHUNK_SIZE = options.chunk_size
    # A name the name check accepts (no Latin letters or digits), different in every run.
    prefix = "基准" + "".join(secrets.choice("甲乙丙丁戊己庚辛壬癸") for _ in range(4))
    job_id = None
    bench_import.vacuum(TOUCHED)
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "residents.csv"
        write_file(path, options.rows, prefix)
        try:
            job, ran = time_import(path)
            job_id = job.pk
            assert (job.imported, job.failed) == (options.rows, 0), (job.imported, job.failed)
            copied = bench_import.time_raw_copy(path, tuple(HEADER))
        finally:
            removed = clean_up(job_id, prefix)
            bench_import.vacuum(TOUCHED)
    import_rate, copy_rate = options.rows / ran, options.rows / copied
    print(f"rows: {options.rows:,} residents of {TOWN}; chunk size {options.chunk_size:,}")
    print(f"import (check, encrypt, index, COPY, merge): {ran:8.2f} s  {import_rate:10,.0f} rows/s")
    print(f"raw COPY into unindexed table:               {copied:8.2f} s  {copy_rate:10,.0f} rows/s")
    print(f"ratio import / raw COPY:                     {import_rate / copy_rate:8.3f}")
    print(f"cleaned up: {removed:,} residents, the job and its files")


if __name__ == "__main__":
    main()
