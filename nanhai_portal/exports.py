"""Writing CSV and XLSX files that people open in a spreadsheet: every cell made inert.

A spreadsheet runs a cell that starts with ``=``, ``+``, ``-`` or ``@`` as a formula
(``=HYPERLINK(...)``, ``=cmd|' /C calc'!A0``), and some also after a leading tab, carriage
return or line feed, or after the full-width forms ``＝＋－＠`` that Chinese input methods
type. Following OWASP's advice on CSV injection, such a text cell is written with a single
quote in front, which the spreadsheet shows as text. openpyxl would even store a string
that starts with ``=`` as a formula, so XLSX rows go through the same rule.

Every file the portal hands out (the audit export, the import error reports) writes its rows
with ``safe_row``; ``tests/test_exports.py`` walks them all with a hostile value and checks
that no other module writes a CSV or a workbook without this module.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import Any

# What makes a spreadsheet read a cell as a formula, at its start (after any spaces).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")


def safe_cell(value: Any) -> Any:
    """``value`` as a cell that no spreadsheet runs: text that could start a formula gets a
    leading ``'``; numbers, dates and None are left as they are (they cannot be formulas)."""
    if not isinstance(value, str):
        return value
    if value.lstrip(" ").startswith(FORMULA_STARTS) or value.startswith(FORMULA_STARTS):
        return f"'{value}"
    return value


def safe_row(values: Iterable[Any]) -> list[Any]:
    """Every cell of a row through ``safe_cell``."""
    return [safe_cell(value) for value in values]


class SafeCSVWriter:
    """``csv.writer`` whose ``writerow``/``writerows`` make every cell safe first."""

    def __init__(self, target: Any, **options: Any) -> None:
        self._writer = csv.writer(target, **options)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow(safe_row(row))

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def csv_writer(target: Any, **options: Any) -> SafeCSVWriter:
    """A CSV writer for a file people will open in a spreadsheet."""
    return SafeCSVWriter(target, **options)
