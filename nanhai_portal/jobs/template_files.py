"""The template file of each kind of import (导入模板): its header row and one example row.

Both rows come from the importer's own ``columns`` (names, and each column's ``example``), so
a template cannot fall out of step with what the importer reads. The example row is filled in
for the downloader's town (its name, and the code of one of its communities), so that it is
a row that would import. CSV is UTF-8 with a byte-order mark, so that Excel reads the Chinese.
"""

from __future__ import annotations

import io
from string import Formatter

from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from nanhai_portal.areas.models import Community, Town
from nanhai_portal.exports import csv_writer, safe_row
from nanhai_portal.jobs.importers import Importer

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CONTENT_TYPES = {"csv": CSV_TYPE, "xlsx": XLSX_TYPE}


def _town_values(town: Town, wanted: set[str]) -> dict[str, str]:
    values = {"town": town.name, "division_code": town.division_code, "community": ""}
    if "community" in wanted:
        first = Community.objects.filter(town_id=town.pk).order_by("code").values_list("code", flat=True).first()
        values["community"] = first or ""
    return values


def template_rows(importer: type[Importer], *, town: Town) -> list[list[str]]:
    """The header (the columns' names, as the importer reads them) and the example row for ``town``.

    Reads ``town``'s communities when an example names one: call it in that town's context.
    """
    wanted = {name for column in importer.columns for _text, name, _spec, _conv in Formatter().parse(column.example)}
    values = _town_values(town, {name for name in wanted if name})
    return [importer.column_names(), [column.example.format_map(values) for column in importer.columns]]


def template_file_name(importer: type[Importer], file_format: str) -> str:
    return f"import-template-{importer.kind}.{file_format}"


def render_csv(importer: type[Importer], *, town: Town) -> bytes:
    text = io.StringIO()
    csv_writer(text, lineterminator="\r\n").writerows(template_rows(importer, town=town))
    return text.getvalue().encode("utf-8-sig")


def render_xlsx(importer: type[Importer], *, town: Town) -> bytes:
    """One sheet; every cell stored as text, so that Excel keeps an ID number's 18 digits."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = str(importer.label)[:31]
    for row in template_rows(importer, town=town):
        sheet.append(safe_row(row))
    for index, column in enumerate(importer.columns, start=1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = max(12, len(column.name) + 2, len(column.example) * 2)
        for cell in sheet[letter]:
            cell.number_format = "@"
    sheet.freeze_panes = "A2"
    target = io.BytesIO()
    workbook.save(target)
    return target.getvalue()


def render(importer: type[Importer], file_format: str, *, town: str) -> bytes:
    """The template of ``importer`` as ``file_format`` (``csv`` or ``xlsx``), for town ``town`` (its code).

    Call it in that town's context (its communities are read for the example row).
    """
    place = Town.objects.get(pk=town)
    return render_xlsx(importer, town=place) if file_format == "xlsx" else render_csv(importer, town=place)
