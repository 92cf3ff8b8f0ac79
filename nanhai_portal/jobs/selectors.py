"""Reads of import jobs: progress and error rows (which jobs a person may see is ``access``)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from django.db.models import QuerySet
from django.utils import timezone

from nanhai_portal.jobs.models import ImportJob, ImportRowError
from nanhai_portal.jobs.problems import describe_file_problem
from nanhai_portal.tenancy import is_district_scope


def job_row_errors(*, job: ImportJob) -> QuerySet[ImportRowError]:
    """The job's error rows in file order. Read in the job's town (or a district scope)."""
    errors = ImportRowError.objects.for_all_towns() if is_district_scope() else ImportRowError.objects.all()
    return errors.filter(job_id=job.pk, town_id=job.town_id).order_by("row_number", "id")


@dataclass(frozen=True)
class Progress:
    """How far a job has come: ``percent`` 0-100; ``rows_per_second`` and ``seconds_left`` when known."""

    percent: int
    rows_per_second: float | None
    seconds_left: int | None


def job_progress(job: ImportJob, *, now: datetime | None = None) -> Progress:
    """The job's progress as a person would read it.

    While running, the speed is that of the current run (since the last claim), so that a
    stalled worker shows as a falling speed; once ended, that of the whole job.
    """
    now = now or timezone.now()
    if job.total:
        percent = min(100, math.floor(job.processed * 100 / job.total))
    else:
        percent = 100 if job.status == ImportJob.Status.SUCCEEDED else 0
    rate: float | None = None
    seconds_left: int | None = None
    if job.status == ImportJob.Status.RUNNING and job.run_started_at is not None:
        elapsed = (now - job.run_started_at).total_seconds()
        done = job.processed - job.processed_at_run_start
        if elapsed > 0 and done > 0:
            rate = done / elapsed
            if job.total is not None:
                seconds_left = math.ceil((job.total - job.processed) / rate)
    elif not job.is_active and job.started_at is not None and job.finished_at is not None:
        elapsed = (job.finished_at - job.started_at).total_seconds()
        rate = job.processed / elapsed if elapsed > 0 and job.processed else None
        seconds_left = 0 if job.status == ImportJob.Status.SUCCEEDED else None
    return Progress(percent=percent, rows_per_second=round(rate, 1) if rate else None, seconds_left=seconds_left)


def job_error_message(job: ImportJob) -> str | None:
    """The file-level error of a failed job in the active language, or None."""
    return describe_file_problem(job.error_code, job.error_params) if job.error_code else None
