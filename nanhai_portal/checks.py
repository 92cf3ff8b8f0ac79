"""Deployment checks that need more than the settings: the database roles, the verifier.

Row-level security fences the towns only while the web and worker processes connect as a
role that cannot switch it off: one that owns no table (an owner may ``ALTER TABLE … NO
FORCE ROW LEVEL SECURITY`` and drop the audit trigger), is no superuser and has no
BYPASSRLS. A deployment that gives ``DATABASE_URL`` the owner's role would otherwise start
and run without a word. In production these run with ``manage.py check --deploy`` and when
a web or worker process starts (``refuse_unsafe_database_roles``), each problem one line.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

from django.conf import settings
from django.core import checks
from django.db import DatabaseError, connections
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)

# Tables in the schema that the role owns, or may act as the owner of (a member of the owner role).
_ROLE_FACTS = """
SELECT r.rolsuper, r.rolbypassrls,
       (SELECT count(*) FROM pg_tables t
         WHERE t.schemaname = current_schema() AND pg_has_role(current_user, t.tableowner, 'USAGE'))
  FROM pg_roles r WHERE r.rolname = current_user
"""


def role_facts(using: str = "default") -> tuple[bool, bool, int]:
    """(superuser, bypasses RLS, tables it owns) of the role ``DATABASE_URL`` connects as."""
    with connections[using].cursor() as cursor:
        cursor.execute(_ROLE_FACTS)
        superuser, bypass_rls, owned = cursor.fetchone()
    return bool(superuser), bool(bypass_rls), int(owned)


def database_role_problems(using: str = "default") -> list[str]:
    """What is wrong with the app role, one line each; empty when it is a safe app role.

    Raises ``DatabaseError`` when the database cannot be asked.
    """
    role = settings.DATABASES[using]["USER"]
    problems = []
    if role == settings.DATABASE_OWNER_CREDENTIALS["USER"]:
        problems.append(
            f"DATABASE_URL and DATABASE_OWNER_URL both connect as {role!r}: "
            "the app needs a role of its own that owns no table."
        )
    superuser, bypass_rls, owned = role_facts(using)
    if superuser:
        problems.append(f"DATABASE_URL connects as {role!r}, a superuser: row-level security does not bind it.")
    if bypass_rls:
        problems.append(f"DATABASE_URL connects as {role!r}, which has BYPASSRLS: row-level security does not bind it.")
    if owned:
        problems.append(
            f"DATABASE_URL connects as {role!r}, which owns {owned} tables: it could switch row-level "
            "security off and drop the audit trigger; migrations own them (DATABASE_OWNER_URL)."
        )
    return problems


@checks.register("nanhai", deploy=True)
def check_database_roles(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    if not settings.PRODUCTION:
        return []
    try:
        problems = database_role_problems()
    except DatabaseError as error:
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        return [checks.Error(f"Cannot check the database roles: {first_line}", id="nanhai.E001")]
    return [checks.Error(problem, id="nanhai.E002") for problem in problems]


@checks.register("nanhai", deploy=True)
def check_real_name_verifier(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    if not settings.PRODUCTION:
        return []
    path = settings.RESIDENTS_REAL_NAME_VERIFIER
    try:
        verifier = import_string(path)
    except ImportError as error:
        return [checks.Error(f"RESIDENTS_REAL_NAME_VERIFIER {path!r} cannot be imported: {error}", id="nanhai.E003")]
    if not callable(getattr(verifier, "verify", None)):
        return [
            checks.Error(f"RESIDENTS_REAL_NAME_VERIFIER {path!r} has no verify(name, id_number).", id="nanhai.E003")
        ]
    return []


def refuse_unsafe_database_roles() -> None:
    """At the start of a production web or worker process: stop, in one line, on an unsafe role.

    A database that does not answer yet is not a reason to stop (it may be starting too):
    that is logged, and ``/healthz`` reports it.
    """
    if not settings.PRODUCTION:
        return
    try:
        problems = database_role_problems()
    except DatabaseError as error:
        logger.warning("database roles not checked at start: %s", type(error).__name__)
        return
    finally:
        connections["default"].close()
    if problems:
        sys.exit(problems[0])
