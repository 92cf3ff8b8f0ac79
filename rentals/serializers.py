"""The rentals API's input and output shapes. Input serializers check types and sizes only;
the checklist's rules (categories, results, duplicates) are the services' (``rentals.services``)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from nanhai_portal.pii import mask_id_number, mask_mobile
from nanhai_portal.validators import validate_free_text, validate_multiline_text
from rentals import selectors
from rentals.models import (
    MAX_FLOORS,
    MAX_ROOMS,
    Hazard,
    HazardCategory,
    Inspection,
    Photo,
    RentalHouse,
    Result,
    Tenancy,
)

# A phone's clock may run a little fast; an inspection further in the future is refused.
CLOCK_TOLERANCE = timedelta(minutes=10)
RESULTS_HELP = "`ok`, `hazard` or `na` (not applicable); another value is refused with code `invalid_result`."


def _coordinate(limit: int) -> serializers.DecimalField:
    return serializers.DecimalField(
        max_digits=9, decimal_places=6, min_value=-limit, max_value=limit, required=False, allow_null=True
    )


def _check_location(attrs: dict[str, Any]) -> dict[str, Any]:
    """Both coordinates or neither; ``location`` is the pair the services take."""
    latitude, longitude = attrs.pop("latitude", None), attrs.pop("longitude", None)
    if (latitude is None) != (longitude is None):
        message = _("Give both latitude and longitude, or neither.")
        raise serializers.ValidationError({"latitude" if latitude is None else "longitude": [message]})
    if latitude is not None:
        attrs["location"] = (latitude, longitude)
    return attrs


# --- Inspections: input ----------------------------------------------------------------


CATEGORY_MAX = 32
RESULT_MAX = 16
ITEM_NOTE_MAX = 500


class InspectionItemInputSerializer(serializers.Serializer):
    category = serializers.CharField(
        max_length=CATEGORY_MAX, help_text="A checklist category's code (GET hazard-categories)."
    )
    result = serializers.CharField(max_length=RESULT_MAX, help_text=RESULTS_HELP)
    note = serializers.CharField(
        max_length=ITEM_NOTE_MAX, required=False, allow_blank=True, default="", validators=[validate_multiline_text]
    )


# What DRF's ``CharField`` refuses in any string: the NUL character and lone surrogates.
_REFUSED_IN_TEXT = re.compile("[\x00\ud800-\udfff]")


def _plain_text(value: Any, max_length: int, *, allow_blank: bool) -> str | None:
    """``value`` as the item's ``CharField`` would take it (stripped), when it is a string that
    field accepts as it is; None for anything else (the field then says why)."""
    if type(value) is not str:
        return None
    text = value.strip()
    if not text:
        return "" if allow_blank else None
    if len(text) > max_length or _REFUSED_IN_TEXT.search(text):
        return None
    return text


def plain_checklist_answers(data: Any) -> list[dict[str, str]] | None:
    """The items of an inspection as ``InspectionItemInputSerializer`` would take them, checked
    in one plain pass (a batch holds hundreds): a list of objects whose ``category`` and
    ``result`` are non-blank strings and whose ``note``, if any, is a string, each within its
    length and free of control characters (``validate_multiline_text``). None as soon as one
    item is anything else, so that DRF checks the list and answers with its own messages."""
    if type(data) is not list:
        return None
    answers = []
    for item in data:
        if type(item) is not dict:
            return None
        category = _plain_text(item.get("category"), CATEGORY_MAX, allow_blank=False)
        result = _plain_text(item.get("result"), RESULT_MAX, allow_blank=False)
        note = _plain_text(item.get("note", ""), ITEM_NOTE_MAX, allow_blank=True)
        if category is None or result is None or note is None:
            return None
        if note:
            try:
                validate_multiline_text(note)
            except DjangoValidationError:
                return None
        answers.append({"category": category, "result": result, "note": note})
    return answers


class ChecklistAnswersField(serializers.ListField):
    """The items of an inspection: ``plain_checklist_answers`` when it takes them all, the
    child serializer item by item otherwise (the same values, and DRF's own messages for what
    is wrong). The list's own length limits are checked either way."""

    def to_internal_value(self, data: Any) -> Any:
        answers = plain_checklist_answers(data)
        return answers if answers is not None else super().to_internal_value(data)


class InspectionCreateSerializer(serializers.Serializer):
    client_id = serializers.UUIDField(help_text="Made by the phone: the same inspection sent again is one inspection.")
    house = serializers.UUIDField(help_text="A house of the grid worker's grids.")
    items = ChecklistAnswersField(child=InspectionItemInputSerializer(), min_length=1, max_length=64)
    inspected_at = serializers.DateTimeField(required=False, help_text="When the visit was made; default now.")
    latitude = _coordinate(90)
    longitude = _coordinate(180)
    note = serializers.CharField(
        max_length=2000, required=False, allow_blank=True, default="", validators=[validate_multiline_text]
    )

    def validate_inspected_at(self, value: datetime) -> datetime:
        if value > timezone.now() + CLOCK_TOLERANCE:
            raise serializers.ValidationError(_("An inspection cannot be made in the future."))
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = _check_location(attrs)
        attrs.setdefault("inspected_at", timezone.now())
        attrs["items"] = [dict(item) for item in attrs["items"]]
        return attrs


