"""Uploaded files: what they really are, where they are kept (privately), and reading their rows.

Accepted: ``.csv`` in UTF-8 (with or without the byte-order mark that Excel's "CSV UTF-8"
writes) or, failing that, GB18030 (which covers GBK and GB2312, what Chinese Excel's plain
"CSV" writes), comma-separated; and ``.xlsx`` workbooks, of which the first sheet is read.
The type is decided by the content, not the name alone: a PNG named ``.csv`` is refused.

The web request checks only what is cheap: the size, the first bytes, CSV text and its
header, and of a workbook its zip directory (members, their unzipped sizes and compression
ratios, read without unzipping anything), so that a zip bomb is refused before it is
opened. Workbooks are parsed only by the worker, which reads at most ``JOB_MAX_ROWS`` rows,
``MAX_COLUMNS`` columns and cells of ``JOB_MAX_CELL_CHARS`` characters (see ``runner``).
Files live under ``MEDIA_ROOT/jobs/<town>/<job id>/``, which no URL serves, and are removed
when the job ends.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import shutil
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import IO, Any
from uuid import UUID

import openpyxl
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from nanhai_portal.jobs import conf
from nanhai_portal.jobs.importers import HeaderProblem, Importer
from nanhai_portal.pii import scrub

ENCODINGS = ("utf-8", "gb18030")  # tried in this order
_CODECS = {"utf-8": "utf-8-sig", "gb18030": "gb18030"}  # utf-8-sig drops a leading BOM
_READ_BLOCK = 1024 * 1024
MAX_COLUMNS = 64  # columns read of a workbook's rows; no kind has more than ten
_MAX_ZIP_MEMBERS = 1000  # a workbook has a dozen; a million would fill memory with their directory
_RATIO_FROM_BYTES = 1024 * 1024  # a smaller member cannot be a bomb, whatever its ratio

# The first bytes of files people upload by mistake, and what to call them.
_SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", gettext_lazy("a PNG image")),
    (b"\xff\xd8\xff", gettext_lazy("a JPEG image")),
    (b"GIF8", gettext_lazy("a GIF image")),
    (b"%PDF", gettext_lazy("a PDF document")),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", gettext_lazy("an old-style Office file (.xls or .doc)")),
    (b"PK\x03\x04", gettext_lazy("a ZIP archive or an Office file")),
    (b"\x1f\x8b", gettext_lazy("a gzip archive")),
    (b"Rar!", gettext_lazy("a RAR archive")),
    (b"7z\xbc\xaf\x27\x1c", gettext_lazy("a 7-Zip archive")),
    (b"\xff\xfe", gettext_lazy("UTF-16 text")),
    (b"\xfe\xff", gettext_lazy("UTF-16 text")),
)


class UploadRejected(Exception):
    """The upload cannot be imported; ``message`` says why, in the active language."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class CheckedUpload:
    """What ``check_upload`` found out about a file it accepted."""

    file_format: str  # "csv" or "xlsx"
    encoding: str  # one of ENCODINGS for CSV, "" for XLSX
    name: str  # the file's own name, personal data masked, for display
    size: int


# --- Checking an upload -------------------------------------------------------------


def check_upload(upload: UploadedFile, *, importer: type[Importer]) -> CheckedUpload:
    """Accept ``upload`` for ``importer`` or raise ``UploadRejected``; nothing is written.

    Refused: larger than ``JOB_UPLOAD_MAX_BYTES``; empty; a name not ending in .csv or
    .xlsx; content that is not what the name says; CSV that is neither UTF-8 nor GB18030,
    or whose header row does not fit the importer (missing, unknown or repeated columns),
    or with no data row under the header; a workbook whose zip directory is not a
    workbook's, or that would unzip to more than ``JOB_XLSX_MAX_UNCOMPRESSED_BYTES`` or
    with a member compressed more than ``JOB_XLSX_MAX_RATIO`` times. A workbook is not
    opened here: its header and rows are the worker's to check, and a problem with them is
    the job's error.
    """
    size = upload.size or 0
    if size > conf.MAX_UPLOAD_BYTES:
        raise UploadRejected(
            "file_too_large",
            _("The file is %(size)s; the largest accepted is %(limit)s.")
            % {"size": filesizeformat(size), "limit": filesizeformat(conf.MAX_UPLOAD_BYTES)},
        )
    if size == 0:
        raise UploadRejected("file_empty", _("The file is empty."))
    name = os.path.basename(upload.name or "")
    extension = os.path.splitext(name)[1].lower()
    if extension not in (".csv", ".xlsx"):
        raise UploadRejected("file_type", _("Upload a .csv or .xlsx file."))
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if extension == ".xlsx":
        _check_xlsx(upload, head)
        upload.seek(0)
        return CheckedUpload(file_format="xlsx", encoding="", name=scrub(name)[:255], size=size)
    encoding = _check_csv_encoding(upload, head)
    header, has_data = _csv_head(upload, encoding)
    upload.seek(0)
    if header is None:
        raise UploadRejected("file_empty", _("The file has no rows."))
    try:
        importer.header_positions(header)
    except HeaderProblem as problem:
        raise UploadRejected("bad_header", problem.message()) from None
    if not has_data:
        raise UploadRejected("no_data_rows", _("The file has a header row but no data rows."))
    return CheckedUpload(file_format="csv", encoding=encoding, name=scrub(name)[:255], size=size)


