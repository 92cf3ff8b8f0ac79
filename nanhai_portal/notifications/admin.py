"""Back office: browse notifications, the outbox, fan-outs and what the development backend
"sent" (read-only: these rows are written by the services, never by hand)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from nanhai_portal.notifications.models import (
    FanOut,
    Notification,
    NotificationPreference,
    OutboxMessage,
    SentMessage,
)
from nanhai_portal.tenancy.admin import TenantAdmin


class ReadOnlyAdminMixin:
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(SentMessage)
class SentMessageAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """What would have gone out, in a demo without real gateways (addresses masked)."""

    list_display = ["sent_at", "channel", "recipient", "subject"]
    list_filter = ["channel"]
    search_fields = ["subject", "outbox_id"]
    date_hierarchy = "sent_at"


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "channel", "status", "attempts", "next_attempt_at", "sent_at", "last_error"]
    list_filter = ["status", "channel"]
    search_fields = ["id", "notification__id"]
    raw_id_fields = ["notification", "recipient", "fanout"]


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "recipient", "event", "title", "read_at"]
    list_filter = ["event"]
    search_fields = ["title", "recipient__username"]
    raw_id_fields = ["recipient", "fanout"]


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "language", "sms", "email", "wechat", "updated_at"]
    list_filter = ["language", "sms", "email", "wechat"]
    search_fields = ["user__username"]
    raw_id_fields = ["user"]


@admin.register(FanOut)
class FanOutAdmin(ReadOnlyAdminMixin, TenantAdmin):
    list_display = ["created_at", "event", "segment", "status", "total", "processed", "created_by", "town"]
    list_filter = ["status", "event"]
