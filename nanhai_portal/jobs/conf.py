"""The bulk jobs' knobs, read from the environment when this module is imported.

Read them as ``conf.LEASE_SECONDS`` (not ``from conf import ...``) so that tests can change
them with ``monkeypatch.setattr``.

| variable | default | meaning |
|---|---|---|
| ``JOB_LEASE_SECONDS`` | 10 | how long a job stays held after its worker stops renewing it (a heartbeat renews it every third of that) |
| ``JOB_CHUNK_SIZE`` | 5000 | rows validated, copied and merged in one transaction |
| ``JOB_UPLOAD_MAX_BYTES`` | 52428800 (50 MB) | the largest file accepted |
| ``JOB_XLSX_MAX_UNCOMPRESSED_BYTES`` | 536870912 (512 MB) | the most a workbook may hold once unzipped, all members together |
| ``JOB_XLSX_MAX_RATIO`` | 100 | the most any member of a workbook may be compressed (unzipped size / zipped size) |
| ``JOB_MAX_ROWS`` | 1048576 | rows read under the first row; a longer file fails with a clear error |
| ``JOB_MAX_CELL_CHARS`` | 1000 | the longest cell read; a longer one fails the file with a clear error |
| ``JOB_MAX_ATTEMPTS`` | 5 | claims of one job before it is failed (a file that kills its worker) |
| ``JOB_RECLAIM_SECONDS`` | 5 | how often beat looks for jobs whose worker died: a dead worker's job resumes within lease + this |
| ``JOB_RESEND_QUEUED_SECONDS`` | 300 | a job queued this long with no worker taking it is sent again (a lost message) |
| ``JOB_QUEUE`` | the default queue | the Celery queue that imports run on |
"""

from __future__ import annotations

import os

from django.core.exceptions import ImproperlyConfigured


def _positive_int(name: str, default: int) -> int:
    value = os.getenv(name, "").strip() or str(default)
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}.") from None
    if number < 1:
        raise ImproperlyConfigured(f"{name} must be at least 1, not {number}.")
    return number


LEASE_SECONDS = _positive_int("JOB_LEASE_SECONDS", 10)
CHUNK_SIZE = _positive_int("JOB_CHUNK_SIZE", 5000)
MAX_UPLOAD_BYTES = _positive_int("JOB_UPLOAD_MAX_BYTES", 50 * 1024 * 1024)
# A full Excel sheet (1,048,576 rows) of seven columns (the widest import today) is about
# 400 MB of sheet XML and 100 MB of shared strings; real sheets compress 5 to 20 times, a
# bomb of empty rows or whitespace about 1,000 times.
MAX_UNCOMPRESSED_BYTES = _positive_int("JOB_XLSX_MAX_UNCOMPRESSED_BYTES", 512 * 1024 * 1024)
MAX_RATIO = _positive_int("JOB_XLSX_MAX_RATIO", 100)
# Excel's own limit of a sheet; imports are per town, and the largest town is well under it.
MAX_ROWS = _positive_int("JOB_MAX_ROWS", 1_048_576)
# Five times the longest column (an address, 200); Excel itself stops at 32,767.
MAX_CELL_CHARS = _positive_int("JOB_MAX_CELL_CHARS", 1000)
MAX_ATTEMPTS = _positive_int("JOB_MAX_ATTEMPTS", 5)
RECLAIM_SECONDS = _positive_int("JOB_RECLAIM_SECONDS", 5)
RESEND_QUEUED_SECONDS = _positive_int("JOB_RESEND_QUEUED_SECONDS", 300)
QUEUE: str | None = os.getenv("JOB_QUEUE", "").strip() or None