def _looks_like(head: bytes) -> str | None:
    for signature, description in _SIGNATURES:
        if head.startswith(signature):
            return str(description)
    return None


def _check_csv_encoding(upload: UploadedFile, head: bytes) -> str:
    """The encoding that decodes the whole file, or UploadRejected (binary or unknown text)."""
    looks_like = _looks_like(head)
    if looks_like is not None:
        raise UploadRejected(
            "file_type", _("This is not a CSV text file: it looks like %(what)s.") % {"what": looks_like}
        )
    for encoding in ENCODINGS:
        decoder = codecs.getincrementaldecoder(_CODECS[encoding])()
        upload.seek(0)
        try:
            for block in upload.chunks(_READ_BLOCK):
                if "\x00" in decoder.decode(block):
                    raise UploadRejected("file_type", _("This is not a CSV text file: it contains binary data."))
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        return encoding
    raise UploadRejected(
        "file_encoding",
        _("The file is neither UTF-8 nor GB18030 text. In Excel, save it as “CSV UTF-8” or as .xlsx."),
    )


def _csv_head(upload: UploadedFile, encoding: str) -> tuple[list[str] | None, bool]:
    upload.seek(0)
    text = io.TextIOWrapper(upload.file, encoding=_CODECS[encoding], newline="")  # type: ignore[type-var]
    try:
        return _head(_stripped(csv.reader(text)))
    except csv.Error as error:
        raise UploadRejected("file_unreadable", _("The CSV file is malformed: %(error)s") % {"error": error}) from None
    finally:
        text.detach()  # leave the upload open


def _check_xlsx(upload: UploadedFile, head: bytes) -> None:
    """Refuse what is not a workbook, or would unzip to too much, reading only the zip directory.

    ``ZipFile.infolist()`` gives each member's sizes from the central directory without
    unzipping it; zipfile (and so openpyxl) never unzips a member past the size declared
    there, so a directory that understates a member cannot smuggle a bomb through.
    """
    not_a_workbook = _("This is not an Excel workbook (.xlsx).")
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise UploadRejected("file_type", _("This is an old Excel file (.xls). Open it in Excel and save it as .xlsx."))
    if not head.startswith(b"PK\x03\x04"):
        looks_like = _looks_like(head)
        if looks_like:
            not_a_workbook = _("This is not an Excel workbook (.xlsx): it looks like %(what)s.") % {"what": looks_like}
        raise UploadRejected("file_type", not_a_workbook)
    check_workbook_archive(upload)


