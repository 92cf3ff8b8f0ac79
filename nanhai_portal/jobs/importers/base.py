"""The importer contract: a kind's columns, how one of its rows is checked, how good rows are merged.

An importer says *what*; the machinery (``runner``) does the rest for every kind: reading
CSV and XLSX, mapping the header, the per-column checks below, duplicate values within the
file, the staging table, COPY, the transaction per chunk and the error report.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from django.core.exceptions import ValidationError
from django.db.backends.utils import CursorWrapper
from django.utils.functional import Promise

from nanhai_portal.jobs.problems import describe_file_problem, describe_row_problem


@dataclass(frozen=True)
class Column:
    """One column of a kind's file. ``name`` is what the header row says (or one of ``aliases``)."""

    name: str
    label: Promise | str
    required: bool = True
    max_length: int | None = None
    choices: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    unique_in_file: bool = False
    # "id_number" or "mobile": how the error report masks it. Every value is scrubbed anyway.
    personal: str = ""
    # What the value is (``nanhai_portal.validators``): its ValidationError's code is the problem.
    check: Callable[[str], None] | None = None
    # The value of the template file's example row (``jobs.template_files``). It may name the
    # downloader's town: ``{town}`` (its name), ``{division_code}``, ``{community}`` (the code
    # of one of its villages or communities).
    example: str = ""


@dataclass(frozen=True)
class RowProblem:
    """Something wrong with one cell (``column``) or with the whole row (``column=""``)."""

    column: str
    code: str
    params: dict[str, Any] = field(default_factory=dict)


class HeaderProblem(Exception):
    """The header row does not fit the kind: nothing of the file can be imported."""

    def __init__(self, code: str, columns: Sequence[str] = (), position: int = 0) -> None:
        self.code = code
        self.params: dict[str, Any] = {"columns": ", ".join(columns), "position": position}
        super().__init__(code, self.params)

    def message(self) -> str:
        """The problem in the active language."""
        return describe_file_problem(self.code, self.params)


def _header_key(text: str) -> str:
    return text.strip().lstrip("\ufeff").strip().casefold()


