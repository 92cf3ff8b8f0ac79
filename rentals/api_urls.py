"""The rentals API under /api/v1/ (see rentals/api.py)."""

urlpatterns: list = []
