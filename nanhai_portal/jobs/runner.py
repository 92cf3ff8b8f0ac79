"""Running an import job: claim it, normalise its file once, then import it chunk by chunk.

A run goes through three steps, each safe to repeat after a crash:

1. **Claim** (``services.job_claim``): a conditional UPDATE gives this run a lease.
2. **Normalise** (once per job): read the CSV or XLSX file, map its header, drop blank rows,
   mark values repeated within the file, and write the data rows as UTF-8 CSV
   (``rows.csv``: row number, repeated column, first row of that value, extra-cells flag,
   then the kind's columns in order). Its row count becomes the job's ``total``.
3. **Chunks**: from row ``processed`` on, ``JOB_CHUNK_SIZE`` rows at a time, validate in
   Python; then in ONE transaction in the job's town: lock the job and check the lease is
   still ours, COPY the good rows into a TEMP staging table, merge them set-wise
   (``INSERT ... SELECT ... ON CONFLICT DO NOTHING``), write the error rows, advance the
   counters and renew the lease. A chunk is therefore done entirely or not at all, and a
   run that resumes after a SIGKILL starts exactly after the last committed chunk.

The run never holds one transaction for the whole file: ``JobTask`` (see ``tasks``) lets it
open one ``town_context`` per step instead of the single transaction ``TenantTask`` wraps
around a task.
"""

from __future__ import annotations

import csv
import itertools
import logging
import os
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import InterfaceError, OperationalError, connection
from django.db.models import F

from nanhai_portal.jobs import conf, files, services
from nanhai_portal.jobs.importers import HeaderProblem, Importer, RowProblem, importer_class
from nanhai_portal.jobs.models import ImportJob, ImportRowError
from nanhai_portal.pii import mask_id_number, mask_mobile, scrub
from nanhai_portal.tenancy import town_context

logger = logging.getLogger(__name__)

_LEADING = 4  # row number, repeated column, its first row, extra-cells flag
_MASKS: dict[str, Callable[[str], str]] = {"id_number": mask_id_number, "mobile": mask_mobile}


class JobLost(Exception):
    """This run no longer holds the job: it was cancelled, or its lease went to another run."""


class FileProblem(Exception):
    """The file cannot be imported at all; the job fails with this code and its details."""

    def __init__(self, code: str, params: dict[str, Any] | None = None) -> None:
        super().__init__(code)
        self.code = code
        self.params = params or {}


class _Heartbeat(threading.Thread):
    """Renews the run's lease every third of ``JOB_LEASE_SECONDS``, whatever the run is doing.

    A lease can then be short (a dead worker's job is sent again within seconds) without a
    slow chunk outliving it: the lease ends only when the process does. The thread has its
    own database connection; when a renewal finds the job gone (cancelled, or taken over),
    it sets ``lost`` and stops, and the run stops at its next chunk (whose commit would be
    refused anyway: ``services.held_job`` checks the token under a row lock).
    """

    def __init__(self, *, job_id: uuid.UUID, town: str, token: uuid.UUID) -> None:
        super().__init__(name=f"lease-{job_id}", daemon=True)
        self.job_id, self.town, self.token = job_id, town, token
        self.lost = threading.Event()
        self._stopping = threading.Event()

    def run(self) -> None:
        try:
            while not self._stopping.wait(conf.LEASE_SECONDS / 3):
                try:
                    with town_context(self.town):
                        renewed = services.job_renew_lease(job_id=self.job_id, token=self.token)
                        # Not renewed and still there: another run holds it, or it ended. (A job
                        # this connection cannot see yet is left to the chunk's own check.)
                        taken = not renewed and ImportJob.objects.filter(pk=self.job_id).exists()
                except (OperationalError, InterfaceError):
                    logger.warning("Import job %s: could not renew its lease; trying again.", self.job_id)
                    connection.close()
                    continue
                if taken:
                    self.lost.set()
                    return
        finally:
            connection.close()

    def stop(self) -> None:
        self._stopping.set()
        self.join(timeout=conf.LEASE_SECONDS)


@dataclass
class _Run:
    job_id: uuid.UUID
    town: str
    token: uuid.UUID
    heartbeat: _Heartbeat | None = None

    def keep_lease(self) -> None:
        """Raise JobLost if the heartbeat found the lease gone (the heartbeat renews it)."""
        if self.heartbeat is not None and self.heartbeat.lost.is_set():
            raise JobLost