class InspectionSyncSerializer(serializers.Serializer):
    """For the document: each item is checked on its own (``inspections_checked``), never the
    batch as a whole."""

    inspections = serializers.ListField(child=InspectionCreateSerializer())


def inspections_checked(batch: list[Any]) -> Iterator[tuple[dict[str, Any] | None, Any]]:
    """For each inspection of a batch, in order, ``(validated data, None)`` or ``(None, DRF's
    errors)``: what ``InspectionCreateSerializer(data=...).is_valid()`` answers for it alone,
    from one serializer whose fields are built once for the batch."""
    checker = InspectionCreateSerializer()
    for raw in batch:
        try:
            yield dict(checker.run_validation(raw)), None
        except serializers.ValidationError as error:
            yield None, error.detail


class InspectionUpdateSerializer(serializers.Serializer):
    base_version = serializers.IntegerField(
        min_value=1, max_value=2_000_000_000, help_text="The version the change was made against."
    )
    note = serializers.CharField(
        max_length=2000, required=False, allow_blank=True, validators=[validate_multiline_text]
    )
    latitude = _coordinate(90)
    longitude = _coordinate(180)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        return _check_location(attrs)


class PhotoUploadSerializer(serializers.Serializer):
    file = serializers.FileField(allow_empty_file=True, help_text="A JPEG or PNG photo.")
    client_id = serializers.UUIDField(required=False, help_text="Made by the phone: a photo sent again is kept once.")
    category = serializers.CharField(max_length=32, required=False, help_text="The category the photo shows.")


# --- Inspections: output ---------------------------------------------------------------


class PhotoSerializer(serializers.ModelSerializer[Photo]):
    category = serializers.CharField(source="category_id", allow_null=True, read_only=True)
    url = serializers.SerializerMethodField()

    class Meta:
        model = Photo
        fields = ["id", "client_id", "category", "content_type", "size", "uploaded_at", "url"]
        read_only_fields = fields

    def get_url(self, photo: Photo) -> str:
        return reverse("rental-photo", kwargs={"photo_id": photo.pk})


class InspectionItemSerializer(serializers.Serializer):
    """One answer of an inspection (``Inspection.answer_list``), in the checklist's order."""

    category = serializers.CharField(source="category.code", read_only=True)
    result = serializers.ChoiceField(choices=Result.choices, read_only=True)
    note = serializers.CharField(read_only=True)


class HazardBriefSerializer(serializers.ModelSerializer[Hazard]):
    category = serializers.CharField(source="category_id", read_only=True)

    class Meta:
        model = Hazard
        fields = ["id", "category", "severity", "state", "due_at"]
        read_only_fields = fields


class InspectionListSerializer(serializers.ModelSerializer[Inspection]):
    town = serializers.CharField(source="town_id", read_only=True)
    inspector = serializers.CharField(source="inspector.username", read_only=True)

    class Meta:
        model = Inspection
        fields = [
            "id", "town", "client_id", "house", "inspector", "inspected_at", "latitude", "longitude", "note",
            "version", "created_at",
        ]  # fmt: skip
        read_only_fields = fields


class InspectionSerializer(InspectionListSerializer):
    items = serializers.SerializerMethodField()
    hazards = serializers.SerializerMethodField()
    photos = PhotoSerializer(many=True, read_only=True)

    class Meta(InspectionListSerializer.Meta):
        fields = [*InspectionListSerializer.Meta.fields, "items", "hazards", "photos"]
        read_only_fields = fields

    @extend_schema_field(InspectionItemSerializer(many=True))
    def get_items(self, inspection: Inspection) -> list[dict[str, Any]]:
        categories = self.context.get("categories") or selectors.categories_by_code()
        return list(InspectionItemSerializer(inspection.answer_list(categories), many=True).data)

    @extend_schema_field(HazardBriefSerializer(many=True))
    def get_hazards(self, inspection: Inspection) -> list[dict[str, Any]]:
        hazards = Hazard.objects.in_current_scope().filter(inspection=inspection).order_by("due_at", "pk")
        return list(HazardBriefSerializer(hazards, many=True).data)


class SyncResultSerializer(serializers.Serializer):
    index = serializers.IntegerField(help_text="The item's place in the batch, from 0.")
    client_id = serializers.CharField()
    result = serializers.ChoiceField(choices=["created", "duplicate", "conflict", "refused"])
    inspection = serializers.UUIDField(allow_null=True)
    code = serializers.CharField(help_text="Why refused or in conflict; empty otherwise.")
    message = serializers.CharField()
    current_version = serializers.IntegerField(allow_null=True)
    # DRF's metaclass takes declared fields out of the class body, so this does not shadow
    # ``Serializer.fields``; the answer's key matches the error shape's ``fields``.
    fields = serializers.DictField(  # type: ignore[assignment]
        child=serializers.ListField(child=serializers.CharField()), help_text="Messages by field, for `invalid`."
    )


