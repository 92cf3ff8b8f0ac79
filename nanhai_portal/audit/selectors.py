"""Reading the audit trail: filters shared by the page, the API and the CSV export."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_filters import rest_framework as filters
from django_filters.fields import ChoiceField

from nanhai_portal.areas.models import Town
from nanhai_portal.audit.actions import CODE, action_choices, registered_actions
from nanhai_portal.audit.models import AuditEvent


class AuditEventFilter(filters.FilterSet):
    """The API's filters: ``action`` is a code or the start of one (``auth.``)."""

    action = filters.CharFilter(label=_("action"), lookup_expr="startswith")
    actor = filters.CharFilter(label=_("username"), field_name="actor_username")
    town = filters.CharFilter(label=_("town"), field_name="town_id")
    object_id = filters.CharFilter(label=_("object id"))
    since = filters.DateFilter(label=_("from"), field_name="occurred_at", lookup_expr="date__gte")
    until = filters.DateFilter(label=_("until"), field_name="occurred_at", lookup_expr="date__lte")

    class Meta:
        model = AuditEvent
        fields = ["action", "actor", "town", "object_id", "since", "until"]


class AuditFilterForm(forms.Form):
    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and until < since:
            self.add_error("until", pgettext_lazy("audit filter", "The end date is before the start date."))
        return cleaned


class ActionField(ChoiceField):
    """A named action, or the start of the codes of an area (``auth.``: links made before the select)."""

    def valid_value(self, value: Any) -> bool:
        if isinstance(value, str) and value.endswith(".") and CODE.match(value + "x"):
            return any(code.startswith(value) for code in registered_actions())
        return super().valid_value(value)


class ActionFilter(filters.ChoiceFilter):
    field_class = ActionField

    def filter(self, qs: QuerySet[Any], value: Any) -> QuerySet[Any]:
        if value and value.endswith("."):
            return qs.filter(action__startswith=value)
        return super().filter(qs, value)


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")  # the browser's date picker


def _town_choices() -> list[tuple[str, str]]:
    return [(town.code, town.name) for town in Town.objects.order_by("sort_order", "code")]


class AuditEventPageFilter(AuditEventFilter):
    """The page's (and its CSV export's) filters: actions by name, dates from a date picker.

    ``district=False`` (a town admin, who reads one town anyway) drops the town filter.
    """

    action = ActionFilter(
        label=_("action"), choices=action_choices, empty_label=pgettext_lazy("audit filter", "all actions")
    )
    town = filters.ChoiceFilter(
        label=_("town"),
        field_name="town_id",
        choices=_town_choices,
        empty_label=pgettext_lazy("audit filter", "all towns"),
    )
    since = filters.DateFilter(label=_("from"), field_name="occurred_at", lookup_expr="date__gte", widget=_date_input())
    until = filters.DateFilter(
        label=_("until"), field_name="occurred_at", lookup_expr="date__lte", widget=_date_input()
    )

    class Meta(AuditEventFilter.Meta):
        form = AuditFilterForm

    def __init__(self, *args: Any, district: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not district:
            del self.filters["town"]


def filtered_audit_events(
    events: QuerySet[AuditEvent], params: Any, *, district: bool = True
) -> tuple[AuditEventPageFilter, QuerySet[AuditEvent]]:
    """``events`` (from ``access.audit_events_visible_to``) narrowed by the page's filters in ``params``."""
    event_filter = AuditEventPageFilter(params, queryset=events, district=district)
    return event_filter, event_filter.qs if event_filter.is_valid() else events.none()
