"""Writes to import jobs: upload, cancel, and the lease a worker holds while it runs one.

Every function here runs in the current town's transaction (``town_context``), except
``job_reclaim_stalled``, which looks across towns and then enters each job's own town.
The import itself (reading the file, chunks) is ``runner.job_run``.
"""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import DateTimeField, ExpressionWrapper, F, Q
from django.db.models.functions import Coalesce, Now
from django.utils.translation import gettext as _

from nanhai_portal.audit.services import audit_record
from nanhai_portal.jobs import conf, files
from nanhai_portal.jobs.files import UploadRejected
from nanhai_portal.jobs.importers import importer_class
from nanhai_portal.jobs.models import ImportJob
from nanhai_portal.tenancy import district_context, get_current_town, town_context

logger = logging.getLogger(__name__)


class JobNotCancellable(Exception):
    """The job has already finished or failed; there is nothing left to cancel."""


def _require_town() -> str:
    town = get_current_town()
    if town is None:
        raise RuntimeError("This service writes a town's rows: call it inside town_context(town).")
    return town


def lease_end() -> ExpressionWrapper:
    """``now() + JOB_LEASE_SECONDS`` by the database's clock, the one every worker shares."""
    return ExpressionWrapper(Now() + timedelta(seconds=conf.LEASE_SECONDS), output_field=DateTimeField())


def _enqueue(job: ImportJob) -> None:
    """Send the job to a worker once the current transaction commits."""
    from nanhai_portal.jobs.tasks import run_import  # tasks import this module

    kwargs = {"job_id": str(job.pk), "town": job.town_id}
    options: dict[str, Any] = {"queue": conf.QUEUE} if conf.QUEUE else {}
    transaction.on_commit(lambda: run_import.apply_async(kwargs=kwargs, **options))


@transaction.atomic
def job_create(*, kind: str, upload: UploadedFile, by: Any) -> ImportJob:
    """Check ``upload`` for ``kind``, keep it privately and queue its import in the current town.

    Raises ``UploadRejected`` (saying why, in the active language) and then writes nothing:
    no job, no file. The job, its audit event and, after commit, its task go together.
    """
    town = _require_town()
    importer = importer_class(kind)
    if importer is None:
        raise UploadRejected("unknown_kind", _("There is no import of this kind."))
    checked = files.check_upload(upload, importer=importer)
    job = ImportJob(
        id=uuid.uuid4(),
        town_id=town,
        kind=kind,
        file_name=checked.name,
        file_format=checked.file_format,
        file_encoding=checked.encoding,
        file_size=checked.size,
        created_by=by,
    )
    job.full_clean()
    files.store_upload(upload, town=town, job_id=job.pk, file_format=checked.file_format)
    try:
        with transaction.atomic():
            job.save(force_insert=True)
            audit_record(action="jobs.created", actor=by, target=job, changes={"kind": kind, "file": job.file_name})
    except BaseException:
        files.discard_files(town=town, job_id=job.pk)
        raise
    _enqueue(job)
    return job


@transaction.atomic
def job_cancel(*, job: ImportJob, by: Any) -> ImportJob:
    """Stop ``job`` if it is queued or running; a cancelled job stays cancelled.

    The running worker notices at its next chunk (which waits for this commit, as both lock
    the job's row): chunks committed before stay imported, nothing after is. Cancelling a
    cancelled job changes nothing; a finished or failed one raises ``JobNotCancellable``.
    """
    _require_town()
    cancelled = (
        ImportJob.objects.filter(pk=job.pk, status__in=ImportJob.ACTIVE).update(
            status=ImportJob.Status.CANCELLED,
            finished_at=Now(),
            lease_expires_at=None,
            claim_token=None,
        )
        == 1
    )
    job.refresh_from_db()
    if cancelled:
        audit_record(action="jobs.cancelled", actor=by, target=job)
        town, job_id = job.town_id, job.pk
        transaction.on_commit(lambda: files.discard_files(town=town, job_id=job_id))
    elif job.status != ImportJob.Status.CANCELLED:
        raise JobNotCancellable(job.status)
    return job


