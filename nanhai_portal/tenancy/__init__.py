"""Tenancy: the current town, and the three fences that keep each town's rows its own.

1. Scoped managers (``TenantManager``): the default manager of a tenant-owned model returns
   only the current town's rows, and none when no town is set.
2. PostgreSQL row-level security on every table with a ``town_id`` column, keyed on the
   transaction-local setting ``app.town`` (see ``rls.py``).
3. Object permissions (django-guardian) where a role is not enough; see ``areas``.

The current town lives in a context variable, and in PostgreSQL for one transaction:
enter ``town_context(code)`` (or ``district_context()`` for read-only district views) and
every query inside it runs in a transaction with the setting applied.
"""

from nanhai_portal.tenancy.context import (
    district_context,
    get_current_town,
    is_district_scope,
    town_context,
)

__all__ = ["district_context", "get_current_town", "is_district_scope", "town_context"]
