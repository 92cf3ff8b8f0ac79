"""Fixtures of the governance tests: imports run here and now, into a media directory of their own."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from nanhai_portal.jobs import runner
from nanhai_portal.jobs.models import ImportJob
from nanhai_portal.tenancy import town_context


@pytest.fixture
def run_job(settings: Any, tmp_path: Path) -> Callable[[ImportJob], ImportJob]:
    """``run_job(job)``: import ``job`` in this process, as a worker would, and return it reloaded."""
    settings.MEDIA_ROOT = tmp_path / "media"

    def run(job: ImportJob) -> ImportJob:
        runner.job_run(job_id=job.pk, town=job.town_id)
        with town_context(job.town_id):
            return ImportJob.objects.get(pk=job.pk)

    return run
