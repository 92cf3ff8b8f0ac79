"""Import jobs in the back office: read-only (uploads and cancelling happen on /jobs/)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from nanhai_portal.jobs.models import ImportJob
from nanhai_portal.tenancy.admin import TenantAdmin


@admin.register(ImportJob)
class ImportJobAdmin(TenantAdmin):
    list_display = ["created_at", "kind", "file_name", "status", "total", "imported", "failed", "town"]
    list_filter = ["status", "kind"]
    search_fields = ["file_name"]
    readonly_fields = [field.name for field in ImportJob._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
