"""Daily work on permits, town by town: endorsement reminders and suspensions, and telling
residents the day they may apply for a permit."""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.utils import timezone

from nanhai_portal.tenancy.tasks import TenantTask, enqueue_in_each_town
from residents import services, signup
from residents.services.permits import permits_remind_eligible


@shared_task(name="residents.permits_daily")
def permits_daily() -> list[str]:
    """Beat, every morning: one task per town, so that towns run side by side on the workers."""
    return enqueue_in_each_town(permits_refresh_town)


@shared_task(base=TenantTask, name="residents.permits_refresh_town", acks_late=True)
def permits_refresh_town(*, town: str) -> dict[str, Any]:
    """Remind and suspend in one town. Safe to run twice on a day (the service is idempotent)."""
    return services.permits_refresh_town(today=timezone.localdate())


@shared_task(name="residents.permit_eligible_daily")
def permit_eligible_daily() -> list[str]:
    """Beat, every morning: one task per town, as ``permits_daily``."""
    return enqueue_in_each_town(permit_eligible_town)


@shared_task(base=TenantTask, name="residents.permit_eligible_town", acks_late=True)
def permit_eligible_town(*, town: str) -> int:
    """Tell the town's residents who may apply for a permit from today (or missed being told).
    Safe to run twice (the service tells each person once)."""
    return permits_remind_eligible(today=timezone.localdate())


@shared_task(name="residents.signups_purge", acks_late=True)
def signups_purge() -> int:
    """Beat, every hour: sign-ups unconfirmed after a day go, with their inactive accounts."""
    return signup.signups_purge(now=timezone.now())
