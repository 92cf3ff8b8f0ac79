from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from rentals.models import HazardCategory


@admin.register(HazardCategory)
class HazardCategoryAdmin(admin.ModelAdmin):
    """The fire-safety checklist's categories, district-wide: the district adds one, or retires
    one by setting ``retired_at`` (never deleted: past inspections point to it)."""

    list_display = ["code", "name_zh", "name_en", "default_severity", "sort_order", "retired_at"]
    list_filter = ["default_severity"]
    search_fields = ["code", "name_zh", "name_en"]
    ordering = ["sort_order", "code"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ["code"] if obj is not None else []

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
