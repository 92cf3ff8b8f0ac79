"""The importers, one per kind of file: ``communities``, ``grids``, and those of later features.

This app's importers, and those a later feature puts in an ``importers`` module of its
app, are imported at start-up by ``JobsConfig.ready``::

    @register_importer("rental_houses")
    class RentalHouseImporter(Importer):
        label = _("rental houses")
        columns = (Column("address", _("address"), max_length=200), ...)
        conflict_column = "address"
        merge_sql = "WITH merged AS (INSERT ... SELECT ... FROM {staging} ON CONFLICT DO NOTHING RETURNING ...) ..."
"""

from __future__ import annotations

import re
from collections.abc import Callable

from django.utils.functional import Promise

from nanhai_portal.jobs.importers.base import Column, HeaderProblem, Importer, RowProblem

__all__ = [
    "Column",
    "HeaderProblem",
    "Importer",
    "RowProblem",
    "importer_choices",
    "importer_class",
    "register_importer",
]

_KIND = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
_IMPORTERS: dict[str, type[Importer]] = {}


def register_importer(kind: str) -> Callable[[type[Importer]], type[Importer]]:
    """Class decorator: make ``cls`` the importer of ``kind`` (a lower-case identifier)."""
    if not _KIND.match(kind):
        raise ValueError(f"An importer kind is a lower-case identifier, not {kind!r}.")

    def register(cls: type[Importer]) -> type[Importer]:
        existing = _IMPORTERS.get(kind)
        if existing is not None and existing.__qualname__ != cls.__qualname__:
            raise ValueError(f"Two importers for {kind!r}: {existing.__qualname__} and {cls.__qualname__}.")
        cls.kind = kind
        _IMPORTERS[kind] = cls
        return cls

    return register


def importer_class(kind: str) -> type[Importer] | None:
    """The importer registered for ``kind``, or None."""
    return _IMPORTERS.get(kind)


def importer_choices() -> list[tuple[str, Promise | str]]:
    """``(kind, label)`` of every registered importer, for forms and the API."""
    return [(kind, cls.label) for kind, cls in sorted(_IMPORTERS.items())]
