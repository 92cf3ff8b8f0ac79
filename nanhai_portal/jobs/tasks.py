"""Celery tasks of bulk jobs: thin, they call ``runner`` and ``services``."""

from __future__ import annotations

import uuid
from typing import Any

from celery import Task, shared_task

from nanhai_portal.jobs import runner, services
from nanhai_portal.tenancy.tasks import TenantTask


class JobTask(TenantTask):
    """A ``TenantTask`` whose body opens its own transactions in its town.

    ``TenantTask`` runs the whole task in one ``town_context`` transaction. An import must
    commit chunk by chunk (so that its progress is visible and a killed worker loses at
    most one chunk), so this keeps the rule that every call names its ``town`` and leaves
    entering it to ``runner.job_run``, once per chunk.
    """

    abstract = True

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if not kwargs.get("town"):
            raise ValueError(f"{self.name} needs the keyword argument town.")
        return Task.__call__(self, *args, **kwargs)


@shared_task(base=JobTask, name="jobs.run_import", ignore_result=True, acks_late=True, reject_on_worker_lost=True)
def run_import(*, job_id: str, town: str) -> str | None:
    """Import job ``job_id`` of ``town``; a duplicate delivery finds it held or done and returns."""
    return runner.job_run(job_id=uuid.UUID(job_id), town=town)


@shared_task(name="jobs.reclaim_stalled", ignore_result=True)
def reclaim_stalled() -> int:
    """Send again the jobs whose worker died; run by beat every ``JOB_RECLAIM_SECONDS``."""
    return services.job_reclaim_stalled()
