"""The six roles, each a group with its model permissions.

The groups are created by migration 0002; their permissions are kept equal to
``ROLE_PERMISSIONS`` after every migrate (``sync_role_groups``), since Django creates
the permissions of new models only after the migrations have run.
"""

from __future__ import annotations

from typing import Any

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

_REVIEW_RESIDENTS = [
    "residents.view_resident",
    "residents.view_application",
    "residents.review_application",
    "residents.view_permit",
    "residents.view_document",
]
_IMPORT_JOBS = ["jobs.add_importjob", "jobs.view_importjob", "jobs.cancel_importjob"]
_FAN_OUT = ["notifications.add_fanout", "notifications.view_fanout"]
_VIEW_RESIDENTS = ["residents.view_resident", "residents.view_application", "residents.view_permit"]

# "app_label.codename", or "app_label.*" for every permission of an app.
ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.RESIDENT: ["areas.view_town", "areas.view_community"],
    # Grids come from object permissions (areas.serve_grid), not from the role.
    Role.GRID_WORKER: ["areas.view_town", "areas.view_community"],
    Role.TOWN_OFFICER: [*_VIEW_AREAS, "accounts.reveal_pii", *_REVIEW_RESIDENTS, *_FAN_OUT, *_IMPORT_JOBS],
    Role.TOWN_ADMIN: [
        *_VIEW_AREAS,
        *["areas.add_community", "areas.change_community", "areas.add_grid", "areas.change_grid"],
        *["accounts.view_user", "accounts.add_user", "accounts.change_user", "accounts.reveal_pii"],
        "audit.view_auditevent",
        *_REVIEW_RESIDENTS,
        *_FAN_OUT,
        *_IMPORT_JOBS,
    ],
    Role.DISTRICT_OFFICIAL: [
        *_VIEW_AREAS,
        "accounts.view_user",
        *_VIEW_RESIDENTS,
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
        *_VIEW_RESIDENTS,
    ],
}


def sync_role_groups(apps: Any = None, **kwargs: Any) -> None:
    """Give each role's group exactly the permissions ``ROLE_PERMISSIONS`` names."""
    from django.contrib.auth.models import Group, Permission

    for role, wanted in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=role)
        permissions = Permission.objects.none()
        for name in wanted:
            app_label, codename = name.split(".")
            if codename == "*":
                permissions |= Permission.objects.filter(content_type__app_label=app_label)
            else:
                permissions |= Permission.objects.filter(content_type__app_label=app_label, codename=codename)
        group.permissions.set(permissions)
