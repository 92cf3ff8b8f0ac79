"""Work in the background for rentals: escalating overdue hazards (区镇联动), town by town."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from celery import shared_task
from django.utils import timezone

from nanhai_portal.tenancy.tasks import TenantTask, enqueue_in_each_town
from rentals import services


@shared_task(name="rentals.hazards_escalate")
def hazards_escalate() -> list[str]:
    """Beat, every hour of the working day: one escalation task per town, side by side."""
    return enqueue_in_each_town(hazards_escalate_town)


@shared_task(base=TenantTask, name="rentals.hazards_escalate_town", acks_late=True)
def hazards_escalate_town(*, town: str, now: str | None = None) -> dict[str, Any]:
    """Escalate the town's overdue hazards as of ``now`` (ISO 8601; the worker's clock when not
    given). Safe to run twice: the service escalates each step once."""
    moment = datetime.fromisoformat(now) if now else timezone.now()
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)  # Nanhai time, like the beat's
    escalated = services.hazards_escalate_overdue(now=moment)
    return {
        "town": town,
        "to_town": sum(1 for step in escalated if step.level == services.ESCALATED_TO_TOWN),
        "to_district": sum(1 for step in escalated if step.level == services.ESCALATED_TO_DISTRICT),
    }
