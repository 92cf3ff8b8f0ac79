"""Towns and streets (镇街, the tenants), communities (村/社区) and grids (网格)."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _
from guardian.models import UserObjectPermissionBase

from nanhai_portal.tenancy.models import TenantModel


class Town(models.Model):
    """A town (镇) or street (街道) of Nanhai District: the tenant.

    The code is the primary key, so every tenant-owned row's ``town_id`` reads as the code
    the API shows, and the row-level security policy compares it without a join.
    """

    class Kind(models.TextChoices):
        STREET = "street", _("street (街道)")
        TOWN = "town", _("town (镇)")

    code = models.SlugField(_("code"), max_length=16, primary_key=True)
    name = models.CharField(_("name"), max_length=32, unique=True)
    name_en = models.CharField(_("English name"), max_length=64)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    division_code = models.CharField(_("administrative division code"), max_length=12, unique=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("town or street")
        verbose_name_plural = _("towns and streets")

    def __str__(self) -> str:
        return self.name


class Community(TenantModel):
    """A village (村) or urban community (社区): one station (流管站) each."""

    class Kind(models.TextChoices):
        VILLAGE = "村", _("village (村)")
        COMMUNITY = "社区", _("community (社区)")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    code = models.CharField(_("code"), max_length=16)
    name = models.CharField(_("name"), max_length=64)
    kind = models.CharField(_("kind"), max_length=4, choices=Kind.choices)

    class Meta:
        ordering = ["town_id", "code"]
        verbose_name = _("village or community")
        verbose_name_plural = _("villages and communities")
        constraints = [
            models.UniqueConstraint(fields=["town", "code"], name="community_code_unique_in_town"),
            models.UniqueConstraint(fields=["town", "name"], name="community_name_unique_in_town"),
            # Target of the grid's composite foreign key (community, town).
            models.UniqueConstraint(fields=["id", "town"], name="community_id_town_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class Grid(TenantModel):
    """A grid (网格): the patch of a community that one or more grid workers walk.

    The database holds the grid to its community's town with a composite foreign key
    (community_id, town_id) -> community (id, town_id), added in the migration.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="grids", verbose_name=_("community")
    )
    code = models.CharField(_("code"), max_length=24)
    name = models.CharField(_("name"), max_length=64)

    class Meta:
        ordering = ["town_id", "code"]
        verbose_name = _("grid")
        verbose_name_plural = _("grids")
        constraints = [
            models.UniqueConstraint(fields=["town", "code"], name="grid_code_unique_in_town"),
        ]
        permissions = [("serve_grid", _("Serve as grid worker of the grid"))]

    def __str__(self) -> str:
        return self.name


class GridUserObjectPermission(UserObjectPermissionBase):
    """django-guardian's per-object permissions on grids, with a real foreign key.

    A grid worker's grids are the grids on which they hold ``areas.serve_grid``.
    """

    content_object = models.ForeignKey(Grid, on_delete=models.CASCADE)

    class Meta(UserObjectPermissionBase.Meta):
        verbose_name = _("grid permission of a user")
