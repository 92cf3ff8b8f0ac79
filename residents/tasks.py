"""Daily work on permits: endorsement reminders and suspensions, town by town."""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.utils import timezone

from nanhai_portal.areas.selectors import town_list
from nanhai_portal.tenancy.tasks import TenantTask
from residents import services, signup


@shared_task(name="residents.permits_daily")
def permits_daily() -> list[str]:
    """Beat, every night: one task per town, so that towns run side by side on the workers."""
    towns = list(town_list().values_list("code", flat=True))
    for town in towns:
        permits_refresh_town.apply_async(kwargs={"town": town})
    return towns


@shared_task(base=TenantTask, name="residents.permits_refresh_town", acks_late=True)
def permits_refresh_town(*, town: str) -> dict[str, Any]:
    """Remind and suspend in one town. Safe to run twice on a day (the service is idempotent)."""
    return services.permits_refresh_town(today=timezone.localdate())


@shared_task(name="residents.signups_purge", acks_late=True)
def signups_purge() -> int:
    """Beat, every hour: sign-ups unconfirmed after a day go, with their inactive accounts."""
    return signup.signups_purge(now=timezone.now())