def job_run(*, job_id: uuid.UUID, town: str) -> str | None:
    """Import job ``job_id`` of ``town`` to its end, resuming where an earlier run stopped.

    Returns the job's final status, or None when another run holds it (or it had already
    ended): a task delivered twice does nothing the second time. Must not be called inside
    a transaction that outlives it; each step commits on its own.
    """
    token = uuid.uuid4()
    with town_context(town):
        job = services.job_claim(job_id=job_id, token=token)
    if job is None:
        return None
    heartbeat = _Heartbeat(job_id=job_id, town=town, token=token)
    run = _Run(job_id=job_id, town=town, token=token, heartbeat=heartbeat)
    heartbeat.start()
    try:
        if job.attempts > conf.MAX_ATTEMPTS:
            raise FileProblem("too_many_attempts", {"attempts": job.attempts - 1})
        importer_type = importer_class(job.kind)
        if importer_type is None:
            raise FileProblem("file_unreadable", {"detail": f"unknown kind {job.kind}"})
        rows = files.rows_path(town=town, job_id=job_id)
        if job.total is None or not rows.exists():
            _normalise(job, importer_type, rows, run)
        importer = importer_type(town=town)
        with town_context(town):
            importer.prepare()
        for chunk in _chunks(rows, skip=job.processed):
            run.keep_lease()
            _import_chunk(run, importer, chunk)
        return _end(run, ImportJob.Status.SUCCEEDED)
    except JobLost:
        logger.info("Import job %s: this run no longer holds it; stopping.", job_id)
        _discard_if_ended(job_id, town)
        return None
    except FileProblem as problem:
        return _end(run, ImportJob.Status.FAILED, problem.code, problem.params)
    except (OperationalError, InterfaceError):
        # The database went away: keep the job running, so that its lease runs out and
        # jobs.reclaim_stalled sends it again (at most JOB_MAX_ATTEMPTS times).
        logger.exception("Import job %s: database error; it will be retried after its lease.", job_id)
        raise
    except Exception:
        logger.exception("Import job %s failed.", job_id)
        return _end(run, ImportJob.Status.FAILED, "internal")
    finally:
        heartbeat.stop()


def _end(run: _Run, status: str, error_code: str = "", error_params: dict[str, Any] | None = None) -> str | None:
    with town_context(run.town):
        ended = services.job_finish(
            job_id=run.job_id, token=run.token, status=status, error_code=error_code, error_params=error_params
        )
    _discard_if_ended(run.job_id, run.town)
    return status if ended else None


def _discard_if_ended(job_id: uuid.UUID, town: str) -> None:
    with town_context(town):
        status = ImportJob.objects.values_list("status", flat=True).filter(pk=job_id).first()
    if status not in ImportJob.ACTIVE:
        files.discard_files(town=town, job_id=job_id)


# --- Step 2: normalise the file ------------------------------------------------------


def _normalise(job: ImportJob, importer: type[Importer], target: Path, run: _Run) -> None:
    """Write the file's data rows to ``target`` in the importer's column order; set ``total``."""
    source = files.upload_path(town=job.town_id, job_id=job.pk, file_format=job.file_format)
    if not source.exists():
        raise FileProblem("file_missing")
    partial = target.with_suffix(".partial")
    try:
        records = enumerate(files.read_records(source, file_format=job.file_format, encoding=job.file_encoding), 1)
        count = _write_rows(records, importer, partial, run)
    except HeaderProblem as problem:
        raise FileProblem(problem.code, problem.params) from None
    except (OSError, csv.Error, UnicodeDecodeError, ValueError, KeyError) as error:
        raise FileProblem("file_unreadable", {"detail": scrub(str(error))[:200]}) from None
    os.replace(partial, target)
    with town_context(run.town):
        if not ImportJob.objects.filter(pk=run.job_id, claim_token=run.token).update(total=count):
            raise JobLost


def _bounded(records: Iterator[tuple[int, list[str]]]) -> Iterator[tuple[int, list[str]]]:
    """``records`` while within ``JOB_MAX_ROWS`` rows (after the first) and ``JOB_MAX_CELL_CHARS``
    characters a cell; past either, the file fails with a clear error and nothing is imported
    (chunks start only after the whole file is normalised)."""
    for number, cells in records:
        if number > conf.MAX_ROWS + 1:
            raise FileProblem("too_many_rows", {"limit": conf.MAX_ROWS})
        if any(len(cell) > conf.MAX_CELL_CHARS for cell in cells):
            raise FileProblem("cell_too_long", {"row": number, "limit": conf.MAX_CELL_CHARS})
        yield number, cells


