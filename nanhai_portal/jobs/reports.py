"""The error report of an import job, as CSV or XLSX, in the active language.

Columns: row (as numbered in the file, the header being row 1), column, value (personal
data already masked when stored), and the message. Every cell goes through
``nanhai_portal.exports``, so that none runs as a formula.
"""

from __future__ import annotations

import io
import tempfile
from collections.abc import Iterator
from typing import IO

from django.utils.translation import gettext as _
from openpyxl import Workbook

from nanhai_portal.exports import csv_writer, safe_row
from nanhai_portal.jobs import selectors
from nanhai_portal.jobs.models import ImportJob

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_IN_MEMORY = 4 * 1024 * 1024  # larger reports spill to a temporary file


def report_rows(job: ImportJob) -> Iterator[list[str | int]]:
    """The header, then one line per error row, in file order."""
    yield [_("Row"), _("Column"), _("Value"), _("Message")]
    for line in selectors.job_error_lines(job):
        yield [line.row_number, line.column, line.value, line.message]


def report_file_name(job: ImportJob, extension: str) -> str:
    return f"import-errors-{job.kind}-{job.created_at:%Y%m%d-%H%M}-{str(job.pk)[:8]}.{extension}"


def render_csv(job: ImportJob) -> IO[bytes]:
    """The report as UTF-8 CSV with a byte-order mark (so that Excel reads the Chinese), rewound."""
    target = tempfile.SpooledTemporaryFile(max_size=_IN_MEMORY)
    text = io.TextIOWrapper(target, encoding="utf-8-sig", newline="")
    csv_writer(text).writerows(report_rows(job))
    text.flush()
    text.detach()
    target.seek(0)
    return target


def render_xlsx(job: ImportJob) -> IO[bytes]:
    """The report as an Excel workbook with one sheet, rewound."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Errors"))
    for row in report_rows(job):
        sheet.append(safe_row(row))
    target = tempfile.SpooledTemporaryFile(max_size=_IN_MEMORY)
    workbook.save(target)
    target.seek(0)
    return target
