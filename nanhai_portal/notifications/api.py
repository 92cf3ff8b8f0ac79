"""API of the inbox (``/api/v1/notifications/``) and of fan-outs (``/api/v1/fanouts/``)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from nanhai_portal.api.idempotency import idempotent
from nanhai_portal.api.pagination import PagePagination
from nanhai_portal.api.viewsets import TenantViewSet
from nanhai_portal.notifications import access, fanouts, selectors, services
from nanhai_portal.notifications.models import FanOut, Notification
from nanhai_portal.notifications.serializers import (
    FanOutCreateSerializer,
    FanOutSerializer,
    MarkAllReadSerializer,
    NotificationSerializer,
)

UUID_PATTERN = "[0-9a-fA-F-]{36}"


class InboxPagination(PagePagination):
    """Pages of the inbox, with the reader's unread count beside them."""

    def get_paginated_response(self, data: Any) -> Response:
        response = super().get_paginated_response(data)
        response.data["unread_count"] = selectors.unread_count(self.request.user)  # type: ignore[union-attr]
        return response

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        paginated = super().get_paginated_response_schema(schema)
        paginated["properties"]["unread_count"] = {"type": "integer", "example": 3}
        return paginated


class NotificationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The caller's own inbox, newest first.

    Notifications belong to a person, not a town: the queryset is the caller's inbox, so
    another person's notification is a 404, the same answer as one that does not exist.
    """

    serializer_class = NotificationSerializer
    pagination_class = InboxPagination
    lookup_value_regex = UUID_PATTERN
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[Notification]:
        if getattr(self, "swagger_fake_view", False):  # drf-spectacular, building the schema
            return Notification.objects.none()
        return access.inbox_for(self.request.user)

    @extend_schema(request=None, responses=NotificationSerializer)
    @action(detail=True, methods=["post"])
    @idempotent
    def read(self, request: Request, pk: str | None = None) -> Response:
        """Mark one notification read."""
        notification = services.notification_mark_read(notification=self.get_object())
        return Response(self.get_serializer(notification).data)

    @extend_schema(request=None, responses=MarkAllReadSerializer)
    @action(detail=False, methods=["post"], url_path="read-all")
    @idempotent
    def read_all(self, request: Request) -> Response:
        """Mark every unread notification of the caller read."""
        marked = services.notification_mark_all_read(user=request.user)
        return Response({"marked": marked, "unread_count": selectors.unread_count(request.user)})

    @extend_schema(responses=inline_serializer("UnreadCount", {"unread_count": serializers.IntegerField()}))
    @action(detail=False, methods=["get"], url_path="unread-count")
    def unread_count(self, request: Request) -> Response:
        """How many of the caller's notifications are unread (cheap: cached)."""
        return Response({"unread_count": selectors.unread_count(request.user)})


class CanStartFanOut(permissions.BasePermission):
    """Reading is for everyone signed in (the queryset decides what they see); starting a
    fan-out needs the model permission ``notifications.add_fanout``."""

    message = _("Your role cannot send messages to groups of people.")

    def has_permission(self, request: Request, view: Any) -> bool:
        return request.method in permissions.SAFE_METHODS or access.may_start_fanout(request.user)


class FanOutViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    """Fan-outs (群发) of the caller's town, with their progress.

    Staff with ``notifications.view_fanout`` see all of their town's (district roles every
    town's, read-only); others see those they started. Another town's fan-out is a 404.
    """

    model = FanOut
    serializer_class = FanOutSerializer
    permission_classes = [*TenantViewSet.permission_classes, CanStartFanOut]
    lookup_value_regex = UUID_PATTERN

    def scope_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return access.fanouts_visible_to(self.request.user)

    @extend_schema(request=FanOutCreateSerializer, responses={201: FanOutSerializer})
    @idempotent
    def create(self, request: Request) -> Response:
        """Send an event (e.g. ``broadcast.message``) to a segment of the caller's town."""
        given = FanOutCreateSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        try:
            fanout = fanouts.fanout_start(created_by=request.user, **given.validated_data)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.message_dict) from error
        return Response(FanOutSerializer(fanout).data, status=status.HTTP_201_CREATED)
