"""Connecting as the owner role, for schema changes only."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.db import connections


@contextmanager
def owner_connection(using: str = "default") -> Iterator[None]:
    """Within the block, ``connections[using]`` is logged in as the owner role.

    Migrations run this way so that the tables belong to the owner and the app role,
    which the web and worker processes use, owns none of them.
    """
    connection = connections[using]
    saved = {key: connection.settings_dict[key] for key in ("USER", "PASSWORD")}
    connection.close()
    connection.settings_dict.update(settings.DATABASE_OWNER_CREDENTIALS)
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict.update(saved)
