"""Pages of rentals, mounted at /rentals/ by nanhai_portal.urls."""

from django.urls import path

from rentals.views import grid, landlord, officer

app_name = "rentals"

urlpatterns: list = []

# --- The grid worker's day and the offline inspection (rentals.views.grid) ---
urlpatterns += [
    path("today/", grid.today, name="today"),
    path("houses/<uuid:house_id>/inspect/", grid.inspect, name="inspect"),
    path("inspect/offline/", grid.inspect_offline, name="inspect-offline"),
    path("manifest.webmanifest", grid.manifest, name="manifest"),
    path("sw.js", grid.service_worker, name="service-worker"),
]

# --- The landlord's and the tenant's pages; one house, one hazard, photos, the notice (helper C) ---
urlpatterns += [
    path("mine/", landlord.my_houses, name="my-houses"),
    path("houses/new/", landlord.house_register, name="register"),
    path("houses/<uuid:house_id>/", landlord.house_detail, name="house"),
    path("houses/<uuid:house_id>/tenants/", landlord.house_tenants, name="tenants"),
    path("houses/<uuid:house_id>/notice.pdf", landlord.house_notice, name="notice"),
    path("hazards/<uuid:hazard_id>/", landlord.hazard_detail, name="hazard"),
    path("hazards/<uuid:hazard_id>/<slug:action>/", landlord.hazard_action, name="hazard-action"),
    path("photos/<uuid:photo_id>/", landlord.photo, name="photo"),
]

# --- Officers and the district: the town's hazards, the escalation queues, the houses list ---
urlpatterns += [
    path("hazards/", officer.hazards, name="hazards"),
    path("escalations/", officer.escalations, name="escalations"),
    path("houses/", officer.houses, name="houses"),
]
