"""Base classes for the API's views of tenant-owned data."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from rest_framework import permissions, viewsets
from rest_framework.request import Request

from nanhai_portal.tenancy import is_district_scope


class DistrictReadOnly(permissions.BasePermission):
    """District officials and admins read every town through the API; they write none."""

    message = _("District roles read across towns; changes are made by the town.")

    def has_permission(self, request: Request, view: Any) -> bool:
        return request.method in permissions.SAFE_METHODS or not is_district_scope()


class TenantViewSet(viewsets.GenericViewSet):
    """A viewset over one tenant-owned model, scoped to the caller's town.

    Subclasses set ``model`` and override ``scope_queryset(queryset)`` to return what their
    app's access module lets the caller see (``<app>/access.py``, shared with the pages);
    they never set ``queryset`` or override ``get_queryset``, so that no view can forget the
    town. District roles get every town's rows, read-only.
    """

    model: type[Any]
    permission_classes = [permissions.IsAuthenticated, DistrictReadOnly]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "queryset" in cls.__dict__ or "get_queryset" in cls.__dict__:
            raise ImproperlyConfigured(
                f"{cls.__name__}: set `model` and override `scope_queryset`, not `queryset`/`get_queryset`."
            )

    def get_queryset(self) -> QuerySet[Any]:
        manager = self.model.objects
        if getattr(self, "swagger_fake_view", False):  # drf-spectacular, building the schema
            return manager.none()
        return self.scope_queryset(manager.in_current_scope())

    def scope_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return queryset
