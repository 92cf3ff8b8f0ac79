"""The rentals API under /api/v1/ (see rentals/api.py)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from rentals import api

router = SimpleRouter()
router.register("rental-houses", api.RentalHouseViewSet, basename="rental-house")
router.register("inspections", api.InspectionViewSet, basename="inspection")
router.register("hazards", api.HazardViewSet, basename="hazard")

urlpatterns: list = [
    path("hazard-categories/", api.HazardCategoryListApi.as_view(), name="hazard-categories"),
    path("photos/<uuid:photo_id>/", api.PhotoFileApi.as_view(), name="rental-photo"),
    *router.urls,
]
