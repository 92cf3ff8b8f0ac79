"""Periodic tasks that the apps declare, for Celery beat.

The kernel's own are in ``settings.CELERY_BEAT_SCHEDULE``; settings cannot import the apps,
so an app declares its entries from its ``AppConfig.ready()`` and the Celery app
(``nanhai_portal.celery``) adds them to beat's schedule when a worker or beat starts::

    register_periodic_tasks(self, {
        "libraries.remind_overdue": {"task": "libraries.remind_overdue", "schedule": crontab(hour=9, minute=0)},
    })
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.apps import AppConfig, apps

_ENTRIES: dict[str, dict[str, dict[str, Any]]] = {}  # app name -> entry name -> beat entry


def register_periodic_tasks(app: AppConfig, entries: Mapping[str, Mapping[str, Any]]) -> None:
    """Declare ``app``'s beat entries (Celery's ``beat_schedule`` form). Calling it again replaces them."""
    for name, entry in entries.items():
        if "task" not in entry or "schedule" not in entry:
            raise ValueError(f"{app.name}: the beat entry {name!r} needs a task and a schedule.")
    _ENTRIES[app.name] = {name: dict(entry) for name, entry in entries.items()}


def periodic_tasks() -> dict[str, dict[str, Any]]:
    """The beat entries of the installed apps, in ``INSTALLED_APPS`` order."""
    found: dict[str, dict[str, Any]] = {}
    for config in apps.get_app_configs():
        for name, entry in _ENTRIES.get(config.name, {}).items():
            if name in found:
                raise ValueError(f"Two apps declare the beat entry {name!r}.")
            found[name] = entry
    return found
