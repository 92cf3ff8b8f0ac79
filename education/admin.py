"""The back office of points admission: a town's schools, its points schemes (items and cap
groups, changed without code) and its rounds' settings. Town admins their town's, the district
admin every town's (``TenantAdmin``).

A scheme with which points were published is frozen: it is shown, not changed; the town makes
a new version (``services.schemes.scheme_new_version``). A round's schools and places are fixed
once its points are published. A round's phase and lottery seed move only through the services
(the pages and the API), never here, and the seed is not shown (its digest is).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest

from education.models import AdmissionRound, PointsScheme, RoundSchool, SchemeGroup, SchemeItem, School
from education.services.rounds import SCHOOLS_CHANGE_IN
from nanhai_portal.tenancy.admin import TenantAdmin


class _TownInline(admin.TabularInline):
    """Rows of a scheme or a round, in the parent's town; none changed once the scheme is frozen."""

    extra = 0
    exclude = ["town"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _open(obj) and super().has_change_permission(request, obj)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _open(obj) and super().has_add_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _open(obj) and super().has_delete_permission(request, obj)


def _open(obj: Model | None) -> bool:
    """A scheme may be changed until points are published with it; a round's schools and
    places until its points are published (``services.rounds.SCHOOLS_CHANGE_IN``)."""
    if isinstance(obj, PointsScheme):
        return obj.frozen_at is None
    if isinstance(obj, AdmissionRound):
        return obj.phase in SCHOOLS_CHANGE_IN
    return True


class SchemeGroupInline(_TownInline):
    model = SchemeGroup
    fields = ["code", "name_zh", "name_en", "cap"]


class SchemeItemInline(_TownInline):
    model = SchemeItem
    fields = [
        "sort_order",
        "code",
        "name_zh",
        "name_en",
        "kind",
        "unit",
        "points_per_unit",
        "cap",
        "group",
        "exclusive_set",
        "source",
        "documents",
    ]


class _WithTownRows(TenantAdmin):
    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        for row in formset.save(commit=False):
            row.town_id = form.instance.town_id
            row.save()
        for row in formset.deleted_objects:
            row.delete()
        formset.save_m2m()


@admin.register(PointsScheme)
class PointsSchemeAdmin(_WithTownRows):
    list_display = ["name", "version", "frozen_at", "created_at"]
    search_fields = ["name"]
    ordering = ["name", "-version"]
    readonly_fields = ["version", "frozen_at"]
    inlines = [SchemeGroupInline, SchemeItemInline]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _open(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # rounds and published points point at it


@admin.register(School)
class SchoolAdmin(TenantAdmin):
    list_display = ["name", "stage", "address"]
    list_filter = ["stage"]
    search_fields = ["name", "address"]
    ordering = ["stage", "name"]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # rounds and applications point at it


class RoundSchoolInline(_TownInline):
    model = RoundSchool
    fields = ["school", "places", "held", "accepted"]
    readonly_fields = ["held", "accepted"]


@admin.register(AdmissionRound)
class AdmissionRoundAdmin(_WithTownRows):
    list_display = ["name", "year", "phase", "applications_open", "applications_close"]
    list_filter = ["phase", "year"]
    search_fields = ["name"]
    ordering = ["-year", "name"]
    readonly_fields = ["phase", "seed_digest"]
    exclude = ["seed"]  # secret until the allocation: the API shows it from then on
    inlines = [RoundSchoolInline]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # applications point at it
