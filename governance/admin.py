"""The back office of the two committees: a town's committees, their terms with seats and
members, and party members' registrations (报到). Town admins their town's, the district admin
every town's (``TenantAdmin``). Elections move only through the services (the pages and the
API): here they are shown, never changed. People are picked by id (``raw_id_fields``): the
district's people are never listed here.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from governance.models import Committee, CommitteeMember, Election, PartyRegistration, Term, TermSeat
from nanhai_portal.tenancy.admin import TenantAdmin


class _TownInline(admin.TabularInline):
    extra = 0
    exclude = ["town"]


class TermSeatInline(_TownInline):
    model = TermSeat
    fields = ["post", "seats"]


class CommitteeMemberInline(_TownInline):
    model = CommitteeMember
    fields = ["person", "post", "is_hukou", "is_party_member", "from_date", "to_date"]
    raw_id_fields = ["person"]


class _WithTownRows(TenantAdmin):
    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        for row in formset.save(commit=False):
            row.town_id = form.instance.town_id
            row.save()
        for row in formset.deleted_objects:
            row.delete()
        formset.save_m2m()


@admin.register(Committee)
class CommitteeAdmin(TenantAdmin):
    list_display = ["name", "community", "kind"]
    list_filter = ["kind"]
    search_fields = ["name"]
    ordering = ["community__code", "kind"]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # terms and elections point at it


@admin.register(Term)
class TermAdmin(_WithTownRows):
    list_display = ["committee", "starts_on", "ends_on"]
    ordering = ["-starts_on"]
    inlines = [TermSeatInline, CommitteeMemberInline]


@admin.register(PartyRegistration)
class PartyRegistrationAdmin(TenantAdmin):
    list_display = ["person", "community", "branch_of_origin", "registered_on"]
    raw_id_fields = ["person"]
    ordering = ["-registered_on"]


@admin.register(Election)
class ElectionAdmin(TenantAdmin):
    list_display = ["community", "year", "phase", "polling_day", "is_valid"]
    list_filter = ["phase", "year"]
    ordering = ["-year"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