@transaction.atomic
def job_claim(*, job_id: uuid.UUID, token: uuid.UUID) -> ImportJob | None:
    """Take ``job_id`` for the worker run ``token``, or return None when someone else holds it.

    One conditional UPDATE (as healthchecks claims its checks): the job must be queued or
    running with no lease or an expired one. Two workers (a task delivered twice, a worker
    thought dead) can never both hold it. The lease lasts ``JOB_LEASE_SECONDS``.
    """
    _require_town()
    claimed = (
        ImportJob.objects.filter(pk=job_id, status__in=ImportJob.ACTIVE)
        .filter(Q(lease_expires_at__isnull=True) | Q(lease_expires_at__lt=Now()))
        .update(
            status=ImportJob.Status.RUNNING,
            claim_token=token,
            lease_expires_at=lease_end(),
            attempts=F("attempts") + 1,
            started_at=Coalesce(F("started_at"), Now()),
            run_started_at=Now(),
            processed_at_run_start=F("processed"),
        )
    )
    return ImportJob.objects.get(pk=job_id) if claimed else None


def held_job(*, job_id: uuid.UUID, token: uuid.UUID) -> ImportJob | None:
    """The job, locked for this transaction, if the run ``token`` still holds it; else None.

    Call inside the transaction that is about to write on the job's behalf (a chunk).
    """
    job = ImportJob.objects.select_for_update().filter(pk=job_id).first()
    if job is None or job.status != ImportJob.Status.RUNNING or job.claim_token != token:
        return None
    return job


@transaction.atomic
def job_renew_lease(*, job_id: uuid.UUID, token: uuid.UUID) -> bool:
    """Extend the lease of the run ``token``; False if it no longer holds the job."""
    _require_town()
    return (
        ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.RUNNING, claim_token=token).update(
            lease_expires_at=lease_end()
        )
        == 1
    )


@transaction.atomic
def job_finish(
    *,
    job_id: uuid.UUID,
    token: uuid.UUID,
    status: str,
    error_code: str = "",
    error_params: dict[str, Any] | None = None,
) -> bool:
    """End the run ``token`` as ``status`` (succeeded or failed, with a file-level error).

    A succeeded job's total becomes exactly the rows done. False (and nothing written) if
    the run no longer holds the job, for instance because it was cancelled.
    """
    _require_town()
    changes: dict[str, Any] = {
        "status": status,
        "finished_at": Now(),
        "lease_expires_at": None,
        "claim_token": None,
        "error_code": error_code,
        "error_params": error_params or {},
    }
    if status == ImportJob.Status.SUCCEEDED:
        changes["total"] = F("processed")
    return (
        ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.RUNNING, claim_token=token).update(**changes) == 1
    )


def job_reclaim_stalled(*, requeue_after: timedelta | None = None) -> int:
    """Send again every job whose worker died (lease expired) or whose message was lost.

    Looks across towns in a district scope (read-only), then requeues each job in its own
    town with a conditional UPDATE, so that two beat ticks or two reclaimers send it once.
    A queued job is sent again when it has waited ``requeue_after`` (default
    ``JOB_RESEND_QUEUED_SECONDS``: a lost message is rare, and busy workers are not);
    a duplicate message is harmless, as the claim lets only one run hold the job. Returns how
    many jobs were sent.
    """
    wait = requeue_after if requeue_after is not None else timedelta(seconds=conf.RESEND_QUEUED_SECONDS)
    lapsed = Q(lease_expires_at__isnull=True) | Q(lease_expires_at__lt=Now())
    stalled = Q(status=ImportJob.Status.RUNNING, lease_expires_at__lt=Now()) | (
        Q(status=ImportJob.Status.QUEUED, enqueued_at__lt=Now() - wait) & lapsed
    )
    with district_context():
        candidates = list(ImportJob.objects.for_all_towns().filter(stalled).values_list("pk", "town_id"))
    sent = 0
    for job_id, town in candidates:
        with town_context(town):
            requeued = (
                ImportJob.objects.filter(stalled, pk=job_id).update(
                    status=ImportJob.Status.QUEUED, lease_expires_at=None, claim_token=None, enqueued_at=Now()
                )
                == 1
            )
            if requeued:
                logger.warning("Import job %s of %s had stalled; sent to a worker again.", job_id, town)
                _enqueue(ImportJob.objects.get(pk=job_id))
                sent += 1
    return sent
