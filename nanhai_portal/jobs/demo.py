"""Demo import jobs: one small finished import per town, with one row it could not import."""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.utils import timezone

from nanhai_portal.areas.models import Town
from nanhai_portal.demo import DemoReport, demo_seeder
from nanhai_portal.jobs.models import ImportJob, ImportRowError
from nanhai_portal.tenancy import town_context

_NAMESPACE = uuid.UUID("6f1d0b7e-4c1a-4f0e-9a57-0e5b1a2c3d4e")


@demo_seeder(order=30)
def seed_jobs(report: DemoReport, scale: str) -> None:
    made = 0
    for town in Town.objects.all():
        job_id = uuid.uuid5(_NAMESPACE, f"demo-job-{town.code}")
        with town_context(town.code):
            if ImportJob.objects.filter(pk=job_id).exists():
                continue
            finished = timezone.now()
            job = ImportJob.objects.create(
                id=job_id,
                town=town,
                kind="communities",
                status=ImportJob.Status.SUCCEEDED,
                file_name="示例-村居名单.csv",
                file_format=ImportJob.Format.CSV,
                file_encoding="utf-8",
                file_size=120,
                created_at=finished - timedelta(seconds=3),
                enqueued_at=finished - timedelta(seconds=3),
                started_at=finished - timedelta(seconds=2),
                finished_at=finished,
                total=1,
                processed=1,
                failed=1,
            )
            ImportRowError.objects.create(
                town=town,
                job=job,
                row_number=2,
                column="kind",
                value="镇",
                code="not_a_choice",
                params={"choices": "村, 社区"},
            )
            made += 1
    if made:
        report.lines.append(f"{made} finished demo import jobs (one per town)")
