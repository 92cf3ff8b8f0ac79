"""Work in the background for education: running an admission round's allocation."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from education.services.allocation import allocation_run
from nanhai_portal.tenancy.tasks import TenantTask


@shared_task(base=TenantTask, name="education.allocation_run", acks_late=True)
def allocation_run_task(*, town: str, allocation_id: str) -> dict[str, Any]:
    """Run the queued allocation ``allocation_id`` of ``town``. Safe to run twice: the service
    claims a QUEUED allocation once and leaves any other as it is."""
    allocation = allocation_run(allocation_id)
    return {"town": town, "allocation": str(allocation.pk), "state": allocation.state, "placed": allocation.placed}