def check_workbook_archive(source: IO[bytes] | UploadedFile) -> None:
    """Refuse (``UploadRejected``) a zip that is not a workbook's or would unzip to too much,
    from its directory alone. The web request runs it on an upload, the worker again before
    it opens a stored file (one kept before these limits, say)."""
    not_a_workbook = _("This is not an Excel workbook (.xlsx).")
    members = _zip_member_count(source)
    if members is None or members > _MAX_ZIP_MEMBERS:
        raise UploadRejected("file_type", not_a_workbook)
    source.seek(0)
    try:
        with zipfile.ZipFile(source) as archive:
            infos = archive.infolist()
    except zipfile.BadZipFile:
        raise UploadRejected("file_type", not_a_workbook) from None
    finally:
        source.seek(0)
    if not any(info.filename == "xl/workbook.xml" for info in infos):
        raise UploadRejected("file_type", not_a_workbook)
    unzipped = sum(info.file_size for info in infos)
    if unzipped > conf.MAX_UNCOMPRESSED_BYTES:
        raise UploadRejected(
            "file_too_large",
            _("Unzipped, the workbook would be %(size)s; the largest accepted is %(limit)s.")
            % {"size": filesizeformat(unzipped), "limit": filesizeformat(conf.MAX_UNCOMPRESSED_BYTES)},
        )
    for info in infos:
        if info.file_size > _RATIO_FROM_BYTES and info.file_size > conf.MAX_RATIO * max(info.compress_size, 1):
            raise UploadRejected(
                "file_compression",
                _(
                    "The workbook is compressed %(ratio)d times, far more than a real spreadsheet "
                    "(at most %(limit)d). Save it again in Excel without empty rows and columns."
                )
                % {"ratio": info.file_size // max(info.compress_size, 1), "limit": conf.MAX_RATIO},
            )


def _zip_member_count(upload: IO[bytes] | UploadedFile) -> int | None:
    """How many members the zip's end record announces (None: no end record, or ZIP64), read
    before ``ZipFile`` loads the whole central directory into memory."""
    upload.seek(0, os.SEEK_END)
    size = upload.tell()
    tail_size = min(size, 22 + 0xFFFF)  # the end record, and a comment of at most 64 KB
    upload.seek(size - tail_size)
    tail = upload.read(tail_size)
    upload.seek(0)
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < 22:
        return None
    count = int.from_bytes(tail[at + 10 : at + 12], "little")
    return None if count == 0xFFFF else count


def _head(records: Iterator[list[str]]) -> tuple[list[str] | None, bool]:
    """The header (the first non-blank row) and whether a non-blank row follows it."""
    header = None
    for cells in records:
        if not any(cells):
            continue
        if header is not None:
            return header, True
        header = cells
    return header, False


# --- Reading rows -------------------------------------------------------------------


def read_records(path: Path, *, file_format: str, encoding: str) -> Iterator[list[str]]:
    """Every record of the file in order (blank ones too, so that positions are row numbers),
    as lists of stripped text. Raises ``OSError``, ``csv.Error`` or openpyxl's errors."""
    if file_format == "xlsx":
        yield from _xlsx_records(path)
        return
    with open(path, encoding=_CODECS[encoding], newline="") as text:
        yield from _stripped(csv.reader(text))


def _stripped(reader: Iterator[list[str]]) -> Iterator[list[str]]:
    for row in reader:
        yield [cell.strip() for cell in row]


class UnreadableWorkbook(ValueError):
    """openpyxl could not open or read the workbook (its many kinds of error, as one)."""


def _xlsx_records(source: Path | IO[bytes]) -> Iterator[list[str]]:
    """The first sheet's rows, streamed (``read_only``), each cut to ``MAX_COLUMNS`` cells.

    A sheet whose dimension claims 16,384 columns would otherwise give rows that long.
    """
    if isinstance(source, Path):
        with open(source, "rb") as handle:
            try:
                check_workbook_archive(handle)
            except UploadRejected as refusal:
                raise UnreadableWorkbook(refusal.message) from None
    try:
        workbook = openpyxl.load_workbook(source, read_only=True, data_only=True)
    except Exception as error:  # noqa: BLE001 - openpyxl raises many kinds of error for a broken workbook
        raise UnreadableWorkbook(f"the workbook could not be opened ({type(error).__name__})") from None
    try:
        sheet = workbook.worksheets[0]
        declared = sheet.max_column  # from the sheet's dimension element, if it has one
        width = min(declared, MAX_COLUMNS) if isinstance(declared, int) and declared > 0 else MAX_COLUMNS
        rows = sheet.iter_rows(values_only=True, max_col=width)
        while True:
            try:
                row = next(rows)
            except StopIteration:
                return
            except Exception as error:  # noqa: BLE001 - as above, while reading the sheet
                raise UnreadableWorkbook(f"the workbook could not be read ({type(error).__name__})") from None
            yield [_cell_text(value) for value in row]
    finally:
        workbook.close()


def _cell_text(value: Any) -> str:
    """A cell as the text a person sees: 440605011001, not 440605011001.0; dates as ISO 8601."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value).strip()


# --- Keeping files privately ----------------------------------------------------------


def jobs_root() -> Path:
    return Path(settings.MEDIA_ROOT) / "jobs"


def job_directory(*, town: str, job_id: UUID) -> Path:
    return jobs_root() / town / str(job_id)


def upload_path(*, town: str, job_id: UUID, file_format: str) -> Path:
    return job_directory(town=town, job_id=job_id) / f"upload.{file_format}"


def rows_path(*, town: str, job_id: UUID) -> Path:
    """The worker's normalised copy of the file's data rows (see ``runner``)."""
    return job_directory(town=town, job_id=job_id) / "rows.csv"


def store_upload(upload: UploadedFile, *, town: str, job_id: UUID, file_format: str) -> Path:
    """Write ``upload`` where only the app can read it (directories 0700, file 0600)."""
    directory = job_directory(town=town, job_id=job_id)
    for folder in (jobs_root(), directory.parent):
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    directory.mkdir(mode=0o700)
    path = upload_path(town=town, job_id=job_id, file_format=file_format)
    upload.seek(0)
    with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as target:
        for block in upload.chunks(_READ_BLOCK):
            target.write(block)
    return path


def discard_files(*, town: str, job_id: UUID) -> None:
    """Remove a job's files, if any are left. Safe to call more than once."""
    shutil.rmtree(job_directory(town=town, job_id=job_id), ignore_errors=True)
