"""Rental houses (出租屋), tenancies, fire-safety inspections and the hazards (隐患) they find.

A house belongs to a town, a community and a grid; its landlord is a district-wide
``residents.Person``. The checklist's categories (``HazardCategory``) are district-wide data,
loaded by a migration and changed in the admin, never in code. Risk classes (分类管理),
inspection intervals and hazard deadlines are settings, read through ``rentals.conf``.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any, NamedTuple

from django.conf import settings
from django.db import models
from django.db.models import F, Func, Q, Value
from django.db.models.lookups import Exact
from django.utils.translation import gettext_lazy as _

from nanhai_portal.ids import time_ordered_uuid
from nanhai_portal.tenancy.models import TenantModel

__all__ = ["time_ordered_uuid"]  # where migration 0005 names it


def town_indexed_elsewhere(*, held_by_parent: bool = False) -> Any:
    """``TenantModel.town`` without an index of its own, for a table whose keys already start
    with the town (a lone ``town_id`` index, and its ``varchar_pattern_ops`` twin, only cost
    each INSERT). ``held_by_parent``: no foreign key of its own to the town either, for a row
    whose same-town key to its parent, ``(parent_id, town_id)``, already holds it to the
    parent's town (an inspection's answers: 800 checks fewer at the commit of a batch)."""
    return models.ForeignKey(
        "areas.Town",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("town"),
        db_index=False,
        db_constraint=not held_by_parent,
    )


class Severity(models.TextChoices):
    MAJOR = "major", _("major")
    GENERAL = "general", _("general")


# What a rental house may have: the page's form, the API and the import all check these.
MAX_FLOORS = 100
MAX_ROOMS = 2000


class RentalHouse(TenantModel):
    """A rental house (出租屋) in a town, community and grid, with its landlord and risk class."""

    class BuildingType(models.TextChoices):
        SELF_BUILT = "self_built", _("self-built house (自建房)")
        APARTMENT = "apartment", _("apartment building")
        DORMITORY = "dormitory", _("dormitory")
        MIXED_USE = "mixed_use", _("mixed residential and commercial (三合一)")
        OTHER = "other", _("other")

    class Status(models.TextChoices):
        ACTIVE = "active", _("let")
        VACANT = "vacant", _("vacant")
        CLOSED = "closed", _("closed")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    town = town_indexed_elsewhere()  # rentalhouse_grid_due, rentalhouse_id_town_unique
    community = models.ForeignKey(
        "areas.Community", on_delete=models.PROTECT, related_name="+", verbose_name=_("community")
    )
    grid = models.ForeignKey("areas.Grid", on_delete=models.PROTECT, related_name="+", verbose_name=_("grid"))
    address = models.CharField(_("address"), max_length=200)
    building_type = models.CharField(_("building type"), max_length=16, choices=BuildingType.choices)
    floors = models.PositiveSmallIntegerField(_("floors"))
    rooms = models.PositiveSmallIntegerField(_("rooms"))
    landlord = models.ForeignKey(
        "residents.Person", on_delete=models.PROTECT, related_name="+", verbose_name=_("landlord")
    )
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    risk_class = models.CharField(_("risk class"), max_length=16)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.ACTIVE)
    last_inspected_at = models.DateTimeField(_("last inspected"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["town_id", "address"]
        verbose_name = _("rental house")
        verbose_name_plural = _("rental houses")
        permissions = [("manage_rentalhouse", _("Manage the town's rental houses"))]
        constraints = [
            models.UniqueConstraint(fields=["id", "town"], name="rentalhouse_id_town_unique"),
            models.CheckConstraint(condition=Q(floors__gte=1), name="rentalhouse_floors_positive"),
        ]
        indexes = [
            # The grid worker's today list: their grids' houses, the least recently inspected first.
            # It also serves every read by town (the town's own index is dropped).
            models.Index(fields=["town", "grid", "last_inspected_at"], name="rentalhouse_grid_due"),
            # (the landlord's houses: the foreign key's own index)
        ]

    def __str__(self) -> str:
        return self.address


class Tenancy(TenantModel):
    """A resident renting a house from one day to another (open-ended while ``to_date`` is empty)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    house = models.ForeignKey(RentalHouse, on_delete=models.CASCADE, related_name="tenancies", verbose_name=_("house"))
    resident = models.ForeignKey(
        "residents.Resident", on_delete=models.PROTECT, related_name="+", verbose_name=_("resident")
    )
    from_date = models.DateField(_("from"))
    to_date = models.DateField(_("to"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["town_id", "from_date"]
        verbose_name = _("tenancy")
        verbose_name_plural = _("tenancies")
        constraints = [
            models.CheckConstraint(
                condition=Q(to_date__isnull=True) | Q(to_date__gt=F("from_date")), name="tenancy_to_after_from"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.house_id} {self.from_date}"


class HazardCategory(models.Model):
    """One of the fire-safety checklist's categories (隐患类别), district-wide.

    Loaded by migration 0002; the district adds or retires one in the admin. A retired
    category stays for the inspections that used it and is refused in new ones.
    """

    code = models.SlugField(_("code"), max_length=32, primary_key=True)
    name_zh = models.CharField(_("Chinese name"), max_length=64)
    name_en = models.CharField(_("English name"), max_length=96)
    ok_zh = models.CharField(_("what ok means (Chinese)"), max_length=200)
    ok_en = models.CharField(_("what ok means (English)"), max_length=300)
    default_severity = models.CharField(_("default severity"), max_length=8, choices=Severity.choices)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)
    retired_at = models.DateTimeField(_("retired"), null=True, blank=True)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("hazard category")
        verbose_name_plural = _("hazard categories")

    def __str__(self) -> str:
        return self.name_zh


class Result(models.TextChoices):
    """A checklist category's answer in an inspection."""

    OK = "ok", _("ok")
    HAZARD = "hazard", _("hazard")
    NA = "na", _("not applicable")


class Answer(NamedTuple):
    """One category's answer in an inspection, as pages and the API show it."""

    category: HazardCategory
    result: str
    note: str

    def get_result_display(self) -> str:
        return str(Result(self.result).label)


def _jsonb(function: str, field: str, *args: Any, output_field: models.Field) -> Func:
    return Func(F(field), *[Value(arg) for arg in args], function=function, output_field=output_field)


# ``Inspection.answers`` is an object of results among the three, ``answer_notes`` one of texts.
NOT_A_RESULT = '$.* ? (@.type() != "string" || (@ != "ok" && @ != "hazard" && @ != "na"))'
NOT_A_TEXT = '$.* ? (@.type() != "string")'
ANSWERS_VALID = (
    Q(Exact(_jsonb("jsonb_typeof", "answers", output_field=models.CharField()), "object"))
    & Q(Exact(_jsonb("jsonb_typeof", "answer_notes", output_field=models.CharField()), "object"))
    & ~Q(_jsonb("jsonb_path_exists", "answers", NOT_A_RESULT, output_field=models.BooleanField()))
    & ~Q(_jsonb("jsonb_path_exists", "answer_notes", NOT_A_TEXT, output_field=models.BooleanField()))
)


class Inspection(TenantModel):
    """A grid worker's visit to a house. ``client_id`` is made by the phone: the same visit sent
    twice is one inspection.

    Its answers are in the row itself: ``answers`` maps each category answered to ok, hazard or
    na, ``answer_notes`` the categories with a note to the note. A sync batch of 50
    inspections then writes 50 rows instead of 850, and reading a visit reads one row; the
    categories are checked by the service (``services._clean_items``), the results by the
    database (``inspection_answers_valid``), and a category that answers name cannot be
    deleted (migration 0007's trigger: it is retired instead). Each "hazard" answer has its
    ``Hazard``, keyed by the inspection and the category.
    """

    id = models.UUIDField(primary_key=True, default=time_ordered_uuid, editable=False)
    town = town_indexed_elsewhere()  # inspection_client_id_unique_in_town
    client_id = models.UUIDField(_("client id"))
    house = models.ForeignKey(  # indexed by inspection_house_latest
        RentalHouse, on_delete=models.PROTECT, related_name="inspections", verbose_name=_("house"), db_index=False
    )
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("inspector")
    )
    inspected_at = models.DateTimeField(_("inspected"))
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    answers = models.JSONField(_("answers"), default=dict)
    answer_notes = models.JSONField(_("notes on answers"), default=dict, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["town_id", "-inspected_at"]
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")
        constraints = [
            models.UniqueConstraint(fields=["town", "client_id"], name="inspection_client_id_unique_in_town"),
            models.UniqueConstraint(fields=["id", "town"], name="inspection_id_town_unique"),
            # An object of results among the three (the notes' keys are the service's to check).
            models.CheckConstraint(condition=ANSWERS_VALID, name="inspection_answers_valid"),
        ]
        indexes = [models.Index(fields=["house", "-inspected_at"], name="inspection_house_latest")]

    def __str__(self) -> str:
        return f"{self.house_id} {self.inspected_at:%Y-%m-%d}"

    def answer_list(self, categories: Mapping[str, HazardCategory]) -> list[Answer]:
        """The answers in the checklist's order, with their notes; ``categories`` by code
        (``selectors.categories_by_code()``)."""
        answered = [
            Answer(categories[code], result, self.answer_notes.get(code, "")) for code, result in self.answers.items()
        ]
        return sorted(answered, key=lambda answer: (answer.category.sort_order, answer.category.code))


# A hazard not yet verified (the states of ``Hazard.State`` but the last).
WAITING_HAZARD_STATES = ("open", "rectification_submitted", "reopened")


class Hazard(TenantModel):
    """A hazard (隐患) found in an inspection, followed to its fix: open → rectification
    submitted (整改) → verified, or reopened (open again, with a reason)."""

    class State(models.TextChoices):
        OPEN = "open", _("open")
        RECTIFICATION_SUBMITTED = "rectification_submitted", _("rectification submitted")
        VERIFIED = "verified", _("verified")
        REOPENED = "reopened", _("reopened")

    id = models.UUIDField(primary_key=True, default=time_ordered_uuid, editable=False)
    house = models.ForeignKey(RentalHouse, on_delete=models.PROTECT, related_name="hazards", verbose_name=_("house"))
    # Held by the same-town key ``hazard_inspection_same_town`` (migration 0007) and indexed by
    # ``hazard_one_per_answer``, which starts with it.
    inspection = models.ForeignKey(
        Inspection,
        on_delete=models.PROTECT,
        related_name="hazards",
        verbose_name=_("inspection"),
        db_index=False,
        db_constraint=False,
    )
    category = models.ForeignKey(HazardCategory, on_delete=models.PROTECT, related_name="+")
    severity = models.CharField(_("severity"), max_length=8, choices=Severity.choices)
    state = models.CharField(_("state"), max_length=24, choices=State.choices, default=State.OPEN)
    due_at = models.DateTimeField(_("due"))
    rectification_note = models.TextField(_("rectification note"), blank=True)
    reopen_reason = models.TextField(_("reason for reopening"), blank=True)
    opened_at = models.DateTimeField(_("opened"))
    rectified_at = models.DateTimeField(_("rectification submitted"), null=True, blank=True)
    verified_at = models.DateTimeField(_("verified"), null=True, blank=True)
    escalated_level = models.PositiveSmallIntegerField(_("escalation level"), default=0)
    escalated_at = models.DateTimeField(_("escalated"), null=True, blank=True)

    class Meta:
        ordering = ["town_id", "due_at"]
        verbose_name = _("hazard")
        verbose_name_plural = _("hazards")
        constraints = [
            # One hazard per "hazard" answer: the inspection's, of the category.
            models.UniqueConstraint(fields=["inspection", "category", "town"], name="hazard_one_per_answer"),
            models.UniqueConstraint(fields=["id", "town"], name="hazard_id_town_unique"),
            models.CheckConstraint(condition=Q(escalated_level__lte=2), name="hazard_escalated_level_valid"),
        ]
        indexes = [
            models.Index(fields=["town", "state", "due_at"], name="hazard_state_due"),
            models.Index(fields=["house", "state"], name="hazard_house_state"),
            # The hazards still waiting, by house: a grid worker's return visits among the few
            # hundred houses of their grids, without reading the many verified ones (98.9%).
            models.Index(
                fields=["house", "due_at"], name="hazard_waiting_by_house", condition=Q(state__in=WAITING_HAZARD_STATES)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.category_id} ({self.get_state_display()})"

    @property
    def finding_note(self) -> str:
        """What the grid worker noted on the answer that opened this hazard."""
        return str(self.inspection.answer_notes.get(self.category_id, ""))


def photo_path(photo: Photo, filename: str) -> str:
    """Private storage path: town / random name (the uploaded name is not kept)."""
    return f"private/rentals/{photo.town_id}/{uuid.uuid4().hex}"


class Photo(TenantModel):
    """A photo taken in an inspection (by the grid worker, optionally of one category) or of a
    hazard's rectification (by the landlord). ``client_id`` is made by the phone, so that a
    photo sent again from the offline queue is stored once."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    client_id = models.UUIDField(_("client id"), default=uuid.uuid4)
    inspection = models.ForeignKey(
        Inspection, on_delete=models.CASCADE, null=True, blank=True, related_name="photos", verbose_name=_("inspection")
    )
    category = models.ForeignKey(
        HazardCategory, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("category")
    )
    hazard = models.ForeignKey(
        Hazard, on_delete=models.CASCADE, null=True, blank=True, related_name="photos", verbose_name=_("hazard")
    )
    file = models.FileField(_("file"), upload_to=photo_path, max_length=200)
    content_type = models.CharField(_("content type"), max_length=64)
    size = models.PositiveIntegerField(_("size"))
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("uploaded by")
    )
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at"]
        verbose_name = _("photo")
        verbose_name_plural = _("photos")
        constraints = [
            models.UniqueConstraint(fields=["town", "client_id"], name="photo_client_id_unique_in_town"),
            models.CheckConstraint(
                condition=Q(inspection__isnull=False, hazard__isnull=True)
                | Q(inspection__isnull=True, hazard__isnull=False),
                name="photo_of_inspection_or_hazard",
            ),
        ]

    def __str__(self) -> str:
        return str(self.client_id)
