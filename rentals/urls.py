"""Pages of rentals, mounted at /rentals/ by nanhai_portal.urls."""

from django.urls import path

app_name = "rentals"

urlpatterns: list = []

# --- The grid worker's day and the offline inspection (rentals.views.grid) ---
from rentals.views import grid  # noqa: E402

urlpatterns += [
    path("today/", grid.today, name="today"),
    path("houses/<uuid:house_id>/inspect/", grid.inspect, name="inspect"),
    path("inspect/offline/", grid.inspect_offline, name="inspect-offline"),
    path("manifest.webmanifest", grid.manifest, name="manifest"),
    path("sw.js", grid.service_worker, name="service-worker"),
]
