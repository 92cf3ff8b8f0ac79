"""Read-only API of towns, communities and grids."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django_filters import rest_framework as filters
from rest_framework import mixins, permissions, viewsets

from nanhai_portal.api.viewsets import TenantViewSet
from nanhai_portal.areas import access
from nanhai_portal.areas.models import Community, Grid, Town
from nanhai_portal.areas.serializers import CommunitySerializer, GridSerializer, TownSerializer


class TownViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The seven towns and streets (镇街)."""

    serializer_class = TownSerializer
    permission_classes = [permissions.IsAuthenticated]
    lookup_field = "code"
    pagination_class = None

    def get_queryset(self) -> QuerySet[Town]:
        return access.towns_visible_to(self.request.user)


class CommunityFilter(filters.FilterSet):
    town = filters.CharFilter(field_name="town_id")

    class Meta:
        model = Community
        fields = ["town", "kind"]


class CommunityViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    """Villages and communities of the caller's town (every town for district roles)."""

    model = Community
    serializer_class = CommunitySerializer
    filterset_class = CommunityFilter

    def scope_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return access.communities_visible_to(self.request.user)


class GridFilter(filters.FilterSet):
    town = filters.CharFilter(field_name="town_id")

    class Meta:
        model = Grid
        fields = ["town", "community"]


class GridViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    """Grids of the caller's town.

    Officers (model permission ``areas.view_grid``) see every grid of their town; a grid
    worker holds no model permission, only ``areas.serve_grid`` on the grids they serve,
    and sees just those.
    """

    model = Grid
    serializer_class = GridSerializer
    filterset_class = GridFilter

    def scope_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return access.grids_visible_to(self.request.user)
