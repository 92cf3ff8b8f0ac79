"""Files for the import tests: CSV and XLSX built in memory."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

COMMUNITY_HEADER = ("town", "code", "name", "kind")


def csv_bytes(
    rows: Iterable[Sequence[object]], *, header: Sequence[str] | None = COMMUNITY_HEADER, encoding: str = "utf-8"
) -> bytes:
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")
    if header is not None:
        writer.writerow(header)
    writer.writerows(rows)
    return text.getvalue().encode(encoding)


def csv_upload(
    rows: Iterable[Sequence[object]] = (), *, name: str = "data.csv", **options: object
) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, csv_bytes(rows, **options), content_type="text/csv")  # type: ignore[arg-type]


def xlsx_bytes(rows: Iterable[Sequence[object]], *, header: Sequence[str] | None = COMMUNITY_HEADER) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    if header is not None:
        sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    target = io.BytesIO()
    workbook.save(target)
    return target.getvalue()


def xlsx_upload(
    rows: Iterable[Sequence[object]] = (), *, name: str = "data.xlsx", **options: object
) -> SimpleUploadedFile:
    return SimpleUploadedFile(
        name,
        xlsx_bytes(rows, **options),  # type: ignore[arg-type]
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
