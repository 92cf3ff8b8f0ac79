"""The rentals API under /api/v1/ (see rentals/api.py)."""

from django.urls import path

from rentals.views.landlord import HouseNoticeApi

urlpatterns: list = []

# The rectification notice (helper C).
urlpatterns += [path("rental-houses/<uuid:pk>/notice.pdf", HouseNoticeApi.as_view(), name="rental-house-notice")]
