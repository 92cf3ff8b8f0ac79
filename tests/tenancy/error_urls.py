"""The site's URL map plus views that write and then refuse, for tests/tenancy/test_error_rollback.py."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import path
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from nanhai_portal.api.errors import ServiceError
from nanhai_portal.audit.services import audit_record
from nanhai_portal.errors import DomainError
from nanhai_portal.urls import urlpatterns as site_urlpatterns

ACTION = "test.written_before_refusal"


def _write(request: Any, how: str) -> None:
    audit_record(action=ACTION, actor=request.user, target=request.user, changes={"how": how})


class WriteThenRefuseApi(APIView):
    """Writes an audit event, then answers as ``how`` says."""

    def post(self, request: Request, how: str) -> Response:
        _write(request, how)
        if how == "domain-error":
            raise DomainError("refused after writing", code="refused")
        if how == "validation-error":
            raise serializers.ValidationError({"field": ["not valid"]})
        if how == "service-error":
            raise ServiceError("refused", "refused after writing", status_code=409)
        if how == "crash":
            raise RuntimeError("a bug after writing")
        return Response({"written": True}, status=201)


def write_then_page(request: HttpRequest, how: str) -> HttpResponse:
    _write(request, how)
    if how == "bad-request":
        return HttpResponse("form errors", status=400)
    if how == "crash":
        raise RuntimeError("a bug after writing")
    return HttpResponse("done")


urlpatterns = [
    path("test/api/write-then/<str:how>/", WriteThenRefuseApi.as_view()),
    path("test/page/write-then/<str:how>/", write_then_page),
    *site_urlpatterns,
]
