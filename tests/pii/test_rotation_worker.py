"""``rotate_pii_keys`` hands the re-encryption to a real Celery worker and reports progress."""

from __future__ import annotations

import io
import re

import pytest
from celery.result import AsyncResult
from django.core.management import call_command

from nanhai_portal.accounts.models import User
from nanhai_portal.pii.models import KeyRotationProgress

pytestmark = pytest.mark.worker


def test_the_command_queues_the_work_and_status_shows_it_done(celery_worker_process: str, live_db: None) -> None:
    queued = io.StringIO()
    call_command("rotate_pii_keys", "--batch-size", "5", stdout=queued)
    task_id = re.search(r"task (\S+)\.", queued.getvalue()).group(1)  # type: ignore[union-attr]
    try:
        assert AsyncResult(task_id).get(timeout=60) >= User.objects.count()
        status = io.StringIO()
        call_command("rotate_pii_keys", "--status", stdout=status)
        line = next(line for line in status.getvalue().splitlines() if line.startswith("accounts_user"))
        assert line.endswith("done")
        assert User.objects.get(username="resident.1").mobile == "13800000001"
    finally:
        KeyRotationProgress.objects.all().delete()
