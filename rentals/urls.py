"""Pages of rentals, mounted at /rentals/ by nanhai_portal.urls."""

from django.urls import path

app_name = "rentals"

urlpatterns: list = []

# --- Officers and the district: the town's hazards, the escalation queues, the houses list ---
from rentals.views import officer  # noqa: E402

urlpatterns += [
    path("hazards/", officer.hazards, name="hazards"),
    path("escalations/", officer.escalations, name="escalations"),
    path("houses/", officer.houses, name="houses"),
]
