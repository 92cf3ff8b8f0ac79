"""Reading the audit trail: filters shared by the page, the API and the CSV export."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters

from nanhai_portal.audit.models import AuditEvent
from nanhai_portal.tenancy import is_district_scope


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


def audit_events() -> QuerySet[AuditEvent]:
    """The events the caller may read: their town's, or every town's in a district scope."""
    manager: Any = AuditEvent.objects
    return (manager.for_all_towns() if is_district_scope() else manager.all()).order_by("-occurred_at")


def filtered_audit_events(params: Any) -> tuple[AuditEventFilter, QuerySet[AuditEvent]]:
    event_filter = AuditEventFilter(params, queryset=audit_events())
    return event_filter, event_filter.qs if event_filter.is_valid() else audit_events().none()
