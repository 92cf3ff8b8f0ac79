from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from nanhai_portal.tenancy.admin import TenantAdmin
from residents.models import Application, ApplicationStep, Permit, Resident

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
    """A registration, with its person's identity beside it (the person has no screen of its
    own: it is seen only through a town's record)."""

    list_display = ["name", "masked_id_number", "masked_mobile", "community", "registered_since", "town"]
    search_fields = ["person__name"]
    list_select_related = ["person", "community", "town"]
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
        "moved_out_on",
        "user",
    ]
    readonly_fields = fields  # type: ignore[assignment]

    @admin.display(description=_("name"), ordering="person__name")
    def name(self, resident: Resident) -> str:
        return resident.person.name

    @admin.display(description=_("ID number"))
    def masked_id_number(self, resident: Resident) -> str:
        return resident.person.id_number_masked

    @admin.display(description=_("mobile number"))
    def masked_mobile(self, resident: Resident) -> str:
        return resident.person.mobile_masked

    @admin.display(description=_("sex"))
    def sex(self, resident: Resident) -> str:
        return resident.person.get_sex_display()

    @admin.display(description=_("birth date"))
    def birth_date(self, resident: Resident) -> Any:
        return resident.person.birth_date

    @admin.display(description=_("place of origin"))
    def origin(self, resident: Resident) -> str:
        return resident.person.origin

    @admin.display(description=_("account"))
    def user(self, resident: Resident) -> Any:
        return resident.person.user

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).select_related("person__user")


class StepInline(admin.TabularInline):
    model = ApplicationStep
    fields = readonly_fields = STEP_FIELDS  # type: ignore[assignment]
    extra = 0
    can_delete = False


@admin.register(Application)
class ApplicationAdmin(ReadOnlyAdmin):
    list_display = ["resident", "kind", "status", "delivery", "due_at", "town"]
    list_filter = ["kind", "status", "delivery"]
    list_select_related = ["resident__person", "town"]
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
    list_select_related = ["resident__person", "town"]
    exclude = ["resident"]
    readonly_fields = ["permit_number", "valid_from", "valid_until", "status", "continuous_since", "last_endorsed_on"]
