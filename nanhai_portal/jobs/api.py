"""API of import jobs: upload, list, progress, cancel, error reports (``/api/v1/jobs/``)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import FileResponse
from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, permissions, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from nanhai_portal.api.errors import ServiceError
from nanhai_portal.api.idempotency import idempotent
from nanhai_portal.api.viewsets import DistrictReadOnly, TenantViewSet
from nanhai_portal.bodylimit import accepts_upload
from nanhai_portal.jobs import access, conf, reports, services
from nanhai_portal.jobs.files import UploadRejected
from nanhai_portal.jobs.models import ImportJob
from nanhai_portal.jobs.serializers import ImportJobCreateSerializer, ImportJobSerializer


class ImportJobPermission(permissions.BasePermission):
    """The role answers for the collection (list, upload); for one job, ``access`` does:
    another town's job, or any job for a role that follows none, is a 404, and only a
    visible job that the caller may not cancel is a 403."""

    def has_permission(self, request: Request, view: Any) -> bool:
        action = getattr(view, "action", None) or ""
        if action == "list":
            return access.may_follow_jobs(request.user)
        if action == "create":
            return access.may_import(request.user)
        return True  # one job: visible or not (404), and may cancel it or not (403), below

    def has_object_permission(self, request: Request, view: Any, obj: Any) -> bool:
        return getattr(view, "action", None) != "cancel" or access.may_cancel(request.user, obj)


class _FileRenderer(BaseRenderer):
    """Lets a client ask for the report's type (``Accept: text/csv``) without a 406; the report
    itself is a FileResponse, and refusals are JSON (``finalize_response``)."""

    charset = None

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> bytes:
        return JSONRenderer().render(data, accepted_media_type, renderer_context)


class CSVFileRenderer(_FileRenderer):
    media_type = "text/csv"
    format = "csv"


class XLSXFileRenderer(_FileRenderer):
    media_type = reports.XLSX_TYPE
    format = "xlsx"


class ImportJobFilter(filters.FilterSet):
    town = filters.CharFilter(field_name="town_id")

    class Meta:
        model = ImportJob
        fields = ["town", "kind", "status"]


class ImportJobViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    """Bulk imports of the caller's town (every town's, read-only, for district roles).

    Upload a CSV or XLSX file with ``kind`` and ``file`` (multipart); a worker imports it
    in the background. Follow ``percent``, ``rows_per_second`` and ``seconds_left``; once it
    has ended, ``outcome`` says ``succeeded_with_errors`` if some rows could not be imported
    (``outcome_label`` says it in words). Fetch those rows from ``errors.csv`` or
    ``errors.xlsx``, in the language of ``Accept-Language`` (Chinese by default).
    """

    model = ImportJob
    serializer_class = ImportJobSerializer
    filterset_class = ImportJobFilter
    permission_classes = [permissions.IsAuthenticated, DistrictReadOnly, ImportJobPermission]
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    def scope_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return access.jobs_visible_to(self.request.user)

    def get_renderers(self) -> list[BaseRenderer]:
        if getattr(self, "action", None) in ("errors_csv", "errors_xlsx"):
            return [JSONRenderer(), CSVFileRenderer(), XLSXFileRenderer()]
        return super().get_renderers()

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        """A refusal of a report is JSON and says so, whichever type the client asked for."""
        if isinstance(getattr(request, "accepted_renderer", None), _FileRenderer):
            request.accepted_renderer, request.accepted_media_type = JSONRenderer(), JSONRenderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)

    @extend_schema(request=ImportJobCreateSerializer, responses={201: ImportJobSerializer})
    @accepts_upload(lambda: conf.MAX_UPLOAD_BYTES)
    @idempotent
    def create(self, request: Request) -> Response:
        given = ImportJobCreateSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        try:
            job = services.job_create(
                kind=given.validated_data["kind"], upload=given.validated_data["file"], by=request.user
            )
        except UploadRejected as refusal:
            raise ServiceError(refusal.code, refusal.message, fields={"file": [refusal.message]}) from None
        return Response(ImportJobSerializer(job).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: ImportJobSerializer})
    @action(detail=True, methods=["post"])
    @idempotent
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        job = self.get_object()
        try:
            job = services.job_cancel(job=job, by=request.user)
        except services.JobNotCancellable:
            raise ServiceError(
                "job_finished", _("This import has already ended; it cannot be cancelled."), status.HTTP_409_CONFLICT
            ) from None
        return Response(ImportJobSerializer(job).data)

    @extend_schema(
        responses={(200, "text/csv"): OpenApiResponse(OpenApiTypes.BINARY, description="The error report as CSV.")}
    )
    def errors_csv(self, request: Request, pk: str | None = None) -> FileResponse:
        job = self.get_object()
        return FileResponse(
            reports.render_csv(job),
            as_attachment=True,
            filename=reports.report_file_name(job, "csv"),
            content_type=reports.CSV_TYPE,
        )

    @extend_schema(
        responses={
            (200, reports.XLSX_TYPE): OpenApiResponse(OpenApiTypes.BINARY, description="The error report as XLSX.")
        }
    )
    def errors_xlsx(self, request: Request, pk: str | None = None) -> FileResponse:
        job = self.get_object()
        return FileResponse(
            reports.render_xlsx(job),
            as_attachment=True,
            filename=reports.report_file_name(job, "xlsx"),
            content_type=reports.XLSX_TYPE,
        )
