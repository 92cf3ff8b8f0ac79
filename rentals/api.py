"""The rentals API: rental houses and their tenancies, the checklist's categories, inspections
(one at a time or a batch from a phone's offline queue, with photos), hazards to their fix,
and the photos' files.

Thin: each view parses with ``rentals.serializers``, asks ``rentals.access`` for the object
(404 when the caller may not see it, 403 when the action is not theirs) and calls a service
or a selector. District roles read every town and write none (``TenantViewSet``).
"""

from __future__ import annotations

import uuid
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.http import FileResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, permissions, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from nanhai_portal.api.errors import ServiceError, _flatten
from nanhai_portal.api.idempotency import idempotent
from nanhai_portal.api.schema import ERROR_RESPONSE
from nanhai_portal.api.viewsets import TenantViewSet
from nanhai_portal.areas.models import Grid
from nanhai_portal.bodylimit import accepts_upload
from rentals import access, conf, selectors, services
from rentals.models import Hazard, HazardCategory, Inspection, Photo, RentalHouse
from rentals.serializers import (
    HazardCategorySerializer,
    HazardSerializer,
    InspectionCreateSerializer,
    InspectionListSerializer,
    InspectionSerializer,
    InspectionSyncSerializer,
    InspectionUpdateSerializer,
    PhotoSerializer,
    PhotoUploadSerializer,
    RectifySerializer,
    RentalHouseCreateSerializer,
    RentalHouseSerializer,
    ReopenSerializer,
    SyncAnswerSerializer,
    TenancyCreateSerializer,
    TenancySerializer,
    inspections_checked,
)
from residents.models import Resident
from residents.uploads import max_document_bytes

TRUE_FALSE = {"true": True, "false": False, "": None}


def _choice(request: Request, name: str, choices: dict[str, Any]) -> Any:
    """A query parameter from ``choices``; 400 naming the parameter for anything else."""
    value = request.query_params.get(name, "")
    if value not in choices:
        raise ServiceError(
            "validation_error", _("Some fields are not valid."), fields={name: [_("Not one of the choices.")]}
        )
    return choices[value]


def _uuid_param(request: Request, name: str) -> uuid.UUID | None:
    value = request.query_params.get(name, "")
    if not value:
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        raise ServiceError(
            "validation_error", _("Some fields are not valid."), fields={name: [_("Must be a valid UUID.")]}
        ) from None


def _photo_prefetch() -> Prefetch:
    return Prefetch("photos", queryset=Photo.objects.in_current_scope().order_by("uploaded_at"))


# --- Inspections ----------------------------------------------------------------------


class InspectionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    """Fire-safety inspections of the houses the caller may see, newest first.

    A grid worker records one (``POST``, once per ``client_id``) or a batch from the phone's
    offline queue (``POST sync/``), adds photos, and corrects the note or location against
    the version they saw (``PATCH`` with ``base_version``; 409 ``conflict`` when stale).
    """

    model = Inspection
    serializer_class = InspectionSerializer
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    filter_backends: list[Any] = []
    http_method_names = ["get", "post", "patch", "head", "options"]

    def scope_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        inspections = access.inspections_visible_to(self.request.user).select_related("inspector")
        if self.action == "list":
            return inspections.order_by("-inspected_at", "pk")
        return inspections.prefetch_related(_photo_prefetch())

    def get_serializer_class(self) -> Any:
        return InspectionListSerializer if self.action == "list" else InspectionSerializer

    def _reply(self, inspection: Inspection, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=inspection.pk)
        return Response(InspectionSerializer(fresh).data, status=code)

    @extend_schema(
        request=InspectionCreateSerializer,
        responses={201: InspectionSerializer, 200: InspectionSerializer, 404: ERROR_RESPONSE, 409: ERROR_RESPONSE},
        description=(
            "Record an inspection of a house of the grid worker's grids. 201 when made; 200 with the same body "
            "when the same `client_id` was sent before with the same content; 409 `conflict` with "
            "`current_version` when it was sent with other content. Each `hazard` answer opens a hazard."
        ),
    )
    @idempotent
    def create(self, request: Request) -> Response:
        data = InspectionCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        by = access.acting_user(request.user)
        house = access.get_house_for(by, fields.pop("house"), action=access.INSPECT)
        recorded = services.inspection_record(house=house, by=by, **fields)
        code = status.HTTP_201_CREATED if recorded.created else status.HTTP_200_OK
        return self._reply(recorded.inspection, code)

    @extend_schema(request=InspectionUpdateSerializer, responses=InspectionSerializer)
    def partial_update(self, request: Request, pk: str) -> Response:
        by = access.acting_user(request.user)
        inspection = access.get_inspection_for(by, pk, action=access.INSPECT)
        data = InspectionUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._reply(services.inspection_update(inspection=inspection, by=by, **data.validated_data))

    @extend_schema(
        request=InspectionSyncSerializer,
        responses={200: SyncAnswerSerializer, 413: ERROR_RESPONSE},
        description=(
            "A batch from the phone's offline queue. Each inspection is checked and recorded on its own and "
            "answered in `results` by its index: `created`, `duplicate` (sent before; nothing changes), "
            "`conflict` (the client id was sent with other content: `current_version`) or `refused` with a "
            "`code` (`invalid` with `fields`, `house_not_found`, `unknown_category`, `retired_category`, "
            "`invalid_result`, `duplicate_category`, ...). A batch over the limit is refused whole: 413 "
            "`batch_too_large`, with the limit."
        ),
    )
    @action(detail=False, methods=["post"])
    @idempotent
    def sync(self, request: Request) -> Response:
        by = access.acting_user(request.user)
        batch = request.data.get("inspections") if isinstance(request.data, dict) else None
        if not isinstance(batch, list):
            raise ServiceError(
                "validation_error",
                _("Some fields are not valid."),
                fields={"inspections": [_("A list of inspections.")]},
            )
        services.sync_batch_require_size(len(batch))
        results: dict[int, dict[str, Any]] = {}
        valid: list[tuple[int, dict[str, Any]]] = []
        for index, (raw, (fields, errors)) in enumerate(zip(batch, inspections_checked(batch), strict=True)):
            if fields is not None:
                valid.append((index, fields))
                continue
            client_id = raw.get("client_id", "") if isinstance(raw, dict) else ""
            results[index] = {
                "index": index,
                "client_id": str(client_id)[:64],
                "result": "refused",
                "inspection": None,
                "code": "invalid",
                "message": _("Some fields are not valid."),
                "current_version": None,
                "fields": _flatten(errors),
            }
        recorded = services.inspections_sync(batch=[fields for _index, fields in valid], by=by)
        for (index, _fields), outcome in zip(valid, recorded, strict=True):
            results[index] = {
                "index": index,
                "client_id": outcome.client_id,
                "result": outcome.result,
                "inspection": outcome.inspection.pk if outcome.inspection else None,
                "code": outcome.code,
                "message": outcome.message,
                "current_version": outcome.current_version,
                "fields": {},
            }
        return Response(SyncAnswerSerializer({"results": [results[i] for i in sorted(results)]}).data)

    @extend_schema(
        request={"multipart/form-data": PhotoUploadSerializer},
        responses={201: PhotoSerializer, 200: PhotoSerializer},
        description=(
            "A photo taken in the inspection (JPEG or PNG), by the grid worker of the house's grid. 200 with the "
            "photo stored before when its `client_id` was sent already. Not an image: 400 `wrong_file_type`; "
            "too large: 400 `file_too_large` or 413."
        ),
    )
    @accepts_upload(max_document_bytes)
    @action(detail=True, methods=["post"])
    @idempotent
    def photos(self, request: Request, pk: str) -> Response:
        by = access.acting_user(request.user)
        inspection = access.get_inspection_for(by, pk, action=access.INSPECT)
        data = PhotoUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        added = services.inspection_add_photo(
            inspection=inspection,
            upload=fields["file"],
            by=by,
            client_id=fields.get("client_id"),
            category=fields.get("category") or None,
        )
        code = status.HTTP_201_CREATED if added.created else status.HTTP_200_OK
        return Response(PhotoSerializer(added.photo).data, status=code)


# --- Photos' files --------------------------------------------------------------------


