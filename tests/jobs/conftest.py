"""Fixtures of the import tests: a private media directory, a way to run a job here and now."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from nanhai_portal.jobs import runner
from nanhai_portal.jobs.models import ImportJob
from nanhai_portal.tenancy import town_context


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> Iterator[Path]:
    """Uploads go to a directory of this test's own."""
    settings.MEDIA_ROOT = tmp_path / "media"
    yield tmp_path / "media"


def job_files(media: Path) -> list[Path]:
    """Every file kept for jobs under ``media``."""
    root = media / "jobs"
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


@pytest.fixture
def run_job() -> Callable[[ImportJob], ImportJob]:
    """``run_job(job)``: import ``job`` in this process, as a worker would, and return it reloaded."""

    def run(job: ImportJob) -> ImportJob:
        runner.job_run(job_id=job.pk, town=job.town_id)
        with town_context(job.town_id):
            return ImportJob.objects.get(pk=job.pk)

    return run
