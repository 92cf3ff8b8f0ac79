"""Django admin for tenant-owned models, scoped to the admin's town."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Model, QuerySet
from django.http import HttpRequest

from nanhai_portal.tenancy.context import get_current_town, is_district_scope, town_context


class TenantAdmin(admin.ModelAdmin):
    """A town admin sees and edits their town's rows; a district admin sees every town's.

    A district admin's change is written inside the row's own town (``town_context``), as
    the row-level security policy requires; a town admin cannot pick another town.
    """

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        manager = self.model._default_manager
        queryset = manager.for_all_towns() if is_district_scope() else manager.get_queryset()
        ordering = self.get_ordering(request)
        return queryset.order_by(*ordering) if ordering else queryset

    def get_exclude(self, request: HttpRequest, obj: Model | None = None) -> Any:
        excluded = list(super().get_exclude(request, obj) or [])
        return excluded if is_district_scope() else [*excluded, "town"]

    def get_list_filter(self, request: HttpRequest) -> Any:
        filters = list(super().get_list_filter(request))
        return ["town", *filters] if is_district_scope() else filters

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if not is_district_scope():
            obj.town_id = get_current_town()
        with town_context(obj.town_id):
            super().save_model(request, obj, form, change)
