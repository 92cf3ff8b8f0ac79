"""The audit trail over the API (read-only), and revealing personal data in full."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import QuerySet
from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from nanhai_portal.api.schema import ERROR_RESPONSE
from nanhai_portal.api.viewsets import TenantViewSet
from nanhai_portal.audit import access, selectors
from nanhai_portal.audit.models import AuditEvent
from nanhai_portal.pii.services import pii_reveal


class AuditEventSerializer(serializers.ModelSerializer[AuditEvent]):
    town = serializers.CharField(source="town_id", read_only=True, allow_null=True)

    class Meta:
        model = AuditEvent
        fields = [
            "id", "occurred_at", "town", "actor_username", "actor_role", "action",
            "object_type", "object_id", "object_repr", "changes", "ip_address", "request_id",
        ]  # fmt: skip


class CanViewAudit(permissions.BasePermission):
    """The list is refused to a role that reads no events (403); one event is found, or not,
    by ``access`` (another town's, or any for such a role, is a 404)."""

    def has_permission(self, request: Request, view: Any) -> bool:
        return getattr(view, "action", None) != "list" or access.may_read_audit(request.user)


class AuditEventViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    """Town admins read their town's events; district admins every town's (and district-level ones)."""

    model = AuditEvent
    serializer_class = AuditEventSerializer
    permission_classes = [*TenantViewSet.permission_classes, CanViewAudit]
    filterset_class = selectors.AuditEventFilter

    def scope_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return access.audit_events_visible_to(self.request.user)


class RevealRequestSerializer(serializers.Serializer):
    object_type = serializers.RegexField(
        r"^[A-Za-z_][A-Za-z0-9_]*\.[A-Za-z_][A-Za-z0-9_]*\Z",
        max_length=100,
        help_text="app_label.model, e.g. accounts.user",
    )
    object_id = serializers.CharField(max_length=64)
    field = serializers.RegexField(r"^[A-Za-z_][A-Za-z0-9_]*\Z", max_length=64)


class RevealResponseSerializer(serializers.Serializer):
    value = serializers.CharField()


class PIIRevealApi(APIView):
    """Reveal one encrypted field in full. Needs the reveal permission; always audited."""

    @extend_schema(request=RevealRequestSerializer, responses={200: RevealResponseSerializer, 404: ERROR_RESPONSE})
    def post(self, request: Request) -> Response:
        data = RevealRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            value = pii_reveal(actor=request.user, **data.validated_data)
        except ObjectDoesNotExist:
            raise Http404 from None
        response = Response({"value": value})
        response["Cache-Control"] = "no-store"
        return response
