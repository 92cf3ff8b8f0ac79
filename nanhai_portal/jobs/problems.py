"""What can be wrong with a file or a row, as codes stored with their details.

Problems are stored as a code and JSON details, never as text, so that the page, the API and
the error report say them in the reader's language (the request's, Chinese by default).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from nanhai_portal import validators

# Row problems: one line of the error report each. An importer adds its own in ``row_messages``.
ROW_MESSAGES: dict[str, Promise] = {
    "required": _("A value is required."),
    "too_long": _("At most %(max_length)d characters."),
    "not_a_choice": _("Must be one of: %(choices)s."),
    "duplicate_in_file": _("The same value is in row %(first_row)d of this file; each may appear only once."),
    "extra_cells": _("This row has more cells than the header has columns."),
    "other_town": _("This row is for another town (%(town)s): you may import only your own town's rows."),
    "unknown_town": _("No town or street has this code or name."),
    "unknown_community": _("Your town has no village or community with this code."),
    "already_exists": _("Not imported: your town already has a row with the same code or name."),
    **validators.MESSAGES,
}

# File problems: the job's ``error`` when it failed as a whole.
FILE_MESSAGES: dict[str, Promise] = {
    "file_unreadable": _("The file could not be read: %(detail)s"),
    "file_missing": _("The uploaded file is no longer there; please upload it again."),
    "no_data_rows": _("The file has a header row but no data rows."),
    "too_many_rows": _("The file has more than %(limit)d rows; split it into files of at most %(limit)d rows."),
    "cell_too_long": _("Row %(row)d has a cell longer than %(limit)d characters; no column takes that much."),
    "missing_columns": _("The header row lacks these columns: %(columns)s."),
    "unknown_columns": _("The header row names columns this import does not know: %(columns)s. Remove or rename them."),
    "repeated_columns": _("The header row names these columns more than once: %(columns)s."),
    "unnamed_column": _("Column %(position)d of the header row has no name."),
    "too_many_attempts": _("The import stopped after %(attempts)d attempts; please check the file and try again."),
    "internal": _("The import stopped because of a fault on our side; please try again later."),
}


def describe(messages: Mapping[str, Promise | str], code: str, params: dict[str, Any]) -> str:
    """The message of ``code`` in the active language, filled in with ``params``.

    An unknown code (from a later release, say) is shown as itself rather than failing.
    """
    template = messages.get(code)
    if template is None:
        return code
    text = str(template)  # translated now, in the active language
    try:
        return text % params if params else text
    except (KeyError, TypeError, ValueError):
        return text


def describe_row_problem(code: str, params: dict[str, Any], *, own: Mapping[str, Promise | str] | None = None) -> str:
    """A row problem's message: the importer's ``own`` message for ``code`` if it has one, else the kernel's."""
    return describe({**ROW_MESSAGES, **own} if own else ROW_MESSAGES, code, params)


def describe_file_problem(code: str, params: dict[str, Any]) -> str:
    return describe(FILE_MESSAGES, code, params)
