from django.contrib import admin
from django.http import HttpRequest
from guardian.admin import GuardedModelAdmin

from nanhai_portal.areas.models import Community, Grid, Town
from nanhai_portal.tenancy.admin import TenantAdmin


@admin.register(Town)
class TownAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "name_en", "kind", "division_code"]
    ordering = ["sort_order"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # the seven towns are fixed by migration

    def has_delete_permission(self, request: HttpRequest, obj: Town | None = None) -> bool:
        return False


@admin.register(Community)
class CommunityAdmin(TenantAdmin):
    list_display = ["code", "name", "kind", "town"]
    list_filter = ["kind"]
    search_fields = ["code", "name"]


@admin.register(Grid)
class GridAdmin(TenantAdmin, GuardedModelAdmin):  # type: ignore[misc]
    list_display = ["code", "name", "community", "town"]
    search_fields = ["code", "name"]
    raw_id_fields = ["community"]
