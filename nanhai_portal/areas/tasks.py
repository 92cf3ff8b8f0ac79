"""Background work on areas."""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.db import connection

from nanhai_portal.areas.models import Community
from nanhai_portal.tenancy import get_current_town
from nanhai_portal.tenancy.tasks import TenantTask


@shared_task(base=TenantTask, name="areas.report_scope")
def report_scope(*, town: str) -> dict[str, Any]:
    """What a worker sees when it works for ``town``: its scope, the RLS setting, the rows.

    A diagnostic for operators (``celery call``) and for the tests of the task plumbing.
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('app.town', true), count(*) FROM areas_community")
        setting, rows_visible_to_sql = cursor.fetchone()
    return {
        "town": get_current_town(),
        "database_setting": setting,
        "rows_visible_to_sql": rows_visible_to_sql,
        "communities": Community.objects.count(),
    }
