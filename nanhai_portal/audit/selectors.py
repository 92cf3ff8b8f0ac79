"""Reading the audit trail: filters shared by the page, the API and the CSV export."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters

from nanhai_portal.audit.models import AuditEvent


class AuditEventFilter(filters.FilterSet):
    action = filters.CharFilter(label=_("action"), lookup_expr="startswith")
    actor = filters.CharFilter(label=_("username"), field_name="actor_username")
    town = filters.CharFilter(label=_("town"), field_name="town_id")
    object_id = filters.CharFilter(label=_("object id"))
    since = filters.DateFilter(label=_("from"), field_name="occurred_at", lookup_expr="date__gte")
    until = filters.DateFilter(label=_("until"), field_name="occurred_at", lookup_expr="date__lte")

    class Meta:
        model = AuditEvent
        fields = ["action", "actor", "town", "object_id", "since", "until"]


def filtered_audit_events(events: QuerySet[AuditEvent], params: Any) -> tuple[AuditEventFilter, QuerySet[AuditEvent]]:
    """``events`` (from ``access.audit_events_visible_to``) narrowed by the filters in ``params``."""
    event_filter = AuditEventFilter(params, queryset=events)
    return event_filter, event_filter.qs if event_filter.is_valid() else events.none()
