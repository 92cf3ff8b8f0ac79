"""The round's published results as files (CSV and XLSX), for the API and the officers' pages
alike: every cell inert in a spreadsheet, the same columns as ``selectors.results_table``."""

from __future__ import annotations

import io

from django.http import HttpResponse
from openpyxl import Workbook

from education import selectors
from education.models import AdmissionRound
from nanhai_portal.exports import csv_writer, safe_row

CSV = "text/csv; charset=utf-8"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def results_csv(round_: AdmissionRound, school: str = "") -> bytes:
    """The results as CSV, UTF-8 with a BOM (so that a spreadsheet reads the Chinese names)."""
    text = io.StringIO()
    csv_writer(text, lineterminator="\r\n").writerows(selectors.results_table(round_, school))
    return text.getvalue().encode("utf-8-sig")


def results_xlsx(round_: AdmissionRound, school: str = "") -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("results")
    for row in selectors.results_table(round_, school):
        sheet.append(safe_row(row))
    target = io.BytesIO()
    workbook.save(target)
    return target.getvalue()


def download(content: bytes, content_type: str, round_: AdmissionRound, extension: str) -> HttpResponse:
    """``content`` as an attachment named after the round, never cached or sniffed."""
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="results-{round_.pk}.{extension}"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
