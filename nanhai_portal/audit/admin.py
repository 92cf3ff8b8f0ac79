from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from nanhai_portal.audit.models import AuditEvent
from nanhai_portal.tenancy.admin import TenantAdmin


@admin.register(AuditEvent)
class AuditEventAdmin(TenantAdmin):
    """Read-only: the trail is append-only."""

    list_display = ["occurred_at", "town", "actor_username", "actor_role", "action", "object_repr", "ip_address"]
    list_filter = ["action", "actor_role"]
    search_fields = ["actor_username", "object_id", "request_id"]
    date_hierarchy = "occurred_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
