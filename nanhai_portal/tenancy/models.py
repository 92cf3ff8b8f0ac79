"""The base of every tenant-owned model, and its scoped manager (the first fence)."""

from __future__ import annotations

from typing import Any, TypeVar

from django.db import models
from django.utils.translation import gettext_lazy as _

from nanhai_portal.tenancy.context import get_current_town, is_district_scope

M = TypeVar("M", bound=models.Model)


class TenantManager(models.Manager[M]):
    """Returns the current town's rows only, and none when no town is set.

    The filter is taken when the queryset is built, so build it inside the request or
    task (``get_queryset()``), never in a class attribute at import time.
    """

    def get_queryset(self) -> models.QuerySet[M]:
        queryset = super().get_queryset()
        town = get_current_town()
        if town is None:
            return queryset.none()
        return queryset.filter(town_id=town)

    def for_all_towns(self) -> models.QuerySet[M]:
        """Every town's rows, as far as row-level security lets the caller see them.

        For district views only: inside ``district_context()`` that is every town; anywhere
        else the database still limits it to the current town.
        """
        return super().get_queryset()

    def in_current_scope(self) -> models.QuerySet[M]:
        """What the current request may read: its town's rows, or every town's in a district
        scope. The base of every app's access rules (``<app>/access.py``)."""
        return self.for_all_towns() if is_district_scope() else self.get_queryset()


class TenantModel(models.Model):
    """A row that belongs to one town (镇街). Its table gets row-level security."""

    town = models.ForeignKey(
        "areas.Town",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("town"),
        db_index=True,
    )

    objects: Any = TenantManager()

    class Meta:
        abstract = True
