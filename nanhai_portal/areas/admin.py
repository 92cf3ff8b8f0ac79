from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from nanhai_portal.areas.forms import GridAdminForm
from nanhai_portal.areas.models import Community, Grid, Town
from nanhai_portal.areas.selectors import workers_serving
from nanhai_portal.areas.services import grid_assign_worker, grid_unassign_worker
from nanhai_portal.tenancy import town_context
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
class GridAdmin(TenantAdmin):
    """Grids, and who serves them: assigning a worker grants ``areas.serve_grid`` on the grid."""

    form = GridAdminForm
    list_display = ["code", "name", "community", "town"]
    search_fields = ["code", "name"]
    raw_id_fields = ["community"]

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        grid = form.instance
        wanted = set(form.cleaned_data["workers"])
        current = set(workers_serving(grid))
        with town_context(grid.town_id):
            for worker in wanted - current:
                grid_assign_worker(grid=grid, worker=worker, by=request.user)
            for worker in current - wanted:
                grid_unassign_worker(grid=grid, worker=worker, by=request.user)