class SyncAnswerSerializer(serializers.Serializer):
    results = SyncResultSerializer(many=True)


# --- Houses and tenancies --------------------------------------------------------------


class LandlordSerializer(serializers.Serializer):
    name = serializers.CharField()
    id_number = serializers.SerializerMethodField(help_text="masked")
    mobile = serializers.SerializerMethodField(help_text="masked")

    def get_id_number(self, person: Any) -> str:
        return mask_id_number(person.id_number)

    def get_mobile(self, person: Any) -> str:
        return mask_mobile(person.mobile)


class RentalHouseSerializer(serializers.ModelSerializer[RentalHouse]):
    town = serializers.CharField(source="town_id", read_only=True)
    landlord = LandlordSerializer(read_only=True)
    open_hazards = serializers.IntegerField(read_only=True, help_text="Hazards not yet verified as fixed.")
    inspection_due = serializers.DateTimeField(read_only=True, help_text="When the next inspection is due.")
    last_inspection = serializers.UUIDField(read_only=True, allow_null=True)

    class Meta:
        model = RentalHouse
        fields = [
            "id", "town", "community", "grid", "address", "building_type", "floors", "rooms", "landlord",
            "latitude", "longitude", "risk_class", "status", "last_inspected_at", "last_inspection",
            "inspection_due", "open_hazards", "version", "created_at",
        ]  # fmt: skip
        read_only_fields = fields


class RentalHouseCreateSerializer(serializers.Serializer):
    grid = serializers.UUIDField(help_text="A grid of the current town.")
    address = serializers.CharField(max_length=200, validators=[validate_free_text])
    building_type = serializers.ChoiceField(choices=RentalHouse.BuildingType.choices)
    floors = serializers.IntegerField(min_value=1, max_value=MAX_FLOORS)
    rooms = serializers.IntegerField(min_value=1, max_value=MAX_ROOMS)
    landlord_id_number = serializers.CharField(
        max_length=24,
        required=False,
        allow_blank=True,
        help_text="Staff register for a landlord by ID number; a landlord registering their own house leaves it out.",
    )
    landlord_name = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    landlord_mobile = serializers.CharField(max_length=20, required=False, allow_blank=True)
    latitude = _coordinate(90)
    longitude = _coordinate(180)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = _check_location(attrs)
        location = attrs.pop("location", None)
        if location:
            attrs["latitude"], attrs["longitude"] = location
        for key in ("landlord_id_number", "landlord_mobile"):
            if not attrs.get(key):
                attrs.pop(key, None)
        return attrs


class TenancySerializer(serializers.ModelSerializer[Tenancy]):
    town = serializers.CharField(source="town_id", read_only=True)
    resident_name = serializers.CharField(source="resident.person.name", read_only=True)

    class Meta:
        model = Tenancy
        fields = ["id", "town", "house", "resident", "resident_name", "from_date", "to_date", "created_at"]
        read_only_fields = fields


class TenancyCreateSerializer(serializers.Serializer):
    resident = serializers.UUIDField(help_text="The id of the tenant's residence registration in the house's town.")
    from_date = serializers.DateField()


# --- Hazards and categories --------------------------------------------------------------


class HazardCategorySerializer(serializers.ModelSerializer[HazardCategory]):
    retired = serializers.SerializerMethodField()

    class Meta:
        model = HazardCategory
        fields = ["code", "name_zh", "name_en", "ok_zh", "ok_en", "default_severity", "sort_order", "retired"]
        read_only_fields = fields

    def get_retired(self, category: HazardCategory) -> bool:
        return category.retired_at is not None


class HazardSerializer(serializers.ModelSerializer[Hazard]):
    town = serializers.CharField(source="town_id", read_only=True)
    category = serializers.CharField(source="category_id", read_only=True)
    inspection = serializers.UUIDField(source="inspection_id", read_only=True)
    overdue = serializers.SerializerMethodField()
    actions = serializers.SerializerMethodField(
        help_text="What the caller may do now: rectify, verify, reopen. "
        "On the detail and the actions' answers; empty in lists."
    )
    photos = PhotoSerializer(many=True, read_only=True)

    class Meta:
        model = Hazard
        fields = [
            "id", "town", "house", "inspection", "category", "severity", "state", "due_at", "overdue",
            "opened_at", "rectification_note", "rectified_at", "reopen_reason", "verified_at",
            "escalated_level", "escalated_at", "actions", "photos",
        ]  # fmt: skip
        read_only_fields = fields

    def get_overdue(self, hazard: Hazard) -> bool:
        now = self.context.get("now") or timezone.now()
        return hazard.state in (Hazard.State.OPEN, Hazard.State.REOPENED) and hazard.due_at <= now

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_actions(self, hazard: Hazard) -> list[str]:
        actions = self.context.get("actions")
        return list(actions(hazard)) if actions else []


class RectifySerializer(serializers.Serializer):
    note = serializers.CharField(max_length=1000, validators=[validate_multiline_text])
    photos = serializers.ListField(
        child=serializers.FileField(allow_empty_file=True), required=False, default=list, help_text="JPEG or PNG."
    )


class ReopenSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=1000, validators=[validate_multiline_text])