class PhotoFileApi(APIView):
    """A photo's file, for whoever may see its inspection's or hazard's house (404 otherwise)."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        responses={(200, "image/jpeg", "image/png"): OpenApiResponse(OpenApiTypes.BINARY, description="The photo.")}
    )
    def get(self, request: Request, photo_id: str) -> FileResponse:
        photo = access.get_photo_for(request.user, photo_id)
        response = FileResponse(photo.file.open("rb"), content_type=photo.content_type)
        response["Content-Disposition"] = 'inline; filename="photo"'
        response["Cache-Control"] = "private, no-store"
        response["X-Content-Type-Options"] = "nosniff"
        return response


# --- Houses and their tenancies -----------------------------------------------------------

HOUSE_PARAMETERS = [
    OpenApiParameter("grid", OpenApiTypes.UUID, description="Only the houses of this grid."),
    OpenApiParameter("community", OpenApiTypes.UUID, description="Only the houses of this community."),
    OpenApiParameter("risk_class", str, description="Only the houses of this risk class (分类管理), e.g. `key`."),
    OpenApiParameter(
        "due",
        str,
        enum=["true", "false"],
        description="`true`: only the houses due for inspection now (their risk class's interval has passed "
        "since the last visit, or never visited), the most overdue first; `false`: the others.",
    ),
]


class RentalHouseViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    """Rental houses (出租屋) the caller may see: a grid worker's grids, a landlord's own, a
    tenant's rented one, the town's for its officers, every town's for district roles."""

    model = RentalHouse
    serializer_class = RentalHouseSerializer
    filter_backends: list[Any] = []

    def scope_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.action != "list":
            return access.houses_visible_to(self.request.user)
        request = self.request
        risk_classes = {"": None, **{code: code for code in conf.risk_classes()}}
        return selectors.houses_listed(
            request.user,
            now=timezone.now(),
            grid=_uuid_param(request, "grid"),
            community=_uuid_param(request, "community"),
            risk_class=_choice(request, "risk_class", risk_classes),
            due=_choice(request, "due", TRUE_FALSE) or None,
        )

    @extend_schema(parameters=HOUSE_PARAMETERS)
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(RentalHouseSerializer(selectors.house_detail(request.user, pk)).data)

    @extend_schema(
        request=RentalHouseCreateSerializer,
        responses={201: RentalHouseSerializer},
        description=(
            "Register a rental house (出租屋登记). A landlord registers their own (no `landlord_id_number`); "
            "the grid worker of the grid or a town officer registers one for a landlord named by ID number, "
            "name and mobile number. The risk class follows the configured rule."
        ),
    )
    @idempotent
    def create(self, request: Request) -> Response:
        data = RentalHouseCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        grid = Grid.objects.filter(pk=fields.pop("grid")).first()
        if grid is None:
            raise ServiceError(
                "validation_error", _("Some fields are not valid."), fields={"grid": [_("No such grid in your town.")]}
            )
        house = services.house_register(by=access.acting_user(request.user), grid=grid, **fields)
        return Response(
            RentalHouseSerializer(selectors.house_detail(request.user, str(house.pk))).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(
        responses=TenancySerializer(many=True),
        description="The house's tenancies: all of them for its landlord, grid worker and the town; a tenant's own.",
    )
    @action(detail=True, methods=["get"])
    def tenancies(self, request: Request, pk: str) -> Response:
        house = access.get_house_for(request.user, pk)
        found = access.tenancies_of(request.user, house).select_related("resident__person").order_by("from_date", "pk")
        page = self.paginate_queryset(found)  # a key house may have hundreds of tenants
        return self.get_paginated_response(TenancySerializer(page, many=True).data)

    @extend_schema(
        request=TenancyCreateSerializer,
        responses={201: TenancySerializer},
        description=(
            "A resident rents the house from `from_date`: `resident` is the id of their residence registration "
            "in the house's town. By the landlord, the grid worker or the town's officers."
        ),
    )
    @tenancies.mapping.post
    @idempotent
    def tenancy_add(self, request: Request, pk: str) -> Response:
        by = access.acting_user(request.user)
        house = access.get_house_for(by, pk, action=access.MANAGE)
        data = TenancyCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        resident = Resident.objects.filter(pk=data.validated_data["resident"], town_id=house.town_id).first()
        if resident is None:
            message = _("No resident with this id is registered in the house's town.")
            raise ServiceError("resident_not_found", message, fields={"resident": [message]})
        tenancy = services.tenancy_add(
            house=house, resident=resident, from_date=data.validated_data["from_date"], by=by
        )
        return Response(TenancySerializer(tenancy).data, status=status.HTTP_201_CREATED)


# --- The checklist's categories ----------------------------------------------------------


class HazardCategoryListApi(APIView):
    """The fire-safety checklist's categories, district-wide, in both languages; a retired one
    stays listed (``retired``) for the inspections that used it and is refused in new ones."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses=HazardCategorySerializer(many=True))
    def get(self, request: Request) -> Response:
        return Response(HazardCategorySerializer(HazardCategory.objects.all(), many=True).data)


# --- Hazards to their fix ------------------------------------------------------------------

HAZARD_PARAMETERS = [
    OpenApiParameter("state", str, enum=Hazard.State.values, description="Only hazards in this state."),
    OpenApiParameter("category", str, description="Only hazards of this checklist category (its code)."),
    OpenApiParameter(
        "overdue", str, enum=["true", "false"], description="`true`: only those not fixed and past their deadline."
    ),
    OpenApiParameter("house", OpenApiTypes.UUID, description="Only the hazards of this house."),
]


def _max_rectification_bytes() -> int:
    return max_document_bytes() * conf.max_photos()


class HazardViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    """Hazards (隐患) of the houses the caller may see, the nearest deadline first. The landlord
    rectifies (整改) an open one with photos; the grid worker verifies the fix or reopens it."""

    model = Hazard
    serializer_class = HazardSerializer
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    filter_backends: list[Any] = []

    def scope_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        request = self.request
        if self.action != "list":
            return access.hazards_visible_to(request.user).prefetch_related(_photo_prefetch())
        category = request.query_params.get("category", "")
        if len(category) > 32:
            raise ServiceError(
                "validation_error", _("Some fields are not valid."), fields={"category": [_("Unknown category.")]}
            )
        return selectors.hazards_listed(
            request.user,
            now=timezone.now(),
            state=_choice(request, "state", {"": None, **{value: value for value in Hazard.State.values}}),
            category=category or None,
            overdue=_choice(request, "overdue", TRUE_FALSE) or None,
            house=_uuid_param(request, "house"),
        ).prefetch_related(_photo_prefetch())

    @extend_schema(parameters=HAZARD_PARAMETERS)
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    def retrieve(self, request: Request, pk: str) -> Response:
        return self._reply(access.get_hazard_for(request.user, pk))

    def _reply(self, hazard: Hazard) -> Response:
        user = access.acting_user(self.request.user)
        fresh = self.get_queryset().get(pk=hazard.pk)
        context = {"actions": lambda each: services.hazard_actions(each, user)}
        return Response(HazardSerializer(fresh, context=context).data)

    def _act(self, request: Request, pk: str, action: str, serializer: Any = None) -> tuple[Hazard, dict[str, Any]]:
        """The hazard of the URL for ``action`` (404 when not visible, 403 when not the caller's),
        then the body's fields (400), and the acting user among them as ``by``."""
        by = access.acting_user(request.user)
        hazard = access.get_hazard_for(by, pk, action=services.HAZARD_ACTION_BY[action])
        fields: dict[str, Any] = {"by": by}
        if serializer is not None:
            data = serializer(data=request.data)
            data.is_valid(raise_exception=True)
            fields.update(data.validated_data)
        return hazard, fields

    @extend_schema(
        request={"multipart/form-data": RectifySerializer, "application/json": RectifySerializer},
        responses={200: HazardSerializer, 413: ERROR_RESPONSE},
        description=(
            "The landlord says the hazard is fixed: `note` and `photos` (JPEG or PNG, several). A hazard that "
            "is not open: 409 `invalid_transition`. A bad photo refuses the whole rectification and keeps nothing."
        ),
    )
    @accepts_upload(_max_rectification_bytes)
    @action(detail=True, methods=["post"])
    @idempotent
    def rectify(self, request: Request, pk: str) -> Response:
        hazard, fields = self._act(request, pk, "rectify", RectifySerializer)
        return self._reply(services.hazard_rectify(hazard=hazard, **fields))

    @extend_schema(request=None, responses=HazardSerializer)
    @action(detail=True, methods=["post"])
    @idempotent
    def verify(self, request: Request, pk: str) -> Response:
        hazard, fields = self._act(request, pk, "verify")
        return self._reply(services.hazard_verify(hazard=hazard, **fields))

    @extend_schema(request=ReopenSerializer, responses=HazardSerializer)
    @action(detail=True, methods=["post"])
    @idempotent
    def reopen(self, request: Request, pk: str) -> Response:
        hazard, fields = self._act(request, pk, "reopen", ReopenSerializer)
        return self._reply(services.hazard_reopen(hazard=hazard, **fields))