def _write_rows(records: Iterator[tuple[int, list[str]]], importer: type[Importer], target: Path, run: _Run) -> int:
    records = _bounded(records)
    header: list[str] | None = None
    for _number, cells in records:
        if any(cells):
            header = cells
            break
    if header is None:
        raise FileProblem("file_unreadable", {"detail": "no header row"})
    positions = importer.header_positions(header)
    width = len(header)
    unique = [(index, column.name) for index, column in enumerate(importer.columns) if column.unique_in_file]
    first_rows: list[dict[str, int]] = [{} for _ in unique]
    count = 0
    with open(target, "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        for number, cells in records:
            if not any(cells):
                continue
            values = [cells[p] if p is not None and p < len(cells) else "" for p in positions]
            repeated_column, first_row = "", ""
            for (index, name), seen in zip(unique, first_rows, strict=True):
                value = values[index]
                if value:
                    first = seen.setdefault(value, number)
                    if first != number and not repeated_column:
                        repeated_column, first_row = name, str(first)
            extra_cells = "1" if len(cells) > width and any(cells[width:]) else ""
            writer.writerow([number, repeated_column, first_row, extra_cells, *values])
            count += 1
            if count % 10000 == 0:
                run.keep_lease()
    if count == 0:
        raise FileProblem("no_data_rows")
    return count


# --- Step 3: chunks ------------------------------------------------------------------


def _chunks(rows: Path, *, skip: int) -> Iterator[list[list[str]]]:
    """The normalised rows after the first ``skip``, ``JOB_CHUNK_SIZE`` at a time."""
    with open(rows, encoding="utf-8", newline="") as source:
        reader = csv.reader(source)
        for _ in itertools.islice(reader, skip):
            pass
        while chunk := list(itertools.islice(reader, conf.CHUNK_SIZE)):
            yield chunk


def _import_chunk(run: _Run, importer: Importer, chunk: list[list[str]]) -> None:
    """Validate ``chunk`` and commit its good rows, its error rows and the counters together."""
    good: list[list[str]] = []
    problems: dict[int, list[RowProblem]] = {}
    values_of: dict[int, list[str]] = {}
    for record in chunk:
        number = int(record[0])
        values = record[_LEADING:]
        found = importer.validate(values)
        if record[1]:
            found = [RowProblem(record[1], "duplicate_in_file", {"first_row": int(record[2])}), *found]
        if record[3]:
            found.append(RowProblem("", "extra_cells"))
        if found:
            problems[number] = found
            values_of[number] = values
        else:
            good.append([record[0], *values])
    with town_context(run.town):
        if services.held_job(job_id=run.job_id, token=run.token) is None:
            raise JobLost
        clashed: list[int] = []
        if good:
            with connection.cursor() as cursor:
                clashed = importer.merge(cursor, good)
        if clashed:
            by_number = {int(row[0]): row[1:] for row in good}
            for number in clashed:
                problems[number] = [RowProblem(importer.conflict_column, importer.conflict_code)]
                values_of[number] = by_number[number]
        ImportRowError.objects.bulk_create(_error_rows(run, importer, problems, values_of), batch_size=2000)
        ImportJob.objects.filter(pk=run.job_id).update(
            processed=F("processed") + len(chunk),
            imported=F("imported") + len(good) - len(clashed),
            failed=F("failed") + len(problems),
            lease_expires_at=services.lease_end(),
        )


def _error_rows(
    run: _Run, importer: Importer, problems: dict[int, list[RowProblem]], values_of: dict[int, list[str]]
) -> Iterator[ImportRowError]:
    positions = {column.name: index for index, column in enumerate(importer.columns)}
    for number, found in problems.items():
        seen: set[str] = set()
        for problem in found:
            if problem.column in seen:
                continue  # one problem per cell: the first found
            seen.add(problem.column)
            index = positions.get(problem.column)
            value = values_of[number][index] if index is not None else ""
            column = importer.columns[index] if index is not None else None
            mask = _MASKS.get(column.personal) if column is not None else None
            yield ImportRowError(
                town_id=run.town,
                job_id=run.job_id,
                row_number=number,
                column=problem.column,
                value=(mask(value) if mask else scrub(value))[:200],
                code=problem.code,
                params={key: scrub(v) if isinstance(v, str) else v for key, v in problem.params.items()},
            )
