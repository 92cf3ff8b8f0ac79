from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from nanhai_portal.tenancy.admin import TenantAdmin
from residents.models import Application, ApplicationStep, Permit, Resident

RESIDENT_FIELDS = [
    "name", "masked_id_number", "masked_mobile", "sex", "birth_date", "origin", "community", "address",
    "registered_since", "user",
]  # fmt: skip
STEP_FIELDS = ["status", "actor", "note", "at"]


class ReadOnlyAdmin(TenantAdmin):
    """Records change through the services (with audit and notifications), not by hand."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Resident)
class ResidentAdmin(ReadOnlyAdmin):
    list_display = ["name", "masked_id_number", "masked_mobile", "community", "registered_since", "town"]
    search_fields = ["name"]
    list_select_related = ["community", "town"]
    fields = [
        "name",
        "masked_id_number",
        "masked_mobile",
        "sex",
        "birth_date",
        "origin",
        "community",
        "address",
        "registered_since",
        "user",
    ]
    readonly_fields = fields  # type: ignore[assignment]

    @admin.display(description=_("ID number"))
    def masked_id_number(self, resident: Resident) -> str:
        return resident.id_number_masked

    @admin.display(description=_("mobile number"))
    def masked_mobile(self, resident: Resident) -> str:
        return resident.mobile_masked

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).defer("mobile")


class StepInline(admin.TabularInline):
    model = ApplicationStep
    fields = readonly_fields = STEP_FIELDS  # type: ignore[assignment]
    extra = 0
    can_delete = False


@admin.register(Application)
class ApplicationAdmin(ReadOnlyAdmin):
    list_display = ["resident", "kind", "status", "delivery", "due_at", "town"]
    list_filter = ["kind", "status", "delivery"]
    list_select_related = ["resident", "town"]
    exclude = ["resident"]
    readonly_fields = [
        "kind",
        "status",
        "basis",
        "delivery",
        "postal_address",
        "tracking_number",
        "return_reasons",
        "reject_reason",
        "permit",
        "submitted_at",
        "accepted_at",
        "due_at",
        "issued_at",
        "delivered_at",
    ]
    inlines = [StepInline]


@admin.register(Permit)
class PermitAdmin(ReadOnlyAdmin):
    list_display = ["permit_number", "resident", "valid_from", "valid_until", "status", "last_endorsed_on", "town"]
    list_filter = ["status"]
    search_fields = ["permit_number"]
    exclude = ["resident"]
    readonly_fields = ["permit_number", "valid_from", "valid_until", "status", "continuous_since", "last_endorsed_on"]
