"""The current town: a context variable for Python, a transaction-local setting for PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TypeVar

from django.db import DEFAULT_DB_ALIAS, connections, transaction

T = TypeVar("T")


@dataclass(frozen=True)
class Scope:
    town: str | None = None
    all_towns: bool = False


_NO_SCOPE = Scope()
_scope: ContextVar[Scope] = ContextVar("nanhai_town_scope", default=_NO_SCOPE)

# PostgreSQL custom settings read by the row-level security policies (rls.py).
TOWN_SETTING = "app.town"
ALL_TOWNS_SETTING = "app.all_towns"


def get_current_town() -> str | None:
    """The code of the town whose rows this code may touch, or None."""
    return _scope.get().town


def is_district_scope() -> bool:
    """True inside ``district_context()``: reading every town is allowed, writing none."""
    return _scope.get().all_towns


def _apply(scope: Scope, using: str) -> None:
    # set_config(..., true) lasts until the end of the transaction, so it can never leak
    # to the next request on a persistent connection (a session-level SET would).
    with connections[using].cursor() as cursor:
        cursor.execute(
            "SELECT set_config(%s, %s, true), set_config(%s, %s, true)",
            [TOWN_SETTING, scope.town or "", ALL_TOWNS_SETTING, "on" if scope.all_towns else "off"],
        )


@contextmanager
def _enter(scope: Scope, using: str) -> Iterator[None]:
    previous = _scope.get()
    token = _scope.set(scope)
    try:
        with transaction.atomic(using=using):
            _apply(scope, using)
            yield
    finally:
        _scope.reset(token)
        # Inside an outer transaction (a test, a nested context) the setting would outlive
        # this block; put the outer scope back.
        if connections[using].in_atomic_block:
            _apply(previous, using)


@contextmanager
def town_context(town: str | None, *, using: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    """Run the block in a transaction whose reads and writes are limited to ``town``.

    ``town`` is a town code (``Town.code``). Within a district scope, entering a town
    keeps reading across towns but allows writing that town's rows.
    """
    scope = Scope(town=town, all_towns=is_district_scope() and town is not None)
    with _enter(scope, using):
        yield


@contextmanager
def district_context(*, using: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    """Run the block in a transaction that may read every town's rows and write none.

    Only district-level roles enter it. Scoped managers still return nothing here: a
    cross-town read is spelled ``Model.objects.for_all_towns()``.
    """
    with _enter(Scope(town=None, all_towns=True), using):
        yield


def in_current_scope(rows: Iterable[T]) -> Iterator[T]:
    """Iterate ``rows`` (a lazy queryset) later, inside the scope that is current now.

    For streamed responses: Django iterates them after the view has returned, when the
    request's town transaction is over and row-level security would show nothing.
    """
    scope = _scope.get()

    def generate() -> Iterator[T]:
        with _enter(scope, DEFAULT_DB_ALIAS):
            yield from rows

    return generate()
