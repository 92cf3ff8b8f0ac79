"""Beat's housekeeping for the API."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from nanhai_portal.api.idempotency import idempotency_keys_expire


@shared_task(name="api.expire_idempotency_keys", ignore_result=True)
def expire_idempotency_keys() -> int:
    """Forget Idempotency-Key answers older than 24 hours (hourly, by beat)."""
    return idempotency_keys_expire(now=timezone.now())
