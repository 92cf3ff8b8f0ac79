"""Reads of import jobs: progress and error rows (which jobs a person may see is ``access``)."""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from nanhai_portal.jobs.importers import importer_class
from nanhai_portal.jobs.models import ImportJob, ImportRowError
from nanhai_portal.jobs.problems import describe_file_problem, describe_row_problem
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


@dataclass(frozen=True)
class Outcome:
    """How a job stands, as a person reads it: not just its status but whether rows failed.

    ``code`` is the status, except that a job that ended with rows it could not import is
    ``succeeded_with_errors``; ``tone`` is how the page colours it (``info``, ``ok``,
    ``warning``, ``error``, ``neutral``); ``label`` is in the active language.
    """

    code: str
    tone: str
    label: str


# Each outcome's tone: the page's colours, and progress.js's (given to it by the page).
OUTCOME_TONES = {
    "queued": "info",
    "running": "info",
    "succeeded": "ok",
    "succeeded_with_errors": "warning",
    "failed": "error",
    "cancelled": "neutral",
}
OUTCOME_CODES = tuple(OUTCOME_TONES)


def job_outcome(job: ImportJob) -> Outcome:
    """``job``'s outcome: a finished import is green "done" only when no row failed.

    A job that finished with failed rows says "done, N rows with errors" (a warning), one
    that failed as a whole "failed" (an error), whatever its counters say.
    """
    if job.status == ImportJob.Status.SUCCEEDED and job.failed:
        label = ngettext("Done, %(count)d row with errors", "Done, %(count)d rows with errors", job.failed) % {
            "count": job.failed
        }
        return Outcome(code="succeeded_with_errors", tone=OUTCOME_TONES["succeeded_with_errors"], label=label)
    return Outcome(code=job.status, tone=OUTCOME_TONES.get(job.status, "neutral"), label=job.get_status_display())


@dataclass(frozen=True)
class RowErrorLine:
    """One problem of the file, as the page and the error report show it (in the active language)."""

    row_number: int
    column: str  # the column's label, with its name in the file when they differ
    value: str  # personal data already masked
    message: str


def job_error_lines(job: ImportJob, *, limit: int | None = None) -> Iterator[RowErrorLine]:
    """``job``'s problems in file order (the first ``limit`` of them), ready to read.

    Read in the job's town (or a district scope), like ``job_row_errors``.
    """
    importer = importer_class(job.kind)
    labels = {column.name: column.label for column in importer.columns} if importer else {}
    describe = importer.describe_row_problem if importer else describe_row_problem
    errors = job_row_errors(job=job)
    for error in errors[:limit].iterator() if limit is not None else errors.iterator(chunk_size=5000):
        label = str(labels.get(error.column, error.column))
        if not error.column:
            column = _("whole row")
        else:
            column = label if label == error.column else f"{label} ({error.column})"
        yield RowErrorLine(
            row_number=error.row_number,
            column=column,
            value=error.value,
            message=describe(error.code, error.params),
        )


def job_error_count(job: ImportJob) -> int:
    """How many problems (cells, or whole rows) the job's error report lists."""
    return job_row_errors(job=job).count()
