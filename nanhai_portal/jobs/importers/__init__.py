"""The importers, one per kind of file: ``communities``, ``grids``, and those of the apps.

This app's importers, and those an app puts in an ``importers`` module of its own, are
imported at start-up by ``JobsConfig.ready``; an importer counts while its app is installed::

    @register_importer("rental_houses")
    class RentalHouseImporter(Importer):
        label = _("rental houses")
        columns = (Column("address", _("address"), max_length=200), ...)
        row_messages = {"unknown_grid": _("Your town has no grid with this code.")}  # beside the kernel's
        conflict_column = "address"
        merge_sql = "WITH merged AS (INSERT ... SELECT ... FROM {staging} ON CONFLICT DO NOTHING RETURNING ...) ..."
"""

from __future__ import annotations

import re
from collections.abc import Callable

from django.apps import apps
from django.utils.functional import Promise

from nanhai_portal.jobs.importers.base import Column, HeaderProblem, Importer, RowProblem
from nanhai_portal.jobs.problems import ROW_MESSAGES

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
        if cls.conflict_code not in ROW_MESSAGES and cls.conflict_code not in cls.row_messages:
            raise ValueError(f"{cls.__qualname__}: no row message for its conflict_code {cls.conflict_code!r}.")
        cls.kind = kind
        _IMPORTERS[kind] = cls
        return cls

    return register


def _installed(cls: type[Importer]) -> bool:
    return apps.get_containing_app_config(cls.__module__) is not None


def importer_class(kind: str) -> type[Importer] | None:
    """The importer registered for ``kind`` by an installed app, or None."""
    cls = _IMPORTERS.get(kind)
    return cls if cls is not None and _installed(cls) else None


def importer_choices() -> list[tuple[str, Promise | str]]:
    """``(kind, label)`` of every importer of the installed apps, for forms and the API."""
    return [(kind, cls.label) for kind, cls in sorted(_IMPORTERS.items()) if _installed(cls)]
