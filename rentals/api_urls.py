"""The rentals API under /api/v1/ (see rentals/api.py)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from rentals import api

router = SimpleRouter()
router.register("inspections", api.InspectionViewSet, basename="inspection")

urlpatterns: list = [
    path("photos/<uuid:photo_id>/", api.PhotoFileApi.as_view(), name="rental-photo"),
    *router.urls,
]
