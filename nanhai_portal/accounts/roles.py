"""The six roles, each a group with its model permissions.

The groups are created by migration 0003; their permissions are kept equal to
``role_permissions()`` after every migrate (``sync_role_groups``), since Django creates
the permissions of new models only after the migrations have run. That is the kernel's own
``ROLE_PERMISSIONS`` plus what each installed app adds from its ``AppConfig.ready()``::

    register_role_permissions(self, {Role.TOWN_OFFICER: ["libraries.add_loan", "libraries.view_loan"]})
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.apps import AppConfig, apps
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    RESIDENT = "resident", _("resident")
    GRID_WORKER = "grid_worker", _("grid worker")
    TOWN_OFFICER = "town_officer", _("town officer")
    TOWN_ADMIN = "town_admin", _("town admin")
    DISTRICT_OFFICIAL = "district_official", _("district official")
    DISTRICT_ADMIN = "district_admin", _("district admin")


DISTRICT_ROLES = frozenset({Role.DISTRICT_OFFICIAL, Role.DISTRICT_ADMIN})
TOWN_STAFF_ROLES = frozenset({Role.GRID_WORKER, Role.TOWN_OFFICER, Role.TOWN_ADMIN})
STAFF_SITE_ROLES = frozenset({Role.TOWN_ADMIN, Role.DISTRICT_ADMIN})

_VIEW_AREAS = ["areas.view_town", "areas.view_community", "areas.view_grid"]

_IMPORT_JOBS = ["jobs.add_importjob", "jobs.view_importjob", "jobs.cancel_importjob"]
_FAN_OUT = ["notifications.add_fanout", "notifications.view_fanout"]

# The kernel's: "app_label.codename", or "app_label.*" for every permission of an app.
ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.RESIDENT: ["areas.view_town", "areas.view_community"],
    # Grids come from object permissions (areas.serve_grid), not from the role.
    Role.GRID_WORKER: ["areas.view_town", "areas.view_community"],
    Role.TOWN_OFFICER: [*_VIEW_AREAS, "accounts.reveal_pii", *_FAN_OUT, *_IMPORT_JOBS],
    Role.TOWN_ADMIN: [
        *_VIEW_AREAS,
        *["areas.add_community", "areas.change_community", "areas.add_grid", "areas.change_grid"],
        *["accounts.view_user", "accounts.add_user", "accounts.change_user", "accounts.reveal_pii"],
        "audit.view_auditevent",
        *_FAN_OUT,
        *_IMPORT_JOBS,
    ],
    Role.DISTRICT_OFFICIAL: [
        *_VIEW_AREAS,
        "accounts.view_user",
        "notifications.view_fanout",
        "jobs.view_importjob",
    ],
    Role.DISTRICT_ADMIN: [
        "areas.*",
        "accounts.*",
        "auth.*",
        "axes.*",
        "audit.*",
        "notifications.*",
        "jobs.*",
    ],
}

_ADDED: dict[str, dict[str, list[str]]] = {}  # app name -> role -> permission names


def register_role_permissions(app: AppConfig, permissions: Mapping[str, Iterable[str]]) -> None:
    """Give roles the permissions that ``app`` adds (``{role: ["app_label.codename", ...]}``).

    Called once from the app's ``AppConfig.ready()``; calling it again replaces what the app
    gave. Only installed apps count, so an app taken out of ``INSTALLED_APPS`` takes its
    permissions with it at the next migrate.
    """
    added: dict[str, list[str]] = {}
    for role, names in permissions.items():
        if role not in Role.values:
            raise ValueError(f"{app.name}: {role!r} is not a role.")
        for name in names:
            if name.count(".") != 1:
                raise ValueError(f"{app.name}: a permission is 'app_label.codename', not {name!r}.")
        added[str(role)] = list(names)
    _ADDED[app.name] = added


def role_permissions() -> dict[str, list[str]]:
    """Each role's permission names: the kernel's, then each installed app's in ``INSTALLED_APPS`` order."""
    merged = {role: list(names) for role, names in ROLE_PERMISSIONS.items()}
    for config in apps.get_app_configs():
        for role, names in _ADDED.get(config.name, {}).items():
            merged[role].extend(name for name in names if name not in merged[role])
    return merged


def sync_role_groups(apps: Any = None, **kwargs: Any) -> None:
    """Give each role's group exactly the permissions ``role_permissions()`` names."""
    from django.contrib.auth.models import Group, Permission

    for role, wanted in role_permissions().items():
        group, _created = Group.objects.get_or_create(name=role)
        permissions = Permission.objects.none()
        for name in wanted:
            app_label, codename = name.split(".")
            if codename == "*":
                permissions |= Permission.objects.filter(content_type__app_label=app_label)
            else:
                permissions |= Permission.objects.filter(content_type__app_label=app_label, codename=codename)
        group.permissions.set(permissions)