class Importer:
    """Base of the importers. A subclass sets the class attributes and may add row checks.

    ``merge_sql`` inserts the staging rows into the target table(s) as one statement and
    returns the ``row_number`` of every staging row it did *not* insert (a clash with an
    existing row); ``{staging}`` names the staging table and ``%(town)s`` is the job's town.
    It runs as the app role inside ``town_context(town)``, so row-level security checks it.
    """

    kind: ClassVar[str]
    label: ClassVar[Promise | str]
    columns: ClassVar[tuple[Column, ...]]
    merge_sql: ClassVar[str]
    conflict_column: ClassVar[str]  # where a clash with an existing row is reported
    conflict_code: ClassVar[str] = "already_exists"  # and how (a key of row_messages or problems.ROW_MESSAGES)
    # This importer's own row problems (code -> message), beside the kernel's problems.ROW_MESSAGES.
    row_messages: ClassVar[Mapping[str, Promise | str]] = {}

    def __init__(self, *, town: str) -> None:
        self.town = town
        self._names = tuple(column.name for column in self.columns)

    # --- What a subclass may add -------------------------------------------------------

    def prepare(self) -> None:
        """Load what ``check_row`` looks up (codes of the town's rows, say). Runs in the town."""

    def check_row(self, values: dict[str, str]) -> Iterable[RowProblem]:
        """Problems the per-column checks cannot see (lookups, rules across columns)."""
        return ()

    # --- The machinery -----------------------------------------------------------------

    @classmethod
    def describe_row_problem(cls, code: str, params: dict[str, Any]) -> str:
        """A row problem of this kind's file, in the active language (for the error report)."""
        return describe_row_problem(code, params, own=cls.row_messages)

    @classmethod
    def column_names(cls) -> list[str]:
        return [column.name for column in cls.columns]

    @classmethod
    def header_positions(cls, header: Sequence[str]) -> list[int | None]:
        """For each of the kind's columns, its position in ``header`` (None: optional, absent).

        Columns may come in any order; names match case-insensitively, aliases too. Raises
        ``HeaderProblem`` for a column without a name, an unknown or repeated column, or a
        required column that is missing. Unknown columns are refused rather than ignored, so
        that a misspelt column is never silently dropped.
        """
        cells = list(header)
        while cells and not cells[-1].strip():
            cells.pop()
        lookup: dict[str, int] = {}
        for index, column in enumerate(cls.columns):
            for name in (column.name, *column.aliases):
                lookup[_header_key(name)] = index
        positions: list[int | None] = [None] * len(cls.columns)
        unknown: list[str] = []
        repeated: list[str] = []
        for position, cell in enumerate(cells):
            if not cell.strip():
                raise HeaderProblem("unnamed_column", position=position + 1)
            found = lookup.get(_header_key(cell))
            if found is None:
                unknown.append(cell.strip())
            elif positions[found] is not None:
                repeated.append(cell.strip())
            else:
                positions[found] = position
        missing = [c.name for c, p in zip(cls.columns, positions, strict=True) if p is None and c.required]
        if missing:
            raise HeaderProblem("missing_columns", missing)
        if unknown:
            raise HeaderProblem("unknown_columns", unknown)
        if repeated:
            raise HeaderProblem("repeated_columns", repeated)
        return positions

    def validate(self, values: Sequence[str]) -> list[RowProblem]:
        """Every problem of one row, at most one per column, in column order then row-wide.

        ``values`` are the row's cells in the order of ``columns``, already stripped.
        """
        problems: dict[str, RowProblem] = {}
        for column, value in zip(self.columns, values, strict=True):
            if not value:
                if column.required:
                    problems[column.name] = RowProblem(column.name, "required")
            elif column.max_length is not None and len(value) > column.max_length:
                problems[column.name] = RowProblem(column.name, "too_long", {"max_length": column.max_length})
            elif column.choices and value not in column.choices:
                problems[column.name] = RowProblem(column.name, "not_a_choice", {"choices": ", ".join(column.choices)})
            elif column.check is not None:
                try:
                    column.check(value)
                except ValidationError as error:
                    problems[column.name] = RowProblem(column.name, error.code or "invalid")
        for problem in self.check_row(dict(zip(self._names, values, strict=True))):
            problems.setdefault(problem.column, problem)
        return list(problems.values())

    @classmethod
    def staging_table(cls) -> str:
        return f"jobs_staging_{cls.kind}"

    @classmethod
    def staging_ddl(cls) -> str:
        """The staging table: the file's columns as text, and the row number.

        A TEMP table, dropped at commit: it lives outside the public schema and has no
        ``town_id`` column, so row-level security (and its post-migrate hook) never applies,
        and COPY (which RLS tables refuse) may load it.
        """
        columns = ", ".join(f"{name} text" for name in cls.column_names())
        return f"CREATE TEMP TABLE {cls.staging_table()} (row_number integer NOT NULL, {columns}) ON COMMIT DROP"

    def merge(self, cursor: CursorWrapper, rows: Sequence[Sequence[str]]) -> list[int]:
        """COPY ``rows`` (row number first, then the values) into staging and merge them set-wise.

        Runs inside the caller's transaction; returns the row numbers that clashed.
        """
        staging = self.staging_table()
        cursor.execute(f"DROP TABLE IF EXISTS pg_temp.{staging}")
        cursor.execute(self.staging_ddl())
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\n").writerows(rows)
        buffer.seek(0)
        columns = ", ".join(["row_number", *self.column_names()])
        # psycopg2's COPY, on the Django connection's own cursor (same transaction, same town).
        cursor.cursor.copy_expert(f"COPY {staging} ({columns}) FROM STDIN WITH (FORMAT csv)", buffer)
        cursor.execute(self.merge_sql.format(staging=staging), {"town": self.town})
        return [row[0] for row in cursor.fetchall()]
