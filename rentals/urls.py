"""Pages of rentals, mounted at /rentals/ by nanhai_portal.urls."""

from django.urls import path  # noqa: F401  (the page modules add their paths below)

app_name = "rentals"

urlpatterns: list = []
