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
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
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
from nanhai_portal.bodylimit import accepts_upload
from rentals import access, services
from rentals.models import Inspection, InspectionItem, Photo
from rentals.serializers import (
    InspectionCreateSerializer,
    InspectionListSerializer,
    InspectionSerializer,
    InspectionSyncSerializer,
    InspectionUpdateSerializer,
    PhotoSerializer,
    PhotoUploadSerializer,
    SyncAnswerSerializer,
)
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


def _uuid_param(request: Request, name: str) -> str | None:
    value = request.query_params.get(name, "")
    if not value:
        return None
    try:
        return str(uuid.UUID(value))
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
        return inspections.prefetch_related(
            Prefetch("items", queryset=InspectionItem.objects.in_current_scope().order_by("category__sort_order")),
            _photo_prefetch(),
        )

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
        for index, raw in enumerate(batch):
            item = InspectionCreateSerializer(data=raw)
            if item.is_valid():
                valid.append((index, dict(item.validated_data)))
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
                "fields": _flatten(item.errors),
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
